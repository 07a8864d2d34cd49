"""Protocol fuzzer: mutations of every method's fixture requests, sent over real pipes to a real
`revstore`, with the same assertions as the fuzz targets.

Inputs are the `send` members of protocol/fixtures/*.json, mutated structurally (members
dropped, added or given other types; names swapped for hostile ones: empty, 300 characters,
U+0000, combining marks; numbers at and past every limit; deep nesting; other methods) and
byte by byte (truncated, cut, spliced, invalid UTF-8). After each input batch a `ping` probe
follows. Checked throughout:

  * every line the server writes is one JSON value;
  * every request whose text is JSON with an integer or string id is answered, once, with
    that id; a line that is not JSON is answered -32700 with a null id;
  * the server neither exits nor stalls (each probe answered within --stall seconds);
  * known data is intact: a session the mutations never name reads the same after every
    server restart and at the end, and the store file passes `PRAGMA integrity_check`.

A failure prints the seed and saves the inputs since the last good probe to
.build/fuzz/artifacts/protocol-<seed>.jsonl; `--replay FILE` sends such a file again.

  python3 Fuzz/protocol.py --seconds 60              # fuzz for a minute
  python3 Fuzz/protocol.py --seed 7 --seconds 10     # reproducible
  python3 Fuzz/protocol.py --replay .build/fuzz/artifacts/protocol-7.jsonl
"""
from __future__ import annotations

import argparse
import collections
import copy
import json
import os
import pathlib
import random
import re
import sqlite3
import sys
import tempfile
import time

from server import Failure, Server

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / ".build" / "fuzz" / "artifacts"

# The session whose data must survive everything; no mutation produces its name.
KEPT = "kept-\u2603"
# Methods that end the server on purpose.
ENDING = {"exit", "shutdown"}

NAMES = ["s1", "s2", "main", "dev", "", " ", "x" * 300, "s\u0000x", "\u00e9", "e\u0301", "a/b", "..", "-",
         "\u202e", "\ud83d\ude00", "null", "0", "approved", "T", "User", "Note", "u1", "$id", "a.b", "Kept"]
NUMBERS = [0, -1, 1, 2, 3, 10_000, 10_001, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 0.5, -0.0, 1e308]
# Number texts Python cannot write as floats; spliced into the line as they are.
RAW_NUMBERS = ["1e999", "-1e999", "1E400", "123456789012345678901234567890", "0.0000000000000000000001", "-0"]
BYTES = [b'"', b"\\", b"{", b"}", b"[", b"]", b",", b":", b"\x00", b"\x80", b"\xff", b"\xc3", b"\xed\xa0\x80", b" ", b"\t"]


def fixtures() -> list:
    """Every message the fixtures send, as JSON values (raw lines as strings)."""
    sent = []
    for path in sorted((ROOT / "protocol" / "fixtures").glob("*.json")):
        for exchange in json.loads(path.read_text()).get("exchanges", []):
            message = exchange["send"] if "send" in exchange else exchange["sendRaw"]
            if not (isinstance(message, dict) and message.get("method") in ENDING):
                sent.append(message)
    return sent


def methods(messages: list) -> list:
    return sorted({m["method"] for m in messages if isinstance(m, dict) and isinstance(m.get("method"), str)} - ENDING)


