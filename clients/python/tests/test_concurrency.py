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
