"""Storage benchmark: versions that store only what changed, and work in proportion to the change.
Every figure is measured against its reference in the same run.

Checks (the delta-storage issue):
  * 1,000 commits each appending one 1,000-byte message with jsonPatch to one entity: the store
    (one file after a clean exit) is at most 3x the final data (whole copies would be ~500x), and
    a commit near the 1,000th append costs at most 2x one near the 10th;
  * that entity of 1,000 versions: reading it at a random old version costs at most 2x reading
    its head;
  * with 100,000 versions of history, reading at version 10 stays within 1.5x of reading at the
    head, for one entity and for all 100 entities of a type;
  * version/diff of two adjacent versions, and version/rollback of the last version, in a session
    of 100,000 entities cost at most 2x the same in a session of 100 entities;
  * a 200-step chat kept as one entity whose messages list grows by one ~100-character message
    per step (serialized with the fields a chat framework gives each message): its store is at
    most a tenth of the same history stored as whole copies (one row per step holding the whole
    list, in SQLite, vacuumed).

    python3 bench/storage.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile

from common import RpcPeer, exit_with, now, report, revstore_binary, summarize


def serve(path: str, *flags: str) -> RpcPeer:
    peer = RpcPeer([revstore_binary(), "--db", path, *flags])
    peer.call("session/create", {"session": "s"})
    return peer


def timed(peer: RpcPeer, method: str, params: dict) -> float:
    started = now()
    peer.call(method, params)
    return now() - started


def message(n: int, size: int) -> dict:
    return {"role": "user" if n % 2 else "assistant", "n": n, "text": (f"message {n} " * size)[:size]}


def chat_message(n: int) -> dict:
    """A ~100-character message as a chat framework serializes it (LangChain's message fields)."""
    return {"type": "human" if n % 2 else "ai", "content": (f"step {n}: " + "the agent says something useful " * 4)[:100],
            "id": f"run-{n:08d}-6f1c-4b7e-9a3e-{n:012d}", "name": None, "example": False, "additional_kwargs": {},
            "response_metadata": {} if n % 2 else {"model_name": "a-model", "finish_reason": "stop"},
            "tool_calls": [], "invalid_tool_calls": [], "usage_metadata": None if n % 2 else {"input_tokens": 40 + n, "output_tokens": 25, "total_tokens": 65 + n}}


def appends(folder: str, count: int) -> tuple[list, dict]:
    path = os.path.join(folder, "appends.sqlite")
    peer = serve(path)
    peer.call("entity/put", {"session": "s", "type": "Chat", "id": "c", "data": {"messages": []}})
    latencies = []
    for n in range(count):
        # commit, not entity/patch: its result names the change, without the whole entity.
        latencies.append(timed(peer, "commit", {"session": "s", "ops": [{"op": "patch", "type": "Chat", "id": "c",
                                                "jsonPatch": [{"op": "add", "path": "/messages/-", "value": message(n, 1000)}]}]}))
    final = peer.call("entity/get", {"session": "s", "type": "Chat", "id": "c"})["entity"]["data"]
    head_reads = [timed(peer, "entity/get", {"session": "s", "type": "Chat", "id": "c"}) for _ in range(60)]
    old_reads = [timed(peer, "entity/get", {"session": "s", "type": "Chat", "id": "c", "at": random.randint(3, count + 1)}) for _ in range(60)]
    stats = peer.call("store/stats", {})
    peer.close()
    data_bytes = len(json.dumps(final, separators=(",", ":")))
    whole_copies = sum(len(json.dumps({"messages": final["messages"][:k]}, separators=(",", ":"))) for k in range(count + 1))
    store_bytes = os.path.getsize(path)
    early = statistics.median(latencies[5:25])
    late = statistics.median(latencies[-20:])
    head, old = statistics.median(head_reads), statistics.median(old_reads)
    results = {"data_bytes": data_bytes, "store_bytes": store_bytes, "whole_copy_bytes": whole_copies,
               "wal_left": os.path.exists(path + "-wal"), "keyframes": stats["keyframes"], "deltas": stats["deltas"],
               "commit_near_10th_ms": early * 1e3, "commit_near_last_ms": late * 1e3,
               "read_head_ms": summarize(head_reads), "read_old_ms": summarize(old_reads)}
    rows = [
        (f"{count} appends: store / final data", f"{store_bytes / data_bytes:.2f}x ({store_bytes:,} vs {data_bytes:,} bytes; "
         f"whole copies {whole_copies / data_bytes:.0f}x; {stats['keyframes']} keyframes, {stats['deltas']} deltas)",
         store_bytes <= 3 * data_bytes and not results["wal_left"]),
        ("commit near the last append / near the 10th", f"{late / early:.2f}x ({late * 1e3:.2f} vs {early * 1e3:.2f} ms)", late <= 2 * early),
        ("read at a random old version / at the head", f"{old / head:.2f}x ({old * 1e3:.2f} vs {head * 1e3:.2f} ms p50)", old <= 2 * head),
    ]
    return rows, results


def long_history(folder: str, versions: int) -> tuple[list, dict]:
    path = os.path.join(folder, "history.sqlite")
    peer = serve(path, "--durability", "normal")
    peer.call("commit", {"session": "s", "ops": [{"op": "put", "type": "T", "id": f"e{n}", "data": {"n": n, "v": 0}} for n in range(100)]})
    peer.pipeline([("commit", {"session": "s", "ops": [{"op": "patch", "type": "T", "id": f"e{k % 100}", "patch": {"v": k}}]})
                   for k in range(1, versions)], window=64)
    one = {"session": "s", "type": "T", "id": "e7"}
    every = {"session": "s", "type": "T", "limit": 1000}
    samples = {}
    for name, params in [("one_head", one), ("one_at_10", {**one, "at": 10}), ("all_head", every), ("all_at_10", {**every, "at": 10})]:
        method = "entity/get" if name.startswith("one") else "entity/query"
        timed(peer, method, params)
        samples[name] = [timed(peer, method, params) for _ in range(200)]
    head = peer.call("session/get", {"session": "s"})["version"]
    peer.close()
    p50 = {name: statistics.median(values) for name, values in samples.items()}
    rows = [
        (f"one entity at version 10 / head ({head:,} versions)", f"{p50['one_at_10'] / p50['one_head']:.2f}x "
         f"({p50['one_at_10'] * 1e6:.0f} vs {p50['one_head'] * 1e6:.0f} us)", p50["one_at_10"] <= 1.5 * p50["one_head"]),
        ("all 100 entities at version 10 / head", f"{p50['all_at_10'] / p50['all_head']:.2f}x "
         f"({p50['all_at_10'] * 1e6:.0f} vs {p50['all_head'] * 1e6:.0f} us)", p50["all_at_10"] <= 1.5 * p50["all_head"]),
    ]
    return rows, {"versions": head, **{f"{k}_us": v * 1e6 for k, v in p50.items()}}


def diff_and_rollback(folder: str, entities: int, rounds: int) -> dict:
    path = os.path.join(folder, f"entities-{entities}.sqlite")
    peer = serve(path, "--durability", "normal")
    peer.pipeline([("commit", {"session": "s", "ops": [{"op": "put", "type": "T", "id": f"e{n}", "data": {"n": n}}
                                                       for n in range(start, min(start + 1000, entities))]})
                   for start in range(0, entities, 1000)], window=8)
    diffs, rollbacks = [], []
    for k in range(rounds):
        head = peer.call("entity/patch", {"session": "s", "type": "T", "id": f"e{k % entities}", "patch": {"k": k}})["version"]
        diffs.append(timed(peer, "version/diff", {"session": "s", "from": {"at": head - 1}, "to": {"at": head}}))
        rollbacks.append(timed(peer, "version/rollback", {"session": "s", "to": head - 1}))
    peer.close()
    return {"diff": statistics.median(diffs), "rollback": statistics.median(rollbacks)}


def proportional(folder: str, large: int, rounds: int) -> tuple[list, dict]:
    small = diff_and_rollback(folder, 100, rounds)
    big = diff_and_rollback(folder, large, rounds)
    rows = [(f"version/diff of adjacent versions, {large:,} / 100 entities", f"{big['diff'] / small['diff']:.2f}x "
             f"({big['diff'] * 1e6:.0f} vs {small['diff'] * 1e6:.0f} us)", big["diff"] <= 2 * small["diff"]),
            (f"version/rollback of the last version, {large:,} / 100 entities", f"{big['rollback'] / small['rollback']:.2f}x "
             f"({big['rollback'] * 1e6:.0f} vs {small['rollback'] * 1e6:.0f} us)", big["rollback"] <= 2 * small["rollback"])]
    return rows, {"small_us": {k: v * 1e6 for k, v in small.items()}, "large_us": {k: v * 1e6 for k, v in big.items()}}


def chat(folder: str, steps: int) -> tuple[list, dict]:
    path = os.path.join(folder, "chat.sqlite")
    peer = serve(path)
    peer.call("entity/put", {"session": "s", "type": "Thread", "id": "t", "data": {"messages": []}})
    messages = []
    for n in range(steps):
        messages.append(chat_message(n))
        peer.call("commit", {"session": "s", "ops": [{"op": "patch", "type": "Thread", "id": "t",
                                                      "jsonPatch": [{"op": "add", "path": "/messages/-", "value": messages[-1]}]}]})
    tables = peer.call("store/stats", {})["bytes"]["tables"]
    peer.close()
    copies_path = os.path.join(folder, "whole-copies.sqlite")
    copies = sqlite3.connect(copies_path)
    copies.execute("CREATE TABLE step(n INTEGER PRIMARY KEY, state TEXT NOT NULL)")
    copies.executemany("INSERT INTO step VALUES (?, ?)",
                       [(k, json.dumps({"messages": messages[:k]}, separators=(",", ":"))) for k in range(steps + 1)])
    copies.commit()
    copies.execute("VACUUM")
    copies.close()
    ours, reference = os.path.getsize(path), os.path.getsize(copies_path)
    rows = [(f"{steps}-step chat: store / whole copies", f"{ours / reference:.3f}x ({ours:,} vs {reference:,} bytes)", ours * 10 <= reference)]
    return rows, {"store_bytes": ours, "whole_copy_bytes": reference, "table_bytes": tables}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    quick = parser.parse_args().quick
    random.seed(1)
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as folder:
        for name, (part_rows, part) in [
            ("appends", appends(folder, 200 if quick else 1000)),
            ("long_history", long_history(folder, 5_000 if quick else 100_000)),
            ("proportional", proportional(folder, 10_000 if quick else 100_000, 20 if quick else 50)),
            ("chat", chat(folder, 200)),
        ]:
            rows += part_rows
            results[name] = part
    exit_with(report("storage", rows, results))


if __name__ == "__main__":
    main()
