"""LangGraph checkpointers on Revstore.

How a LangGraph thread lives in a store (``revstore`` from the shell shows all of it):

- a thread is a session, named by its ``thread_id``;
- a checkpoint is a ``Checkpoint`` entity (its metadata, parent and channel versions), written
  with the channels it changed in one commit, so it is one session version;
- a channel's value is a ``Channel`` entity per namespace and channel, updated when the channel
  changes: a read at the checkpoint's version gives every channel as it was. A list that grew
  is sent and stored as the elements it gained, so a conversation is stored about once, not
  once per step;
- pending writes are ``Write`` entities, a list element by element as in a channel, so the
  messages a node wrote and the channel they went into share their blobs;
- a fork (a checkpoint whose parent is not the latest of its namespace: ``update_state`` on an
  old checkpoint, a replay) starts a branch at its parent's version, so both lines keep their
  history and share what came before.

Deleting a thread, ``prune`` and ``delete_for_runs`` remove the data from the file for good
(purge, compaction and SQLite's ``secure_delete``), not just from view. Several processes may
share one store file; one thread should be run by one process at a time, as LangGraph expects.
"""
from __future__ import annotations

import collections
import contextlib
import operator
import re
import threading
import uuid
from typing import Any, AsyncIterator, Iterator, Optional, Sequence

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)
from langgraph.checkpoint.serde.base import SerializerProtocol

from ..errors import AlreadyExistsError, ConflictError, NotFoundError
from . import _codec
from ._plan import Call, Item, Plan, aiterate, arun, aspawned, connection_of, iterate, run, spawned

CHECKPOINT = "Checkpoint"
CHANNEL = "Channel"
WRITE = "Write"
#: Rows per query page.
PAGE = 500
#: Threads whose latest checkpoint and channel lists a saver remembers.
REMEMBERED_THREADS = 1024


class _Head:
    """The latest checkpoint this saver put in one namespace of a thread, and the lists its
    channels held, to send the next checkpoint's list channels as what they gained."""

    __slots__ = ("checkpoint_id", "branch", "lists")

    def __init__(self, checkpoint_id: str, branch: str, lists: dict[str, list[Any]]):
        self.checkpoint_id = checkpoint_id
        self.branch = branch
        self.lists = lists


def _branch_name(checkpoint_id: str) -> str:
    return "fork/" + (re.sub(r"[^A-Za-z0-9._-]", "_", checkpoint_id)[:100] or uuid.uuid4().hex)


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}}


