"""`revstore mcp`, driven by the official MCP SDK's stdio client: the lifecycle, every tool, bad
inputs, history and rollback, branches, two servers on one store, and resource updates."""
import json
import subprocess

import anyio
import pytest
from mcp import types

pytestmark = pytest.mark.anyio

MEMORY_TOOLS = {"create_entities", "create_relations", "add_observations", "delete_entities", "delete_observations",
                "delete_relations", "read_graph", "search_nodes", "open_nodes"}
HISTORY_TOOLS = {"list_versions", "diff_versions", "rollback", "list_branches", "create_branch", "switch_branch", "merge_branch"}


async def call(client, tool, /, **arguments):
    """A successful tool call's structured result, checked against its text content."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content[0].text
    assert json.loads(result.content[0].text) == result.structured_content
    return result.structured_content


async def fails(client, tool, /, **arguments) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error
    return result.content[0].text


async def seed(client):
    await call(client, "create_entities", entities=[
        {"name": "Ada", "entityType": "person", "observations": ["wrote the first program"]},
        {"name": "Babbage", "entityType": "person", "observations": ["designed the engine"]},
        {"name": "Engine", "entityType": "machine", "observations": []},
    ])
    await call(client, "create_relations", relations=[
        {"from": "Ada", "to": "Babbage", "relationType": "worked with"},
        {"from": "Babbage", "to": "Engine", "relationType": "designed"},
    ])


async def test_handshake_falls_back_from_discover_and_lists_every_tool_with_schemas(connect):
    async with connect() as client:
        assert client.server_info.name == "revstore"
        assert client.protocol_version == "2025-11-25"
        assert client.server_capabilities.resources.subscribe
        await client.session.send_ping()
        tools = (await client.list_tools()).tools
        assert {tool.name for tool in tools} == MEMORY_TOOLS | HISTORY_TOOLS
        for tool in tools:
            assert tool.input_schema["type"] == "object" and tool.output_schema["type"] == "object"
            assert tool.description and all("description" in spec for spec in tool.input_schema["properties"].values())


def test_every_revision_is_negotiated_and_unknown_methods_answer_at_once(binary, store):
    lines = [{"jsonrpc": "2.0", "id": 0, "method": "server/discover", "params": {}}]
    revisions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25", "1999-01-01"]
    for n, revision in enumerate(revisions, 1):
        lines.append({"jsonrpc": "2.0", "id": n, "method": "initialize",
                      "params": {"protocolVersion": revision, "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
    lines.append({"jsonrpc": "2.0", "method": "notifications/initialized"})
    run = subprocess.run([binary, "mcp", "--db", store], input="".join(json.dumps(line) + "\n" for line in lines),
                         capture_output=True, text=True, timeout=20)
    assert run.returncode == 0
    replies = {reply["id"]: reply for reply in map(json.loads, run.stdout.splitlines())}
    assert replies[0]["error"]["code"] == -32601
    answered = [replies[n]["result"]["protocolVersion"] for n in range(1, len(revisions) + 1)]
    assert answered == revisions[:4] + ["2025-11-25"]


async def test_the_reference_tools_behave_as_the_reference_does(connect):
    async with connect() as client:
        await seed(client)
        again = await call(client, "create_entities", entities=[{"name": "Ada", "entityType": "person", "observations": ["x"]}])
        assert again == {"entities": [], "version": None}
        added = await call(client, "add_observations", observations=[{"entityName": "Ada", "contents": ["liked poetry", "wrote the first program"]}])
        assert added["results"] == [{"entityName": "Ada", "addedObservations": ["liked poetry"]}]
        graph = await call(client, "read_graph")
        assert [node["name"] for node in graph["entities"]] == ["Ada", "Babbage", "Engine"]
        assert graph["entities"][0]["observations"] == ["wrote the first program", "liked poetry"]
        assert len(graph["relations"]) == 2

        found = await call(client, "search_nodes", query="POETRY")
        assert [node["name"] for node in found["entities"]] == ["Ada"] and found["relations"] == []
        opened = await call(client, "open_nodes", names=["Ada", "Babbage", "Nobody"])
        assert [node["name"] for node in opened["entities"]] == ["Ada", "Babbage"]
        assert opened["relations"] == [{"from": "Ada", "to": "Babbage", "relationType": "worked with"}]

        deleted = await call(client, "delete_observations", deletions=[{"entityName": "Ada", "observations": ["liked poetry", "never said"]}])
        assert deleted["success"] and deleted["version"]
        await call(client, "delete_relations", relations=[{"from": "Ada", "to": "Babbage", "relationType": "worked with"}])
        await call(client, "delete_entities", entityNames=["Babbage", "Nobody"])
        graph = await call(client, "read_graph")
        assert [node["name"] for node in graph["entities"]] == ["Ada", "Engine"]
        assert graph["entities"][0]["observations"] == ["wrote the first program"]
        assert graph["relations"] == []  # Babbage's relation went with it

        # A deleted entity can be created again.
        await call(client, "create_entities", entities=[{"name": "Babbage", "entityType": "person", "observations": ["back"]}])
        assert (await call(client, "open_nodes", names=["Babbage"]))["entities"][0]["observations"] == ["back"]


async def test_names_and_observations_are_code_points_as_in_the_reference(connect):
    composed, decomposed = "\u00e9", "e\u0301"  # é, two ways: two names, as JavaScript sees them
    async with connect() as client:
        created = await call(client, "create_entities", entities=[
            {"name": composed, "entityType": "letter", "observations": [composed, decomposed]},
            {"name": decomposed, "entityType": "letter", "observations": []},
        ])
        assert [node["name"] for node in created["entities"]] == [composed, decomposed]
        await call(client, "create_relations", relations=[{"from": composed, "to": decomposed, "relationType": "looks like"}])
        opened = await call(client, "open_nodes", names=[decomposed])
        assert [(node["name"], node["observations"]) for node in opened["entities"]] == [(decomposed, [])]
        await call(client, "delete_observations", deletions=[{"entityName": composed, "observations": [decomposed]}])
        await call(client, "delete_entities", entityNames=[decomposed])
        graph = await call(client, "read_graph")
        assert [(node["name"], node["observations"]) for node in graph["entities"]] == [(composed, [composed])]
        assert graph["relations"] == []


async def test_bad_inputs_are_tool_errors_that_change_nothing(connect):
    async with connect() as client:
        await seed(client)
        before = await call(client, "list_versions")
        assert "entities" in await fails(client, "create_entities")
        assert "entities[0].entityType" in await fails(client, "create_entities", entities=[{"name": "X", "observations": []}])
        assert "must be" in await fails(client, "open_nodes", names="Ada")
        assert "Nobody not found" in await fails(client, "add_observations",
                                                 observations=[{"entityName": "Ada", "contents": ["kept?"]}, {"entityName": "Nobody", "contents": ["x"]}])
        assert "version" in (await fails(client, "read_graph", at=999)).lower()
        assert "control characters" in await fails(client, "create_entities", entities=[{"name": "", "entityType": "t", "observations": []}])
        assert "onConflict" in await fails(client, "merge_branch", source="main", onConflict="sometimes")
        with pytest.raises(Exception):
            await client.call_tool("no_such_tool", {})
        assert await call(client, "list_versions") == before
        assert "kept?" not in json.dumps(await call(client, "read_graph"))


async def test_every_change_is_a_version_to_list_read_diff_and_roll_back(connect):
    async with connect() as client:
        await seed(client)
        await call(client, "add_observations", observations=[{"entityName": "Ada", "contents": ["liked poetry"]}])
        await call(client, "delete_entities", entityNames=["Engine"])
        versions = (await call(client, "list_versions"))["versions"]
        assert [v["message"] for v in versions] == ["delete_entities", "add_observations", "create_relations", "create_entities", None]
        assert [v["version"] for v in versions] == [5, 4, 3, 2, 1]
        assert {"kind": "observation", "change": "created", "summary": "Ada: liked poetry"} in versions[1]["changes"]
        assert (await call(client, "list_versions", limit=2, before=4))["versions"][0]["version"] == 3

        at_three = await call(client, "read_graph", at=3)
        assert "Engine" in [node["name"] for node in at_three["entities"]]
        assert (await call(client, "search_nodes", query="poetry", at=3))["entities"] == []
        assert (await call(client, "open_nodes", names=["Engine"], at=4))["entities"][0]["entityType"] == "machine"

        diff = await call(client, "diff_versions", **{"from": 3, "to": 5})
        assert diff["entities"]["removed"] == [{"name": "Engine", "entityType": "machine", "observations": []}]
        assert diff["observations"]["added"] == [{"entityName": "Ada", "content": "liked poetry"}]
        assert diff["relations"]["removed"] == [{"from": "Babbage", "to": "Engine", "relationType": "designed"}]

        rolled = await call(client, "rollback", to=3)
        assert rolled["version"] == 6 and rolled["restoredFrom"] == 3
        assert await call(client, "read_graph") == at_three
        assert (await call(client, "list_versions", limit=1))["versions"][0]["message"] == "rollback to 3"


async def test_branches_try_an_alternative_and_merge_it_back(connect):
    async with connect() as client:
        await seed(client)
        branch = await call(client, "create_branch", name="idea")
        assert branch["name"] == "idea" and not branch["current"]
        assert (await call(client, "switch_branch", name="idea"))["current"]
        await call(client, "add_observations", observations=[{"entityName": "Engine", "contents": ["could weave patterns"]}])
        assert (await call(client, "open_nodes", names=["Engine"]))["entities"][0]["observations"] == ["could weave patterns"]
        await call(client, "switch_branch", name="main")
        assert (await call(client, "open_nodes", names=["Engine"]))["entities"][0]["observations"] == []
        merged = await call(client, "merge_branch", source="idea")
        assert merged["version"] and merged["conflicts"] == []
        assert (await call(client, "open_nodes", names=["Engine"]))["entities"][0]["observations"] == ["could weave patterns"]
        names = {b["name"]: b["current"] for b in (await call(client, "list_branches"))["branches"]}
        assert names == {"main": True, "idea": False}
        assert "no branch" in (await fails(client, "switch_branch", name="nowhere")).lower()


async def test_two_servers_on_one_store_share_memory_and_lose_nothing(connect):
    async with connect() as first, connect() as second:
        await call(first, "create_entities", entities=[{"name": "Shared", "entityType": "topic", "observations": []}])

        async def add(client, who):
            for n in range(15):
                await call(client, "add_observations", observations=[{"entityName": "Shared", "contents": [f"{who} {n}"]}])

        async with anyio.create_task_group() as group:
            group.start_soon(add, first, "first")
            group.start_soon(add, second, "second")
        for client in (first, second):
            node = (await call(client, "open_nodes", names=["Shared"]))["entities"][0]
            assert sorted(node["observations"]) == sorted([f"first {n}" for n in range(15)] + [f"second {n}" for n in range(15)])
        versions = (await call(second, "list_versions", limit=100))["versions"]
        assert len(versions) == 1 + 1 + 30  # the session, the entity, one version per call


async def test_resource_subscription_hears_changes_from_another_process(connect):
    updates = []

    async def on_message(message):
        notification = getattr(message, "root", message)
        if isinstance(notification, types.ResourceUpdatedNotification):
            updates.append(str(notification.params.uri))

    async with connect(message_handler=on_message) as watcher, connect() as writer:
        resources = (await watcher.list_resources()).resources
        uri = str(resources[0].uri)
        assert uri == "revstore://session/memory"
        await watcher.subscribe_resource(uri)
        await call(writer, "create_entities", entities=[{"name": "News", "entityType": "event", "observations": ["it happened"]}])
        with anyio.fail_after(5):
            while not updates:
                await anyio.sleep(0.02)
        assert updates[0] == uri
        content = json.loads((await watcher.read_resource(uri)).contents[0].text)
        assert content["memory"]["entities"][0]["name"] == "News" and content["version"] == 2


async def test_progress_is_reported_for_calls_that_ask(connect):
    reported = []

    async def on_progress(progress, total, message):
        reported.append((progress, message))

    async with connect() as client:
        await seed(client)
        result = await client.call_tool("list_versions", {}, progress_callback=on_progress)
        assert not result.is_error
        assert [progress for progress, _ in reported] == [1, 2, 3]
