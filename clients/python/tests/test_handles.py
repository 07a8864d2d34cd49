"""The session and turn objects, as an agent framework uses them."""
import inspect

import pytest

import revstore


async def test_session_handle(db):
    s = await db.session("chat-1", create=True)
    again = await db.session("chat-1", create=True)
    assert again.name == "chat-1"
    user = await s.put("User", {"name": "John", "age": 30}, id="u1")
    assert user.version == 1
    await s.patch("User", "u1", {"age": 31})
    assert (await s.get("User", "u1", at=2)).data["age"] == 30
    assert (await s.get("User", "u1")).data["age"] == 31
    await s.put("User", {"name": "Jane"}, id="u2")
    diff = await s.diff(2, 4)
    assert {(d.id, d.change) for d in diff} == {("u1", "modified"), ("u2", "added")}
    assert [e.version for e in await s.history("User", "u1")] == [2, 1]
    alt = await s.create_branch("alt", from_at=2)
    await alt.put("User", {"name": "Alt"}, id="u3")
    assert {e.id for e in await alt.query("User")} == {"u1", "u3"}
    assert {e.id for e in await s.query("User")} == {"u1", "u2"}
    with pytest.raises(revstore.NotFoundError):
        await db.session("nope")


async def test_turn_commits_on_success_and_aborts_on_exception(session):
    async with session.turn(message="turn 3", metadata={"step": 3}) as t:
        for n in range(5):
            await t.put("Msg", {"n": n}, id=f"m{n}")
        assert len(await t.query("Msg")) == 5
        assert await session.query("Msg") == []
    assert t.result is not None and t.result.version == 2
    info = await session.db.version_get(session.name, 2)
    assert info.message == "turn 3" and info.metadata == {"step": 3}

    with pytest.raises(RuntimeError):
        async with session.turn() as aborted:
            await aborted.put("Msg", {"n": 99}, id="never")
            raise RuntimeError("the agent failed")
    assert (await aborted.info()).status == "reverted"
    assert await session.get("Msg", "never") is None


async def test_json_patch_appends_and_tests(db):
    s = await db.session("chat", create=True)
    await s.put("Chat", {"messages": ["hi"], "turns": 1}, id="c")
    chat = await s.patch("Chat", "c", [{"op": "test", "path": "/turns", "value": 1},
                                       {"op": "add", "path": "/messages/-", "value": "hello"},
                                       {"op": "replace", "path": "/turns", "value": 2}])
    assert chat.data == {"messages": ["hi", "hello"], "turns": 2}
    with pytest.raises(revstore.ConflictError) as conflict:
        await s.patch("Chat", "c", [{"op": "test", "path": "/turns", "value": 1}])
    assert conflict.value.actual == 2
    with pytest.raises(revstore.InvalidParamsError) as invalid:
        await s.patch("Chat", "c", [{"op": "remove", "path": "/nope"}])
    assert invalid.value.path == "jsonPatch.0.path"
    assert (await s.get("Chat", "c")).data["turns"] == 2


async def test_create_branch_with_exist_ok_returns_the_existing_branch(session):
    await session.put("Note", {"text": "a"}, id="n1")
    alt = await session.create_branch("alt")
    await alt.put("Note", {"text": "alt"}, id="n1")
    with pytest.raises(revstore.AlreadyExistsError):
        await session.create_branch("alt")
    again = await session.create_branch("alt", exist_ok=True)
    assert (await again.get("Note", "n1")).data == {"text": "alt"}


@pytest.mark.parametrize("handle", [revstore.Session, revstore.TurnScope])
def test_handles_take_explicit_keyword_arguments(handle):
    for name, member in vars(handle).items():
        if callable(member) and not name.startswith("_"):
            kinds = {parameter.kind for parameter in inspect.signature(member).parameters.values()}
            assert inspect.Parameter.VAR_KEYWORD not in kinds, f"{handle.__name__}.{name} takes **kwargs"


async def test_a_misspelt_option_fails_before_anything_is_sent(session):
    with pytest.raises(TypeError, match="if_verison"):
        await session.put("User", {"name": "x"}, id="u1", if_verison=0)
    async with session.turn() as turn:
        with pytest.raises(TypeError, match="limt"):
            await turn.query("User", limt=3)
    assert await session.get("User", "u1") is None
    assert (await session.info()).version == 1
