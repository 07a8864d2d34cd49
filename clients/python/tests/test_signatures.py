"""The client's methods take what the OpenRPC document says each method takes, and its result
models read what the document says each result holds, member by member."""
import inspect
import json
import re
import typing

import pytest

import revstore
from revstore import models
from conftest import ROOT

DOCUMENT = json.loads((ROOT / "protocol" / "openrpc.json").read_text())

#: Where the Python surface differs from the document on purpose: (Python only, document only).
SHAPED = {
    # clientInfo {name, version} as two arguments; the protocol version is the client's own.
    "initialize": ({"client_name", "client_version"}, {"client_info", "protocol_version"}),
    # One patch argument: a dict is a merge patch, a list is a JSON Patch.
    "entity/patch": (set(), {"json_patch"}),
    # `from` is a Python keyword: each position is flattened into its version and branch.
    "version/diff": ({"from_at", "from_branch", "to_at", "to_branch"}, {"from", "to"}),
    "branch/create": ({"from_at", "from_branch"}, {"from"}),
}
#: Methods a client does not call by name: cancellation is `timeout=`, unsubscribing is closing
#: the subscription.
IMPLICIT = {"$/cancelRequest", "unsubscribe"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


@pytest.mark.parametrize("method", [m for m in DOCUMENT["methods"] if m["name"] not in IMPLICIT], ids=lambda m: m["name"])
def test_each_method_takes_the_documented_params(method):
    function = getattr(revstore.Revstore, method["name"].replace("/", "_"))
    python = {name for name in inspect.signature(function).parameters if name != "self"}
    documented = {snake(param["name"]) for param in method["params"]}
    assert (python - documented, documented - python) == SHAPED.get(method["name"], (set(), set()))


def test_the_implicit_methods_have_their_python_form():
    assert {m["name"] for m in DOCUMENT["methods"]} >= IMPLICIT
    assert "timeout" in inspect.signature(revstore.Revstore.call).parameters
    assert callable(revstore.Subscription.aclose)


def schema_at(pointer: str) -> dict:
    """A schema named by a component (`Entity`), a method's result (`entity/get`) or a member
    path under either (`InitializeResult.serverInfo`), with references, null alternatives and
    arrays looked through."""
    name, *members = pointer.split(".")
    methods = {m["name"]: m for m in DOCUMENT["methods"]}
    schema = methods[name]["result"]["schema"] if name in methods else DOCUMENT["components"]["schemas"][name]
    schema = unwrap(schema)
    for member in members:
        schema = unwrap(schema["properties"][member])
    return schema


def unwrap(schema: dict) -> dict:
    while True:
        if "$ref" in schema:
            schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "oneOf" in schema:
            schema = next(s for s in schema["oneOf"] if s.get("type") != "null")
        elif schema.get("type") == "array" and "items" in schema:
            schema = schema["items"]
        elif schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
            schema = schema["additionalProperties"]
        else:
            return schema


#: Each result model and the schema it reads. VersionInfo also reads version/get, whose changes
#: it holds when it came from there.
MODEL_SCHEMAS = {
    models.Entity: "Entity", models.Change: "Change", models.Turn: "Turn", models.CommitResult: "CommitResult",
    models.EntityWriteResult: "EntityWriteResult", models.EntityResult: "entity/get", models.QueryResult: "entity/query",
    models.Review: "Review", models.VersionInfo: "version/get", models.Difference: "Difference", models.SessionInfo: "Session",
    models.SessionPage: "session/list", models.BranchBase: "Branch.base", models.Branch: "Branch", models.MergeConflict: "MergeConflict",
    models.MergeResult: "MergeResult", models.Tag: "Tag", models.FieldSpec: "Field", models.TypeDefinition: "Type",
    models.CompactionReport: "session/compact", models.PurgeReport: "entity/purge", models.Event: "Event", models.FeedPage: "feed/read",
    models.ServerInfo: "InitializeResult.serverInfo", models.InitializeResult: "InitializeResult",
}


def test_every_result_model_is_matched_with_its_schema():
    defined = {value for value in vars(models).values()
               if isinstance(value, type) and issubclass(value, models.RevstoreModel) and value is not models.RevstoreModel}
    assert defined == set(MODEL_SCHEMAS)


def model_in(annotation) -> type | None:
    """The result model an annotation holds, through Optional, list and dict values."""
    if isinstance(annotation, type) and issubclass(annotation, models.RevstoreModel):
        return annotation
    return next(filter(None, map(model_in, typing.get_args(annotation))), None)


@pytest.mark.parametrize("model", MODEL_SCHEMAS, ids=lambda m: m.__name__)
def test_each_result_model_reads_the_documented_members(model):
    schema = schema_at(MODEL_SCHEMAS[model])
    assert {field.alias for field in model.model_fields.values()} == set(schema["properties"])
    # A member holding another result model holds the one its schema refers to.
    for name, field in model.model_fields.items():
        inner = model_in(field.annotation)
        if inner is not None:
            assert unwrap(schema["properties"][field.alias]) == schema_at(MODEL_SCHEMAS[inner]), name
