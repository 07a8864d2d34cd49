"""Shared helpers for the benchmarks: spawning peers, raw line I/O, statistics, reporting."""
from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN_DIR = ROOT / "bench" / "bin"


def revstore_binary() -> str:
    """The release build of the server (`make bench` builds it)."""
    return os.environ.get("REVSTORE_BIN") or str(ROOT / ".build" / "release" / "revstore")


def build_echo() -> str:
    """Compiles the C line-echo floor into bench/bin and returns its path."""
    BIN_DIR.mkdir(parents=True, exist_ok=True)
    out = BIN_DIR / "echo"
    source = ROOT / "bench" / "echo.c"
    if not out.exists() or out.stat().st_mtime < source.stat().st_mtime:
        subprocess.run(["cc", "-O2", "-o", str(out), str(source)], check=True)
    return str(out)


@contextlib.contextmanager
def pinned(cpu: int | None):
    """Runs the block with this process on `cpu` (anywhere for None), as it was afterwards."""
    original = os.sched_getaffinity(0)
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, original)


class LinePeer:
    """A child process spoken to in newline-delimited messages over raw pipe descriptors."""

    def __init__(self, argv: list[str], cpu: int | None = None):
        pin = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, preexec_fn=pin)
        self.wfd = self.proc.stdin.fileno()
        self.rfd = self.proc.stdout.fileno()
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            n = os.write(self.wfd, view)
            view = view[n:]

    def read_line(self) -> bytes:
        while True:
            i = self.buffer.find(b"\n")
            if i >= 0:
                line = bytes(self.buffer[:i])
                del self.buffer[: i + 1]
                return line
            chunk = os.read(self.rfd, 1 << 16)
            if not chunk:
                raise EOFError("peer closed its output")
            self.buffer += chunk

    def read_lines(self, count: int) -> int:
        """Reads `count` lines, counting newlines chunk by chunk (no per-line parsing)."""
        seen = self.buffer.count(b"\n")
        self.buffer.clear()
        while seen < count:
            chunk = os.read(self.rfd, 1 << 16)
            if not chunk:
                raise EOFError("peer closed its output")
            seen += chunk.count(b"\n")
        return seen

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def round_trips(peer: LinePeer, lines: list[bytes]) -> list[float]:
    """Microseconds for each line written and its reply read, one at a time."""
    samples = []
    for line in lines:
        start = now()
        peer.write(line)
        peer.read_line()
        samples.append((now() - start) * 1e6)
    return samples


def pipelined(peer: LinePeer, payload: bytes, count: int) -> float:
    """Replies per second for `payload` (`count` lines) written by one thread while another reads."""
    start = now()
    writer = threading.Thread(target=peer.write, args=(payload,))
    writer.start()
    peer.read_lines(count)
    writer.join()
    return count / (now() - start)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summarize(samples: list[float]) -> dict:
    return {"p50": percentile(samples, 50), "p99": percentile(samples, 99), "mean": statistics.fmean(samples)}


def report(name: str, rows: list[tuple[str, str, bool | None]], results: dict) -> bool:
    """Prints a table of checks (label, figure, ok; None for a figure reported, not checked)
    and writes bench/results/NAME.json."""
    print(f"\n== {name}")
    ok = True
    for label, figure, passed in rows:
        ok &= passed is not False
        print(f"  {'INFO' if passed is None else 'PASS' if passed else 'FAIL'}  {label}: {figure}")
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(results, indent=2, sort_keys=True))
    return ok


def now() -> float:
    return time.perf_counter()


def exit_with(ok: bool) -> None:
    sys.exit(0 if ok else 1)


class RpcPeer(LinePeer):
    """A JSON-RPC client over a LinePeer: numbered requests, one or many in flight."""

    def __init__(self, argv: list[str], cpu: int | None = None):
        super().__init__(argv, cpu)
        self.next_id = 0

    def line(self, method: str, params: dict) -> bytes:
        self.next_id += 1
        return (json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}, separators=(",", ":")) + "\n").encode()

    def call(self, method: str, params: dict):
        self.write(self.line(method, params))
        reply = json.loads(self.read_line())
        if "error" in reply:
            raise RuntimeError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def pipeline(self, requests: list[tuple[str, dict]], window: int) -> list:
        """Sends requests keeping at most `window` unanswered; returns results in reply order."""
        results, sent, pending = [], 0, 0
        while sent < len(requests) or pending:
            while sent < len(requests) and pending < window:
                self.write(self.line(*requests[sent]))
                sent += 1
                pending += 1
            reply = json.loads(self.read_line())
            pending -= 1
            if "error" in reply:
                raise RuntimeError(f"request failed: {reply['error']}")
            results.append(reply["result"])
        return results
