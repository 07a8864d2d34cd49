import pytest

import revstore


@pytest.mark.parametrize("method, params, error, check", [
    ("session/get", {"session": "nope"}, revstore.NotFoundError, lambda e: e.kind == "session"),
    ("entity/put", {"session": "s", "type": "bad type", "data": {}}, revstore.InvalidParamsError, lambda e: e.path == "type"),
    ("entity/patch", {"session": "s", "type": "T", "id": "ghost", "patch": {}}, revstore.NotFoundError, lambda e: e.kind == "entity"),
    ("no/such", {}, revstore.MethodNotFoundError, lambda e: e.code == -32601),
    ("session/create", {"session": "s"}, revstore.AlreadyExistsError, lambda e: e.code == -32002),
])
async def test_errors_map_to_exceptions(db, method, params, error, check):
    await db.session_create("s")
    with pytest.raises(error) as raised:
        await db.call(method, params)
    assert check(raised.value)
    assert raised.value.message and raised.value.data["reason"] == error.reason


async def test_validation_error_lists_paths(db):
    await db.session_create("s")
    await db.type_define("User", {"name": {"type": "string", "required": True}, "age": {"type": "integer"}}, strict=True)
    with pytest.raises(revstore.ValidationFailedError) as error:
        await db.entity_put("s", "User", {"age": "x", "extra": 1})
    assert set(error.value.paths) == {"$.name", "$.age", "$.extra"}


async def test_conflict_merge_schema_and_state_errors(db):
    await db.session_create("s")
    await db.entity_put("s", "Doc", {"t": 1}, id="d")
    with pytest.raises(revstore.ConflictError) as conflict:
        await db.entity_put("s", "Doc", {"t": 2}, id="d", if_version=7)
    assert (conflict.value.expected, conflict.value.actual) == (7, 1)
    await db.branch_create("s", "alt")
    await db.entity_patch("s", "Doc", "d", {"t": "main"})
    await db.entity_patch("s", "Doc", "d", {"t": "alt"}, branch="alt")
    with pytest.raises(revstore.MergeConflictError) as merge:
        await db.branch_merge("s", "alt")
    assert merge.value.conflicts[0]["field"] == "t"
    await db.type_define("Note", {"a": {"type": "string"}})
    with pytest.raises(revstore.SchemaConflictError) as schema:
        await db.type_define("Note", {})
    assert schema.value.problems == ["field a was removed"]
    with pytest.raises(revstore.InvalidStateError):
        await db.branch_delete("s", "main")


async def test_a_query_cut_off_part_way_raises_and_the_connection_goes_on(tmp_path, binary):
    import sqlite3

    path = tmp_path / "store.sqlite"
    async with await revstore.Revstore.spawn(path, binary=binary) as db:
        await db.session_create("s")
        await db.commit("s", [{"op": "put", "type": "Chat", "id": f"c{n:03}", "data": {"body": "words " * 340}} for n in range(200)])
        await db.entity_patch("s", "Chat", "c199", {"title": "last"})
    with sqlite3.connect(path) as damage:
        damage.execute("""UPDATE entity_version SET delta = '[{"op":"remove","path":"/missing"}]' WHERE delta IS NOT NULL""")
    async with await revstore.Revstore.spawn(path, binary=binary) as db:
        with pytest.raises(revstore.StorageError):
            await db.entity_query("s", "Chat", order_by=["$id"], limit=1000)
        assert (await db.entity_get("s", "Chat", "c000")).entity.data["body"].startswith("words")
