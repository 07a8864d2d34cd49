"""What RevstoreSaver promises beyond LangGraph's own suite: forks are branches, a growing
list is stored as what it gained, a message written and kept in a channel is stored once,
deleted and pruned data leaves the file, and several processes share one store."""
import pathlib
import subprocess
import sys
import textwrap
import uuid

from langchain_core.messages import AIMessage
from langgraph.checkpoint.base import empty_checkpoint

import revstore.sync
from revstore.langgraph import RevstoreSaver

from conftest import BINARY


def put_chain(saver, thread_id, values_per_step, parent=None):
    """One checkpoint per step, each the child of the one before; returns their configs."""
    configs = []
    versions = {}
    for step, values in enumerate(values_per_step):
        checkpoint = empty_checkpoint()
        for channel in values:
            versions[channel] = saver.get_next_version(versions.get(channel), None)
        checkpoint["channel_values"] = dict(values)
        checkpoint["channel_versions"] = dict(versions)
        config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        if parent is not None:
            config["configurable"]["checkpoint_id"] = parent["configurable"]["checkpoint_id"]
        parent = saver.put(config, checkpoint, {"source": "loop", "step": step}, {c: versions[c] for c in values})
        configs.append(parent)
    return configs


def store_bytes(path) -> bytes:
    with open(path, "rb") as file:
        return file.read()


def test_a_fork_is_a_branch_and_both_lines_read_back(tmp_path):
    path = str(tmp_path / "store.sqlite")
    with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
        main = put_chain(saver, "t", [{"n": 1}, {"n": 2}, {"n": 3}])
        fork = put_chain(saver, "t", [{"n": 20}], parent=main[0])
        assert saver.get_tuple(main[2]).checkpoint["channel_values"] == {"n": 3}
        assert saver.get_tuple(fork[0]).checkpoint["channel_values"] == {"n": 20}
        assert saver.get_tuple(fork[0]).parent_config["configurable"]["checkpoint_id"] == main[0]["configurable"]["checkpoint_id"]
        assert len(list(saver.list({"configurable": {"thread_id": "t"}}))) == 4
    with revstore.sync.Revstore.spawn(db=path, binary=BINARY) as db:
        branches = {b.name: b for b in db.branch_list("t")}
        assert len(branches) == 2
        (fork_branch,) = [b for name, b in branches.items() if name != "main"]
        assert fork_branch.base.branch == "main" and fork_branch.base.version == 2


def test_a_growing_list_is_stored_as_what_it_gained(tmp_path):
    path = str(tmp_path / "store.sqlite")
    message = "m" * 2000
    steps = [{"messages": [f"{i}:{message}" for i in range(n)]} for n in range(1, 61)]
    with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
        # The channel holds the same list object growing, as LangGraph's reducers leave it.
        growing: list = []
        chain = []
        for step in steps:
            growing.extend(step["messages"][len(growing):])
            chain = put_chain(saver, "t", [{"messages": growing}], parent=chain[-1] if chain else None)
            chain = chain[-1:]
        latest = saver.get_tuple({"configurable": {"thread_id": "t", "checkpoint_ns": ""}})
        assert latest.checkpoint["channel_values"]["messages"] == steps[-1]["messages"]
        first = next(iter(reversed(list(saver.list({"configurable": {"thread_id": "t"}})))))
        assert first.checkpoint["channel_values"]["messages"] == steps[0]["messages"]
    with revstore.sync.Revstore.spawn(db=path, binary=BINARY) as db:
        stats = db.store_stats()
    assert stats["deltas"] >= 50
    # 60 versions of a list of up to 60 messages of 2 KB: whole, 3.6 MB; as deltas, a few times the last.
    assert stats["bytes"]["file"] < 8 * 60 * 2000


def test_written_messages_share_their_blobs_with_the_channel(tmp_path):
    path = str(tmp_path / "store.sqlite")
    messages = [AIMessage(content=f"message {i}", id=str(i)) for i in range(3)]
    with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
        (config,) = put_chain(saver, "t", [{"messages": messages}])
        saver.put_writes(config, [("messages", messages)], task_id="task")
        assert saver.get_tuple(config).pending_writes == [("task", "messages", messages)]
    with revstore.sync.Revstore.spawn(db=path, binary=BINARY) as db:
        assert db.store_stats()["blobs"] == len(messages)


def test_deleted_and_pruned_data_leaves_the_file(tmp_path):
    path = str(tmp_path / "store.sqlite")
    gone, pruned, kept = (f"{name}-{uuid.uuid4()}" for name in ("deleted", "pruned", "kept"))
    with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
        put_chain(saver, "doomed", [{"note": gone}])
        put_chain(saver, "pruned", [{"note": pruned}, {"note": kept}])
    assert gone.encode() in store_bytes(path) and pruned.encode() in store_bytes(path)
    with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
        saver.delete_thread("doomed")
        saver.prune(["pruned"], strategy="keep_latest")
        (only,) = saver.list({"configurable": {"thread_id": "pruned"}})
        assert only.checkpoint["channel_values"] == {"note": kept}
        assert saver.get_tuple({"configurable": {"thread_id": "doomed", "checkpoint_ns": ""}}) is None
    data = store_bytes(path)
    assert gone.encode() not in data and pruned.encode() not in data and kept.encode() in data


def test_processes_share_one_store(tmp_path):
    path = str(tmp_path / "store.sqlite")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r})
        from test_langgraph_saver import put_chain
        from revstore.langgraph import RevstoreSaver
        with RevstoreSaver.from_conn_string({path!r}, binary={BINARY!r}) as saver:
            put_chain(saver, "thread-" + sys.argv[1], [{{"n": i}} for i in range(40)])
    """)
    workers = [subprocess.Popen([sys.executable, "-c", script, str(i)], stderr=subprocess.PIPE) for i in range(4)]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
        assert b"locked" not in stderr
    with RevstoreSaver.from_conn_string(path, binary=BINARY) as saver:
        for i in range(4):
            listed = list(saver.list({"configurable": {"thread_id": f"thread-{i}"}}))
            assert [t.checkpoint["channel_values"]["n"] for t in listed] == list(reversed(range(40)))


class RacingConnection:
    """A saver's connection on which another thread's `put` creates the session just before
    this saver's own `session/create` reaches the server."""

    def __init__(self, connection):
        self.connection = connection
        self.raced = False

    def send(self, method, params=None, **options):
        if method == "session/create" and not self.raced:
            self.raced = True
            self.connection.send(method, params)[1].result()
        return self.connection.send(method, params, **options)

    def send_batch(self, calls):
        return self.connection.send_batch(calls)


def test_writes_saved_while_another_thread_creates_the_session(tmp_path):
    # LangGraph may save a step's writes before its checkpoint, whose `put` runs on another thread.
    with RevstoreSaver.from_conn_string(str(tmp_path / "store.sqlite"), binary=BINARY) as saver:
        checkpoint = empty_checkpoint()
        racing = RacingConnection(saver._connection)
        saver._connection = racing
        saver.put_writes({"configurable": {"thread_id": "t", "checkpoint_ns": "", "checkpoint_id": checkpoint["id"]}},
                         [("channel", "value")], "task")
        assert racing.raced
        saver._connection = racing.connection
        saved = saver.put({"configurable": {"thread_id": "t", "checkpoint_ns": ""}}, checkpoint, {}, {})
        assert saver.get_tuple(saved).pending_writes == [("task", "channel", "value")]
