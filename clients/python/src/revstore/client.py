"""The asyncio client: one typed method per protocol method, and session, turn and subscription handles."""
from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any, AsyncIterator, Literal, Optional, Sequence, Union

from ._connection import DEFAULT_MAX_MESSAGE_BYTES, Connection
from .errors import AlreadyExistsError
from .models import (
    Branch, CommitResult, CompactionReport, Difference, PurgeReport, Entity, EntityResult, EntityWriteResult, Event, FeedPage,
    InitializeResult, MergeResult, QueryResult, SessionInfo, SessionPage, Tag, Turn, TypeDefinition, VersionInfo,
)

if TYPE_CHECKING:
    from .orm import Model

#: A version number, a tag name, or ``"approved"``.
At = Union[int, str]


def _position(at: At | None, branch: str | None, turn: str | None) -> dict[str, Any]:
    return {"at": at, "branch": branch, "turn": turn}



def _patch_member(patch: dict[str, Any] | list[dict[str, Any]]) -> dict[str, Any]:
    """A dict is a merge patch (``patch``), a list a JSON Patch (``jsonPatch``)."""
    return {"jsonPatch": patch} if isinstance(patch, list) else {"patch": patch}

def _written(result: EntityWriteResult) -> Entity:
    """The entity a write returns; a write staged in a turn has none until the turn commits."""
    if result.entity is None:
        raise ValueError("the write was staged in a turn: read it through the turn, or after the turn commits")
    return result.entity


async def _pages_before(fetch: Any, page_size: int) -> AsyncIterator[Any]:
    """Pages of versions newest first: each next page is fetched ``before`` the last version seen."""
    before: int | None = None
    while True:
        versions = await fetch(before)
        for version in versions:
            yield version
        if len(versions) < page_size:
            return
        before = versions[-1].version


