"""Query benchmark: an equality query on an indexed field against the same query on an unindexed
field, over 100,000 entities, at the head and at an old version, in one run.

Check (the types and queries issue): the indexed query is at least 20x faster, at both.
"""
from __future__ import annotations

import argparse
import os
import tempfile

from common import RpcPeer, exit_with, now, report, revstore_binary, summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--reads", type=int, default=40)
    args = parser.parse_args()
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as scratch:
        server = RpcPeer([revstore_binary(), "--db", os.path.join(scratch, "queries.sqlite"), "--durability", "normal"])
        try:
            server.call("type/define", {"name": "User", "fields": {"email": {"type": "string", "index": True}, "login": {"type": "string"}}})
            server.call("session/create", {"session": "q"})
            for start in range(0, args.entities, 20_000):
                ops = [{"op": "put", "type": "User", "id": f"u{n}", "data": {"email": f"user{n}@example.com", "login": f"user{n}@example.com", "n": n}}
                       for n in range(start, min(args.entities, start + 20_000))]
                server.call("commit", {"session": "q", "ops": ops})
            old = server.call("session/get", {"session": "q"})["version"]
            # Later history, so that "old" really is old.
            server.call("commit", {"session": "q", "ops": [{"op": "patch", "type": "User", "id": f"u{n}", "patch": {"n": -n}} for n in range(0, args.entities, 7)]})
            timings = {}
            for label, at in (("head", None), ("old version", old)):
                for field in ("email", "login"):
                    target = f"user{args.entities // 2 + 17}@example.com"
                    params = {"session": "q", "type": "User", "where": {field: target}}
                    if at is not None:
                        params["at"] = at
                    samples = []
                    for _ in range(args.reads):
                        start = now()
                        found = server.call("entity/query", params)["entities"]
                        samples.append((now() - start) * 1e6)
                        assert [e["data"]["email"] for e in found] == [target]
                    timings.setdefault(label, {})[field] = summarize(samples)
                ratio = timings[label]["login"]["p50"] / timings[label]["email"]["p50"]
                rows.append((f"equality on {args.entities:,} entities at the {label}: unindexed / indexed",
                             f"{timings[label]['login']['p50']:,.0f} us / {timings[label]['email']['p50']:,.0f} us p50, ratio {ratio:.0f}x (floor 20x)", ratio >= 20))
            results["timings_us"] = timings
        finally:
            server.close()
    exit_with(report("queries", rows, results))


if __name__ == "__main__":
    main()
