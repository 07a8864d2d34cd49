"""Calls to the server, written once for the blocking and the asyncio drivers.

An operation is a generator: it yields a ``Call`` (or a list of them, sent as one JSON-RPC
batch) and receives its result; a failed call is thrown into it, and in a batch each failure
takes the place of its result. A listing also yields ``Item``s for its caller. The drivers send
the calls through a ``Connection``, which serves any thread and event loop at once.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from typing import Any, AsyncIterator, Generator, Iterator, Union

from .._connection import Connection


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Item:
    """A value an operation hands to its caller, for listings."""
    value: Any


Request = Union[Call, list[Call], Item]
Plan = Generator[Request, Any, Any]


class _Result:
    """Where a driver leaves the value an operation returned."""
    value: Any = None


def _steps(connection: Connection, plan: Plan, result: _Result) -> Iterator[Any]:
    """Runs ``plan``, sending its calls: yields each ``Item``, and the futures of each request
    sent, which the driver may wait for before asking for the next step (reading an outcome
    waits for it anyway)."""
    reply: Any = None
    failure: BaseException | None = None
    while True:
        try:
            request = plan.throw(failure) if failure is not None else plan.send(reply)
        except StopIteration as stop:
            result.value = stop.value
            return
        reply, failure = None, None
        if isinstance(request, Item):
            yield request
            continue
        if isinstance(request, list):
            futures = [future for _, future in connection.send_batch([(call.method, call.params) for call in request])]
            yield futures
            reply = [future.exception() or future.result() for future in futures]
        else:
            future = connection.send(request.method, request.params)[1]
            yield [future]
            failure = future.exception()
            reply = None if failure is not None else future.result()


def run(connection: Connection, plan: Plan) -> Any:
    """Runs an operation to its end, blocking the calling thread."""
    result = _Result()
    for _ in iterate(connection, plan, result):
        pass
    return result.value


def iterate(connection: Connection, plan: Plan, result: _Result | None = None) -> Iterator[Any]:
    """Runs a listing, blocking; yields its items as they come."""
    for step in _steps(connection, plan, result or _Result()):
        if isinstance(step, Item):
            yield step.value


async def arun(connection: Connection, plan: Plan) -> Any:
    """Runs an operation to its end on the caller's event loop."""
    result = _Result()
    async for _ in aiterate(connection, plan, result):
        pass
    return result.value


async def aiterate(connection: Connection, plan: Plan, result: _Result | None = None) -> AsyncIterator[Any]:
    """Runs a listing on the caller's event loop; yields its items as they come."""
    for step in _steps(connection, plan, result or _Result()):
        if isinstance(step, Item):
            yield step.value
        else:
            await asyncio.gather(*(asyncio.wrap_future(future) for future in step), return_exceptions=True)


def connection_of(db: Any) -> Connection:
    """The connection of a client, async (``revstore.Revstore``) or blocking (``revstore.sync``),
    or the connection itself."""
    if isinstance(db, Connection):
        return db
    target = getattr(db, "_target", db)
    connection = getattr(target, "_connection", None)
    if not isinstance(connection, Connection):
        raise TypeError(f"expected a revstore client (revstore.Revstore or revstore.sync.Revstore), got {type(db).__name__}")
    return connection


def _spawn(conn_string: str, binary: str | None) -> Connection:
    if conn_string == ":memory:":
        return Connection.spawn(["--memory"], binary=binary)
    return Connection.spawn(["--shared", "--db", os.fspath(conn_string)], binary=binary)


@contextlib.contextmanager
def spawned(conn_string: str, binary: str | None) -> Iterator[Connection]:
    """A connection to a server started on the store file ``conn_string`` (``":memory:"`` for a
    throwaway one), stopped when the block ends: what ``from_conn_string`` opens. A bare
    connection, not a client: a saver needs no more, and starts the sooner for it.

    Every process that opens one file this way shares one server (``revstore serve --shared``):
    their writes share commits instead of taking turns at the file's lock."""
    connection = _spawn(conn_string, binary)
    try:
        yield connection
    finally:
        connection.stop()


@contextlib.asynccontextmanager
async def aspawned(conn_string: str, binary: str | None) -> AsyncIterator[Connection]:
    """``spawned`` for asyncio: stopped without blocking the caller's loop."""
    connection = _spawn(conn_string, binary)
    try:
        yield connection
    finally:
        await connection.close()
