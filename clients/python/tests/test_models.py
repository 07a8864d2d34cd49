from typing import Optional

import pytest

import revstore


class Message(revstore.Model):
    text: str


class Thread(revstore.Model):
    title: str = revstore.Field(index=True)
    messages: list[str] = revstore.Field(default_factory=list, ref="Message", propagate=True)


class User(revstore.Model):
    name: str = revstore.Field(index=True)
    age: int
    email: Optional[str] = revstore.Field(default=None, index="unique")


async def test_define_save_query_get_history(db, session):
    definition = await User.define(db)
    assert definition.fields["name"].index is True and definition.fields["email"].index == "unique"
    assert definition.fields["age"].required and definition.fields["email"].nullable
    for name, age in [("John", 31), ("Joan", 25), ("Joe", 40), ("Ann", 33)]:
        await User(name=name, age=age).save(session=session)
    adults = await User.query(session=session).filter(age__gt=25, name__startswith="Jo").order_by("-age").limit(10).execute()
    assert [u.name for u in adults] == ["Joe", "John"]
    assert (await User.query(session=session).filter(age__gte=30).count()) == 3
    first = await User.query(session=session).order_by("name").first()
    assert first is not None and first.name == "Ann" and first.entity.version == 1
    assert [u.name for u in await User.query(session=session).exclude(name__in=["Joe", "Ann"]).order_by("age").execute()] == ["Joan", "John"]

    john = await User.query(session=session).filter(name="John").first()
    john.age = 32
    await john.save()
    assert [v.age for v in await john.history()] == [32, 31]
    again = await User.get(session, john.id)
    assert again.age == 32 and again.entity.version == 2
    await User(name="X", age=1, email="a@b").save(session=session)
    holder = await User.query(session=session).filter(email="a@b").first()
    with pytest.raises(revstore.UniqueViolationError) as duplicate:
        await User(name="Y", age=2, email="a@b").save(session=session)
    assert (duplicate.value.field, duplicate.value.value, duplicate.value.held_by) == ("email", "a@b", holder.id)
    assert duplicate.value.code == -32012


async def test_references_and_branches(db, session):
    await Message.define(db)
    await Thread.define(db)
    m = await Message(text="hello").save(session=session)
    thread = await Thread(title="chat", messages=[m.id]).save(session=session)
    m.text = "hello!"
    await m.save()
    assert (await Thread.get(session, thread.id)).entity.version == 2
    loaded = await thread.load("messages", Message)
    assert [(type(x), x.id, x.text) for x in loaded] == [(Message, m.id, "hello!")]
    assert [x.text for x in await thread.load("messages", Message, at=thread.entity.updated_at_version)] == ["hello"]
    await session.create_branch("alt")
    await Message(text="on alt").save(session=session, branch="alt")
    assert len(await Message.query(session=session, branch="alt").execute()) == 2
    assert len(await Message.query(session=session).execute()) == 1


async def test_a_query_typo_is_an_error_not_an_empty_result(db, session):
    await User.define(db)
    with pytest.raises(ValueError, match="no field 'nosuchfield'"):
        User.query(session=session).filter(nosuchfield__gt=3)
    with pytest.raises(revstore.InvalidParamsError) as error:
        await db.entity_query(session.name, "User", where={"age": {"gtt": 3}})
    assert error.value.path == "where.age.gtt"


class Attachment(revstore.Model):
    name: str
    content: bytes
    thumbnail: Optional[bytes] = None


async def test_bytes_round_trip_as_bytes_and_are_stored_once(db, session):
    definition = await Attachment.define(db)
    assert definition.fields["content"].type == "bytes"
    picture = bytes(range(256)) * 4
    saved = await Attachment(name="a", content=picture, thumbnail=b"\x00\xff").save(session=session)
    for n in range(3):
        saved.name = f"a{n}"
        await saved.save()
    again = await Attachment.get(session, saved.id)
    assert again.content == picture and again.thumbnail == b"\x00\xff" and again.name == "a2"
    assert [v.content for v in await again.history()] == [picture] * 4

    # Bytes anywhere in data, through the plain client: sent as bytes, read back as bytes.
    nested = {"parts": [b"one", {"inner": bytearray(b"two")}], "note": {"$bytes": "x", "other": 1}}
    await db.entity_put("s", "Blob", nested, id="n")
    got = await db.entity_get("s", "Blob", "n")
    assert got.entity.data == {"parts": [b"one", {"inner": b"two"}], "note": {"$bytes": "x", "other": 1}}
    assert [e.id for e in (await db.entity_query("s", "Blob", where={"parts": {"contains": b"one"}})).entities] == ["n"]
    with pytest.raises(revstore.InvalidParamsError) as bad:
        await db.entity_put("s", "Blob", {"x": {"$bytes": "not base64"}}, id="m")
    assert bad.value.data["path"] == "data.x"
    assert (await db.store_stats())["blobs"] == 4  # the picture, the thumbnail, "one" and "two", each once


class Fact(revstore.Model):
    text: str
    confidence: float = 1.0
    tags: list[str] = revstore.Field(default_factory=lambda: ["new"])


async def test_defaults_are_declared_so_the_server_fills_them_and_queries_see_them(db, session):
    definition = await Fact.define(db)
    assert (definition.fields["confidence"].default, definition.fields["tags"].default) == (1.0, ["new"])
    # Written without the model, the missing fields are filled by the server.
    await session.put("Fact", {"text": "raw"}, id="f1")
    assert (await session.get("Fact", "f1")).data == {"text": "raw", "confidence": 1.0, "tags": ["new"]}
    await Fact(text="unsure", confidence=0.2).save(session=session)
    sure = await Fact.query(session).filter(confidence__gte=0.5).execute()
    assert [(f.id, f.text, f.confidence) for f in sure] == [("f1", "raw", 1.0)]


async def test_models_save_read_query_and_delete_inside_a_turn(db, session):
    await Message.define(db)
    kept = await Message(text="kept").save(session=session)
    async with session.turn(message="one turn") as turn:
        staged = await turn.save(Message(text="staged"))
        assert staged.id is not None
        assert (await Message.get(session, staged.id, turn=turn)).text == "staged"
        assert await Message.get(session, staged.id) is None  # not outside the turn yet
        assert sorted(m.text for m in await Message.query(session, turn=turn).execute()) == ["kept", "staged"]
        await kept.delete(turn=turn)
        assert [m.text for m in await Message.query(session, turn=turn).execute()] == ["staged"]
        assert await Message.query(session).count() == 1
    assert [m.text for m in await Message.query(session).execute()] == ["staged"]
    assert turn.result is not None and len(turn.result.changes) == 2
