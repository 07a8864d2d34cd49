"""Follow a session's changes as they happen, then resume from the last cursor seen."""
import asyncio

import revstore


async def main() -> None:
    async with await revstore.Revstore.spawn(memory=True) as db:
        s = await db.session("run-7", create=True)
        cursor = None

        async def follow() -> None:
            nonlocal cursor
            async for event in db.subscribe(session="run-7", kinds=["committed"]):
                print("event", event.cursor, [c.id for c in event.changes or []])
                cursor = event.cursor
                if event.version == 3:
                    break

        follower = asyncio.create_task(follow())
        await asyncio.sleep(0.1)
        await s.put("Step", {"n": 1}, id="s1")
        await s.put("Step", {"n": 2}, id="s2")
        await follower
        await s.put("Step", {"n": 3}, id="s3")                # happens while nobody listens
        async for event in db.subscribe(session="run-7", since=cursor):
            print("missed", event.cursor, event.kind)
            break


asyncio.run(main())
