"""LangGraph benchmark: RevstoreSaver against LangGraph's own SqliteSaver, in the same run.

A compiled graph runs 200 steps, each appending one ~100-character message to a `messages`
channel (LangGraph's add_messages), checkpointed after every step:

  * 1 thread; 4 threads at once in one process (one thread_id each, one saver); 4 processes at
    once on one store file (one thread_id each, a saver each);
  * wall time of each, as a ratio to SqliteSaver's (check: at most 1.0x; aim 0.5x): the median of
    several runs, the two savers taking turns, as one run of a few tenths of a second is noisy.
    With 1 thread, LangGraph's InMemorySaver takes its turn too: what the graph costs with a
    checkpointer that stores nothing, the floor under either saver's figure.
    With threads, the clock starts once the saver has answered a first call: the graph's steps
    are timed, not opening a new store, which is reported beside them (a new server process
    here, tables in a file there);
  * the store's size after close, every file of it, as a ratio to SqliteSaver's (check: at most
    a fifth; aim a tenth);
  * 4 processes: every thread has all its steps, and no process saw "database is locked". Their
    clock starts once every worker has imported LangGraph (the same cost for either saver, and
    most of a worker's life), and stops when the last has closed its saver and exited.

Needs the Python client with its LangGraph extra (`make venv` installs it):

    clients/python/.venv/bin/python bench/langgraph.py [--steps N]
"""
from __future__ import annotations

import argparse
import compileall
import contextlib
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from typing import Annotated, TypedDict

# This file's name is the langgraph package's: import that with bench/ off the path first.
BENCH = sys.path.pop(0)
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage  # noqa: E402
from langgraph.checkpoint.memory import InMemorySaver  # noqa: E402
from langgraph.checkpoint.sqlite import SqliteSaver  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402
from langgraph.graph.message import add_messages  # noqa: E402

import revstore  # noqa: E402
from revstore.langgraph import RevstoreSaver  # noqa: E402

sys.path.insert(0, BENCH)
from common import exit_with, now, report, revstore_binary  # noqa: E402

MESSAGE = "The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs, twice over now."


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def graph(saver, steps: int):
    def step(state: State) -> dict:
        return {"messages": [AIMessage(content=f"{len(state['messages'])}: {MESSAGE}")]}

    def more(state: State) -> str:
        return "step" if len(state["messages"]) <= steps else END

    builder = StateGraph(State)
    builder.add_node("step", step)
    builder.add_edge(START, "step")
    builder.add_conditional_edges("step", more)
    return builder.compile(checkpointer=saver)


@contextlib.contextmanager
def saver(kind: str, path: str):
    if kind == "memory":
        yield InMemorySaver()
    elif kind == "sqlite":
        with SqliteSaver.from_conn_string(path) as sqlite_saver:
            yield sqlite_saver
    else:
        with RevstoreSaver.from_conn_string(path, binary=revstore_binary()) as revstore_saver:
            yield revstore_saver


def run_thread(compiled, thread_id: str, steps: int) -> int:
    config = {"configurable": {"thread_id": thread_id}, "recursion_limit": steps * 2 + 10}
    result = compiled.invoke({"messages": [HumanMessage(content="start")]}, config)
    return len(result["messages"])


def store_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in glob.glob(path + "*"))


def in_threads(kind: str, path: str, threads: int, steps: int) -> tuple[float, float, list[int]]:
    """Seconds the saver took to open, until it answered a first call; seconds the graph then
    took on `threads` threads at once; and the messages each thread ended with."""
    opening = now()
    with saver(kind, path) as s:
        # Either saver opens its store at its first call: here a new server and store, there
        # the tables.
        assert s.get_tuple({"configurable": {"thread_id": "opening"}}) is None
        opened = now() - opening
        compiled = graph(s, steps)
        counts = [0] * threads

        def work(i: int) -> None:
            counts[i] = run_thread(compiled, f"thread-{i}", steps)

        start = now()
        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return opened, now() - start, counts


