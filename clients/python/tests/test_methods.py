"""Every protocol method through its typed method, with the result types checked."""
import pytest

import revstore
from revstore import models


async def test_sessions(db):
    created = await db.session_create("a", {"purpose": "test"})
    assert isinstance(created, models.SessionInfo) and created.version == 1 and created.metadata == {"purpose": "test"}
    await db.session_create("b")
    assert (await db.session_get("a")).default_branch == "main"
    page = await db.session_list(limit=1)
    assert [s.session for s in page.sessions] == ["a"] and page.next == "a"
    await db.branch_create("a", "alt")
    assert (await db.session_checkout("a", "alt")).default_branch == "alt"
    await db.session_delete("b")
    with pytest.raises(revstore.NotFoundError) as error:
        await db.session_get("b")
    assert error.value.kind == "session"


async def test_writes_and_reads(db):
    await db.session_create("s")
    put = await db.entity_put("s", "User", {"name": "John", "age": 30}, id="u1", actor="alice")
    assert isinstance(put, models.EntityWriteResult) and put.version == 2 and put.entity.created_by == "alice"
    patched = await db.entity_patch("s", "User", "u1", {"age": 31})
    assert patched.entity.version == 2 and patched.entity.data == {"name": "John", "age": 31}
    assert (await db.entity_get("s", "User", "u1", at=2)).entity.data["age"] == 30
    forked = await db.entity_fork("s", "User", "u1", new_id="u1b", patch={"name": "Jon"})
    assert forked.entity.lineage_id == put.entity.lineage_id
    deleted = await db.entity_delete("s", "User", "u1")
    assert deleted.entity.deleted
    restored = await db.entity_restore("s", "User", "u1")
    assert restored.entity.data["age"] == 31
    commit = await db.commit("s", [{"op": "put", "type": "User", "id": "u2", "data": {"name": "Jane", "age": 25}}], message="m")
    assert isinstance(commit, models.CommitResult) and commit.changes[0].change == "created"
    query = await db.entity_query("s", "User", where={"age": {"gt": 26}}, order_by=["-age"], count=True)
    assert [e.id for e in query.entities] == ["u1", "u1b"] and query.total == 2
    history = await db.entity_history("s", "User", "u1")
    assert [e.version for e in history] == [4, 3, 2, 1]
    lineage_id, versions = await db.entity_lineage("s", type="User", id="u1b")
    assert lineage_id == put.entity.lineage_id and {v.id for v in versions} == {"u1", "u1b"}
    assert (await db.entity_version("s", history[-1].version_id)).data == {"name": "John", "age": 30}


async def test_versions_review_tags(db):
    await db.session_create("s")
    for n in range(3):
        await db.entity_put("s", "Doc", {"n": n}, id="d")
    versions = await db.version_list("s")
    assert [v.version for v in versions] == [4, 3, 2, 1]
    assert (await db.version_get("s", 3)).changes[0].id == "d"
    diff = await db.version_diff("s", 2, 4)
    assert diff[0].change == "modified" and diff[0].patch == [{"op": "replace", "path": "/n", "value": 2}]
    assert (await db.version_rollback("s", 2)).version == 5
    with pytest.raises(revstore.ConflictError) as error:
        await db.version_revert("s", 3)
    assert error.value.expected is not None
    assert (await db.version_revert("s", 5)).version == 6
    assert (await db.version_submit("s", 2, actor="w")).review.status == "submitted"
    assert (await db.version_review("s", 2, "approved", actor="r")).review.reviewed_by == "r"
    assert (await db.entity_get("s", "Doc", "d", at="approved")).version == 2
    tag = await db.tag_set("s", "v1", 3)
    assert isinstance(tag, models.Tag) and [t.name for t in await db.tag_list("s")] == ["v1"]
    await db.tag_delete("s", "v1")
    assert await db.tag_list("s") == []


async def test_branches_turns_types_store(db):
    await db.session_create("s")
    await db.entity_put("s", "Doc", {"title": "t", "body": "b"}, id="d")
    branch = await db.branch_create("s", "alt")
    assert branch.base.branch == "main" and (await db.branch_get("s", "alt")).head == 2
    await db.entity_patch("s", "Doc", "d", {"body": "alt"}, branch="alt")
    merged = await db.branch_merge("s", "alt")
    assert merged.created and merged.conflicts == []
    assert [b.name for b in await db.branch_list("s")] == ["alt", "main"]
    await db.branch_delete("s", "alt")

    turn = await db.turn_begin("s", message="t1")
    await db.entity_put("s", "Doc", {"x": 1}, id="staged", turn=turn.turn)
    assert (await db.turn_get(turn.turn)).staged_ops == 1
    assert [t.turn for t in await db.turn_list("s", status="staged")] == [turn.turn]
    assert (await db.turn_commit(turn.turn)).created
    other = await db.turn_begin("s")
    assert (await db.turn_abort(other.turn)).status == "reverted"

    definition = await db.type_define("Note", {"text": {"type": "string", "required": True}})
    assert definition.fields["text"].required and (await db.type_get("Note")).revision == 1
    assert [t.name for t in await db.type_list()] == ["Note"]
    report = await db.session_compact("s", keep_last=1, dry_run=True)
    assert report.removed_versions > 0
    stats = await db.store_stats()
    assert stats["sessions"] == 1
    assert "bytesAfter" in await db.store_vacuum()
    page = await db.feed_read(session="s")
    assert page.events[0].kind == "sessionCreated" and page.cursor == page.events[-1].cursor
    await db.shutdown()
    with pytest.raises(revstore.ShuttingDownError):
        await db.ping()


async def test_copies_purges_and_queries_across_branches(db):
    await db.session_create("s")
    await db.commit("s", [{"op": "create", "type": "Log", "id": "a", "data": {"n": 1}}])
    again = await db.commit("s", [{"op": "create", "type": "Log", "id": "a", "data": {"n": 2}}])
    assert again.created is False
    await db.branch_create("s", "alt", from_at=2)
    await db.entity_put("s", "Log", {"n": 3}, id="b", branch="alt")
    found = await db.entity_query("s", "Log", all_branches=True, order_by=["$id"])
    assert [(e.id, e.branch, e.data["n"]) for e in found.entities] == [("a", "main", 1), ("b", "alt", 3)]
    copy = await db.session_copy("s", "t")
    assert isinstance(copy, models.SessionInfo) and copy.session == "t" and copy.version == 2
    purged = await db.entity_purge("s", [("Log", "a"), ("Log", "missing")])
    assert isinstance(purged, models.PurgeReport) and purged.removed_entities == 1 and purged.removed_entity_versions == 1
    assert (await db.entity_get("s", "Log", "a", at=2)).entity is None
    assert (await db.entity_get("t", "Log", "a", at=2)).entity.data == {"n": 1}
    for n in range(3):
        await db.entity_put("t", "Log", {"n": n}, id="c")
    report = await db.session_compact("t", keep=[(None, 3)])
    assert isinstance(report, models.CompactionReport) and report.removed_versions == 2
    assert (await db.entity_get("t", "Log", "c", at=3)).entity.data == {"n": 0}
