"""The revstore process and the JSON-RPC conversation with it."""
from __future__ import annotations

import asyncio
import base64
import collections
import concurrent.futures
import io
import json
import logging
import os
import queue
import select
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from .errors import BinaryNotFoundError, ClientClosedError, ServerExitedError, error_from_response

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

    It belongs to no event loop: requests go out in the order they were made, each written by
    the thread that makes it while the pipe takes it whole (a hand-off to another thread costs a
    wake-up and a wait for the GIL, per call), else by a writer thread, so a caller never blocks;
    a reader thread reads replies and resolves each call's ``concurrent.futures.Future``.
    So one connection serves any number of threads and event loops at once: an async caller
    awaits its future on its own loop, a blocking caller waits on it. Notifications for
    subscriptions go, on the reader thread, to the handler registered for their subscription.
    stderr is always drained into the ``revstore`` logger, so the child can never block on it.
    """

    def __init__(self, process: subprocess.Popen[bytes], *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                 close_timeout: float = 2.0):
        self._process = process
        self._max_line = max_message_bytes + 4096
        self._close_timeout = close_timeout
        self._lock = threading.Lock()
        self._next_id = 0
        self._pending: dict[int, concurrent.futures.Future[Any]] = {}
        self._on_result: dict[int, Callable[[Any], None]] = {}
        self._subscribers: dict[str, Callable[[dict[str, Any]], None]] = {}
        self._outgoing: queue.SimpleQueue[Optional[bytes]] = queue.SimpleQueue()
        # Lines handed to the writer thread and not yet written: while any is, later ones queue too.
        self._queued = 0
        self._write_lock = threading.Lock()
        assert process.stdin is not None
        self._stdin_fd = process.stdin.fileno()
        os.set_blocking(self._stdin_fd, False)
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=50)
        self._exit_error: Optional[ServerExitedError] = None
        self._exited = threading.Event()
        self._closed = False
        self._threads = [threading.Thread(target=target, name=name, daemon=True) for target, name in
                         ((self._write_stdin, "revstore-stdin"), (self._read_stdout, "revstore-stdout"),
                          (self._read_stderr, "revstore-stderr"))]
        for thread in self._threads:
            thread.start()

    @classmethod
    def spawn(cls, args: list[str], *, binary: str | os.PathLike[str] | None = None,
              env: dict[str, str] | None = None, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
              close_timeout: float = 2.0) -> "Connection":
        path = find_binary(binary)
        process = subprocess.Popen([path, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   env=env, bufsize=0)
        return cls(process, max_message_bytes=max_message_bytes, close_timeout=close_timeout)

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def returncode(self) -> Optional[int]:
        return self._process.returncode

    # Calls

    async def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Sends a request and waits, on the caller's event loop, for its result; raises the
        mapped error. On timeout the server is told to cancel (``$/cancelRequest``) and
        ``TimeoutError`` is raised."""
        request_id, future = self.send(method, params)
        try:
            waiter = asyncio.wrap_future(future)
            if timeout is None:
                return await waiter
            try:
                return await asyncio.wait_for(waiter, timeout)
            except asyncio.TimeoutError:
                self.notify("$/cancelRequest", {"id": request_id})
                raise TimeoutError(f"{method} did not answer within {timeout} s; it was cancelled") from None
        finally:
            self._forget(request_id)

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             on_result: Callable[[Any], None] | None = None) -> tuple[int, "concurrent.futures.Future[Any]"]:
        """Queues the request now, so it is ordered before any request sent after this call.
        ``on_result`` runs on the reader thread as the result is read, before later messages."""
        with self._lock:
            message, request = self._register(method, params, on_result)
            self._write(_line(message))
        return request

    def send_batch(self, calls: Sequence[tuple[str, Optional[dict[str, Any]]]]) -> list[tuple[int, "concurrent.futures.Future[Any]"]]:
        """Queues ``calls`` as one JSON-RPC batch (one line), each with its own future."""
        with self._lock:
            registered = [self._register(method, params, None) for method, params in calls]
            self._write(_line([message for message, _ in registered]))
        return [request for _, request in registered]

    def _register(self, method: str, params: dict[str, Any] | None, on_result: Callable[[Any], None] | None
                  ) -> tuple[dict[str, Any], tuple[int, "concurrent.futures.Future[Any]"]]:
        """A numbered request and the future of its answer; called with the lock held."""
        if self._closed:
            raise ClientClosedError("this client was closed; spawn a new one")
        if self._exit_error is not None:
            raise self._exit_error
        self._next_id += 1
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self._pending[self._next_id] = future
        if on_result is not None:
            self._on_result[self._next_id] = on_result
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params:
            message["params"] = {k: v for k, v in params.items() if v is not None}
        return message, (self._next_id, future)

    def notify(self, method: str, params: dict[str, Any] | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params:
            message["params"] = params
        with self._lock:
            if self._exit_error is None and not self._closed:
                self._write(_line(message))

    def _forget(self, request_id: int) -> None:
        with self._lock:
            self._pending.pop(request_id, None)
            self._on_result.pop(request_id, None)

    # Subscriptions

    def add_subscriber(self, subscription: str, handler: Callable[[dict[str, Any]], None]) -> None:
        self._subscribers[subscription] = handler

    def remove_subscriber(self, subscription: str) -> None:
        self._subscribers.pop(subscription, None)

    def _write(self, line: bytes) -> None:
        """Writes ``line`` on the calling thread when nothing queued is ahead of it, as far as the
        pipe takes it at once; queues the rest for the writer thread. Called with the lock held."""
        with self._write_lock:
            if not self._queued:
                try:
                    written = os.write(self._stdin_fd, line)
                except BlockingIOError:
                    written = 0
                except OSError:
                    return  # the server is gone; the reader reports it
                if written == len(line):
                    return
                line = line[written:]
            self._queued += 1
            self._outgoing.put(line)

    # The threads

    def _write_stdin(self) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        # poll, not select: select cannot wait on a descriptor numbered past 1023.
        writable = select.poll()
        writable.register(self._stdin_fd, select.POLLOUT)
        while (line := self._outgoing.get()) is not None:
            view = memoryview(line)
            try:
                while view:
                    try:
                        view = view[os.write(self._stdin_fd, view):]
                    except BlockingIOError:
                        writable.poll()
            except OSError:
                break  # the server is gone; the reader reports it
            with self._write_lock:
                self._queued -= 1
        try:
            stdin.close()
        except OSError:
            pass

    def _read_stdout(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        reader = io.BufferedReader(stdout, 1 << 16)
        while line := reader.readline(self._max_line):
            if not line.endswith(b"\n") and len(line) >= self._max_line:
                log.error("revstore wrote a line longer than %d bytes; its output is lost", self._max_line)
                break
            try:
                message = _parse(line)
            except ValueError:
                # A response streamed in parts that failed part-way is cut off; the error
                # response with its id follows on the next line.
                log.warning("skipped a cut-off line of %d bytes from revstore", len(line))
                continue
            self._dispatch(message)
        returncode = self._process.wait()
        self._threads[2].join()
        with self._lock:
            self._exit_error = ServerExitedError(returncode, list(self._stderr_tail))
            pending = list(self._pending.values())
            self._outgoing.put(None)
        for future in pending:
            if not future.done():
                future.set_exception(self._exit_error)
        for handler in list(self._subscribers.values()):
            handler({"__closed__": True})
        self._exited.set()

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
        with self._lock:
            future = self._pending.pop(message.get("id"), None)
            callback = self._on_result.pop(message.get("id"), None)
        if future is None or future.done():
            return  # a call that timed out, answered late
        if "error" in message:
            future.set_exception(error_from_response(message["error"]))
        else:
            if callback is not None:
                callback(message.get("result"))
            future.set_result(message.get("result"))

    def _read_stderr(self) -> None:
        stderr = self._process.stderr
        assert stderr is not None
        for line in io.BufferedReader(stderr):
            text = line.decode(errors="replace").rstrip()
            self._stderr_tail.append(text)
            log.debug("%s", text)

    # Lifecycle

    async def close(self) -> Optional[int]:
        """Closes stdin and waits; then SIGTERM and waits; then SIGKILL. Returns the exit status."""
        return await asyncio.get_running_loop().run_in_executor(None, self.stop)

    def stop(self) -> Optional[int]:
        """``close``, blocking the calling thread."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._outgoing.put(None)  # the writer closes stdin once what was queued is out
        for step in (None, self._process.terminate, self._process.kill):
            try:
                if step is not None:
                    step()
            except ProcessLookupError:
                break
            if self._exited.wait(self._close_timeout):
                break
        self._exited.wait()
        return self._process.returncode


def _line(message: Any) -> bytes:
    return (_encoder.encode(message) + "\n").encode()


# Bytes in entity data travel as {"$bytes": "<base64>"} (protocol/README.md §5): the host's
# bytes go out in that form and come back as bytes.
_BYTES_MARK = b'"$bytes"'


def _bytes_value(value: Any) -> dict[str, str]:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _bytes_of(members: dict[str, Any]) -> Any:
    if len(members) == 1 and type(members.get("$bytes")) is str:
        return base64.b64decode(members["$bytes"])
    return members


# One encoder for every line: json.dumps with options builds a new one per call.
_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_bytes_value)


def _parse(line: bytes) -> Any:
    # Only a line that names $bytes pays for the hook.
    return json.loads(line, object_hook=_bytes_of) if _BYTES_MARK in line else json.loads(line)
