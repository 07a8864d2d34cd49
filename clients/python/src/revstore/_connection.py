"""The revstore process and the JSON-RPC conversation with it."""
from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import shutil
from pathlib import Path
from typing import Any, Callable, Optional

from .errors import BinaryNotFoundError, ServerExitedError, error_from_response

log = logging.getLogger("revstore")

#: The server's default --max-message-bytes; lines up to this size are read.
DEFAULT_MAX_MESSAGE_BYTES = 64 << 20


#: Where a wheel built by ``make dist`` (or ``pip install`` from the repository) puts the server.
BUNDLED_BINARY = Path(__file__).resolve().parent / "_bin" / "revstore"


def find_binary(binary: str | os.PathLike[str] | None = None) -> str:
    """The revstore executable: ``binary`` if given, else ``$REVSTORE_BIN``, else the server
    bundled in this package, else ``revstore`` on ``PATH``."""
    candidates: list[tuple[str, str | None]] = []
    if binary is not None:
        candidates.append(("the binary argument", os.fspath(binary)))
    env = os.environ.get("REVSTORE_BIN")
    if env:
        candidates.append(("$REVSTORE_BIN", env))
    candidates.append(("the bundled server", str(BUNDLED_BINARY)))
    candidates.append(("PATH", shutil.which("revstore")))
    for _, path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    tried = ", ".join(f"{where} ({path or 'not found'})" for where, path in candidates)
    raise BinaryNotFoundError(
        f"cannot find the revstore executable; looked at {tried}. To get one: install the package "
        "from the repository (pip install ./clients/python builds the server into it, given Swift), "
        "or a wheel from `make dist`; or run `make install` in the repository; or pass binary= or "
        "set $REVSTORE_BIN to a built revstore.")


