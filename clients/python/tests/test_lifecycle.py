import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import revstore


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


async def test_spawn_initialize_ping_close_leaves_no_process(binary, tmp_path):
    db = await revstore.Revstore.spawn(db=tmp_path / "state.sqlite", binary=binary)
    info = await db.initialize("tests")
    assert info.protocol_version == "1"
    assert info.server_info.name == "revstore"
    assert info.store["path"].endswith("state.sqlite")
    await db.ping()
    pid = db.pid
    assert await db.close() == 0
    assert not alive(pid)


async def test_missing_binary_names_every_place_and_how_to_get_one(monkeypatch, tmp_path):
    # An editable install bundles no server, so every place comes up empty.
    monkeypatch.setenv("REVSTORE_BIN", str(tmp_path / "nope"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(revstore.BinaryNotFoundError) as error:
        await revstore.Revstore.spawn(memory=True, binary=tmp_path / "missing")
    text = str(error.value)
    for place in ("binary argument", "$REVSTORE_BIN", "bundled server", "PATH"):
        assert place in text
    assert "make dist" in text and "pip install ./clients/python" in text


async def test_binary_from_environment(binary, monkeypatch):
    monkeypatch.setenv("REVSTORE_BIN", binary)
    async with await revstore.Revstore.spawn(memory=True) as db:
        await db.ping()


async def test_close_escalates_to_terminate_and_kill_for_a_stuck_server(tmp_path):
    stuck = tmp_path / "stuck"
    stuck.write_text("#!/bin/sh\ntrap '' TERM\nwhile true; do sleep 0.1; done\n")
    stuck.chmod(0o755)
    db = await revstore.Revstore.spawn(memory=True, binary=stuck, close_timeout=0.3)
    pid = db.pid
    started = time.monotonic()
    await db.close()
    assert time.monotonic() - started < 3
    assert not alive(pid)


async def test_server_death_fails_pending_calls_with_status_and_stderr(binary):
    db = await revstore.Revstore.spawn(memory=True, binary=binary, args=["--log-level", "info"])
    await db.ping()
    pending = asyncio.ensure_future(db.call("entity/query", {"session": "nope"}))
    os.kill(db.pid, signal.SIGKILL)
    with pytest.raises(revstore.ServerExitedError) as error:
        for _ in range(50):
            await db.ping()
            await asyncio.sleep(0.05)
    assert error.value.returncode == -signal.SIGKILL
    assert any("serving on stdio" in line for line in error.value.stderr_tail)
    with pytest.raises((revstore.ServerExitedError, revstore.NotFoundError)):
        await pending
    await db.close()


async def test_host_killed_leaves_no_orphan(binary, tmp_path):
    host = textwrap.dedent(f"""
        import asyncio, sys, time
        import revstore
        async def main():
            db = await revstore.Revstore.spawn(memory=True, binary={binary!r})
            await db.ping()
            print(db.pid, flush=True)
            await asyncio.sleep(60)
        asyncio.run(main())
    """)
    process = subprocess.Popen([sys.executable, "-c", host], stdout=subprocess.PIPE, text=True)
    pid = int(process.stdout.readline())
    assert alive(pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 3
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


async def test_lines_beyond_asyncio_default_limit_are_read(session):
    big = "x" * (1 << 20)
    entity = await session.put("Doc", {"text": big}, id="big")
    assert entity.data["text"] == big
    assert (await session.get("Doc", "big")).data["text"] == big


async def test_timeout_cancels_and_raises(db):
    with pytest.raises(TimeoutError):
        await db.call("ping", timeout=0)
    await db.ping()
