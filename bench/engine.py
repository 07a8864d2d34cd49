"""Engine benchmark: revstore commits and as-of reads, driven from Python, against the same writes
done directly with Python's sqlite3 in the same run (WAL, one transaction per commit, same
synchronous setting).

"The same writes" means what one revstore commit writes: the entity row, the entity version row
(with the same indexes), the session version row and the branch head; done by one Python
process with no protocol in between.

Checks (the versioned-engine issue):
  * single-entity commits one at a time: at least 0.5x the direct rate;
  * 1,000-op commits: at least 1/3 of the direct rows/s;
  * 16 single-entity commits in flight at --durability full: at least 1.5x the direct
    one-transaction-per-commit rate (group commit), each still its own version;
  * with 100,000 versions of history, reading one entity and all entities of a type at
    version 10 stays within 3x of the same read at the head.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
import time
import uuid

from common import RpcPeer, exit_with, now, report, revstore_binary, summarize

DIRECT_SCHEMA = """
CREATE TABLE branch(id INTEGER PRIMARY KEY, head INTEGER NOT NULL);
CREATE TABLE version(branch_id INTEGER, number INTEGER, created_at TEXT, actor TEXT, message TEXT, metadata TEXT,
    change_count INTEGER, PRIMARY KEY(branch_id, number)) WITHOUT ROWID;
CREATE TABLE entity(key INTEGER PRIMARY KEY, session_id INTEGER, type TEXT, entity_id TEXT, UNIQUE(session_id, type, entity_id));
CREATE TABLE entity_version(id INTEGER PRIMARY KEY, entity_key INTEGER, branch_id INTEGER, valid_from INTEGER, valid_to INTEGER,
    number INTEGER, change TEXT, version_id TEXT UNIQUE, parent_version_id TEXT, lineage_id TEXT, data TEXT, deleted INTEGER,
    created_at TEXT, created_at_version INTEGER, created_by TEXT, updated_at TEXT, updated_by TEXT, deleted_at TEXT, deleted_by TEXT);
CREATE INDEX ev_as_of ON entity_version(entity_key, branch_id, valid_from);
CREATE INDEX ev_by_version ON entity_version(branch_id, valid_from);
CREATE INDEX ev_lineage ON entity_version(lineage_id);
INSERT INTO branch(id, head) VALUES (1, 1);
"""


class Direct:
    """The same writes as a revstore commit, straight through Python's sqlite3."""

    def __init__(self, path: str, synchronous: str):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute(f"PRAGMA synchronous={synchronous}")
        self.db.executescript(DIRECT_SCHEMA)

    def commit(self, entities: list[tuple[str, dict]]) -> None:
        db = self.db
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        db.execute("BEGIN IMMEDIATE")
        head = db.execute("SELECT head FROM branch WHERE id = 1").fetchone()[0] + 1
        for entity_id, data in entities:
            row = db.execute("SELECT key FROM entity WHERE session_id = 1 AND type = 'Item' AND entity_id = ?", (entity_id,)).fetchone()
            key = row[0] if row else db.execute("INSERT INTO entity(session_id, type, entity_id) VALUES (1, 'Item', ?)", (entity_id,)).lastrowid
            db.execute("INSERT INTO entity_version(entity_key, branch_id, valid_from, number, change, version_id, lineage_id, data, deleted,"
                       " created_at, created_at_version, updated_at) VALUES (?, 1, ?, 1, 'created', ?, ?, ?, 0, ?, ?, ?)",
                       (key, head, str(uuid.uuid4()), str(uuid.uuid4()), json_text(data), stamp, head, stamp))
        db.execute("INSERT INTO version(branch_id, number, created_at, metadata, change_count) VALUES (1, ?, ?, '{}', ?)", (head, stamp, len(entities)))
        db.execute("UPDATE branch SET head = ? WHERE id = 1", (head,))
        db.execute("COMMIT")


