import asyncio

import revstore


async def test_async_for_receives_events_and_unsubscribes_on_exit(db, session):
    received = []

    async def listen():
        async for event in db.subscribe(session=session.name, kinds=["committed"]):
            received.append(event)
            if len(received) == 3:
                break

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    for n in range(3):
        await session.put("T", {"n": n}, id=f"t{n}")
    await asyncio.wait_for(listener, 5)
    assert [e.changes[0].id for e in received] == ["t0", "t1", "t2"]
    assert all(isinstance(e, revstore.Event) for e in received)
    # The subscription ended with the loop: the server no longer sends for it.
    await session.put("T", {"n": 3}, id="t3")
    await db.ping()


async def test_since_replays_missed_events_then_live_ones(db, session):
    for n in range(5):
        await session.put("T", {"n": n}, id=f"t{n}")
    page = await db.feed_read(session=session.name)
    middle = page.events[2].cursor
    seen = []
    subscription = db.subscribe(session=session.name, since=middle)
    async with subscription as events:
        async for event in events:
            seen.append(event.cursor)
            if event.cursor == page.cursor:
                await session.put("T", {"n": 5}, id="t5")
            if len(seen) == len(page.events) - 3 + 1:
                break
    assert seen == sorted(seen) and seen[0] == page.events[3].cursor
    assert subscription.cursor == seen[-1]


async def test_events_are_queued_between_reads(db, session):
    subscription = await db.subscribe(session=session.name, kinds=["committed"]).start()
    for n in range(20):
        await session.put("T", {"n": n}, id=f"t{n}")
    events = subscription.__aiter__()
    ids = [(await events.__anext__()).changes[0].id for _ in range(20)]
    assert ids == [f"t{n}" for n in range(20)]
    await subscription.aclose()


async def test_a_subscription_starts_when_made_so_no_event_is_lost(db, session):
    # The reported trap: subscribe, write, and only then iterate.
    pending = db.subscribe(session=session.name, kinds=["committed"])
    await session.put("T", {"n": 1}, id="first")
    awaited = await db.subscribe(session=session.name, kinds=["committed"])
    await session.put("T", {"n": 2}, id="second")
    events = pending.__aiter__()
    assert [(await events.__anext__()).changes[0].id for _ in range(2)] == ["first", "second"]
    assert (await awaited.__aiter__().__anext__()).changes[0].id == "second"
    async with db.subscribe(session=session.name, kinds=["committed"]) as scoped:
        await session.put("T", {"n": 3}, id="third")
        assert (await scoped.__anext__()).changes[0].id == "third"
    await pending.aclose()
    await awaited.aclose()
