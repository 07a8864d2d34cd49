"""The client's methods take what the OpenRPC document says each method takes, member by member."""
import inspect
import json
import re

import pytest

import revstore
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
