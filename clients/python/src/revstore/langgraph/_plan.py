"""Calls to the server, written once for the blocking and the asyncio drivers.

An operation is a generator: it yields a ``Call`` (or a list of them, sent as one JSON-RPC
batch) and receives its result; a failed call is thrown into it, and in a batch each failure
takes the place of its result. A listing also yields ``Item``s for its caller. The drivers send
the calls through a ``Connection``, which serves any thread and event loop at once.
"""
from __future__ import annotations

import asyncio
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


def _send(connection: Connection, request: Union[Call, list[Call]]) -> Any:
    """The futures of one request, or of one batch."""
    if isinstance(request, list):
        return [future for _, future in connection.send_batch([(call.method, call.params) for call in request])]
    return connection.send(request.method, request.params)[1]


def _outcome(future: Any) -> Any:
    """A future's result, or its exception as a value; waits for it."""
    exception = future.exception()
    return exception if exception is not None else future.result()


class _Result:
    """Where a driver leaves the value an operation returned."""
    value: Any = None


def run(connection: Connection, plan: Plan) -> Any:
    """Runs an operation to its end, blocking the calling thread."""
    result = _Result()
    for _ in iterate(connection, plan, result):
        pass
    return result.value


def iterate(connection: Connection, plan: Plan, result: _Result | None = None) -> Iterator[Any]:
    """Runs a listing, blocking; yields its items as they come."""
    reply: Any = None
    failure: BaseException | None = None
    while True:
        try:
            request = plan.throw(failure) if failure is not None else plan.send(reply)
        except StopIteration as stop:
            if result is not None:
                result.value = stop.value
            return
        failure, reply = None, None
        if isinstance(request, Item):
            yield request.value
            continue
        pending = _send(connection, request)
        if isinstance(pending, list):
            reply = [_outcome(future) for future in pending]
        else:
            try:
                reply = pending.result()
            except Exception as error:  # noqa: BLE001 - handed to the operation
                failure = error


async def arun(connection: Connection, plan: Plan) -> Any:
    """Runs an operation to its end on the caller's event loop."""
    result = _Result()
    async for _ in aiterate(connection, plan, result):
        pass
    return result.value


async def aiterate(connection: Connection, plan: Plan, result: _Result | None = None) -> AsyncIterator[Any]:
    """Runs a listing on the caller's event loop; yields its items as they come."""
    reply: Any = None
    failure: BaseException | None = None
    while True:
        try:
            request = plan.throw(failure) if failure is not None else plan.send(reply)
        except StopIteration as stop:
            if result is not None:
                result.value = stop.value
            return
        failure, reply = None, None
        if isinstance(request, Item):
            yield request.value
            continue
        pending = _send(connection, request)
        if isinstance(pending, list):
            await asyncio.gather(*(asyncio.wrap_future(future) for future in pending), return_exceptions=True)
            reply = [_outcome(future) for future in pending]
        else:
            try:
                reply = await asyncio.wrap_future(pending)
            except Exception as error:  # noqa: BLE001 - handed to the operation
                failure = error
