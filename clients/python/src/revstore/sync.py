"""A synchronous facade over the asyncio client, for scripts and notebooks.

```python
from revstore.sync import Revstore

with Revstore.spawn(memory=True) as db:
    s = db.session("chat-1", create=True)
    s.put("User", {"name": "John"}, id="u1")
    with s.turn(message="turn 1") as t:
        t.put("Note", {"text": "hi"})
    for event in db.subscribe(session="chat-1", since=0):
        ...
```

It runs the asyncio client on a private event loop in a background thread; every method has the
same name and arguments as its async twin and blocks until it is done, and the ``iter_*`` pages
are plain iterators. ``Revstore.of(db)`` gives a blocking view of an async client's server, for
code that serves sync and async callers alike.
"""
from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any, Iterator, Optional

from . import client as _client


class _Loop:
    """A private event loop in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="revstore-sync", daemon=True)
        self._thread.start()

    def run(self, awaitable: Any, timeout: Optional[float] = None) -> Any:
        return asyncio.run_coroutine_threadsafe(awaitable, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)


class _Proxy:
    """Runs the wrapped object's coroutine methods to completion; wraps returned handles."""

    def __init__(self, target: Any, loop: _Loop):
        self._target = target
        self._loop = loop

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attribute(*args, **kwargs)
            if inspect.isawaitable(result):
                result = self._loop.run(result)
            return self._wrap(result)

        call.__name__ = name
        call.__doc__ = attribute.__doc__
        return call

    def _wrap(self, value: Any) -> Any:
        if inspect.isasyncgen(value):
            return self._iterate(value)
        if isinstance(value, _client.Session):
            return Session(value, self._loop)
        if isinstance(value, _client.TurnScope):
            return Turn(value, self._loop)
        if isinstance(value, _client.Subscription):
            return Subscription(value, self._loop)
        return value


    def _iterate(self, pages: Any) -> Iterator[Any]:
        """A blocking iterator over an async one (the ``iter_*`` pages)."""
        try:
            while True:
                try:
                    yield self._loop.run(pages.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self._loop.run(pages.aclose())


class _Subscribing:
    """``subscribe`` for the synchronous handles: the request is sent, on the loop, before it returns."""

    def subscribe(self, **filters: Any) -> "Subscription":
        target = self._target  # type: ignore[attr-defined]

        async def subscribed() -> Any:
            return await target.subscribe(**filters)

        return Subscription(self._loop.run(subscribed()), self._loop)  # type: ignore[attr-defined]


class Revstore(_Subscribing, _Proxy):
    """The synchronous client: ``Revstore.spawn(...)`` then the same methods as the async one."""

    @classmethod
    def spawn(cls, *args: Any, **kwargs: Any) -> "Revstore":
        loop = _Loop()
        try:
            db = loop.run(_client.Revstore.spawn(*args, **kwargs))
        except BaseException:
            loop.stop()
            raise
        return cls(db, loop)

    @classmethod
    def of(cls, db: _client.Revstore) -> "Revstore":
        """A blocking view of an async client: the same server, usable from any thread while
        the async client goes on serving its own event loops."""
        return cls(db, _Loop())

    def close(self) -> Optional[int]:
        try:
            return self._loop.run(self._target.close())
        finally:
            self._loop.stop()

    def __enter__(self) -> "Revstore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Session(_Subscribing, _Proxy):
    """The synchronous session handle (see ``revstore.Session``)."""

    def turn(self, **kwargs: Any) -> "Turn":
        return Turn(self._target.turn(**kwargs), self._loop)


class Turn(_Proxy):
    """``with s.turn(message=...) as t:`` commits on success and aborts on an exception."""

    def __enter__(self) -> "Turn":
        self._loop.run(self._target.__aenter__())
        return self

    def __exit__(self, *exc: Any) -> None:
        self._loop.run(self._target.__aexit__(*exc))


class Subscription:
    """Iterate for events (blocking); ``close()`` or leaving a ``with`` block unsubscribes."""

    def __init__(self, target: Any, loop: _Loop):
        self._target = target
        self._loop = loop
        self._events: Any = None

    @property
    def cursor(self) -> Optional[int]:
        return self._target.cursor

    def __iter__(self) -> Iterator[Any]:
        self._events = self._target.__aiter__()
        try:
            while True:
                try:
                    yield self._loop.run(self._events.__anext__())
                except StopAsyncIteration:
                    return
        finally:
            self.close()

    def next(self, timeout: Optional[float] = None) -> Any:
        """The next event, waiting at most ``timeout`` seconds."""
        if self._events is None:
            self._events = self._target.__aiter__()
        return self._loop.run(self._events.__anext__(), timeout)

    def close(self) -> None:
        self._loop.run(self._target.aclose())

    def __enter__(self) -> "Subscription":
        self._loop.run(self._target.start())
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
