import asyncio

import revstore


async def test_many_concurrent_calls_from_many_tasks(db):
    await db.session_create("s")

    async def writer(n: int) -> int:
        result = await db.entity_put("s", "Item", {"n": n}, id=f"i{n}")
        return result.version

    async def reader(n: int) -> int:
        return (await db.entity_query("s", "Item", count=True)).total or 0

    versions = await asyncio.gather(*(writer(n) for n in range(200)))
    assert sorted(versions) == list(range(2, 202))
    totals = await asyncio.gather(*(reader(n) for n in range(50)))
    assert set(totals) == {200}


async def test_concurrent_pings_are_matched_by_id(db):
    results = await asyncio.gather(*(db.call("ping") for _ in range(500)))
    assert results == [{}] * 500


def test_one_client_serves_any_thread_and_any_event_loop_at_once(binary):
    import threading

    from revstore.sync import Revstore as SyncRevstore

    async def spawn() -> revstore.Revstore:
        return await revstore.Revstore.spawn(memory=True, binary=binary)

    db = asyncio.run(spawn())  # the loop that made it is gone at once
    view = SyncRevstore.of(db)
    view.session_create("s")
    events: list[int] = []

    async def listen(ready: threading.Event) -> None:
        subscription = await db.subscribe(session="s", kinds=["committed"])
        ready.set()
        async for event in subscription:
            events.append(event.version)
            if len(events) == 40:
                return

    async def write(worker: int) -> list[int]:
        return [(await db.entity_put("s", "Item", {"n": n}, id=f"w{worker}-{n}")).version for n in range(10)]

    ready = threading.Event()
    listener = threading.Thread(target=asyncio.run, args=(listen(ready),))
    listener.start()
    assert ready.wait(10)
    results: dict[str, list[int]] = {}
    threads = [threading.Thread(target=lambda w=w: results.__setitem__(f"loop{w}", asyncio.run(write(w)))) for w in range(3)]
    threads.append(threading.Thread(target=lambda: results.__setitem__(
        "sync", [view.entity_put("s", "Item", {"n": n}, id=f"sync-{n}").version for n in range(10)])))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    listener.join(30)
    versions = sorted(v for written in results.values() for v in written)
    assert versions == list(range(2, 42))
    assert sorted(events) == versions
    assert view.entity_query("s", "Item", count=True).total == 40
    view.close()


async def test_a_batch_answers_each_call_with_its_own_result_and_a_failure_fails_only_its_call(db):
    await db.session_create("s")
    async with db.batch() as batch:
        put = batch.entity_put("s", "Note", {"text": "a"}, id="n1")
        missing = batch.entity_get("s", "Note", "ghost")
        bad = batch.session_get("nope")
        stats = batch.store_stats()
    assert (await put).version == 2
    assert (await missing).entity is None
    assert (await stats)["sessions"] == 1
    try:
        await bad
        raise AssertionError("a missing session must fail its call")
    except revstore.NotFoundError as error:
        assert error.kind == "session"
    with __import__("pytest").raises(AttributeError):
        db.batch().subscribe


async def test_writes_side_by_side_in_a_batch_each_get_a_version_and_one_that_fails_changes_nothing(db):
    # They share one commit on the server; each must still read as its own version.
    await db.session_create("s")
    async with db.batch() as batch:
        first = batch.entity_put("s", "Note", {"n": 1}, id="a")
        conflicting = batch.entity_put("s", "Note", {"n": 2}, id="b", if_version=5)
        last = batch.entity_put("s", "Note", {"n": 3}, id="c")
        after = batch.entity_get("s", "Note", "c")
    assert [(await first).version, (await last).version] == [2, 3]
    with __import__("pytest").raises(revstore.ConflictError):
        await conflicting
    assert (await after).entity.data == {"n": 3}
    assert [e.id for e in (await db.entity_query("s", "Note", at=2)).entities] == ["a"]
    assert [e.id for e in (await db.entity_query("s", "Note")).entities] == ["a", "c"]