class Revstore:
    """A running revstore server and the calls it answers.

    Spawn one with ``await Revstore.spawn(db="state.sqlite")`` (or ``memory=True``) and close it
    with ``await db.close()`` or ``async with``. Every method is a coroutine; many tasks may call
    concurrently. Errors are raised as subclasses of ``RevstoreError`` keyed by ``data.reason``.
    """

    def __init__(self, connection: Connection, *, timeout: float | None = None):
        self._connection = connection
        self.timeout = timeout

    @classmethod
    async def spawn(cls, db: str | os.PathLike[str] | None = None, *, memory: bool = False,
                    binary: str | os.PathLike[str] | None = None, args: Sequence[str] = (), env: dict[str, str] | None = None,
                    durability: Literal["full", "normal"] | None = None, timeout: float | None = None,
                    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES, close_timeout: float = 2.0,
                    shared: bool = False) -> "Revstore":
        """Starts a server. The binary comes from ``binary``, else ``$REVSTORE_BIN``, else ``PATH``.

        ``db`` is the store file (the server's default, ``revstore.sqlite`` in its working
        directory, when neither it nor ``memory`` is given); ``args`` are extra command-line flags;
        ``timeout`` is the default per-call timeout in seconds. With ``shared``, every process
        that opens the same file with ``shared`` (and the same options) is served by one server,
        so that their writes share commits instead of taking turns at the file's lock.
        """
        argv: list[str] = []
        if memory:
            argv.append("--memory")
        elif db is not None:
            argv += ["--db", os.fspath(db)]
        if shared:
            argv.append("--shared")
        if durability:
            argv += ["--durability", durability]
        if max_message_bytes != DEFAULT_MAX_MESSAGE_BYTES:
            argv += ["--max-message-bytes", str(max_message_bytes)]
        argv += list(args)
        connection = Connection.spawn(argv, binary=binary, env=env, max_message_bytes=max_message_bytes,
                                      close_timeout=close_timeout)
        return cls(connection, timeout=timeout)

    async def __aenter__(self) -> "Revstore":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> Optional[int]:
        """Closes stdin, waits for the server to finish, then terminates and kills it if it must."""
        return await self._connection.close()

    @property
    def pid(self) -> int:
        return self._connection.pid

    async def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Any method by name, with raw JSON params and result."""
        return await self._connection.call(method, params, timeout=timeout if timeout is not None else self.timeout)

    # Lifecycle

    async def initialize(self, client_name: str = "revstore-python", client_version: str | None = None) -> InitializeResult:
        result = await self.call("initialize", {"clientInfo": {"name": client_name, "version": client_version}, "protocolVersion": "1"})
        return InitializeResult.model_validate(result)

    async def ping(self) -> None:
        await self.call("ping")

    async def shutdown(self) -> None:
        await self.call("shutdown")

    async def exit(self) -> None:
        self._connection.notify("exit")

    # Sessions

    async def session_create(self, session: str | None = None, metadata: dict[str, Any] | None = None) -> SessionInfo:
        return SessionInfo.model_validate(await self.call("session/create", {"session": session, "metadata": metadata}))

    async def session_get(self, session: str) -> SessionInfo:
        return SessionInfo.model_validate(await self.call("session/get", {"session": session}))

    async def session_list(self, limit: int | None = None, after: str | None = None) -> SessionPage:
        return SessionPage.model_validate(await self.call("session/list", {"limit": limit, "after": after}))

    async def session_delete(self, session: str) -> None:
        await self.call("session/delete", {"session": session})

    async def session_copy(self, session: str, to: str) -> SessionInfo:
        """Copies a session with its whole history under a new name, on the server."""
        return SessionInfo.model_validate(await self.call("session/copy", {"session": session, "to": to}))

    async def session_checkout(self, session: str, branch: str) -> SessionInfo:
        return SessionInfo.model_validate(await self.call("session/checkout", {"session": session, "branch": branch}))

    async def session_compact(self, session: str, *, keep_last: int | None = None, keep_since: str | None = None,
                              keep: Sequence[tuple[str | None, int]] = (), dry_run: bool = False) -> CompactionReport:
        """Removes old versions; ``keep`` lists (branch, version) pairs to keep besides (branch
        None: the default branch)."""
        result = await self.call("session/compact", {"session": session, "keepLast": keep_last, "keepSince": keep_since,
                                                     "keep": [{"branch": b, "at": v} if b else {"at": v} for b, v in keep] or None,
                                                     "dryRun": dry_run or None})
        return CompactionReport.model_validate(result)

    async def entity_purge(self, session: str, entities: Sequence[tuple[str, str]]) -> PurgeReport:
        """Removes every version of the (type, id) entities from every branch, for good."""
        result = await self.call("entity/purge", {"session": session, "entities": [{"type": t, "id": i} for t, i in entities]})
        return PurgeReport.model_validate(result)

    async def session(self, name: str | None = None, *, create: bool = False, metadata: dict[str, Any] | None = None,
                      branch: str | None = None) -> "Session":
        """A handle on a session; with ``create``, it is created unless it exists."""
        if create:
            try:
                info = await self.session_create(name, metadata)
                return Session(self, info.session, branch)
            except AlreadyExistsError:
                pass
        if name is None:
            raise ValueError("a session name is needed unless create=True")
        await self.session_get(name)
        return Session(self, name, branch)

    # Writes

    async def commit(self, session: str, ops: Sequence[dict[str, Any]], *, branch: str | None = None,
                     expected_version: int | None = None, message: str | None = None, metadata: dict[str, Any] | None = None,
                     actor: str | None = None, turn: str | None = None, allow_empty: bool = False) -> CommitResult:
        result = await self.call("commit", {"session": session, "branch": branch, "ops": list(ops), "expectedVersion": expected_version,
                                            "message": message, "metadata": metadata, "actor": actor, "turn": turn,
                                            "allowEmpty": allow_empty or None})
        return CommitResult.model_validate(result)

    async def _entity_write(self, method: str, params: dict[str, Any]) -> EntityWriteResult:
        return EntityWriteResult.model_validate(await self.call(method, params))

    async def entity_put(self, session: str, type: str, data: dict[str, Any], *, id: str | None = None, branch: str | None = None,
                         if_version: int | None = None, expected_version: int | None = None, actor: str | None = None,
                         message: str | None = None, turn: str | None = None) -> EntityWriteResult:
        return await self._entity_write("entity/put", {"session": session, "branch": branch, "type": type, "id": id, "data": data,
                                                       "ifVersion": if_version, "expectedVersion": expected_version, "actor": actor,
                                                       "message": message, "turn": turn})

    async def entity_patch(self, session: str, type: str, id: str, patch: dict[str, Any] | list[dict[str, Any]], *,
                           branch: str | None = None, if_version: int | None = None, expected_version: int | None = None,
                           actor: str | None = None, message: str | None = None, turn: str | None = None) -> EntityWriteResult:
        """``patch`` is an RFC 7396 merge patch (a dict) or an RFC 6902 JSON Patch (a list of operations:
        ``[{"op": "add", "path": "/messages/-", "value": m}]`` appends one element, and sends only it)."""
        return await self._entity_write("entity/patch", {"session": session, "branch": branch, "type": type, "id": id, **_patch_member(patch),
                                                         "ifVersion": if_version, "expectedVersion": expected_version, "actor": actor,
                                                         "message": message, "turn": turn})

    async def entity_delete(self, session: str, type: str, id: str, *, branch: str | None = None, if_version: int | None = None,
                            expected_version: int | None = None, actor: str | None = None, message: str | None = None,
                            turn: str | None = None) -> EntityWriteResult:
        return await self._entity_write("entity/delete", {"session": session, "branch": branch, "type": type, "id": id,
                                                          "ifVersion": if_version, "expectedVersion": expected_version, "actor": actor,
                                                          "message": message, "turn": turn})

    async def entity_restore(self, session: str, type: str, id: str, *, data: dict[str, Any] | None = None, branch: str | None = None,
                             expected_version: int | None = None, actor: str | None = None, message: str | None = None,
                             turn: str | None = None) -> EntityWriteResult:
        return await self._entity_write("entity/restore", {"session": session, "branch": branch, "type": type, "id": id, "data": data,
                                                           "expectedVersion": expected_version, "actor": actor, "message": message,
                                                           "turn": turn})

    async def entity_fork(self, session: str, type: str, id: str, *, new_id: str | None = None, patch: dict[str, Any] | None = None,
                          branch: str | None = None, expected_version: int | None = None, actor: str | None = None,
                          message: str | None = None, turn: str | None = None) -> EntityWriteResult:
        return await self._entity_write("entity/fork", {"session": session, "branch": branch, "type": type, "id": id, "newId": new_id,
                                                        "patch": patch, "expectedVersion": expected_version, "actor": actor,
                                                        "message": message, "turn": turn})

    # Reads

    async def entity_get(self, session: str, type: str, id: str, *, at: At | None = None, branch: str | None = None,
                         turn: str | None = None, include_deleted: bool = False, expand: Sequence[str] | None = None) -> EntityResult:
        result = await self.call("entity/get", {"session": session, "type": type, "id": id, **_position(at, branch, turn),
                                                "includeDeleted": include_deleted or None, "expand": list(expand) if expand else None})
        return EntityResult.model_validate(result)

    async def entity_query(self, session: str, type: str | None = None, *, where: dict[str, Any] | None = None,
                           order_by: Sequence[str] | None = None, limit: int | None = None, offset: int | None = None,
                           at: At | None = None, branch: str | None = None, turn: str | None = None, include_deleted: bool = False,
                           count: bool = False, expand: Sequence[str] | None = None, all_branches: bool = False) -> QueryResult:
        """With ``all_branches``, every branch at once: each entity in the version last written
        of it on any branch (``Entity.branch`` says which)."""
        result = await self.call("entity/query", {"session": session, "type": type, "where": where,
                                                  "orderBy": list(order_by) if order_by else None, "limit": limit, "offset": offset,
                                                  **_position(at, branch, turn), "includeDeleted": include_deleted or None,
                                                  "count": count or None, "expand": list(expand) if expand else None,
                                                  "allBranches": all_branches or None})
        return QueryResult.model_validate(result)

    async def entity_history(self, session: str, type: str, id: str, *, limit: int | None = None, before: int | None = None,
                             at: At | None = None, branch: str | None = None, turn: str | None = None) -> list[Entity]:
        result = await self.call("entity/history", {"session": session, "type": type, "id": id, "limit": limit, "before": before,
                                                    **_position(at, branch, turn)})
        return [Entity.model_validate(e) for e in result["versions"]]

    async def entity_lineage(self, session: str, *, lineage_id: str | None = None, type: str | None = None, id: str | None = None,
                             at: At | None = None, branch: str | None = None, turn: str | None = None) -> tuple[str, list[Entity]]:
        result = await self.call("entity/lineage", {"session": session, "lineageId": lineage_id, "type": type, "id": id,
                                                    **_position(at, branch, turn)})
        return result["lineageId"], [Entity.model_validate(e) for e in result["versions"]]

    async def entity_version(self, session: str, version_id: str) -> Entity:
        return Entity.model_validate((await self.call("entity/version", {"session": session, "versionId": version_id}))["entity"])

    # Versions

    async def version_list(self, session: str, *, branch: str | None = None, limit: int | None = None,
                           before: int | None = None) -> list[VersionInfo]:
        result = await self.call("version/list", {"session": session, "branch": branch, "limit": limit, "before": before})
        return [VersionInfo.model_validate(v) for v in result["versions"]]

    async def version_get(self, session: str, version: int, *, branch: str | None = None) -> VersionInfo:
        return VersionInfo.model_validate(await self.call("version/get", {"session": session, "branch": branch, "version": version}))

    async def version_diff(self, session: str, from_at: At, to_at: At, *, from_branch: str | None = None, to_branch: str | None = None,
                           type: str | None = None) -> list[Difference]:
        result = await self.call("version/diff", {"session": session, "from": {"branch": from_branch, "at": from_at},
                                                  "to": {"branch": to_branch, "at": to_at}, "type": type})
        return [Difference.model_validate(d) for d in result["changes"]]

    async def version_rollback(self, session: str, to: At, *, branch: str | None = None, message: str | None = None,
                               actor: str | None = None, expected_version: int | None = None) -> CommitResult:
        result = await self.call("version/rollback", {"session": session, "branch": branch, "to": to, "message": message,
                                                      "actor": actor, "expectedVersion": expected_version})
        return CommitResult.model_validate(result)

    async def version_revert(self, session: str, version: int, *, branch: str | None = None, message: str | None = None,
                             actor: str | None = None, force: bool = False) -> CommitResult:
        result = await self.call("version/revert", {"session": session, "branch": branch, "version": version, "message": message,
                                                    "actor": actor, "force": force or None})
        return CommitResult.model_validate(result)

    async def version_submit(self, session: str, version: int, *, branch: str | None = None, actor: str | None = None,
                             notes: str | None = None) -> VersionInfo:
        result = await self.call("version/submit", {"session": session, "branch": branch, "version": version, "actor": actor, "notes": notes})
        return VersionInfo.model_validate(result)

    async def version_review(self, session: str, version: int, decision: Literal["approved", "rejected"], *, branch: str | None = None,
                             actor: str | None = None, notes: str | None = None) -> VersionInfo:
        result = await self.call("version/review", {"session": session, "branch": branch, "version": version, "decision": decision,
                                                    "actor": actor, "notes": notes})
        return VersionInfo.model_validate(result)

    # Branches

    async def branch_create(self, session: str, name: str, *, from_branch: str | None = None, from_at: At | None = None) -> Branch:
        source = {"branch": from_branch, "at": from_at} if from_branch is not None or from_at is not None else None
        result = await self.call("branch/create", {"session": session, "name": name,
                                                   "from": {k: v for k, v in (source or {}).items() if v is not None} or None})
        return Branch.model_validate(result)

    async def branch_get(self, session: str, name: str) -> Branch:
        return Branch.model_validate(await self.call("branch/get", {"session": session, "name": name}))

    async def branch_list(self, session: str) -> list[Branch]:
        return [Branch.model_validate(b) for b in (await self.call("branch/list", {"session": session}))["branches"]]

    async def branch_delete(self, session: str, name: str) -> None:
        await self.call("branch/delete", {"session": session, "name": name})

    async def branch_merge(self, session: str, source: str, *, target: str | None = None, message: str | None = None,
                           actor: str | None = None, on_conflict: Literal["fail", "source", "target"] | None = None) -> MergeResult:
        result = await self.call("branch/merge", {"session": session, "source": source, "target": target, "message": message,
                                                  "actor": actor, "onConflict": on_conflict})
        return MergeResult.model_validate(result)

    # Turns

    async def turn_begin(self, session: str, *, branch: str | None = None, message: str | None = None,
                         metadata: dict[str, Any] | None = None, actor: str | None = None) -> Turn:
        return Turn.model_validate(await self.call("turn/begin", {"session": session, "branch": branch, "message": message,
                                                                  "metadata": metadata, "actor": actor}))

    async def turn_get(self, turn: str) -> Turn:
        return Turn.model_validate(await self.call("turn/get", {"turn": turn}))

    async def turn_list(self, session: str, *, status: Literal["staged", "committed", "reverted"] | None = None) -> list[Turn]:
        return [Turn.model_validate(t) for t in (await self.call("turn/list", {"session": session, "status": status}))["turns"]]

    async def turn_commit(self, turn: str, *, message: str | None = None, metadata: dict[str, Any] | None = None,
                          expected_version: int | None = None) -> CommitResult:
        result = await self.call("turn/commit", {"turn": turn, "message": message, "metadata": metadata, "expectedVersion": expected_version})
        return CommitResult.model_validate(result)

    async def turn_abort(self, turn: str) -> Turn:
        return Turn.model_validate(await self.call("turn/abort", {"turn": turn}))

    # Tags

    async def tag_set(self, session: str, name: str, at: At, *, branch: str | None = None) -> Tag:
        return Tag.model_validate(await self.call("tag/set", {"session": session, "name": name, "branch": branch, "at": at}))

    async def tag_list(self, session: str) -> list[Tag]:
        return [Tag.model_validate(t) for t in (await self.call("tag/list", {"session": session}))["tags"]]

    async def tag_delete(self, session: str, name: str) -> None:
        await self.call("tag/delete", {"session": session, "name": name})

    # Types

    async def type_define(self, name: str, fields: dict[str, dict[str, Any]], *, strict: bool = False,
                          description: str | None = None) -> TypeDefinition:
        result = await self.call("type/define", {"name": name, "fields": fields, "strict": strict or None, "description": description})
        return TypeDefinition.model_validate(result)

    async def type_get(self, name: str) -> TypeDefinition:
        return TypeDefinition.model_validate(await self.call("type/get", {"name": name}))

    async def type_list(self) -> list[TypeDefinition]:
        return [TypeDefinition.model_validate(t) for t in (await self.call("type/list"))["types"]]

    # Store

    async def store_stats(self) -> dict[str, Any]:
        return await self.call("store/stats")

    async def store_vacuum(self) -> dict[str, int]:
        return await self.call("store/vacuum")

    # Pages: each iterator reads page after page, so no caller handles ``limit``

    async def iter_entities(self, session: str, type: str | None = None, *, where: dict[str, Any] | None = None,
                            order_by: Sequence[str] | None = None, at: At | None = None, branch: str | None = None,
                            turn: str | None = None, include_deleted: bool = False, expand: Sequence[str] | None = None,
                            page_size: int = 1000) -> AsyncIterator[Entity]:
        """Every entity ``entity_query`` matches, in its order. Outside a turn, every page reads
        the version the first one read, so writes made meanwhile do not shift the pages."""
        offset = 0
        while True:
            page = await self.entity_query(session, type, where=where, order_by=order_by, limit=page_size, offset=offset, at=at,
                                           branch=branch, turn=turn, include_deleted=include_deleted, expand=expand)
            for entity in page.entities:
                yield entity
            if len(page.entities) < page_size:
                return
            offset += page_size
            if turn is None:
                at = page.version

    async def iter_history(self, session: str, type: str, id: str, *, at: At | None = None, branch: str | None = None,
                           page_size: int = 1000) -> AsyncIterator[Entity]:
        """Every version of an entity, newest first (``entity_history`` page after page)."""
        async for version in _pages_before(lambda before: self.entity_history(session, type, id, limit=page_size, before=before,
                                                                               at=at, branch=branch), page_size):
            yield version

    async def iter_versions(self, session: str, *, branch: str | None = None, page_size: int = 1000) -> AsyncIterator[VersionInfo]:
        """Every version of a branch through its ancestry, newest first (``version_list`` page after page)."""
        async for version in _pages_before(lambda before: self.version_list(session, branch=branch, limit=page_size, before=before),
                                           page_size):
            yield version

    async def iter_sessions(self, *, page_size: int = 1000) -> AsyncIterator[SessionInfo]:
        """Every session (``session_list`` page after page)."""
        after: str | None = None
        while True:
            page = await self.session_list(limit=page_size, after=after)
            for info in page.sessions:
                yield info
            if page.next is None:
                return
            after = page.next

    # Batches

    def batch(self) -> "Batch":
        """Calls that go to the server together, as one JSON-RPC batch (see ``Batch``)."""
        return Batch(self)

    # Events

    async def feed_read(self, *, session: str | None = None, since: int | None = None, limit: int | None = None) -> FeedPage:
        return FeedPage.model_validate(await self.call("feed/read", {"session": session, "since": since, "limit": limit}))

    def subscribe(self, *, session: str | None = None, branch: str | None = None, types: Sequence[str] | None = None,
                  ids: Sequence[str] | None = None, kinds: Sequence[str] | None = None, since: int | None = None) -> "Subscription":
        """Change events: ``sub = await db.subscribe(session="s")``, then ``async for event in sub``;
        or ``async with db.subscribe(...) as events``.

        The request is sent when this is called, so the events of every write made after it are
        delivered, and they are queued as they arrive, so none is lost between reads. Awaiting the
        subscription waits until the server has registered it. Leaving the loop (or ``aclose()``,
        or ``async with``) unsubscribes. With ``since``, missed events come first.
        """
        params = {"session": session, "branch": branch, "types": list(types) if types else None,
                  "ids": list(ids) if ids else None, "kinds": list(kinds) if kinds else None, "since": since}
        return Subscription(self, params)


class Batch:
    """Calls sent together, as one JSON-RPC batch, when the ``async with`` block ends (or ``send()``).

    Every method of ``Revstore`` is here with the same arguments; each returns at once an
    ``asyncio.Task`` of what the method returns, done once the batch is answered::

        async with db.batch() as batch:
            note = batch.entity_get("s", "Note", "n1")
            stats = batch.store_stats()
        print((await note).entity, await stats)

    The server answers the batch once every call in it is done; a failed call fails its own task
    only. Writes side by side in a batch commit in one transaction while the server's writer is
    free: one sync, each its own version.
    A method that makes a second call (``session(create=True)``) sends that one alone.
    """

    def __init__(self, db: Revstore):
        self._recorder = _BatchRecorder(db._connection, timeout=db.timeout)
        self._tasks: list[asyncio.Task[Any]] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._recorder, name)
        if not asyncio.iscoroutinefunction(method):
            raise AttributeError(f"{name} cannot be part of a batch")

        def start(*args: Any, **kwargs: Any) -> "asyncio.Task[Any]":
            task = asyncio.ensure_future(method(*args, **kwargs))
            self._tasks.append(task)
            return task

        start.__name__ = name
        start.__doc__ = method.__doc__
        return start

    async def send(self) -> None:
        """Sends the calls made so far as one batch and waits until each is answered."""
        await asyncio.sleep(0)  # every call started runs up to its request
        self._recorder.flush()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> "Batch":
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            await self.send()
        else:
            for task in self._tasks:
                task.cancel()


class _BatchRecorder(Revstore):
    """A client whose requests wait to be sent together."""

    def __init__(self, connection: Connection, *, timeout: float | None):
        super().__init__(connection, timeout=timeout)
        self._waiting: list[tuple[str, Optional[dict[str, Any]], asyncio.Future[Any]]] = []
        self._sent = False

    async def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        if self._sent:
            return await super().call(method, params, timeout=timeout)
        slot: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting.append((method, params, slot))
        request_id, answer = await slot
        try:
            return await asyncio.wrap_future(answer)
        finally:
            self._connection._forget(request_id)

    def flush(self) -> None:
        self._sent = True
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        try:
            sent = self._connection.send_batch([(method, params) for method, params, _ in waiting])
        except Exception as error:  # the client was closed, or the server is gone
            for _, _, slot in waiting:
                slot.set_exception(error)
            return
        for (_, _, slot), request in zip(waiting, sent):
            slot.set_result(request)


class Subscription:
    """A live subscription: iterate it for ``Event``s; ``cursor`` is the last one seen."""

    def __init__(self, db: Revstore, params: dict[str, Any]):
        self._db = db
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._closed = False
        self.id: Optional[str] = None
        self.cursor: Optional[int] = params.get("since")
        connection = db._connection
        loop = asyncio.get_running_loop()

        def deliver(event: dict[str, Any]) -> None:
            try:
                loop.call_soon_threadsafe(self._queue.put_nowait, event)
            except RuntimeError:
                pass  # the subscriber's event loop is closed: nobody is listening

        def register(result: dict[str, Any]) -> None:
            # Runs on the reader thread as the response is read, before any event that follows it.
            self.id = result["subscription"]
            connection.add_subscriber(result["subscription"], deliver)

        # Sent now, in order with the caller's writes: none of their events can be missed.
        self._response = asyncio.wrap_future(connection.send("subscribe", params, on_result=register)[1])

    async def start(self) -> "Subscription":
        """Waits until the server has registered the subscription; returns it."""
        result = await self._response
        if self.cursor is None:
            self.cursor = result["cursor"]
        return self

    def __await__(self):
        return self.start().__await__()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        await self.start()
        try:
            while True:
                raw = await self._queue.get()
                if raw.get("__closed__"):
                    return
                event = Event.model_validate(raw)
                self.cursor = event.cursor
                yield event
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Unsubscribes; events already queued are dropped."""
        if self._closed or self.id is None:
            self._closed = True
            return
        self._closed = True
        self._db._connection.remove_subscriber(self.id)
        try:
            await self._db._connection.call("unsubscribe", {"subscription": self.id})
        except Exception:
            pass  # the server is gone or the subscription already ended

    async def __aenter__(self) -> AsyncIterator[Event]:
        await self.start()
        return self._events()

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class Session:
    """A handle on one session (and optionally one branch): the everyday surface.

    ``s = await db.session("chat-1", create=True)``; ``await s.put("User", {...})``;
    ``async with s.turn(message="turn 3") as t: ...``; ``await s.get("User", "u1", at=2)``.
    """

    def __init__(self, db: Revstore, name: str, branch: str | None = None):
        self.db = db
        self.name = name
        self.branch = branch

    def __repr__(self) -> str:
        return f"Session({self.name!r}, branch={self.branch!r})"

    def on_branch(self, branch: str) -> "Session":
        """The same session, reading and writing on ``branch``."""
        return Session(self.db, self.name, branch)

    async def info(self) -> SessionInfo:
        return await self.db.session_get(self.name)

    async def put(self, type: str, data: dict[str, Any], id: str | None = None, *, if_version: int | None = None,
                  expected_version: int | None = None, actor: str | None = None, message: str | None = None) -> Entity:
        """Creates or replaces an entity; returns it as written."""
        return _written(await self.db.entity_put(self.name, type, data, id=id, branch=self.branch, if_version=if_version,
                                                 expected_version=expected_version, actor=actor, message=message))

    async def patch(self, type: str, id: str, patch: dict[str, Any] | list[dict[str, Any]], *, if_version: int | None = None,
                    expected_version: int | None = None, actor: str | None = None, message: str | None = None) -> Entity:
        """Merge-patches (a dict) or JSON-Patches (a list of RFC 6902 operations) an entity."""
        return _written(await self.db.entity_patch(self.name, type, id, patch, branch=self.branch, if_version=if_version,
                                                   expected_version=expected_version, actor=actor, message=message))

    async def delete(self, type: str, id: str, *, if_version: int | None = None, expected_version: int | None = None,
                     actor: str | None = None, message: str | None = None) -> Entity:
        """Deletes an entity (its history stays); returns the tombstone."""
        return _written(await self.db.entity_delete(self.name, type, id, branch=self.branch, if_version=if_version,
                                                    expected_version=expected_version, actor=actor, message=message))

    async def restore(self, type: str, id: str, data: dict[str, Any] | None = None, *, expected_version: int | None = None,
                      actor: str | None = None, message: str | None = None) -> Entity:
        return _written(await self.db.entity_restore(self.name, type, id, data=data, branch=self.branch,
                                                     expected_version=expected_version, actor=actor, message=message))

    async def fork(self, type: str, id: str, new_id: str | None = None, patch: dict[str, Any] | None = None, *,
                   actor: str | None = None, message: str | None = None) -> Entity:
        return _written(await self.db.entity_fork(self.name, type, id, new_id=new_id, patch=patch, branch=self.branch,
                                                  actor=actor, message=message))

    async def commit(self, ops: Sequence[dict[str, Any]], *, expected_version: int | None = None, message: str | None = None,
                     metadata: dict[str, Any] | None = None, actor: str | None = None, allow_empty: bool = False) -> CommitResult:
        return await self.db.commit(self.name, ops, branch=self.branch, expected_version=expected_version, message=message,
                                    metadata=metadata, actor=actor, allow_empty=allow_empty)

    async def get(self, type: str, id: str, *, at: At | None = None, include_deleted: bool = False,
                  expand: Sequence[str] | None = None) -> Optional[Entity]:
        """The entity at the head, or at version/tag ``at``; None when absent."""
        return (await self.db.entity_get(self.name, type, id, at=at, branch=self.branch, include_deleted=include_deleted,
                                         expand=expand)).entity

    async def query(self, type: str | None = None, where: dict[str, Any] | None = None, *, order_by: Sequence[str] | None = None,
                    limit: int | None = None, offset: int | None = None, at: At | None = None, include_deleted: bool = False,
                    expand: Sequence[str] | None = None) -> list[Entity]:
        return (await self.db.entity_query(self.name, type, where=where, order_by=order_by, limit=limit, offset=offset, at=at,
                                           branch=self.branch, include_deleted=include_deleted, expand=expand)).entities

    async def history(self, type: str, id: str, *, limit: int | None = None, before: int | None = None,
                      at: At | None = None) -> list[Entity]:
        return await self.db.entity_history(self.name, type, id, limit=limit, before=before, at=at, branch=self.branch)

    async def diff(self, from_at: At, to_at: At, *, from_branch: str | None = None, to_branch: str | None = None,
                   type: str | None = None) -> list[Difference]:
        """What changed between two versions (of this branch, unless others are named)."""
        return await self.db.version_diff(self.name, from_at, to_at, from_branch=from_branch or self.branch,
                                          to_branch=to_branch or self.branch, type=type)

    async def versions(self, *, limit: int | None = None, before: int | None = None) -> list[VersionInfo]:
        return await self.db.version_list(self.name, branch=self.branch, limit=limit, before=before)

    async def rollback(self, to: At, *, message: str | None = None, actor: str | None = None,
                       expected_version: int | None = None) -> CommitResult:
        return await self.db.version_rollback(self.name, to, branch=self.branch, message=message, actor=actor,
                                              expected_version=expected_version)

    async def revert(self, version: int, *, message: str | None = None, actor: str | None = None, force: bool = False) -> CommitResult:
        return await self.db.version_revert(self.name, version, branch=self.branch, message=message, actor=actor, force=force)

    async def create_branch(self, name: str, *, from_at: At | None = None, exist_ok: bool = False) -> "Session":
        """Forks a branch from this one (at its head, or ``from_at``) and returns a handle on it;
        with ``exist_ok``, a branch of that name that already exists is fine."""
        try:
            await self.db.branch_create(self.name, name, from_branch=self.branch, from_at=from_at)
        except AlreadyExistsError:
            if not exist_ok:
                raise
        return self.on_branch(name)

    async def merge(self, source: str, *, message: str | None = None, actor: str | None = None,
                    on_conflict: Literal["fail", "source", "target"] | None = None) -> MergeResult:
        """Merges branch ``source`` into this one."""
        return await self.db.branch_merge(self.name, source, target=self.branch, message=message, actor=actor,
                                          on_conflict=on_conflict)

    async def tag(self, name: str, at: At) -> Tag:
        return await self.db.tag_set(self.name, name, at, branch=self.branch)

    def turn(self, *, message: str | None = None, metadata: dict[str, Any] | None = None, actor: str | None = None) -> "TurnScope":
        """``async with s.turn(message="...") as t:`` stages writes; commits on success, aborts on exception."""
        return TurnScope(self, message=message, metadata=metadata, actor=actor)

    def subscribe(self, *, types: Sequence[str] | None = None, ids: Sequence[str] | None = None,
                  kinds: Sequence[str] | None = None, since: int | None = None) -> Subscription:
        """This session's (and branch's) change events; see ``Revstore.subscribe``."""
        return self.db.subscribe(session=self.name, branch=self.branch, types=types, ids=ids, kinds=kinds, since=since)