def single_row_floor(path: str, synchronous: str, count: int) -> float:
    """Bare one-row transactions per second: less work than a commit, reported for context."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
    start = now()
    for _ in range(count):
        db.execute("BEGIN")
        db.execute("INSERT INTO t(v) VALUES ('{\"n\":1}')")
        db.execute("COMMIT")
    return count / (now() - start)


def json_text(data: dict) -> str:
    import json
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


def put(session: str, entity_id: str, n: int) -> tuple[str, dict]:
    return ("commit", {"session": session, "ops": [{"op": "put", "type": "Item", "id": entity_id, "data": {"n": n, "name": f"item {n}"}}]})


def throughput(args, scratch: str) -> tuple[list, dict]:
    rows, results = [], {}
    server = RpcPeer([revstore_binary(), "--db", os.path.join(scratch, "bench.sqlite"), "--durability", args.durability])
    direct = Direct(os.path.join(scratch, "direct.sqlite"), "FULL" if args.durability == "full" else "NORMAL")
    try:
        server.call("session/create", {"session": "bench"})
        rates = {"sequential": [], "sequential_direct": [], "batch": [], "batch_direct": [], "window16": []}
        counter = 0
        for _ in range(args.rounds):
            # One at a time.
            start = now()
            for _ in range(args.commits):
                counter += 1
                server.call(*put("bench", f"s{counter}", counter))
            rates["sequential"].append(args.commits / (now() - start))
            start = now()
            for _ in range(args.commits):
                counter += 1
                direct.commit([(f"s{counter}", {"n": counter, "name": f"item {counter}"})])
            rates["sequential_direct"].append(args.commits / (now() - start))

            # 1,000 ops per commit.
            start = now()
            for _ in range(args.batches):
                ops = []
                for _ in range(1000):
                    counter += 1
                    ops.append({"op": "put", "type": "Item", "id": f"b{counter}", "data": {"n": counter, "name": f"item {counter}"}})
                server.call("commit", {"session": "bench", "ops": ops})
            rates["batch"].append(args.batches * 1000 / (now() - start))
            start = now()
            for _ in range(args.batches):
                entities = []
                for _ in range(1000):
                    counter += 1
                    entities.append((f"b{counter}", {"n": counter, "name": f"item {counter}"}))
                direct.commit(entities)
            rates["batch_direct"].append(args.batches * 1000 / (now() - start))

            # 16 single-entity commits in flight.
            requests = []
            for _ in range(args.commits):
                counter += 1
                requests.append(put("bench", f"w{counter}", counter))
            start = now()
            replies = server.pipeline(requests, window=16)
            rates["window16"].append(args.commits / (now() - start))
            versions = [r["version"] for r in replies]
            assert len(set(versions)) == len(versions), "two in-flight commits shared a version"
        best = {name: max(values) for name, values in rates.items()}
        best["single_row_floor"] = single_row_floor(os.path.join(scratch, "floor.sqlite"), "FULL" if args.durability == "full" else "NORMAL", args.commits)
        results = {"commits_per_s": best, "durability": args.durability}
        r1 = best["sequential"] / best["sequential_direct"]
        r2 = best["batch"] / best["batch_direct"]
        r3 = best["window16"] / best["sequential_direct"]
        results["ratios"] = {"sequential": r1, "batch": r2, "window16": r3}
        rows += [
            ("single-entity commits, one at a time", f"revstore {best['sequential']:,.0f}/s, direct {best['sequential_direct']:,.0f}/s, ratio {r1:.2f} (floor 0.5)", r1 >= 0.5),
            ("1,000-op commits", f"revstore {best['batch']:,.0f} rows/s, direct {best['batch_direct']:,.0f} rows/s, ratio {r2:.2f} (floor 0.33)", r2 >= 1 / 3),
            ("16 commits in flight (group commit)", f"revstore {best['window16']:,.0f}/s vs direct one-at-a-time {best['sequential_direct']:,.0f}/s, ratio {r3:.2f} (floor 1.5)", r3 >= 1.5),
            ("information: bare one-row transactions", f"{best['single_row_floor']:,.0f}/s; revstore one at a time is {best['sequential'] / best['single_row_floor']:.2f}x, 16 in flight {best['window16'] / best['single_row_floor']:.2f}x", True),
        ]
    finally:
        server.close()
    return rows, results


def as_of_reads(args, scratch: str) -> tuple[list, dict]:
    path = os.path.join(scratch, "history.sqlite")
    server = RpcPeer([revstore_binary(), "--db", path, "--durability", "normal"])
    try:
        server.call("session/create", {"session": "h"})
        entities = 100
        server.call("commit", {"session": "h", "ops": [{"op": "put", "type": "Item", "id": f"e{i}", "data": {"n": 0, "i": i}} for i in range(entities)]})
        updates = [("entity/put", {"session": "h", "type": "Item", "id": f"e{n % entities}", "data": {"n": n + 1, "i": n % entities}})
                   for n in range(args.history)]
        start = now()
        server.pipeline(updates, window=64)
        build = now() - start
        head = server.call("session/get", {"session": "h"})["version"]
        timings = {}
        for label, at in (("head", None), ("version 10", 10)):
            params = {"session": "h", "type": "Item", "id": "e7"}
            query = {"session": "h", "type": "Item", "limit": 1000}
            if at is not None:
                params["at"] = at
                query["at"] = at
            one, many = [], []
            for _ in range(args.reads):
                start = now()
                server.call("entity/get", params)
                one.append((now() - start) * 1e6)
                start = now()
                result = server.call("entity/query", query)
                many.append((now() - start) * 1e6)
                assert len(result["entities"]) == entities
            timings[label] = {"get": summarize(one), "query": summarize(many)}
        r_get = timings["version 10"]["get"]["p50"] / timings["head"]["get"]["p50"]
        r_query = timings["version 10"]["query"]["p50"] / timings["head"]["query"]["p50"]
        rows = [
            (f"one entity at version 10 vs head ({head - 1:,} versions of history)",
             f"{timings['version 10']['get']['p50']:.0f} us vs {timings['head']['get']['p50']:.0f} us p50, ratio {r_get:.2f} (limit 3)", r_get <= 3),
            (f"all {entities} entities of a type at version 10 vs head",
             f"{timings['version 10']['query']['p50']:.0f} us vs {timings['head']['query']['p50']:.0f} us p50, ratio {r_query:.2f} (limit 3)", r_query <= 3),
        ]
        return rows, {"history_versions": head - 1, "build_seconds": build, "timings_us": timings, "ratios": {"get": r_get, "query": r_query}}
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--commits", type=int, default=1000, help="single-entity commits per measurement")
    parser.add_argument("--batches", type=int, default=5, help="1,000-op commits per measurement")
    parser.add_argument("--durability", choices=["full", "normal"], default="full")
    parser.add_argument("--history", type=int, default=100_000, help="versions of history for the as-of read check")
    parser.add_argument("--reads", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        rows, results = throughput(args, scratch)
        read_rows, read_results = as_of_reads(args, scratch)
    results["as_of_reads"] = read_results
    exit_with(report("engine", rows + read_rows, results))


if __name__ == "__main__":
    main()
