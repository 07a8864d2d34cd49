"""Request-path benchmark: what one read or one commit costs over the pipe, against its floor,
measured in one run.

The floors, each measured beside revstore in the same run:
  * `ping`, the protocol's cheapest round trip, for single reads;
  * reading the same rows from the store file with Python's sqlite3, for `entity/query`;
  * a bare one-row sqlite3 transaction at the same durability (WAL, synchronous=FULL), for
    single-entity commits.

Checks (the request-path issue), with host and server pinned to one core, then to two:
  * `entity/get` at the head and at an old version: p50 at most 3x ping's on one core and 2x on
    different cores; p99 at most 3x ping's p99 on one core;
  * 10,000 pipelined `entity/get` requests: at least 50,000 answered per second;
  * `entity/query` of 1,000 entities: time to the last byte at most 1.5x the sqlite3 read;
  * single-entity commits one at a time: at least 0.85x the bare transaction rate.

The store: 1,000 entities of about 300 bytes and 200 versions of history (each later version
changes five entities). Single reads interleave with their ping floor request by request, and
the other measurements alternate with their floors in rounds, so machine noise hits both alike.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import tempfile

from common import RpcPeer, exit_with, now, percentile, pinned, pipelined, report, revstore_binary, round_trips

ENTITIES = 1000
VERSIONS = 200
OLD_VERSION = 100


def item(index: int, revision: int) -> dict:
    return {"title": f"item {index}", "n": index, "revision": revision, "tags": ["alpha", "beta", f"t{index % 7}"],
            "body": f"{index:04d} " + "lorem ipsum dolor sit amet " * 8}


def populate(server: RpcPeer) -> None:
    server.call("session/create", {"session": "s"})
    ops = [{"op": "put", "type": "Item", "id": f"i{i:04d}", "data": item(i, 0)} for i in range(ENTITIES)]
    server.call("commit", {"session": "s", "ops": ops})
    for version in range(2, VERSIONS + 1):
        ops = [{"op": "patch", "type": "Item", "id": f"i{(version * 5 + k) % ENTITIES:04d}", "patch": {"revision": version}}
               for k in range(5)]
        server.call("commit", {"session": "s", "ops": ops})


def get_line(request_id: int, index: int, at: int | None) -> bytes:
    at_member = f',"at":{at}' if at is not None else ""
    return (f'{{"jsonrpc":"2.0","id":{request_id},"method":"entity/get","params":{{"session":"s","type":"Item",'
            f'"id":"i{index % ENTITIES:04d}"{at_member}}}}}\n').encode()


PING = b'{"jsonrpc":"2.0","id":0,"method":"ping"}\n'


def measure_reads(path: str, host_cpu: int, server_cpu: int, args) -> dict:
    kinds = {"ping": lambda i: PING, "get_head": lambda i: get_line(i, i * 37, None),
             "get_old": lambda i: get_line(i, i * 37, OLD_VERSION)}
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    rates: dict[str, list[float]] = {"get": [], "ping": []}
    with pinned(host_cpu):
        server = RpcPeer([revstore_binary(), "--db", path], cpu=server_cpu)
        try:
            for kind, line in kinds.items():  # warm up
                round_trips(server, [line(i) for i in range(500)])
            # One request of each kind in turn, so that a burst of machine noise lands on every
            # kind alike, tails included.
            order = list(kinds)
            for _ in range(args.rounds):
                lines = [kinds[kind](i) for i in range(args.trips) for kind in order]
                for index, sample in enumerate(round_trips(server, lines)):
                    samples[order[index % len(order)]].append(sample)
            gets = b"".join(get_line(i + 1, i * 37, None) for i in range(args.pipelined))
            for _ in range(3):
                rates["get"].append(pipelined(server, gets, args.pipelined))
                rates["ping"].append(pipelined(server, PING * args.pipelined, args.pipelined))
        finally:
            server.close()
    figures = {kind: {"p50": percentile(s, 50), "p99": percentile(s, 99)} for kind, s in samples.items()}
    figures["pipelined_per_second"] = {kind: statistics.median(r) for kind, r in rates.items()}
    return figures


def head_rows_sql() -> str:
    """The rows an `entity/query` of every Item at the head returns, read straight from the file."""
    return """
        SELECT e.type, e.entity_id, v.number, v.data, v.deleted, v.created_at, v.updated_at, v.created_at_version,
               v.valid_from, v.created_by, v.updated_by, v.deleted_at, v.deleted_by, v.version_id, v.parent_version_id,
               v.lineage_id, v.branch_id
        FROM entity e JOIN entity_version v ON v.id = (
            SELECT id FROM entity_version WHERE entity_key = e.key AND branch_id = 1 ORDER BY valid_from DESC LIMIT 1)
        WHERE e.type = 'Item' AND v.deleted = 0 ORDER BY e.entity_id
    """


def measure_query(path: str, args) -> dict:
    server = RpcPeer([revstore_binary(), "--db", path])
    query = server.line("entity/query", {"session": "s", "type": "Item", "limit": ENTITIES})
    direct = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    sql = head_rows_sql()
    ours, floor = [], []
    try:
        assert len(direct.execute(sql).fetchall()) == ENTITIES
        for _ in range(5):  # warm up
            server.write(query)
            server.read_line()
            direct.execute(sql).fetchall()
        for _ in range(args.queries):
            start = now()
            server.write(query)
            reply = server.read_line()
            ours.append((now() - start) * 1e3)
            start = now()
            rows = direct.execute(sql).fetchall()
            floor.append((now() - start) * 1e3)
        assert reply.count(b'"type":"Item"') == ENTITIES and len(rows) == ENTITIES
    finally:
        server.close()
        direct.close()
    return {"revstore_ms": statistics.median(ours), "sqlite3_ms": statistics.median(floor), "bytes": len(reply)}


def measure_commits(directory: str, name: str, host_cpu: int, server_cpu: int, args) -> dict:
    """Single-entity commits against bare transactions, the host pinned to `host_cpu` (where the
    bare transactions run too) and the server to `server_cpu`."""
    ours, floor = [], []
    with pinned(host_cpu):
        server = RpcPeer([revstore_binary(), "--db", os.path.join(directory, f"commits-{name}.sqlite"), "--durability", "full"],
                         cpu=server_cpu)
        bare = sqlite3.connect(os.path.join(directory, f"bare-{name}.sqlite"), isolation_level=None)
        try:
            bare.execute("PRAGMA journal_mode=WAL")
            bare.execute("PRAGMA synchronous=FULL")
            bare.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
            server.call("session/create", {"session": "c"})
            n = 0
            for _ in range(args.rounds):
                start = now()
                for _ in range(args.commits):
                    n += 1
                    server.call("entity/put", {"session": "c", "type": "Note", "id": f"n{n}", "data": {"n": n}})
                ours.append(args.commits / (now() - start))
                start = now()
                for _ in range(args.commits):
                    bare.execute("BEGIN")
                    bare.execute("INSERT INTO t(v) VALUES ('{\"n\":1}')")
                    bare.execute("COMMIT")
                floor.append(args.commits / (now() - start))
        finally:
            server.close()
            bare.close()
    return {"revstore_per_second": statistics.median(ours), "sqlite3_per_second": statistics.median(floor)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--trips", type=int, default=1000, help="round trips per kind per round")
    parser.add_argument("--pipelined", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--commits", type=int, default=200, help="commits per round")
    args = parser.parse_args()

    cpus = sorted(os.sched_getaffinity(0))
    placements = {"one core": (cpus[0], cpus[0])}
    if len(cpus) > 1:
        placements["different cores"] = (cpus[0], cpus[1])

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "reads.sqlite")
        setup = RpcPeer([revstore_binary(), "--db", path])
        populate(setup)
        setup.close()

        results: dict = {"placements": {}}
        rows = []
        for name, (host_cpu, server_cpu) in placements.items():
            figures = measure_reads(path, host_cpu, server_cpu, args)
            results["placements"][name] = figures
            ping = figures["ping"]
            limit = 3 if name == "one core" else 2
            for kind, label in (("get_head", "entity/get at the head"), ("get_old", f"entity/get at version {OLD_VERSION}")):
                ratio = figures[kind]["p50"] / ping["p50"]
                rows.append((f"{name}: {label} p50 / ping p50 (at most {limit}x)",
                             f"{figures[kind]['p50']:.1f} us / {ping['p50']:.1f} us = {ratio:.2f}x", ratio <= limit))
                if name == "one core":
                    ratio99 = figures[kind]["p99"] / ping["p99"]
                    rows.append((f"{name}: {label} p99 / ping p99 (at most 3x)",
                                 f"{figures[kind]['p99']:.1f} us / {ping['p99']:.1f} us = {ratio99:.2f}x", ratio99 <= 3))
            rate = figures["pipelined_per_second"]
            rows.append((f"{name}: {args.pipelined:,} pipelined entity/get (at least 50,000/s)",
                         f"{rate['get']:,.0f}/s (pings: {rate['ping']:,.0f}/s)", rate["get"] >= 50_000))

        query = measure_query(path, args)
        results["query"] = query
        ratio = query["revstore_ms"] / query["sqlite3_ms"]
        rows.append((f"entity/query of {ENTITIES:,} entities, last byte / sqlite3 read (at most 1.5x)",
                     f"{query['revstore_ms']:.2f} ms / {query['sqlite3_ms']:.2f} ms = {ratio:.2f}x ({query['bytes']:,} bytes)",
                     ratio <= 1.5))

        results["commits"] = {}
        for name, (host_cpu, server_cpu) in placements.items():
            commits = measure_commits(directory, name.replace(" ", "-"), host_cpu, server_cpu, args)
            results["commits"][name] = commits
            ratio = commits["revstore_per_second"] / commits["sqlite3_per_second"]
            rows.append((f"{name}: single-entity commits / bare one-row sqlite3 transactions, synchronous=FULL (at least 0.85x)",
                         f"{commits['revstore_per_second']:,.0f}/s / {commits['sqlite3_per_second']:,.0f}/s = {ratio:.2f}x",
                         ratio >= 0.85))

    exit_with(report("requests", rows, results))


if __name__ == "__main__":
    main()