def in_processes(kind: str, path: str, processes: int, steps: int) -> tuple[float, list[str]]:
    """Wall time of `processes` workers on one file, and what went wrong in them.

    The clock starts once every worker has started Python and imported LangGraph, which costs
    the same whichever saver it uses and would otherwise be most of what is timed: from there
    each opens its saver, runs its graph, closes the saver and exits."""
    workers = [subprocess.Popen([sys.executable, __file__, "--worker", kind, path, str(i), str(steps)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for i in range(processes)]
    for worker in workers:
        worker.stdout.readline()  # "ready"
    start = now()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    problems = []
    for worker in workers:
        out, err = worker.communicate()
        if worker.returncode != 0 or out.strip() != str(steps + 1):
            problems.append((err.strip().splitlines() or ["exit status %d" % worker.returncode])[-1])
    return now() - start, problems


def count_checkpoints(kind: str, path: str, threads: int) -> list[int]:
    with saver(kind, path) as s:
        return [sum(1 for _ in s.list({"configurable": {"thread_id": f"thread-{i}"}})) for i in range(threads)]


def worker(kind: str, path: str, index: str, steps: str) -> None:
    print("ready", flush=True)
    sys.stdin.readline()
    with saver(kind, path) as s:
        print(run_thread(graph(s, int(steps)), f"thread-{index}", int(steps)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--worker", nargs=4)
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    steps = args.steps
    rounds = 5
    # The client as a wheel installs it, compiled, as LangGraph's packages are: an editable
    # install under PYTHONDONTWRITEBYTECODE would be compiled anew in every worker process.
    compileall.compile_dir(os.path.dirname(revstore.__file__), quiet=1)
    results: dict = {"steps": steps, "rounds": rounds}
    rows = []
    openings: dict[str, list[float]] = {"sqlite": [], "revstore": []}
    base = tempfile.mkdtemp(prefix="revstore-langgraph-")
    try:
        for label, threads in (("1 thread", 1), ("4 threads", 4)):
            kinds = ("sqlite", "revstore", "memory") if threads == 1 else ("sqlite", "revstore")
            figures = {kind: {"runs": [], "opening": []} for kind in kinds}
            for round_ in range(rounds):
                for kind in kinds:
                    path = os.path.join(base, f"{kind}-{threads}t-{round_}.sqlite")
                    opened, seconds, counts = in_threads(kind, path, threads, steps)
                    assert counts == [steps + 1] * threads, (kind, counts)
                    figures[kind]["opening"].append(opened)
                    figures[kind]["runs"].append(seconds)
                    figures[kind]["bytes"] = store_bytes(path)
            for kind in figures:
                figures[kind]["seconds"] = statistics.median(figures[kind]["runs"])
            for kind in openings:
                openings[kind] += figures[kind]["opening"]
            results[label] = figures
            time_ratio = figures["revstore"]["seconds"] / figures["sqlite"]["seconds"]
            size_ratio = figures["revstore"]["bytes"] / figures["sqlite"]["bytes"]
            rows.append((f"{label}: wall time vs SqliteSaver (at most 1.0x)",
                         f"{figures['revstore']['seconds']:.2f} s / {figures['sqlite']['seconds']:.2f} s = {time_ratio:.2f}x", time_ratio <= 1.0))
            if "memory" in figures:
                floor = figures["memory"]["seconds"] / figures["sqlite"]["seconds"]
                rows.append((f"{label}: wall time with InMemorySaver, which stores nothing, vs SqliteSaver (the floor)",
                             f"{figures['memory']['seconds']:.2f} s / {figures['sqlite']['seconds']:.2f} s = {floor:.2f}x", None))
            rows.append((f"{label}: store size after close vs SqliteSaver (at most 0.2x)",
                         f"{figures['revstore']['bytes'] / 1e6:.2f} MB / {figures['sqlite']['bytes'] / 1e6:.2f} MB = {size_ratio:.3f}x", size_ratio <= 0.2))
        ours, theirs = (statistics.median(openings[kind]) for kind in ("revstore", "sqlite"))
        results["opening"] = {"revstore": ours, "sqlite": theirs}
        rows.append(("opening a new store, until the first answer, vs SqliteSaver (not timed above)",
                     f"{ours * 1e3:.1f} ms / {theirs * 1e3:.1f} ms = {ours / theirs:.1f}x", None))

        figures = {kind: {"runs": [], "problems": [], "checkpoints": []} for kind in ("sqlite", "revstore")}
        for round_ in range(3):
            for kind in ("sqlite", "revstore"):
                path = os.path.join(base, f"{kind}-4p-{round_}.sqlite")
                seconds, problems = in_processes(kind, path, 4, steps)
                figures[kind]["runs"].append(seconds)
                figures[kind]["problems"] += problems
                figures[kind]["checkpoints"] += count_checkpoints(kind, path, 4) if not problems else []
                figures[kind]["bytes"] = store_bytes(path)
        for kind in figures:
            figures[kind]["seconds"] = statistics.median(figures[kind]["runs"])
        results["4 processes"] = figures
        ours, theirs = figures["revstore"], figures["sqlite"]
        complete = not ours["problems"] and len(ours["checkpoints"]) == 12 and all(c >= steps + 1 for c in ours["checkpoints"])
        rows.append(("4 processes: every step of every thread kept, no \"database is locked\"",
                     f"Revstore: {min(ours['checkpoints'], default=0)}+ checkpoints in each of {len(ours['checkpoints'])} threads, "
                     f"{len(ours['problems'])} failures; SqliteSaver: {len(theirs['problems'])} failed workers {theirs['problems'][:1]}", complete))
        if not theirs["problems"]:
            time_ratio = ours["seconds"] / theirs["seconds"]
            rows.append(("4 processes: wall time vs SqliteSaver (at most 1.0x)",
                         f"{ours['seconds']:.2f} s / {theirs['seconds']:.2f} s = {time_ratio:.2f}x", time_ratio <= 1.0))
            size_ratio = ours["bytes"] / theirs["bytes"]
            rows.append(("4 processes: store size after close vs SqliteSaver (at most 0.2x)",
                         f"{ours['bytes'] / 1e6:.2f} MB / {theirs['bytes'] / 1e6:.2f} MB = {size_ratio:.3f}x", size_ratio <= 0.2))
        else:
            rows.append(("4 processes: Revstore's wall time (SqliteSaver failed in some round, so no ratio)",
                         f"{ours['seconds']:.2f} s (SqliteSaver's rounds: {', '.join(f'{s:.2f}' for s in theirs['runs'])} s)", complete))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    exit_with(report("langgraph", rows, results))


if __name__ == "__main__":
    main()