class TurnScope:
    """An open turn: its writes are staged, its reads see them; one version when it commits."""

    def __init__(self, session: Session, *, message: str | None, metadata: dict[str, Any] | None, actor: str | None):
        self.session = session
        self._begin = {"message": message, "metadata": metadata, "actor": actor}
        self.id: Optional[str] = None
        self.result: Optional[CommitResult] = None

    async def __aenter__(self) -> "TurnScope":
        turn = await self.session.db.turn_begin(self.session.name, branch=self.session.branch, **self._begin)
        self.id = turn.turn
        return self

    async def __aexit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.result = await self.session.db.turn_commit(self.open_id)
        else:
            await self.session.db.turn_abort(self.open_id)

    async def put(self, type: str, data: dict[str, Any], id: str | None = None, *, if_version: int | None = None) -> Optional[Entity]:
        return (await self.session.db.entity_put(self.session.name, type, data, id=id, if_version=if_version, turn=self.open_id)).entity

    async def patch(self, type: str, id: str, patch: dict[str, Any] | list[dict[str, Any]], *,
                    if_version: int | None = None) -> Optional[Entity]:
        return (await self.session.db.entity_patch(self.session.name, type, id, patch, if_version=if_version, turn=self.open_id)).entity

    async def delete(self, type: str, id: str, *, if_version: int | None = None) -> Optional[Entity]:
        return (await self.session.db.entity_delete(self.session.name, type, id, if_version=if_version, turn=self.open_id)).entity

    async def commit(self, ops: Sequence[dict[str, Any]]) -> CommitResult:
        return await self.session.db.commit(self.session.name, ops, turn=self.open_id)

    async def get(self, type: str, id: str, *, include_deleted: bool = False, expand: Sequence[str] | None = None) -> Optional[Entity]:
        return (await self.session.db.entity_get(self.session.name, type, id, turn=self.open_id, include_deleted=include_deleted,
                                                 expand=expand)).entity

    async def query(self, type: str | None = None, where: dict[str, Any] | None = None, *, order_by: Sequence[str] | None = None,
                    limit: int | None = None, offset: int | None = None, include_deleted: bool = False,
                    expand: Sequence[str] | None = None) -> list[Entity]:
        return (await self.session.db.entity_query(self.session.name, type, where=where, order_by=order_by, limit=limit, offset=offset,
                                                   turn=self.open_id, include_deleted=include_deleted, expand=expand)).entities

    async def save(self, model: Model) -> Model:
        """Stages a model's write in this turn: ``await t.save(message)``."""
        return await model.save(turn=self)

    @property
    def open_id(self) -> str:
        """The turn's id, once ``async with`` has begun it."""
        if self.id is None:
            raise RuntimeError("the turn was never begun: use it with async with")
        return self.id

    async def info(self) -> Turn:
        return await self.session.db.turn_get(self.open_id)