class _RevstoreCheckpointer(BaseCheckpointSaver[int]):
    """What both savers share: every method, blocking and async alike (the connection serves
    any thread and event loop)."""

    def __init__(self, db: Any, *, serde: Optional[SerializerProtocol] = None):
        super().__init__(serde=serde)
        self._connection = connection_of(db)
        self._lock = threading.Lock()
        self._sessions: set[str] = set()
        self._heads: collections.OrderedDict[tuple[str, str], _Head] = collections.OrderedDict()

    # The public methods: each runs one plan.

    def get_tuple(self, config: RunnableConfig) -> Optional[CheckpointTuple]:
        return run(self._connection, self._get_tuple(config))

    async def aget_tuple(self, config: RunnableConfig) -> Optional[CheckpointTuple]:
        return await arun(self._connection, self._get_tuple(config))

    def list(self, config: Optional[RunnableConfig], *, filter: Optional[dict[str, Any]] = None,
             before: Optional[RunnableConfig] = None, limit: Optional[int] = None) -> Iterator[CheckpointTuple]:
        yield from iterate(self._connection, self._list(config, filter, before, limit))

    async def alist(self, config: Optional[RunnableConfig], *, filter: Optional[dict[str, Any]] = None,
                    before: Optional[RunnableConfig] = None, limit: Optional[int] = None) -> AsyncIterator[CheckpointTuple]:
        async for item in aiterate(self._connection, self._list(config, filter, before, limit)):
            yield item

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        return run(self._connection, self._put(config, checkpoint, metadata, new_versions))

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        return await arun(self._connection, self._put(config, checkpoint, metadata, new_versions))

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = "") -> None:
        run(self._connection, self._put_writes(config, writes, task_id, task_path))

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        await arun(self._connection, self._put_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        run(self._connection, self._delete_threads([str(thread_id)]))

    async def adelete_thread(self, thread_id: str) -> None:
        await arun(self._connection, self._delete_threads([str(thread_id)]))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        run(self._connection, self._delete_for_runs(run_ids))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await arun(self._connection, self._delete_for_runs(run_ids))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        run(self._connection, self._copy_thread(str(source_thread_id), str(target_thread_id)))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await arun(self._connection, self._copy_thread(str(source_thread_id), str(target_thread_id)))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        run(self._connection, self._prune(thread_ids, strategy))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await arun(self._connection, self._prune(thread_ids, strategy))

    def get_next_version(self, current: Any, channel: None = None) -> int:
        # Plain integers: a fork lives on its own branch, so versions need no random part to
        # stay apart, and each stored checkpoint is some 270 bytes smaller for it. A version
        # another saver wrote as a string continues from its number.
        return 1 if current is None else (current if isinstance(current, int) else int(str(current).split(".")[0])) + 1

    # Reads

    def _get_tuple(self, config: RunnableConfig) -> Plan:
        thread_id = str(config["configurable"]["thread_id"])
        ns = config["configurable"].get("checkpoint_ns", "")
        checkpoint_id = get_checkpoint_id(config)
        where: dict[str, Any] = {"ns": ns}
        if checkpoint_id:
            where["checkpoint_id"] = checkpoint_id
        try:
            found = yield Call("entity/query", {"session": thread_id, "type": CHECKPOINT, "allBranches": True, "where": where,
                                                "orderBy": ["-checkpoint_id"], "limit": 1})
        except NotFoundError:
            return None
        if not found["entities"]:
            return None
        return (yield from self._tuples(thread_id, found["entities"]))[0]

    def _tuples(self, thread_id: str, checkpoints: list[dict[str, Any]]) -> Plan:
        """Each checkpoint entity as a CheckpointTuple: its channels read at its version and its
        pending writes, for all of them in one batch."""
        calls = []
        for entity in checkpoints:
            data = entity["data"]
            calls.append(Call("entity/query", {"session": thread_id, "type": CHANNEL, "branch": entity["branch"],
                                               "at": entity["updatedAtVersion"], "where": {"ns": data["ns"]}, "limit": 10_000}))
            calls.append(Call("entity/query", {"session": thread_id, "type": WRITE, "allBranches": True, "limit": 10_000,
                                               "where": {"$id": {"startsWith": _codec.key_prefix(data["ns"], data["checkpoint_id"])}}}))
        replies = yield calls
        tuples = []
        for index, entity in enumerate(checkpoints):
            channels, writes = replies[2 * index], replies[2 * index + 1]
            for reply in (channels, writes):
                if isinstance(reply, BaseException):
                    raise reply
            tuples.append(self._tuple(thread_id, entity["data"], channels["entities"], writes["entities"]))
        return tuples

    def _tuple(self, thread_id: str, data: dict[str, Any], channels: list[dict[str, Any]],
               writes: list[dict[str, Any]]) -> CheckpointTuple:
        checkpoint = _codec.decode_item(self.serde, data["checkpoint"])
        versions = checkpoint.get("channel_versions", {})
        checkpoint["channel_values"] = {
            channel["data"]["channel"]: _codec.decode(self.serde, channel["data"]["value"])
            for channel in channels if channel["data"]["channel"] in versions and "value" in channel["data"]
        }
        metadata = self._metadata(data)
        pending = sorted((write["data"] for write in writes),
                         key=lambda w: writes_sort_key(w.get("task_path", ""), w["task_id"], w["idx"]))
        parent = data.get("parent_checkpoint_id")
        return CheckpointTuple(
            config=_config(thread_id, data["ns"], data["checkpoint_id"]),
            checkpoint=checkpoint,
            metadata=metadata,
            parent_config=_config(thread_id, data["ns"], parent) if parent else None,
            pending_writes=[(w["task_id"], w["channel"], _codec.decode(self.serde, w["value"])) for w in pending],
        )

    def _list(self, config: Optional[RunnableConfig], filter: Optional[dict[str, Any]],
              before: Optional[RunnableConfig], limit: Optional[int]) -> Plan:
        if limit is not None and limit <= 0:
            return
        where: dict[str, Any] = {}
        local_filter: dict[str, Any] = {}
        for name, value in (filter or {}).items():
            # A key that is not a plain field name, or a value JSON cannot compare, is checked here.
            if re.fullmatch(r"[A-Za-z0-9_\-]+", name) and _codec.is_json(value):
                where[f"metadata.{name}"] = {"eq": value}
            else:
                local_filter[name] = value
        exact = None
        if config is not None:
            configurable = config["configurable"]
            if configurable.get("checkpoint_ns") is not None:
                where["ns"] = configurable["checkpoint_ns"]
            exact = get_checkpoint_id(config)
            threads = _items([str(configurable["thread_id"])])
        else:
            threads = self._all_threads()
        first_bound = get_checkpoint_id(before) if before is not None else None
        remaining = limit
        while (thread_id := (yield from _next(threads))) is not None:
            bound = first_bound
            while True:
                page_where = dict(where)
                if exact is not None:
                    if bound is not None and not exact < bound:
                        break
                    page_where["checkpoint_id"] = exact
                elif bound is not None:
                    page_where["checkpoint_id"] = {"lt": bound}
                size = PAGE if local_filter or remaining is None else min(PAGE, remaining)
                try:
                    page = yield Call("entity/query", {"session": thread_id, "type": CHECKPOINT, "allBranches": True,
                                                       "where": page_where or None, "orderBy": ["-checkpoint_id"], "limit": size})
                except NotFoundError:
                    break
                entities = [e for e in page["entities"] if _matches(self._metadata(e["data"]), local_filter)]
                if remaining is not None:
                    entities = entities[:remaining]
                if entities:
                    for item in (yield from self._tuples(thread_id, entities)):
                        yield Item(item)
                if remaining is not None:
                    remaining -= len(entities)
                    if remaining <= 0:
                        return
                if len(page["entities"]) < size or exact is not None:
                    break
                bound = page["entities"][-1]["data"]["checkpoint_id"]

    def _metadata(self, data: dict[str, Any]) -> Any:
        return _codec.decode_item(self.serde, data["metadata_typed"]) if "metadata_typed" in data else data["metadata"]

    def _all_threads(self) -> Plan:
        after = None
        while True:
            page = yield Call("session/list", {"limit": 1000, "after": after})
            for session in page["sessions"]:
                yield Item(session["session"])
            after = page["next"]
            if after is None:
                return

    # Writes

    def _put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
             new_versions: ChannelVersions) -> Plan:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        ns = configurable.get("checkpoint_ns", "")
        parent_id = configurable.get("checkpoint_id")
        checkpoint_id = checkpoint["id"]
        values = checkpoint.get("channel_values", {})
        skeleton = {name: value for name, value in checkpoint.items() if name != "channel_values"}
        full_metadata = get_checkpoint_metadata(config, metadata)
        data: dict[str, Any] = {"ns": ns, "checkpoint_id": checkpoint_id, "parent_checkpoint_id": parent_id,
                                "checkpoint": _codec.encode_item(self.serde, skeleton)}
        if _codec.is_json(full_metadata):
            data["metadata"] = full_metadata
        else:
            data["metadata"] = _codec.json_projection(full_metadata)
            data["metadata_typed"] = _codec.encode_item(self.serde, full_metadata)

        branch, previous = yield from self._branch_for(thread_id, ns, parent_id, checkpoint_id)
        lists: dict[str, list[Any]] = dict(previous.lists) if previous is not None else {}
        ops: list[dict[str, Any]] = [{"op": "put", "type": CHECKPOINT, "id": _codec.key(ns, checkpoint_id), "data": data}]
        for channel in new_versions:
            ops.append(self._channel_op(ns, channel, values, lists))
        for attempt in range(2):
            try:
                result = yield Call("commit", {"session": thread_id, "branch": branch, "ops": ops})
                break
            except ConflictError:
                if attempt:
                    raise
                # Another writer changed a list this saver remembered: send the lists whole.
                lists = {}
                ops = ops[:1] + [self._channel_op(ns, channel, values, lists) for channel in new_versions]
        with self._lock:
            self._heads[(thread_id, ns)] = _Head(checkpoint_id, result["branch"], lists)
            self._heads.move_to_end((thread_id, ns))
            while len(self._heads) > REMEMBERED_THREADS:
                self._heads.popitem(last=False)
        return _config(thread_id, ns, checkpoint_id)

    def _channel_op(self, ns: str, channel: str, values: dict[str, Any], lists: dict[str, list[Any]]) -> dict[str, Any]:
        """The op that stores a channel's new value; updates ``lists`` to what it will hold."""
        entity_id = _codec.key(ns, channel)
        if channel not in values:
            lists.pop(channel, None)
            return {"op": "put", "type": CHANNEL, "id": entity_id, "data": {"ns": ns, "channel": channel, "empty": True}}
        value = values[channel]
        known = lists.get(channel)
        if type(value) is list:
            lists[channel] = list(value)
            if known is not None and len(value) > len(known) and all(map(operator.is_, known, value)):
                # The list grew at its end: send what it gained; the test fails if the stored
                # list is not the one this saver last wrote.
                return {"op": "patch", "type": CHANNEL, "id": entity_id, "jsonPatch": [
                    {"op": "test", "path": "/length", "value": len(known)},
                    {"op": "replace", "path": "/length", "value": len(value)},
                    *({"op": "add", "path": "/value/list/-", "value": _codec.encode_item(self.serde, element)}
                      for element in value[len(known):]),
                ]}
            return {"op": "put", "type": CHANNEL, "id": entity_id,
                    "data": {"ns": ns, "channel": channel, "value": _codec.encode(self.serde, value), "length": len(value)}}
        lists.pop(channel, None)
        return {"op": "put", "type": CHANNEL, "id": entity_id, "data": {"ns": ns, "channel": channel, "value": _codec.encode(self.serde, value)}}

    def _branch_for(self, thread_id: str, ns: str, parent_id: Optional[str], checkpoint_id: str) -> Plan:
        """The branch a new checkpoint goes on (None: the default branch), creating the session
        or a fork as needed, and what this saver remembers of the namespace's latest checkpoint
        when the new one continues it."""
        with self._lock:
            head = self._heads.get((thread_id, ns))
            known_session = thread_id in self._sessions
        if head is not None and parent_id is not None and head.checkpoint_id == parent_id:
            return head.branch, head
        if not known_session:
            try:
                yield Call("session/create", {"session": thread_id})
                created = True
            except AlreadyExistsError:
                created = False
            with self._lock:
                self._sessions.add(thread_id)
            if created:
                return None, None  # a new thread: nothing to continue or fork from
        # Where the parent is, and whether it is the latest of its namespace on its branch.
        parent = None
        if parent_id is not None:
            found = yield Call("entity/query", {"session": thread_id, "type": CHECKPOINT, "allBranches": True,
                                                "where": {"ns": ns, "checkpoint_id": parent_id}, "limit": 1})
            parent = found["entities"][0] if found["entities"] else None
        if parent is None:
            # A new line: on the default branch while the namespace has nothing, else on a
            # branch of its own from the empty first version.
            existing = yield Call("entity/query", {"session": thread_id, "type": CHECKPOINT, "allBranches": True,
                                                   "where": {"ns": ns}, "limit": 1})
            if not existing["entities"]:
                return None, None
            return (yield from self._fork(thread_id, checkpoint_id, None, 1)), None
        latest = yield Call("entity/query", {"session": thread_id, "type": CHECKPOINT, "branch": parent["branch"],
                                             "where": {"ns": ns}, "orderBy": ["-checkpoint_id"], "limit": 1})
        if latest["entities"] and latest["entities"][0]["data"]["checkpoint_id"] == parent_id:
            return parent["branch"], None
        return (yield from self._fork(thread_id, checkpoint_id, parent["branch"], parent["updatedAtVersion"])), None

    def _fork(self, thread_id: str, checkpoint_id: str, branch: Optional[str], version: int) -> Plan:
        name = _branch_name(checkpoint_id)
        for _ in range(3):
            try:
                yield Call("branch/create", {"session": thread_id, "name": name, "from": {"branch": branch, "at": version}})
                return name
            except AlreadyExistsError:
                name = f"fork/{uuid.uuid4().hex}"
        raise RuntimeError(f"could not name a branch for checkpoint {checkpoint_id}")

    def _put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str) -> Plan:
        configurable = config["configurable"]
        thread_id = str(configurable["thread_id"])
        ns = configurable.get("checkpoint_ns", "")
        checkpoint_id = configurable["checkpoint_id"]
        # Errors, interrupts and the like replace an earlier write of theirs; other writes are
        # kept as first written, so a retried task does not change what was recorded.
        replace = all(channel in WRITES_IDX_MAP for channel, _ in writes)
        ops = []
        for index, (channel, value) in enumerate(writes):
            idx = WRITES_IDX_MAP.get(channel, index)
            data = {"ns": ns, "checkpoint_id": checkpoint_id, "task_id": task_id, "task_path": task_path, "idx": idx,
                    "channel": channel, "value": _codec.encode(self.serde, value)}
            ops.append({"op": "put" if replace else "create", "type": WRITE,
                        "id": _codec.key(ns, checkpoint_id, task_id, idx), "data": data})
        if not ops:
            return
        with self._lock:
            head = self._heads.get((thread_id, ns))
        branch = head.branch if head is not None and head.checkpoint_id == checkpoint_id else None
        try:
            yield Call("commit", {"session": thread_id, "branch": branch, "ops": ops})
        except NotFoundError:
            # LangGraph may save a step's writes while its checkpoint is still being saved on
            # another thread, whose `put` may create the thread's session first.
            with contextlib.suppress(AlreadyExistsError):
                yield Call("session/create", {"session": thread_id})
            yield Call("commit", {"session": thread_id, "ops": ops})

    # Removal

    def _forget(self, thread_id: str) -> None:
        with self._lock:
            self._sessions.discard(thread_id)
            for key in [key for key in self._heads if key[0] == thread_id]:
                del self._heads[key]

    def _delete_threads(self, thread_ids: Sequence[str]) -> Plan:
        for thread_id in thread_ids:
            self._forget(thread_id)
            try:
                yield Call("session/delete", {"session": thread_id})
            except NotFoundError:
                pass

    def _copy_thread(self, source: str, target: str) -> Plan:
        self._forget(target)
        try:
            yield Call("session/copy", {"session": source, "to": target})
        except NotFoundError:
            return  # nothing to copy

    def _checkpoints(self, thread_id: str, where: Optional[dict[str, Any]] = None) -> Plan:
        """Every checkpoint entity of a thread matching ``where``, newest first."""
        found: list[dict[str, Any]] = []
        below = None
        while True:
            page_where = dict(where or {})
            if below is not None:
                page_where["checkpoint_id"] = {"lt": below}
            try:
                page = yield Call("entity/query", {"session": thread_id, "type": CHECKPOINT, "allBranches": True,
                                                   "where": page_where or None, "orderBy": ["-checkpoint_id"], "limit": 10_000})
            except NotFoundError:
                return found
            found += page["entities"]
            if len(page["entities"]) < 10_000:
                return found
            below = page["entities"][-1]["data"]["checkpoint_id"]

    def _remove(self, thread_id: str, doomed: list[dict[str, Any]]) -> Plan:
        """Removes checkpoints and their writes for good, then the versions only they needed."""
        if not doomed:
            return
        self._forget(thread_id)
        ids = [entity["data"]["checkpoint_id"] for entity in doomed]
        targets = [{"type": CHECKPOINT, "id": entity["id"]} for entity in doomed]
        for start in range(0, len(ids), PAGE):
            offset = 0
            while True:
                writes = yield Call("entity/query", {"session": thread_id, "type": WRITE, "allBranches": True, "limit": 10_000,
                                                     "offset": offset, "where": {"checkpoint_id": {"in": ids[start:start + PAGE]}}})
                targets += [{"type": WRITE, "id": entity["id"]} for entity in writes["entities"]]
                if len(writes["entities"]) < 10_000:
                    break
                offset += 10_000
        yield Call("entity/purge", {"session": thread_id, "entities": targets})
        kept = yield from self._checkpoints(thread_id)
        kept_branches = {entity["branch"] for entity in kept}
        # Forks left without a checkpoint go, leaves first; then every version no kept
        # checkpoint reads.
        while True:
            branches = (yield Call("branch/list", {"session": thread_id}))["branches"]
            bases = {branch["base"]["branch"] for branch in branches if branch["base"]}
            empty = [branch["name"] for branch in branches
                     if branch["name"] != "main" and branch["name"] not in kept_branches and branch["name"] not in bases]
            if not empty:
                break
            for name in empty:
                yield Call("branch/delete", {"session": thread_id, "name": name})
        keep = [{"branch": entity["branch"], "at": entity["updatedAtVersion"]} for entity in kept]
        yield Call("session/compact", {"session": thread_id, "keep": keep, "keepLast": None if keep else 1})

    def _prune(self, thread_ids: Sequence[str], strategy: str) -> Plan:
        if strategy == "delete":
            yield from self._delete_threads([str(t) for t in thread_ids])
            return
        if strategy != "keep_latest":
            raise ValueError(f"unknown prune strategy {strategy!r}; use 'keep_latest' or 'delete'")
        for thread_id in map(str, thread_ids):
            checkpoints = yield from self._checkpoints(thread_id)
            latest: set[str] = set()
            doomed = []
            for entity in checkpoints:  # newest first: the first of each namespace is kept
                if entity["data"]["ns"] in latest:
                    doomed.append(entity)
                latest.add(entity["data"]["ns"])
            yield from self._remove(thread_id, doomed)

    def _delete_for_runs(self, run_ids: Sequence[str]) -> Plan:
        run_ids = [str(run_id) for run_id in run_ids]
        if not run_ids:
            return
        threads = self._all_threads()
        while (thread_id := (yield from _next(threads))) is not None:
            doomed = yield from self._checkpoints(thread_id, {"metadata.run_id": {"in": run_ids}})
            yield from self._remove(thread_id, doomed)


