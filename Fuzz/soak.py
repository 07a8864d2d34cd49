"""Soak: `kill -9` under a write load from several processes, round after round, then storage
faults, checking after each that nothing acknowledged was lost and nothing was half written.

Kill rounds. Several servers share one store file; each pipelines commits into one shared
session, every commit a pair of entities (Left and Right with one id). After a random
moment, some servers are killed with SIGKILL, the rest a moment later. Then a fresh server
checks the round: every acknowledged commit is there, Left and Right hold the same ids (no
commit half applied), the session's head grew by exactly the commits that survived, and its
versions are gapless. Every tenth round and at the end, SQLite's `integrity_check`.

Storage faults (root only; skipped with a message otherwise):
  * disk full: the store on a small tmpfs, written until commits answer STORAGE_ERROR; every
    acknowledged commit reads back, and once space is freed writes work again;
  * read-only: the tmpfs remounted read-only; every read works and every write answers
    STORAGE_ERROR saying the store is read-only.

  python3 Fuzz/soak.py                  # 100 rounds, 3 writers
  python3 Fuzz/soak.py --rounds 10 --writers 4 --seed 7
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from server import Failure, Server

ROOT = pathlib.Path(__file__).resolve().parent.parent
SESSION = "soak"
STORAGE_ERROR = -32009
STALL = 60


def commit_line(request_id: int, writer: int, n: int, round_: int, padding: int = 0) -> bytes:
    entity = f'"id":"{entity_id(round_, writer, n)}","data":{{"round":{round_},"writer":{writer},"n":{n},"pad":"{"x" * padding}"}}'
    return (f'{{"jsonrpc":"2.0","id":{request_id},"method":"commit","params":{{"session":"{SESSION}","ops":['
            f'{{"op":"put","type":"Left",{entity}}},{{"op":"put","type":"Right",{entity}}}]}}}}\n').encode()


def entity_id(round_: int, writer: int, n: int) -> str:
    return f"r{round_}-w{writer}-{n}"


def ids(server: Server, type_: str, round_: int) -> set[str]:
    found: set[str] = set()
    while True:
        page = server.call("entity/query", {"session": SESSION, "type": type_, "where": {"round": round_},
                                            "limit": 10_000, "offset": len(found)}, STALL)["entities"]
        found.update(entity["id"] for entity in page)
        if len(page) < 10_000:
            return found


def integrity(path: str):
    connection = sqlite3.connect(path)
    try:
        status = connection.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        connection.close()
    if status != "ok":
        raise Failure(f"integrity_check: {status}")


def kill_rounds(args, rng: random.Random) -> str:
    with tempfile.TemporaryDirectory(prefix="revstore-soak-") as directory:
        return _kill_rounds(args, rng, os.path.join(directory, "soak.sqlite"))


def _kill_rounds(args, rng: random.Random, store: str) -> str:
    setup = Server(args.binary, store)
    setup.call("session/create", {"session": SESSION}, STALL)
    setup.close(STALL)
    head = 1
    survived_total = 0
    for round_ in range(args.rounds):
        servers = [Server(args.binary, store) for _ in range(args.writers)]
        acknowledged: set[str] = set()
        for w, server in enumerate(servers):
            text = b"".join(commit_line(n, w, n, round_) for n in range(args.commits))
            threading.Thread(target=lambda s=server, t=text: _send_quietly(s, t), daemon=True).start()
        first_kill = time.monotonic() + rng.uniform(0.05, 0.6)
        doomed = set(rng.sample(range(args.writers), rng.randint(1, args.writers)))
        _collect(servers, acknowledged, first_kill, round_)
        for w in doomed:
            servers[w].kill()
        _collect(servers, acknowledged, first_kill + rng.uniform(0, 0.3), round_)
        for server in servers:
            if server.process.returncode is None:
                server.kill()
        # Every server is dead now; a fresh one checks what they left.
        check = Server(args.binary, store)
        left, right = ids(check, "Left", round_), ids(check, "Right", round_)
        if left != right:
            raise Failure(f"round {round_}: half-applied commits: {sorted(left ^ right)[:5]}")
        lost = acknowledged - left
        if lost:
            raise Failure(f"round {round_}: {len(lost)} acknowledged commits lost, e.g. {sorted(lost)[:5]}")
        new_head = check.call("session/get", {"session": SESSION}, STALL)["version"]
        if new_head != head + len(left):
            raise Failure(f"round {round_}: head went from {head} to {new_head} with {len(left)} commits surviving")
        versions = check.call("version/list", {"session": SESSION, "limit": 10_000}, STALL)["versions"]
        numbers = [v["version"] for v in versions]
        if numbers != list(range(new_head, new_head - len(numbers), -1)):
            raise Failure(f"round {round_}: versions are not gapless near the head")
        check.close(STALL)
        head = new_head
        survived_total += len(left)
        if round_ % 10 == 9 or round_ == args.rounds - 1:
            integrity(store)
        if args.verbose:
            print(f"round {round_}: {len(acknowledged)} acknowledged, {len(left)} survived, head {head}", flush=True)
    return f"{args.rounds} kill -9 rounds with {args.writers} writers: {survived_total} commits survived, head {head}, " \
           f"none lost, none half applied, versions gapless, integrity ok"


def _send_quietly(server: Server, text: bytes):
    try:
        server.send(text)
    except (Failure, OSError):
        pass  # killed mid-write: the point of the exercise


def _collect(servers: list[Server], acknowledged: set[str], deadline: float, round_: int):
    """Reads every live server's replies until `deadline`, noting each acknowledged commit."""
    while time.monotonic() < deadline:
        for w, server in enumerate(servers):
            if server.process.returncode is not None:
                continue
            try:
                for line in server.lines(min(deadline, time.monotonic() + 0.01)):
                    reply = json.loads(line)
                    if "result" in reply:
                        acknowledged.add(entity_id(round_, w, reply["id"]))
                    else:
                        raise Failure(f"writer {w} answered {reply}")
            except Failure as failure:
                raise Failure(f"round {round_}, writer {w}, before any kill: {failure}")