async def test_writes_that_fail_amid_concurrent_writes_and_subscriptions_change_nothing_else(db):
    # Concurrent writes meet in group commits; a failing one is rolled back alone and the others
    # applied again, and a subscription (which must not run twice) goes through on its own.
    await db.session_create("s")
    first = await db.subscribe(session="s", kinds=["committed"]).start()
    later = []

    async def writer(task: int) -> list:
        outcomes = []
        for i in range(25):
            fails = i % 3 == 2
            try:
                result = await db.entity_put("s", "Item", {"task": task, "i": i}, id=f"t{task}-{i}", if_version=9 if fails else None)
                outcomes.append((f"t{task}-{i}", result.version))
            except revstore.ConflictError:
                assert fails
                outcomes.append((f"t{task}-{i}", None))
            if task == 0 and i % 5 == 0:
                later.append(await db.subscribe(session="s", kinds=["committed"]).start())
        return outcomes

    outcomes = [o for written in await asyncio.gather(*(writer(t) for t in range(8))) for o in written]
    kept = {entity: version for entity, version in outcomes if version is not None}
    assert len(kept) == 8 * 17
    assert sorted(kept.values()) == list(range(2, 2 + len(kept)))
    assert {e.id for e in (await db.entity_query("s", "Item", limit=1000)).entities} == set(kept)
    for entity, version in list(kept.items())[::9]:
        assert (await db.entity_get("s", "Item", entity, at=version)).entity is not None
        assert (await db.entity_get("s", "Item", entity, at=version - 1)).entity is None
    last = max(kept.values())

    async def versions_seen(subscription) -> list:
        seen = []
        async for event in subscription:
            seen.append(event.version)
            if event.version == last:
                return seen
        return seen

    # Each subscription hears every commit after it, once.
    assert await versions_seen(first) == list(range(2, last + 1))
    assert len(later) == 5
    for subscription in later:
        seen = await versions_seen(subscription)
        assert seen == list(range(seen[0], last + 1))


async def test_pages_read_everything_at_one_version(db):
    await db.session_create("s")
    await db.commit("s", [{"op": "put", "type": "Item", "id": f"i{n:04}", "data": {"n": n}} for n in range(2500)])
    seen = []
    async for entity in db.iter_entities("s", "Item", order_by=["$id"], page_size=1000):
        seen.append(entity.id)
        if len(seen) == 1500:
            await db.entity_put("s", "Item", {"n": -1}, id="a-first")  # after the pages' version
    assert seen == [f"i{n:04}" for n in range(2500)]
    for n in range(5):
        await db.entity_patch("s", "Item", "i0000", {"n": n + 100})
    assert [v.version async for v in db.iter_history("s", "Item", "i0000", page_size=2)] == [6, 5, 4, 3, 2, 1]
    assert [v.version async for v in db.iter_versions("s", page_size=3)] == list(range(8, 0, -1))
    for n in range(4):
        await db.session_create(f"t{n}")
    assert [s.session async for s in db.iter_sessions(page_size=2)] == ["s", "t0", "t1", "t2", "t3"]


def test_a_request_larger_than_the_pipe_stays_ahead_of_the_requests_sent_after_it(binary):
    """The caller writes what the pipe takes at once and the writer thread the rest; requests
    sent meanwhile queue behind it whole, so the server reads every line intact and in order."""
    from revstore._connection import Connection

    connection = Connection.spawn(["--memory"], binary=binary)
    try:
        text = "x" * (4 << 20)
        connection.send("session/create", {"session": "s"})
        put = connection.send("entity/put", {"session": "s", "type": "Note", "id": "big", "data": {"text": text}})[1]
        sizes = [connection.send("entity/get", {"session": "s", "type": "Note", "id": "big"})[1] for _ in range(3)]
        pings = [connection.send("ping")[1] for _ in range(100)]
        assert put.result(timeout=60)["entity"]["version"] == 1
        assert [len(get.result(timeout=60)["entity"]["data"]["text"]) for get in sizes] == [len(text)] * 3
        assert [ping.result(timeout=60) for ping in pings] == [{}] * 100
    finally:
        connection.stop()
