"""Branch benchmark: what branching costs, measured in one run.

Checks (the branches issue):
  * creating a branch costs the same in a session of 10 entities and of 100,000 entities (within 2x);
  * reads and queries on a branch three forks deep cost within 2x of the same read on main.
"""
from __future__ import annotations

import argparse
import os
import tempfile

from common import RpcPeer, exit_with, now, report, revstore_binary, summarize


def timed(server: RpcPeer, method: str, params: dict, count: int) -> dict:
    samples = []
    for _ in range(count):
        start = now()
        server.call(method, params)
        samples.append((now() - start) * 1e6)
    return summarize(samples)


def fill(server: RpcPeer, session: str, entities: int) -> None:
    server.call("session/create", {"session": session})
    for start in range(0, entities, 20_000):
        ops = [{"op": "put", "type": "Item", "id": f"i{n:06d}", "data": {"n": n, "name": f"item {n}"}}
               for n in range(start, min(entities, start + 20_000))]
        server.call("commit", {"session": session, "ops": ops})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", type=int, default=100_000, help="entities in the large session")
    parser.add_argument("--creates", type=int, default=300, help="branches created per session")
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--query-entities", type=int, default=1000, help="entities in the session the deep-branch reads use")
    args = parser.parse_args()

    rows, results = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        server = RpcPeer([revstore_binary(), "--db", os.path.join(scratch, "branches.sqlite"), "--durability", "normal"])
        try:
            fill(server, "small", 10)
            fill(server, "large", args.large)
            create = {}
            for rounds in range(2):  # alternate, so noise hits both
                for session in ("small", "large"):
                    samples = []
                    for n in range(args.creates // 2):
                        start = now()
                        server.call("branch/create", {"session": session, "name": f"b{rounds}-{n}"})
                        samples.append((now() - start) * 1e6)
                    create.setdefault(session, []).extend(samples)
            create = {k: summarize(v) for k, v in create.items()}
            ratio = create["large"]["p50"] / create["small"]["p50"]
            rows.append((f"branch/create at 10 vs {args.large:,} entities",
                         f"{create['small']['p50']:.0f} us vs {create['large']['p50']:.0f} us p50, ratio {ratio:.2f} (limit 2)", ratio <= 2))
            results["branch_create_us"] = create

            # A branch three forks deep: main -> f1 -> f2 -> f3, each with a commit of its own.
            fill(server, "deep", args.query_entities)
            parent = "main"
            for depth in (1, 2, 3):
                server.call("branch/create", {"session": "deep", "name": f"f{depth}", "from": {"branch": parent}})
                server.call("entity/put", {"session": "deep", "branch": f"f{depth}", "type": "Item", "id": f"i{depth:06d}", "data": {"depth": depth}})
                parent = f"f{depth}"
            reads = {}
            for branch in ("main", "f3", "main", "f3"):
                get = timed(server, "entity/get", {"session": "deep", "branch": branch, "type": "Item", "id": "i000500"}, args.reads)
                query = timed(server, "entity/query", {"session": "deep", "branch": branch, "type": "Item", "limit": 1000}, args.reads // 3)
                where = timed(server, "entity/query", {"session": "deep", "branch": branch, "type": "Item", "where": {"n": {"gte": 900}}, "orderBy": ["-n"]}, args.reads // 3)
                best = reads.setdefault(branch, {"get": get, "query": query, "where": where})
                for name, value in (("get", get), ("query", query), ("where", where)):
                    if value["p50"] < best[name]["p50"]:
                        best[name] = value
            results["deep_reads_us"] = reads
            for name, label in (("get", "entity/get"), ("query", f"entity/query of {args.query_entities} entities"), ("where", "entity/query with where and orderBy")):
                r = reads["f3"][name]["p50"] / reads["main"][name]["p50"]
                rows.append((f"{label}, three forks deep vs main", f"{reads['f3'][name]['p50']:.0f} us vs {reads['main'][name]['p50']:.0f} us p50, ratio {r:.2f} (limit 2)", r <= 2))
        finally:
            server.close()
    exit_with(report("branches", rows, results))


if __name__ == "__main__":
    main()
