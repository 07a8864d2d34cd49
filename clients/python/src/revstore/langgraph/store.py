"""LangGraph memory stores on Revstore, where every item keeps its history.

All items live in one session (``langgraph-store`` unless named): an item is an ``Item``
entity whose id is its namespace and key, and whose data holds its value. Every put is a new
version of it, and so is a delete (its data then has no ``value``), so ``history(namespace,
key)`` gives each value it had, newest first, and an item can be put again after a delete. In a
``batch``, each run of consecutive puts and deletes is one commit, sent with the gets after it
as one JSON-RPC batch, so each read sees exactly the writes before it.

Values are JSON objects. Searches filter on their fields (``$eq $ne $gt $gte $lt $lte``, nested
objects by field) and return the most recently updated first; there is no vector search
(``query`` is ignored, ``score`` is None), and no TTL.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, AsyncIterator, Iterable, Iterator, Optional

from langgraph.store.base import (
    BaseStore,
    GetOp,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
)

from ..errors import AlreadyExistsError, NotFoundError
from . import _codec
from ._plan import Call, Plan, arun, aspawned, connection_of, run, spawned

ITEM = "Item"
#: Items per page when a listing reads every item.
PAGE = 1000
_OPERATORS = {"$eq": "eq", "$ne": "ne", "$gt": "gt", "$gte": "gte", "$lt": "lt", "$lte": "lte"}
_PLAIN = re.compile(r"[A-Za-z0-9_\-]+")


@dataclass(frozen=True)
class ItemVersion:
    """One version of an item: its value (None once deleted) and the item's own version number."""
    namespace: tuple[str, ...]
    key: str
    value: Optional[dict[str, Any]]
    version: int
    updated_at: datetime
    deleted: bool


def _path(namespace: tuple[str, ...]) -> str:
    """A namespace as one string whose prefixes are its prefixes: labels cannot hold periods."""
    return "".join(label + "." for label in namespace)


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _item(entity: dict[str, Any], search: bool = False) -> Item:
    data = entity["data"]
    fields = dict(namespace=tuple(data["namespace"]), key=data["key"], value=data["value"],
                  created_at=_time(entity["createdAt"]), updated_at=_time(entity["updatedAt"]))
    return SearchItem(**fields) if search else Item(**fields)


def _conditions(prefix: str, value: Any, where: dict[str, Any]) -> bool:
    """Adds the server conditions for a filter value at field ``prefix``; False when the filter
    needs checking here instead."""
    if isinstance(value, dict) and any(key.startswith("$") for key in value):
        operators = {}
        for key, operand in value.items():
            if key not in _OPERATORS or not _codec.is_json(operand):
                return False
            operators[_OPERATORS[key]] = operand
        where[prefix] = operators
        return True
    if isinstance(value, dict):
        return all(_PLAIN.fullmatch(key) and _conditions(f"{prefix}.{key}", operand, where) for key, operand in value.items())
    if not _codec.is_json(value):
        return False
    where[prefix] = {"eq": value}
    return True


def _compare(value: Any, wanted: Any) -> bool:
    """LangGraph's filter semantics, for filters the server cannot take."""
    if isinstance(wanted, dict):
        if any(key.startswith("$") for key in wanted):
            return all(_apply(value, key, operand) for key, operand in wanted.items())
        return isinstance(value, dict) and all(_compare(value.get(k), v) for k, v in wanted.items())
    return value == wanted


def _apply(value: Any, operator: str, operand: Any) -> bool:
    if operator == "$eq":
        return value == operand
    if operator == "$ne":
        return value != operand
    try:
        left, right = float(value), float(operand)
    except (TypeError, ValueError):
        return False
    return {"$gt": left > right, "$gte": left >= right, "$lt": left < right, "$lte": left <= right}[operator]


def _matches(namespace: tuple[str, ...], conditions: Any) -> bool:
    for condition in conditions or ():
        path = tuple(condition.path)
        if len(namespace) < len(path):
            return False
        pairs = zip(namespace, path) if condition.match_type == "prefix" else zip(reversed(namespace), reversed(path))
        if any(p != "*" and n != p for n, p in pairs):
            return False
    return True


