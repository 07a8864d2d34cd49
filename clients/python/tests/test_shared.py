"""`shared=True` (`revstore serve --shared`): every process that opens one store file is served by
one server, which closes the store when the last of them is done."""
import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import revstore

from test_lifecycle import alive


def holders(path) -> set[int]:
    """The processes that have the store file open."""
    target = os.path.realpath(path)
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.path.realpath(f"/proc/{pid}/fd/{fd}") == target:
                    found.add(int(pid))
                    break
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
    return found


def wait_until(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


async def test_hosts_are_served_by_one_server_that_closes_the_store_after_the_last(binary, tmp_path):
    path = tmp_path / "store.sqlite"
    first = await revstore.Revstore.spawn(db=path, binary=binary, shared=True)
    second = await revstore.Revstore.spawn(db=path, binary=binary, shared=True)
    await first.call("session/create", {"session": "a"})
    listed = await second.call("session/list", {})
    assert [s["session"] for s in listed["sessions"]] == ["a"]
    # Neither process a host started holds the store: one server does, for both.
    (server,) = holders(path)
    assert server not in (first.pid, second.pid)

    assert await first.close() == 0
    assert not alive(first.pid)
    await second.call("session/create", {"session": "b"})
    assert holders(path) == {server}

    assert await second.close() == 0
    # The last host's process ends after the server closed the store: no process holds it and
    # its write-ahead log is checkpointed away.
    assert holders(path) == set()
    assert not (tmp_path / "store.sqlite-wal").exists()
    wait_until(lambda: not alive(server))

    # The next host starts a new server, which sees everything.
    async with await revstore.Revstore.spawn(db=path, binary=binary, shared=True) as again:
        listed = await again.call("session/list", {})
        assert [s["session"] for s in listed["sessions"]] == ["a", "b"]
        assert holders(path) - {again.pid} and server not in holders(path)


async def test_each_host_gets_the_events_of_its_own_subscriptions(binary, tmp_path):
    path = tmp_path / "store.sqlite"
    async with await revstore.Revstore.spawn(db=path, binary=binary, shared=True) as watcher, \
            await revstore.Revstore.spawn(db=path, binary=binary, shared=True) as writer:
        await writer.call("session/create", {"session": "s"})
        watching = await watcher.subscribe(session="s", kinds=["committed"]).start()
        await writer.call("entity/put", {"session": "s", "type": "Note", "id": "n1", "data": {}})
        writing = await writer.subscribe(session="s", kinds=["committed"]).start()
        await watcher.call("entity/put", {"session": "s", "type": "Note", "id": "n2", "data": {}})
        watched, written = watching.__aiter__(), writing.__aiter__()
        assert [(await asyncio.wait_for(watched.__anext__(), 5)).changes[0].id for _ in range(2)] == ["n1", "n2"]
        assert (await asyncio.wait_for(written.__anext__(), 5)).changes[0].id == "n2"
        await watching.aclose()
        await writing.aclose()


async def test_a_store_the_server_cannot_open_is_reported_by_the_host_process(binary, tmp_path):
    path = tmp_path / "garbage.sqlite"
    path.write_bytes(b"not a database at all" * 100)
    process = subprocess.run([binary, "serve", "--shared", "--db", str(path)], input=b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n',
                             capture_output=True, timeout=20)
    assert process.returncode == 1
    assert process.stdout == b""
    assert process.stderr.decode().strip() == f"revstore: Cannot open the store {path}: not a database."
    assert holders(path) == set()


async def test_terminating_one_host_process_ends_only_its_connection(binary, tmp_path):
    path = tmp_path / "store.sqlite"
    async with await revstore.Revstore.spawn(db=path, binary=binary, shared=True) as staying:
        leaving = await revstore.Revstore.spawn(db=path, binary=binary, shared=True)
        await leaving.call("session/create", {"session": "s"})
        os.kill(leaving.pid, signal.SIGTERM)
        wait_until(lambda: not alive(leaving.pid))
        assert await leaving.close() == 0
        assert [s["session"] for s in (await staying.call("session/list", {}))["sessions"]] == ["s"]


async def test_a_killed_host_leaves_no_server(binary, tmp_path):
    path = tmp_path / "store.sqlite"
    host = textwrap.dedent(f"""
        import asyncio
        import revstore
        async def main():
            db = await revstore.Revstore.spawn(db={str(path)!r}, binary={binary!r}, shared=True)
            await db.call("session/create", {{"session": "s"}})
            print(db.pid, flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    process = subprocess.Popen([sys.executable, "-c", host], stdout=subprocess.PIPE, text=True)
    int(process.stdout.readline())
    (server,) = holders(path)
    process.kill()
    process.wait()
    # The host's process sees its parent gone within a second and lets go; the server, with no
    # connection left, closes the store and exits.
    wait_until(lambda: not alive(server))
    assert holders(path) == set()


async def test_shared_needs_a_file(binary):
    process = subprocess.run([binary, "serve", "--shared", "--memory"], capture_output=True, timeout=20)
    assert process.returncode != 0
    assert b"--shared needs a store file" in process.stderr


@pytest.mark.parametrize("count", [8])
async def test_many_hosts_at_once_start_one_server(binary, tmp_path, count):
    path = tmp_path / "store.sqlite"
    clients = await asyncio.gather(*(revstore.Revstore.spawn(db=path, binary=binary, shared=True) for _ in range(count)))
    try:
        await asyncio.gather(*(db.call("session/create", {"session": f"s{i}"}) for i, db in enumerate(clients)))
        assert len(holders(path)) == 1
        listed = await clients[0].call("session/list", {})
        assert len(listed["sessions"]) == count
    finally:
        assert await asyncio.gather(*(db.close() for db in clients)) == [0] * count
    assert holders(path) == set()


async def test_a_killed_server_fails_its_hosts_and_the_next_host_starts_another(binary, tmp_path):
    path = tmp_path / "store.sqlite"
    db = await revstore.Revstore.spawn(db=path, binary=binary, shared=True)
    await db.call("session/create", {"session": "s"})
    (server,) = holders(path)
    os.kill(server, signal.SIGKILL)
    with pytest.raises(revstore.ServerExitedError) as error:
        for _ in range(100):
            await db.ping()
            await asyncio.sleep(0.02)
    assert error.value.returncode == 1
    assert any("stopped unexpectedly" in line for line in error.value.stderr_tail)
    await db.close()
    # Its socket is left behind, and its lock released: the next host starts a server anyway.
    async with await revstore.Revstore.spawn(db=path, binary=binary, shared=True) as again:
        assert [s["session"] for s in (await again.call("session/list", {}))["sessions"]] == ["s"]
        assert server not in holders(path)