class Connection:
    """Owns one revstore child process and multiplexes calls over its stdin/stdout.

    Responses are matched to calls by id, so many tasks may call at once. Notifications for
    subscriptions go to the handler registered for their subscription. stderr is always
    drained into the ``revstore`` logger, so the child can never block on it.
    """

    def __init__(self, process: asyncio.subprocess.Process, *, close_timeout: float = 2.0):
        self._process = process
        self._close_timeout = close_timeout
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._on_result: dict[int, Callable[[Any], None]] = {}
        self._subscribers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._write_lock = asyncio.Lock()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=50)
        self._exit_error: Optional[ServerExitedError] = None
        self._closed = False
        self._reader = asyncio.create_task(self._read_stdout(), name="revstore-stdout")
        self._stderr_reader = asyncio.create_task(self._read_stderr(), name="revstore-stderr")

    @classmethod
    async def spawn(cls, args: list[str], *, binary: str | os.PathLike[str] | None = None,
                    env: dict[str, str] | None = None, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                    close_timeout: float = 2.0) -> "Connection":
        path = find_binary(binary)
        process = await asyncio.create_subprocess_exec(
            path, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=env, limit=max_message_bytes + 4096)
        return cls(process, close_timeout=close_timeout)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> Optional[int]:
        return self._process.returncode

    # Calls

    async def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None,
                   on_result: Callable[[Any], None] | None = None) -> Any:
        """Sends a request and waits for its result; raises the mapped error. On timeout the
        server is told to cancel (``$/cancelRequest``) and ``TimeoutError`` is raised."""
        request_id, future = self._send_now(method, params, on_result)
        try:
            await self._drain()
            if timeout is None:
                return await future
            try:
                return await asyncio.wait_for(asyncio.shield(future), timeout)
            except asyncio.TimeoutError:
                await self.notify("$/cancelRequest", {"id": request_id})
                raise TimeoutError(f"{method} did not answer within {timeout} s; it was cancelled") from None
        finally:
            self._pending.pop(request_id, None)
            self._on_result.pop(request_id, None)

    def start_call(self, method: str, params: dict[str, Any] | None = None, *,
                   on_result: Callable[[Any], None] | None = None) -> "asyncio.Task[Any]":
        """Writes the request now, before returning, so it is ordered before any request sent
        after this call; the task completes with its result."""
        request_id, future = self._send_now(method, params, on_result)

        async def finish() -> Any:
            try:
                await self._drain()
                return await future
            finally:
                self._pending.pop(request_id, None)
                self._on_result.pop(request_id, None)

        return asyncio.ensure_future(finish())

    async def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params:
            message["params"] = params
        self._write(message)
        await self._drain()

    def _send_now(self, method: str, params: dict[str, Any] | None,
                  on_result: Callable[[Any], None] | None) -> tuple[int, "asyncio.Future[Any]"]:
        if self._exit_error is not None:
            raise self._exit_error
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        if on_result is not None:
            self._on_result[request_id] = on_result
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params:
            message["params"] = {k: v for k, v in params.items() if v is not None}
        try:
            self._write(message)
        except BaseException:
            self._pending.pop(request_id, None)
            self._on_result.pop(request_id, None)
            raise
        return request_id, future

    def _write(self, message: dict[str, Any]) -> None:
        """Appends one whole line to stdin's buffer; lines never interleave, as each is one write."""
        if self._process.stdin is None or self._process.stdin.is_closing():
            raise self._exit_error or ServerExitedError(self._process.returncode, list(self._stderr_tail))
        self._process.stdin.write((json.dumps(message, separators=(",", ":"), ensure_ascii=False) + "\n").encode())

    async def _drain(self) -> None:
        """Waits while the server is slow to read (one drain at a time)."""
        async with self._write_lock:
            try:
                await self._process.stdin.drain()
            except (BrokenPipeError, ConnectionResetError):
                await self._reader
                raise self._exit_error or ServerExitedError(self._process.returncode, list(self._stderr_tail)) from None

    # Subscriptions

    def add_subscriber(self, subscription: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self._subscribers[subscription] = handler

    def remove_subscriber(self, subscription: str) -> None:
        self._subscribers.pop(subscription, None)

    # Reading

    async def _read_stdout(self) -> None:
        assert self._process.stdout is not None
        try:
            while True:
                line = await self._process.stdout.readline()
                if not line:
                    break
                try:
                    message = json.loads(line)
                except ValueError:
                    # A response streamed in parts that failed part-way is cut off; the error
                    # response with its id follows on the next line.
                    log.warning("skipped a cut-off line of %d bytes from revstore", len(line))
                    continue
                self._dispatch(message)
        except Exception as error:  # an over-long line: the stream is lost
            log.error("reading revstore's output failed: %s", error)
        returncode = await self._process.wait()
        await self._stderr_reader
        self._exit_error = ServerExitedError(returncode, list(self._stderr_tail))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(self._exit_error)
        for handler in list(self._subscribers.values()):
            handler({"__closed__": True})

    def _dispatch(self, message: Any) -> None:
        if isinstance(message, list):
            for element in message:
                self._dispatch(element)
            return
        if "id" not in message:
            if message.get("method") == "subscription/event":
                params = message.get("params", {})
                # A subscription is registered as its response is read, before any of its
                # events; an unknown one was unsubscribed, and its late events are dropped.
                handler = self._subscribers.get(params.get("subscription"))
                if handler is not None:
                    handler(params["event"])
            return
        future = self._pending.get(message.get("id"))
        if future is None or future.done():
            return  # a call that timed out, answered late
        if "error" in message:
            future.set_exception(error_from_response(message["error"]))
        else:
            callback = self._on_result.get(message["id"])
            if callback is not None:
                callback(message.get("result"))
            future.set_result(message.get("result"))

    async def _read_stderr(self) -> None:
        assert self._process.stderr is not None
        while True:
            line = await self._process.stderr.readline()
            if not line:
                return
            text = line.decode(errors="replace").rstrip()
            self._stderr_tail.append(text)
            log.debug("%s", text)

    # Lifecycle

    async def close(self) -> Optional[int]:
        """Closes stdin and waits; then SIGTERM and waits; then SIGKILL. Returns the exit status."""
        if self._closed:
            return self._process.returncode
        self._closed = True
        if self._process.stdin is not None and not self._process.stdin.is_closing():
            self._process.stdin.close()
        for step in (None, "terminate", "kill"):
            try:
                if step == "terminate":
                    self._process.terminate()
                elif step == "kill":
                    self._process.kill()
                await asyncio.wait_for(asyncio.shield(self._reader), self._close_timeout)
                break
            except asyncio.TimeoutError:
                continue
            except ProcessLookupError:
                break
        await self._reader
        return self._process.returncode