def storage_faults(args) -> str:
    if os.geteuid() != 0:
        return "storage faults: skipped (mounting a small tmpfs needs root)"
    mount = tempfile.mkdtemp(prefix="revstore-faults-")
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", mount], capture_output=True).returncode != 0:
        return "storage faults: skipped (this machine does not allow mounting a tmpfs)"
    try:
        store = os.path.join(mount, "full.sqlite")
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (1 << 20))
        server = Server(args.binary, store)
        server.call("session/create", {"session": SESSION}, STALL)
        acknowledged, n, refused = set(), 0, None
        while refused is None and n < 100_000:
            server.send(commit_line(n, 0, n, 0, padding=4000))
            for line in server.lines(time.monotonic() + STALL):
                reply = json.loads(line)
                if "result" in reply:
                    acknowledged.add(entity_id(0, 0, n))
                elif reply.get("error", {}).get("code") == STORAGE_ERROR:
                    refused = reply["error"]
                else:
                    raise Failure(f"disk full: a write answered {reply}")
                break
            n += 1
        if refused is None:
            raise Failure("disk full: the tmpfs never filled")
        # Reads still work, and nothing acknowledged is missing.
        if ids(server, "Left", 0) != acknowledged or ids(server, "Right", 0) != acknowledged:
            raise Failure("disk full: the acknowledged commits do not read back")
        os.remove(filler)
        server.call("entity/put", {"session": SESSION, "type": "After", "id": "a", "data": {"ok": True}}, STALL)
        server.close(STALL)
        integrity(store)
        full = f"disk full answered STORAGE_ERROR after {len(acknowledged)} commits, all kept; writes resumed once space was freed"

        remount = subprocess.run(["mount", "-o", "remount,ro", mount], capture_output=True, text=True)
        if remount.returncode != 0:
            return full + f"; read-only: skipped (remount refused: {remount.stderr.strip()})"
        server = Server(args.binary, store)
        if ids(server, "Left", 0) != acknowledged:
            raise Failure("read-only: the data does not read back")
        reply = server.request("entity/put", {"session": SESSION, "type": "After", "id": "b", "data": {}}, STALL)
        error = reply.get("error", {})
        if error.get("code") != STORAGE_ERROR or "read-only" not in str(error.get("data", {}).get("detail")):
            raise Failure(f"read-only: a write answered {reply}")
        server.close(STALL)
        return full + "; on a read-only mount reads work and writes answer STORAGE_ERROR (read-only)"
    finally:
        subprocess.run(["umount", "-l", mount], capture_output=True)
        os.rmdir(mount)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.environ.get("REVSTORE_BIN") or str(ROOT / ".build" / "release" / "revstore"))
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--writers", type=int, default=3, help="server processes writing at once")
    parser.add_argument("--commits", type=int, default=20_000, help="commits each writer sends per round")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--verbose", action="store_true", help="a line per round")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    started = time.monotonic()
    try:
        kills = kill_rounds(args, random.Random(seed))
        faults = storage_faults(args)
    except Failure as failure:
        print(f"soak (seed {seed}) failed: {failure}", file=sys.stderr)
        return 1
    print(f"soak (seed {seed}, {time.monotonic() - started:.0f} s): {kills}\n{faults}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
