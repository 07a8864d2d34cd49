"""RevstoreStore and AsyncRevstoreStore: every BaseStore operation gives what LangGraph's
InMemoryStore gives, and every item keeps its history."""
from langgraph.store.base import GetOp, ListNamespacesOp, MatchCondition, PutOp, SearchOp
from langgraph.store.memory import InMemoryStore

from revstore.langgraph import AsyncRevstoreStore, RevstoreStore

from conftest import BINARY

ITEMS = [
    (("users", "u1", "prefs"), "theme", {"color": "dark", "size": 12, "tags": ["a", "b"], "nested": {"level": 1}}),
    (("users", "u1", "prefs"), "lang", {"code": "en", "size": 3}),
    (("users", "u2", "prefs"), "theme", {"color": "light", "size": 14, "nested": {"level": 2}}),
    (("users", "u2", "notes"), "n1", {"text": "hello", "size": 1.5}),
    (("docs",), "d1", {"title": "Intro", "size": 100}),
]


def fill(store) -> None:
    for namespace, key, value in ITEMS:
        store.put(namespace, key, value)


def keys(items) -> list:
    return sorted((item.namespace, item.key) for item in items)


SEARCHES = [
    (("users",), {}),
    (("users", "u1"), {}),
    ((), {}),
    (("users",), dict(filter={"color": "dark"})),
    (("users",), dict(filter={"size": {"$gt": 10}})),
    (("users",), dict(filter={"size": {"$gte": 12, "$lt": 14}})),
    (("users",), dict(filter={"color": {"$ne": "dark"}})),
    (("users",), dict(filter={"nested": {"level": 2}})),
    (("users",), dict(filter={"tags": ["a", "b"]})),
    (("users",), dict(filter={"odd key!": 1})),
    (("nothing",), {}),
]

LISTINGS = [
    dict(),
    dict(prefix=("users",)),
    dict(suffix=("prefs",)),
    dict(prefix=("users", "*", "prefs")),
    dict(max_depth=2),
    dict(prefix=("users",), max_depth=2, limit=1, offset=1),
]


def test_every_operation_matches_the_in_memory_store(tmp_path):
    reference = InMemoryStore()
    fill(reference)
    with RevstoreStore.from_conn_string(str(tmp_path / "store.sqlite"), binary=BINARY) as store:
        fill(store)
        for namespace, key, value in ITEMS:
            got = store.get(namespace, key)
            assert (got.namespace, got.key, got.value) == (namespace, key, value)
            assert got.created_at <= got.updated_at
        assert store.get(("users", "u1", "prefs"), "missing") is None
        for search in SEARCHES:
            assert keys(store.search(search[0], **search[1])) == keys(reference.search(search[0], **search[1])), search
        for listing in LISTINGS:
            assert store.list_namespaces(**listing) == reference.list_namespaces(**listing), listing
        # Pages of a search: the most recently updated first.
        newest = store.search(("users",), limit=2)
        assert [i.key for i in newest] == ["n1", "theme"] and [i.key for i in store.search(("users",), limit=2, offset=2)] == ["lang", "theme"]
        # Delete, then put again; a delete of a missing item is no error.
        for target in (store, reference):
            target.delete(("docs",), "d1")
            target.delete(("docs",), "never")
        assert store.get(("docs",), "d1") is None and ("docs",) not in store.list_namespaces()
        assert keys(store.search(())) == keys(reference.search(()))
        store.put(("docs",), "d1", {"title": "Again"})
        assert store.get(("docs",), "d1").value == {"title": "Again"}
        # One batch: reads see the writes before them.
        results = store.batch([
            PutOp(("b",), "k", {"v": 1}), GetOp(("b",), "k"), PutOp(("b",), "k", {"v": 2}), GetOp(("b",), "k"),
            SearchOp(("b",), filter={"v": 2}), ListNamespacesOp(match_conditions=(MatchCondition("prefix", ("b",)),)),
            PutOp(("b",), "k", None), GetOp(("b",), "k"),
        ])
        assert results[0] is None and results[1].value == {"v": 1} and results[3].value == {"v": 2}
        assert [i.value for i in results[4]] == [{"v": 2}] and results[5] == [("b",)] and results[7] is None


def test_every_item_keeps_its_history(tmp_path):
    path = str(tmp_path / "store.sqlite")
    with RevstoreStore.from_conn_string(path, binary=BINARY) as store:
        store.put(("u",), "prefs", {"theme": "dark"})
        store.put(("u",), "prefs", {"theme": "light"})
        store.delete(("u",), "prefs")
        store.put(("u",), "prefs", {"theme": "blue"})
    # The history is in the file: a new server reads it back.
    with RevstoreStore.from_conn_string(path, binary=BINARY) as store:
        history = store.history(("u",), "prefs")
        assert [(v.value, v.deleted, v.version) for v in history] == [
            ({"theme": "blue"}, False, 4), (None, True, 3), ({"theme": "light"}, False, 2), ({"theme": "dark"}, False, 1)]
        assert history[0].updated_at >= history[-1].updated_at
        assert store.history(("u",), "never") == []


async def test_the_async_store(tmp_path):
    reference = InMemoryStore()
    fill(reference)
    async with AsyncRevstoreStore.from_conn_string(str(tmp_path / "store.sqlite"), binary=BINARY) as store:
        for namespace, key, value in ITEMS:
            await store.aput(namespace, key, value)
        assert (await store.aget(("docs",), "d1")).value == {"title": "Intro", "size": 100}
        for search in SEARCHES:
            assert keys(await store.asearch(search[0], **search[1])) == keys(reference.search(search[0], **search[1])), search
        for listing in LISTINGS:
            assert await store.alist_namespaces(**listing) == reference.list_namespaces(**listing), listing
        await store.adelete(("docs",), "d1")
        assert await store.aget(("docs",), "d1") is None
        assert [v.deleted for v in await store.ahistory(("docs",), "d1")] == [True, False]
        # The blocking methods work on it too, from any thread.
        assert store.get(("users", "u1", "prefs"), "lang").value == {"code": "en", "size": 3}
