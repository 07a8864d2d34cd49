"""A `revstore` process spoken to over its pipes, for the protocol fuzzer and the soak run."""
from __future__ import annotations

import json
import os
import select
import subprocess
import time


class Failure(Exception):
    """A broken promise of the server's: the run stops and says which."""


class Server:
    """One server on a store file; its replies read with a deadline, its stderr kept."""

    def __init__(self, binary: str, store: str, *flags: str):
        self.process = subprocess.Popen([binary, "--db", store, *flags], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, bufsize=0)
        os.set_blocking(self.process.stdout.fileno(), False)
        self.buffer = b""
        self.stderr = b""

    def send(self, data: bytes):
        try:
            self.process.stdin.write(data)
        except BrokenPipeError:
            raise Failure(f"the server closed its input (exit {self.process.poll()}): {self.stderr_text()}")

    def stderr_text(self) -> str:
        os.set_blocking(self.process.stderr.fileno(), False)
        self.stderr += self.process.stderr.read() or b""
        return self.stderr.decode(errors="replace")[-2000:]

    def lines(self, deadline: float):
        """Lines as they arrive, until `deadline`."""
        while True:
            while b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                yield line
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.process.stdout, self.process.stderr], [], [], left)
            if self.process.stderr in ready:
                self.stderr += os.read(self.process.stderr.fileno(), 65536)
            if self.process.stdout in ready:
                chunk = os.read(self.process.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise Failure(f"the server exited ({self.process.wait()}): {self.stderr_text()}")
                self.buffer += chunk

    def request(self, method: str, params: dict, stall: float) -> dict:
        """The reply to one request, sent alone (other lines arriving meanwhile are dropped)."""
        self.send(json.dumps({"jsonrpc": "2.0", "id": "check", "method": method, "params": params}).encode() + b"\n")
        for line in self.lines(time.monotonic() + stall):
            reply = json.loads(line)
            if isinstance(reply, dict) and reply.get("id") == "check":
                return reply
        raise Failure(f"{method} was not answered in {stall} s")

    def call(self, method: str, params: dict, stall: float):
        """The result of one request; an error is a failure."""
        reply = self.request(method, params, stall)
        if "error" in reply:
            raise Failure(f"{method}: {reply['error']}")
        return reply["result"]

    def close(self, stall: float):
        self.process.stdin.close()
        try:
            status = self.process.wait(timeout=stall)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise Failure(f"the server did not exit within {stall} s of its input closing")
        if status != 0:
            raise Failure(f"the server exited {status}: {self.stderr_text()}")

    def kill(self):
        """kill -9: no chance to flush, roll back or say goodbye."""
        self.process.kill()
        self.process.wait()
