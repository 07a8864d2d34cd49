import pytest

import revstore
from revstore.sync import Revstore


def test_sync_facade_has_the_same_surface(binary):
    with Revstore.spawn(memory=True, binary=binary) as db:
        db.ping()
        s = db.session("chat-1", create=True)
        assert s.put("User", {"name": "John"}, id="u1").version == 1
        with s.turn(message="turn 1") as t:
            t.put("Note", {"text": "hi"}, id="n1")
        assert [e.id for e in s.query("Note")] == ["n1"]
        with pytest.raises(RuntimeError):
            with s.turn() as t:
                t.put("Note", {"text": "never"}, id="n2")
                raise RuntimeError("boom")
        assert s.get("Note", "n2") is None
        with pytest.raises(revstore.NotFoundError):
            db.session_get("nope")
        subscription = db.subscribe(session="chat-1", since=0)
        kinds = []
        for event in subscription:
            kinds.append(event.kind)
            if len(kinds) == 3:
                break
        assert kinds == ["sessionCreated", "committed", "turnStaged"]
        # Subscribed before the write, read after it: the event is there.
        later = s.subscribe(kinds=["committed"])
        s.put("Note", {"text": "after"}, id="n3")
        assert later.next(timeout=5).changes[0].id == "n3"
        later.close()


def test_sync_pages_are_plain_iterators(binary):
    with Revstore.spawn(memory=True, binary=binary) as db:
        for name in ("a", "b", "c"):
            db.session_create(name)
        assert [info.session for info in db.iter_sessions(page_size=2)] == ["a", "b", "c"]
        db.commit("a", [{"op": "put", "type": "T", "id": f"t{n}", "data": {}} for n in range(5)])
        assert [e.id for e in db.iter_entities("a", "T", order_by=["$id"], page_size=2)] == [f"t{n}" for n in range(5)]