class Mutator:
    def __init__(self, rng: random.Random, messages: list):
        self.rng = rng
        self.messages = messages
        self.methods = methods(messages)

    def value(self, depth: int = 0):
        """A value of any JSON type, leaning to the ones that find trouble."""
        r = self.rng.random()
        if r < 0.25:
            return self.rng.choice(NAMES)
        if r < 0.45:
            return self.rng.choice(NUMBERS)
        if r < 0.55:
            return self.rng.choice([None, True, False])
        if r < 0.65:
            return self.rng.choice(["", "x" * self.rng.choice([1, 64, 513, 70_000]), "\u0000", "a\u0301", "\ud800"])
        if r < 0.75 and depth < 4:
            return [self.value(depth + 1) for _ in range(self.rng.choice([0, 1, 2, 989, 1001]) if depth == 0 else 2)]
        if r < 0.85 and depth < 4:
            return {self.rng.choice(NAMES + ["eq", "in", "$not", "$or", "gtt", "$bytes"]): self.value(depth + 1)
                    for _ in range(self.rng.randint(0, 3))}
        if r < 0.9:
            nested = None
            for _ in range(self.rng.choice([30, 200, 300])):
                nested = {"$not": nested} if self.rng.random() < 0.5 else [nested]
            return nested
        return copy.deepcopy(self.rng.choice(self.messages))  # a whole other message, as a value

    def paths(self, node, prefix=()):
        yield prefix
        if len(prefix) > 12:
            return
        if isinstance(node, dict):
            for key, child in node.items():
                yield from self.paths(child, prefix + (key,))
        elif isinstance(node, list):
            for index, child in enumerate(node[:50]):
                yield from self.paths(child, prefix + (index,))

    def structural(self, message):
        message = copy.deepcopy(message)
        for _ in range(self.rng.randint(1, 3)):
            paths = list(self.paths(message))
            path = self.rng.choice(paths)
            if not path:
                if isinstance(message, dict) and self.rng.random() < 0.5:
                    message["method"] = self.rng.choice(self.methods)
                elif self.rng.random() < 0.1:
                    message = [message, self.structural(self.rng.choice(self.messages))]
                continue
            parent = message
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            r = self.rng.random()
            if r < 0.25:
                del parent[last]
            elif r < 0.35 and isinstance(parent[last], str):
                text = parent[last]
                at = self.rng.randint(0, len(text))
                parent[last] = text[:at] + self.rng.choice(["\u0000", "\u0301", "/", "~", ".", "\"", "\\", "\n", "\ud800"]) + text[at:]
            elif r < 0.45 and isinstance(parent, dict):
                parent[self.rng.choice(NAMES + ["params", "id", "at", "where", "limit", "ops"])] = self.value()
            else:
                parent[last] = self.value()
        return message

    def text(self, message) -> bytes:
        """The message as one line, with byte-level damage now and then."""
        if isinstance(message, str):
            data = message.encode("utf-8", "surrogatepass")
        else:
            data = json.dumps(message, ensure_ascii=self.rng.random() < 0.5).encode("utf-8", "surrogatepass")
        r = self.rng.random()
        if r < 0.05:
            data = data.replace(b"1", self.rng.choice(RAW_NUMBERS).encode(), 1)
        elif r < 0.1:
            data = data[: self.rng.randint(0, len(data))]
        elif r < 0.15:
            at = self.rng.randint(0, len(data))
            data = data[:at] + self.rng.choice(BYTES) + data[at:]
        elif r < 0.18 and len(data) > 2:
            a, b = sorted(self.rng.sample(range(len(data)), 2))
            data = data[:a] + data[b:]
        elif r < 0.2:
            other = json.dumps(self.rng.choice(self.messages)).encode()
            data = data[: self.rng.randint(0, len(data))] + other[self.rng.randint(0, len(other)):]
        return data.replace(b"\n", b" ").replace(b"\r", b" ") + b"\n"

    def next(self, number: int) -> bytes:
        message = self.rng.choice(self.messages)
        if isinstance(message, dict) and "id" in message:
            message = dict(message, id=number)
        if self.rng.random() < 0.1:
            return self.text(message)  # unmutated, to keep state around that mutations can hit
        return self.text(self.structural(message) if not isinstance(message, str) else message)


# JSON nested deeper than this is -32700 (protocol/README.md, framing).
MAXIMUM_DEPTH = 256


def depth(value) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, (dict, list)):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def reject_constant(name):
    raise ValueError(name)


# What `parsed` answers for a line that is only white space, and for one that is not JSON.
BLANK, NOT_JSON = object(), object()


