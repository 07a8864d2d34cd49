"""The golden fixtures in protocol/fixtures, replayed against the real binary from Python; every
result is also checked against its method's result schema in the OpenRPC document."""
import functools
import itertools
import json
import re
import subprocess

import jsonschema
import pytest

from conftest import BINARY, ROOT, fixtures, load

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def mismatch(expected, actual, path="$"):
    """The placeholder matcher of protocol/README.md; the first difference, or None."""
    if isinstance(expected, str) and expected.startswith("$"):
        checks = {
            "$any": lambda v: True, "$string": lambda v: isinstance(v, str), "$object": lambda v: isinstance(v, dict),
            "$integer": lambda v: isinstance(v, int) and not isinstance(v, bool), "$array": lambda v: isinstance(v, list),
            "$number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "$boolean": lambda v: isinstance(v, bool),
            "$uuid": lambda v: isinstance(v, str) and bool(UUID.match(v)), "$timestamp": lambda v: isinstance(v, str) and bool(TIMESTAMP.match(v)),
        }
        if expected in checks:
            return None if checks[expected](actual) else f"{path}: {actual!r} is not {expected}"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if key not in expected:
                return f"{path}.{key}: unexpected member"
            if key not in actual:
                return f"{path}.{key}: missing"
            problem = mismatch(expected[key], actual[key], f"{path}.{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{path}: {len(actual)} elements, expected {len(expected)}"
        for index, (e, a) in enumerate(zip(expected, actual)):
            problem = mismatch(e, a, f"{path}[{index}]")
            if problem:
                return problem
        return None
    return None if expected == actual and type(expected) is type(actual) else f"{path}: {actual!r} != {expected!r}"


@functools.cache
def validators() -> dict[str, jsonschema.protocols.Validator]:
    """Each method's result schema and each notification's params from the OpenRPC document,
    their references resolved there."""
    document = json.loads((ROOT / "protocol" / "openrpc.json").read_text())

    def validator(schema):
        return jsonschema.Draft202012Validator({**schema, "components": document["components"]})

    results = {method["name"]: validator(method["result"]["schema"]) for method in document["methods"] if "result" in method}
    notifications = {note["name"]: validator({"type": "object", "additionalProperties": False,
                                              "required": [p["name"] for p in note["params"] if p["required"]],
                                              "properties": {p["name"]: p["schema"] for p in note["params"]}})
                     for note in document["x-notifications"]}
    return {**results, **notifications}


def schema_problem(request, reply) -> str | None:
    """How a reply's result, or a notification's params, breaks the OpenRPC document's schema for it."""
    if not isinstance(reply, dict):
        return None
    if "method" in reply:
        name, value = reply["method"], reply.get("params")
    elif isinstance(request, dict) and "result" in reply:
        name, value = request.get("method"), reply["result"]
    else:
        return None
    validator = validators().get(name)
    error = jsonschema.exceptions.best_match(validator.iter_errors(value)) if validator else None
    return f"{name} at {error.json_path}: {error.message}" if error else None


@pytest.mark.parametrize("path", fixtures(), ids=lambda p: p.name)
def test_fixture(path):
    fixture = load(path)
    process = subprocess.Popen([BINARY, *fixture.get("server", ["--memory"])], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL)
    try:
        for index, exchange in enumerate(fixture["exchanges"]):
            line = exchange["sendRaw"] if "sendRaw" in exchange else json.dumps(exchange["send"])
            process.stdin.write(line.encode() + b"\n")
            process.stdin.flush()
            expected = ([exchange["expect"]] if exchange.get("expect") is not None else []) + exchange.get("then", [])
            for message in expected:
                reply = json.loads(process.stdout.readline())
                request = exchange.get("send") if message is exchange.get("expect") else None
                problem = mismatch(message, reply) or schema_problem(request, reply)
                assert problem is None, f"exchange {index}: {problem}"
            if "exits" in exchange:
                assert process.wait(timeout=2) == exchange["exits"]
                return
        process.stdin.write(b'{"jsonrpc":"2.0","id":424242,"method":"ping"}\n')
        process.stdin.flush()
        assert json.loads(process.stdout.readline())["id"] == 424242
    finally:
        process.kill()
        process.wait()


def test_results_with_server_made_ids_fit_their_schemas():
    """The methods a fixture cannot script (they take ids the server makes) get their results
    checked here, staged turn results included; with the fixtures, every method that answers
    with a result has had one checked."""
    process = subprocess.Popen([BINARY, "--memory"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    checked = set()
    ids = itertools.count(1)

    def call(method, **params):
        request = {"jsonrpc": "2.0", "id": next(ids), "method": method, "params": params}
        process.stdin.write(json.dumps(request).encode() + b"\n")
        process.stdin.flush()
        reply = json.loads(process.stdout.readline())
        assert reply["id"] == request["id"] and "result" in reply, reply
        assert schema_problem(request, reply) is None
        checked.add(method)
        return reply["result"]

    try:
        call("session/create", session="s")
        written = call("entity/put", session="s", type="Note", id="n1", data={"text": "a"})
        call("entity/version", session="s", versionId=written["entity"]["versionId"])
        turn = call("turn/begin", session="s")["turn"]
        assert "turn" in call("entity/put", session="s", type="Note", id="n2", data={"text": "b"}, turn=turn)
        assert "turn" in call("commit", session="s", ops=[{"op": "delete", "type": "Note", "id": "n1"}], turn=turn)
        call("turn/get", turn=turn)
        call("turn/commit", turn=turn)
        call("turn/abort", turn=call("turn/begin", session="s")["turn"])
        call("unsubscribe", subscription=call("subscribe", session="s")["subscription"])
    finally:
        process.kill()
        process.wait()
    scripted = {exchange["send"]["method"] for path in fixtures() for exchange in load(path)["exchanges"]
                if isinstance(exchange.get("send"), dict) and isinstance(exchange.get("expect"), dict) and "result" in exchange["expect"]}
    document = json.loads((ROOT / "protocol" / "openrpc.json").read_text())
    assert {method["name"] for method in document["methods"] if "result" in method} - scripted - checked == set()
