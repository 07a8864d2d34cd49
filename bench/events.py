"""Events benchmark: commits by another process reaching a subscriber, and the cost of waiting.

Checks (the change events issue):
  * a commit made by another revstore process on the same file reaches a subscriber within
    100 ms (p99 over 1,000 commits), measured from sending the commit to receiving its event;
  * an idle server with subscribers uses under 1% of a core.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from common import RpcPeer, exit_with, now, report, revstore_binary, summarize


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=float, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = os.path.join(scratch, "events.sqlite")
        writer = RpcPeer([revstore_binary(), "--db", path])
        subscriber = RpcPeer([revstore_binary(), "--db", path])
        try:
            writer.call("session/create", {"session": "e"})
            subscriber.call("subscribe", {"session": "e", "kinds": ["committed"]})
            latencies = []
            for n in range(args.commits):
                start = now()
                writer.call("entity/put", {"session": "e", "type": "T", "id": f"t{n}", "data": {"n": n}})
                event = json.loads(subscriber.read_line())
                latencies.append((now() - start) * 1000)
                assert event["params"]["event"]["changes"][0]["id"] == f"t{n}"
            latency = summarize(latencies)
            for _ in range(3):
                subscriber.call("subscribe", {"session": "e"})
            time.sleep(1)
            before = cpu_seconds(subscriber.proc.pid)
            time.sleep(args.idle_seconds)
            idle = (cpu_seconds(subscriber.proc.pid) - before) / args.idle_seconds
        finally:
            writer.close()
            subscriber.close()
    rows = [
        (f"another process's commit to event, over {args.commits:,} commits", f"p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms (limit 100 ms)", latency["p99"] <= 100),
        ("idle server with 4 subscriptions", f"{idle * 100:.2f}% of a core over {args.idle_seconds:g} s (limit 1%)", idle < 0.01),
    ]
    exit_with(report("events", rows, {"latency_ms": latency, "idle_core_fraction": idle}))


if __name__ == "__main__":
    main()