def parsed(line: bytes):
    """The line's JSON value, as strict JSON reads it (no NaN or Infinity), or BLANK or NOT_JSON."""
    text = line.strip()
    if not text:
        return BLANK
    try:
        return json.loads(text.decode("utf-8"), parse_constant=reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return NOT_JSON


def expected(value):
    """The replies a parsed line must get: (ids that must be answered, count of null-id parse errors)."""
    if value is BLANK:
        return [], 0
    if value is NOT_JSON:
        return [], 1
    levels = depth(value)
    if levels > MAXIMUM_DEPTH:
        return [], 1
    if levels > MAXIMUM_DEPTH - 8:
        return [], 0  # near the limit: which side a level falls on is the parser's to count

    def request_id(message):
        if isinstance(message, dict) and "id" in message:
            i = message["id"]
            if isinstance(i, int) and not isinstance(i, bool):
                return [json.dumps(i)]
            if isinstance(i, str):
                # A lone surrogate escape is read as U+FFFD, and echoed so.
                return [json.dumps(re.sub("[\ud800-\udfff]", "\ufffd", i))]
        return []
    if isinstance(value, list):
        return [i for m in value for i in request_id(m)], 0
    return request_id(value), 0


def seed_kept(server: Server, stall: float):
    server.call("session/create", {"session": KEPT}, stall)
    server.call("commit", {"session": KEPT, "ops": [
        {"op": "put", "type": "Kept", "id": f"k{i}", "data": {"n": i, "text": "\u00e9 e\u0301 \u0000 " * i}} for i in range(20)]}, stall)
    server.call("branch/create", {"session": KEPT, "name": "kept-branch"}, stall)
    server.call("entity/patch", {"session": KEPT, "branch": "kept-branch", "type": "Kept", "id": "k1", "patch": {"b": True}}, stall)
    server.call("tag/set", {"session": KEPT, "name": "kept-tag", "at": 2}, stall)


def snapshot(server: Server, stall: float) -> str:
    """What the kept session holds, as canonical text."""
    parts = [server.call("session/get", {"session": KEPT}, stall)["version"]]
    for branch in ("main", "kept-branch"):
        parts.append(server.call("entity/query", {"session": KEPT, "branch": branch, "limit": 100}, stall)["entities"])
    parts.append(server.call("version/list", {"session": KEPT, "limit": 100}, stall)["versions"])
    parts.append(server.call("tag/list", {"session": KEPT}, stall)["tags"])
    parts.append(server.call("branch/list", {"session": KEPT}, stall)["branches"])
    return json.dumps(parts, sort_keys=True)


class Run:
    def __init__(self, args):
        self.args = args
        self.directory = tempfile.TemporaryDirectory(prefix="revstore-protocol-fuzz-")
        self.store = os.path.join(self.directory.name, "fuzz.sqlite")
        self.sent = 0
        self.replies = 0
        self.restarts = 0
        self.outcomes = collections.Counter()  # (method, error code) pairs seen: a rough coverage figure
        self.pending: list[bytes] = []  # inputs since the last good probe
        self.methods = set(methods(fixtures()))
        self.server = Server(args.binary, self.store)
        seed_kept(self.server, args.stall)
        self.kept = snapshot(self.server, args.stall)

    def restart(self):
        self.server.close(self.args.stall)
        self.server = Server(self.args.binary, self.store)
        self.restarts += 1
        if snapshot(self.server, self.args.stall) != self.kept:
            raise Failure("the kept session changed")

    def batch(self, lines: list[bytes], probe: int):
        """Sends lines and a probe; returns once everything owed has been answered."""
        self.pending += lines
        owed = collections.Counter()
        parse_errors = 0
        methods_sent = {}  # id → method, to count outcomes by method
        for line in lines:
            message = parsed(line)
            ids, errors = expected(message)
            owed.update(ids)
            parse_errors += errors
            if isinstance(message, dict):
                method = message.get("method")
                methods_sent[json.dumps(message.get("id"))] = method if isinstance(method, str) and method in self.methods else "other"
        probe_id = json.dumps(f"probe-{probe}")
        owed[probe_id] += 1
        self.server.send(b"".join(lines) + b'{"jsonrpc":"2.0","id":' + probe_id.encode() + b',"method":"ping"}\n')
        self.sent += len(lines)
        deadline = time.monotonic() + self.args.stall
        for line in self.server.lines(deadline):
            try:
                reply = json.loads(line)
            except ValueError:
                raise Failure(f"a line that is not JSON: {line[:200]!r}")
            replies = reply if isinstance(reply, list) else [reply]
            for one in replies:
                if not isinstance(one, dict) or one.get("jsonrpc") != "2.0":
                    raise Failure(f"not a JSON-RPC message: {line[:200]!r}")
                if "id" not in one:
                    continue  # a notification (subscription events)
                self.replies += 1
                key = json.dumps(one["id"])
                code = one.get("error", {}).get("code") if isinstance(one.get("error"), dict) else None
                self.outcomes[(methods_sent.get(key, "?"), code)] += 1
                if one["id"] is None:
                    parse_errors -= code == -32700
                elif owed[key] > 0:
                    owed[key] -= 1  # other ids (mutated ones the model owes nothing) may be answered too
            if +owed == collections.Counter() and parse_errors <= 0:
                self.pending = []
                return
        unanswered = list((+owed).keys())[:5]
        raise Failure(f"no answer within {self.args.stall} s to {unanswered}"
                      + (f" and {parse_errors} parse error(s)" if parse_errors > 0 else ""))

    def fuzz(self, seed: int):
        rng = random.Random(seed)
        messages = fixtures()
        mutator = Mutator(rng, messages)
        # The fixtures once as they are, so mutations meet sessions, branches and types.
        for message in messages:
            self.batch([mutator.text(message) if isinstance(message, str) else json.dumps(message).encode() + b"\n"], 0)
        end = time.monotonic() + self.args.seconds
        probe = 1
        while time.monotonic() < end:
            self.batch([mutator.next(1_000_000 + self.sent + k) for k in range(self.args.batch)], probe)
            probe += 1
            if probe % self.args.restart_every == 0:
                self.restart()

    def replay(self, path: str):
        self.batch([line + b"\n" for line in pathlib.Path(path).read_bytes().split(b"\n") if line], 0)

    def finish(self):
        self.restart()
        self.server.close(self.args.stall)
        status = sqlite3.connect(self.store).execute("PRAGMA integrity_check").fetchone()[0]
        if status != "ok":
            raise Failure(f"integrity_check: {status}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("REVSTORE_BIN") or str(ROOT / ".build" / "release" / "revstore"))
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=None, help="random by default; printed either way")
    parser.add_argument("--batch", type=int, default=16, help="inputs sent before each probe")
    parser.add_argument("--stall", type=float, default=60, help="seconds without an owed answer that count as a hang")
    parser.add_argument("--restart-every", type=int, default=500, help="probes between server restarts")
    parser.add_argument("--replay", metavar="FILE", help="send the inputs in FILE instead of fuzzing")
    args = parser.parse_args()
    sys.setrecursionlimit(20_000)  # for the deeply nested inputs
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    started = time.monotonic()
    run = None
    try:
        run = Run(args)
        if args.replay:
            run.replay(args.replay)
        else:
            run.fuzz(seed)
        run.finish()
    except Failure as failure:
        print(f"protocol fuzz (seed {seed}) failed: {failure}", file=sys.stderr)
        if run is not None and run.pending:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            saved = ARTIFACTS / f"protocol-{seed}.jsonl"
            saved.write_bytes(b"".join(line if line.endswith(b"\n") else line + b"\n" for line in run.pending))
            print(f"inputs since the last answered probe: {saved} (replay with --replay)", file=sys.stderr)
        return 1
    elapsed = time.monotonic() - started
    print(f"protocol    {run.sent} inputs in {elapsed:.0f} s (seed {seed}), {run.replies} replies, "
          f"{len(run.outcomes)} distinct (method, outcome) pairs, {run.restarts} restarts; kept data intact, integrity ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
