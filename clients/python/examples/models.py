"""The model layer: declare a type from a pydantic model, save, query with lookups, read history."""
import asyncio
from typing import Optional

import revstore


class User(revstore.Model):
    name: str = revstore.Field(index=True)
    age: int
    email: Optional[str] = revstore.Field(default=None, index="unique")


async def main() -> None:
    async with await revstore.Revstore.spawn(memory=True) as db:
        s = await db.session("people", create=True)
        await User.define(db)
        for name, age in [("John", 31), ("Joan", 25), ("Joe", 40)]:
            await User(name=name, age=age).save(session=s)
        adults = await User.query(session=s).filter(age__gt=25, name__startswith="Jo").order_by("-age").execute()
        print([u.name for u in adults])
        john = await User.query(session=s).filter(name="John").first()
        john.age += 1
        await john.save()
        print([u.age for u in await john.history()])


asyncio.run(main())
