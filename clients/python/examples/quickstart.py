"""A session, an update, a read at an old version, a diff, and a turn."""
import asyncio

import revstore


async def main() -> None:
    async with await revstore.Revstore.spawn(memory=True) as db:
        s = await db.session("chat-1", create=True)
        await s.put("User", {"name": "John", "age": 30}, id="u1")          # version 2
        await s.patch("User", "u1", {"age": 31})                            # version 3
        print("at version 2:", (await s.get("User", "u1", at=2)).data)
        for change in await s.diff(2, 3):
            print("diff:", change.change, change.id, change.patch)
        async with s.turn(message="turn 1") as t:                          # one version for the whole turn
            await t.put("Message", {"text": "hello"}, id="m1")
            await t.put("Message", {"text": "world"}, id="m2")
        print("versions:", [v.version for v in await s.versions()])


asyncio.run(main())