class _RevstoreStoreBase(BaseStore):
    def __init__(self, db: Any, *, session: str = "langgraph-store"):
        self._connection = connection_of(db)
        self.session = session
        self._ready = False

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        return run(self._connection, self._batch(list(ops)))

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await arun(self._connection, self._batch(list(ops)))

    def history(self, namespace: tuple[str, ...], key: str, *, limit: int = 100) -> list[ItemVersion]:
        """The item's versions, newest first: each value it had (None once deleted)."""
        return run(self._connection, self._history(tuple(namespace), key, limit))

    async def ahistory(self, namespace: tuple[str, ...], key: str, *, limit: int = 100) -> list[ItemVersion]:
        return await arun(self._connection, self._history(tuple(namespace), key, limit))

    def _ensure_session(self) -> Plan:
        if not self._ready:
            try:
                yield Call("session/create", {"session": self.session})
            except AlreadyExistsError:
                pass
            self._ready = True

    def _history(self, namespace: tuple[str, ...], key: str, limit: int) -> Plan:
        try:
            found = yield Call("entity/history", {"session": self.session, "type": ITEM, "id": _codec.key(*namespace, key), "limit": limit})
        except NotFoundError:
            return []
        return [ItemVersion(namespace=namespace, key=key, value=e["data"].get("value"), version=e["version"],
                            updated_at=_time(e["updatedAt"]), deleted="value" not in e["data"]) for e in found["versions"]]

    def _batch(self, ops: list[Op]) -> Plan:
        yield from self._ensure_session()
        results: list[Result] = [None] * len(ops)
        index = 0
        while index < len(ops):
            # One round trip: a run of writes as one commit, then the reads up to the next
            # write, which therefore see exactly the writes before them.
            writes = []
            while index < len(ops) and isinstance(ops[index], PutOp):
                writes.append(self._write(ops[index]))
                index += 1
            calls = [Call("commit", {"session": self.session, "ops": writes})] if writes else []
            reads: list[tuple[int, Optional[int], Op]] = []
            while index < len(ops) and not isinstance(ops[index], PutOp):
                op = ops[index]
                if isinstance(op, GetOp):
                    reads.append((index, len(calls), op))
                    calls.append(Call("entity/get", {"session": self.session, "type": ITEM, "id": _codec.key(*op.namespace, op.key)}))
                elif isinstance(op, (SearchOp, ListNamespacesOp)):
                    reads.append((index, None, op))
                else:
                    raise TypeError(f"unknown store op {type(op).__name__}")
                index += 1
            replies = (yield calls) if calls else []
            for reply in replies:
                if isinstance(reply, BaseException):
                    raise reply
            for position, call, op in reads:
                if call is not None:
                    entity = replies[call]["entity"]
                    results[position] = _item(entity) if entity and "value" in entity["data"] else None
                elif isinstance(op, SearchOp):
                    results[position] = yield from self._search(op)
                else:
                    results[position] = yield from self._list_namespaces(op)
        return results

    @staticmethod
    def _write(op: PutOp) -> dict[str, Any]:
        """The commit op of a put, or of a delete: a version without a value."""
        data = {"namespace": list(op.namespace), "path": _path(op.namespace), "key": op.key}
        if op.value is not None:
            data["value"] = op.value
        return {"op": "put", "type": ITEM, "id": _codec.key(*op.namespace, op.key), "data": data}

    def _search(self, op: SearchOp) -> Plan:
        where: dict[str, Any] = {"value": {"exists": True}}
        if op.namespace_prefix:
            where["path"] = {"startsWith": _path(op.namespace_prefix)}
        local: dict[str, Any] = {}
        for name, wanted in (op.filter or {}).items():
            if not (_PLAIN.fullmatch(name) and _conditions(f"value.{name}", wanted, where)):
                local[name] = wanted
        if not local:
            found = yield Call("entity/query", {"session": self.session, "type": ITEM, "where": where,
                                                "orderBy": ["-$updatedAtVersion"], "limit": op.limit, "offset": op.offset})
            return [_item(entity, search=True) for entity in found["entities"]]
        matching: list[Item] = []
        offset = 0
        while len(matching) < op.offset + op.limit:
            found = yield Call("entity/query", {"session": self.session, "type": ITEM, "where": where,
                                                "orderBy": ["-$updatedAtVersion"], "limit": PAGE, "offset": offset})
            matching += [_item(e, search=True) for e in found["entities"]
                         if all(_compare(e["data"]["value"].get(name), wanted) for name, wanted in local.items())]
            if len(found["entities"]) < PAGE:
                break
            offset += PAGE
        return matching[op.offset:op.offset + op.limit]

    def _list_namespaces(self, op: ListNamespacesOp) -> Plan:
        namespaces: set[tuple[str, ...]] = set()
        below: Optional[str] = None
        while True:
            where: dict[str, Any] = {"value": {"exists": True}}
            if below is not None:
                where["$id"] = {"gt": below}
            found = yield Call("entity/query", {"session": self.session, "type": ITEM, "orderBy": ["$id"], "limit": PAGE, "where": where})
            for entity in found["entities"]:
                namespace = tuple(entity["data"]["namespace"])
                if _matches(namespace, op.match_conditions):
                    namespaces.add(namespace[:op.max_depth] if op.max_depth is not None else namespace)
            if len(found["entities"]) < PAGE:
                break
            below = found["entities"][-1]["id"]
        return sorted(namespaces)[op.offset:op.offset + op.limit]


class RevstoreStore(_RevstoreStoreBase):
    """A LangGraph ``BaseStore`` on a Revstore store, every item with its history.

    ```python
    from revstore.langgraph import RevstoreStore

    with RevstoreStore.from_conn_string("memory.sqlite") as store:
        store.put(("users", "u1"), "prefs", {"theme": "dark"})
        store.put(("users", "u1"), "prefs", {"theme": "light"})
        [v.value for v in store.history(("users", "u1"), "prefs")]  # light, then dark
    ```
    """

    @classmethod
    @contextlib.contextmanager
    def from_conn_string(cls, conn_string: str, *, session: str = "langgraph-store",
                         binary: Optional[str] = None) -> Iterator["RevstoreStore"]:
        """Starts a server on the store file ``conn_string`` (``":memory:"`` for a throwaway
        one) and stops it when the block ends."""
        with spawned(conn_string, binary) as db:
            yield cls(db, session=session)


class AsyncRevstoreStore(_RevstoreStoreBase):
    """The same store, made with ``async with AsyncRevstoreStore.from_conn_string(path)``."""

    @classmethod
    @contextlib.asynccontextmanager
    async def from_conn_string(cls, conn_string: str, *, session: str = "langgraph-store",
                               binary: Optional[str] = None) -> AsyncIterator["AsyncRevstoreStore"]:
        """Starts a server on the store file ``conn_string`` (``":memory:"`` for a throwaway
        one) and stops it when the block ends."""
        async with aspawned(conn_string, binary) as db:
            yield cls(db, session=session)