def _next(items: Plan) -> Plan:
    """The next item of a listing plan run inside another plan, or None at its end."""
    request = None
    reply: Any = None
    while True:
        try:
            request = items.send(reply)
        except StopIteration:
            return None
        if isinstance(request, Item):
            return request.value
        reply = yield request


def _items(values: Sequence[Any]) -> Plan:
    """A listing plan of given values, for ``_next``."""
    for value in values:
        yield Item(value)


def _matches(metadata: Any, wanted: dict[str, Any]) -> bool:
    return not wanted or isinstance(metadata, dict) and all(metadata.get(name) == value for name, value in wanted.items())


class RevstoreSaver(_RevstoreCheckpointer):
    """A LangGraph checkpointer on a Revstore store.

    ```python
    from revstore.langgraph import RevstoreSaver

    with RevstoreSaver.from_conn_string("agent.sqlite") as saver:
        graph = builder.compile(checkpointer=saver)
        graph.invoke({"messages": [...]}, {"configurable": {"thread_id": "1"}})
    ```

    Or on a client you already have: ``RevstoreSaver(revstore.sync.Revstore.spawn(db=...))``.
    Its async methods work too, on any event loop.
    """

    @classmethod
    @contextlib.contextmanager
    def from_conn_string(cls, conn_string: str, *, serde: Optional[SerializerProtocol] = None,
                         binary: Optional[str] = None) -> Iterator["RevstoreSaver"]:
        """Starts a server on the store file ``conn_string`` (``":memory:"`` for a throwaway
        one) and stops it when the block ends."""
        with spawned(conn_string, binary) as db:
            yield cls(db, serde=serde)


class AsyncRevstoreSaver(_RevstoreCheckpointer):
    """The same checkpointer, made with ``async with AsyncRevstoreSaver.from_conn_string(path)``
    or from an async client: ``AsyncRevstoreSaver(await revstore.Revstore.spawn(db=...))``.
    Its blocking methods work too, from any thread."""

    @classmethod
    @contextlib.asynccontextmanager
    async def from_conn_string(cls, conn_string: str, *, serde: Optional[SerializerProtocol] = None,
                               binary: Optional[str] = None) -> AsyncIterator["AsyncRevstoreSaver"]:
        """Starts a server on the store file ``conn_string`` (``":memory:"`` for a throwaway
        one) and stops it when the block ends."""
        async with aspawned(conn_string, binary) as db:
            yield cls(db, serde=serde)
