"""How LangGraph's values are stored in entity data.

A value that JSON holds exactly is stored as it is, ``{"json": value}``, so a store can be read
and queried from the shell. Anything else goes through the saver's serializer and is stored as
its bytes, ``{"type": "msgpack", "bytes": {"$bytes": "<base64>"}}``, which the server keeps as
a blob: the bytes themselves, once however many versions hold them. A list is stored element by
element, ``{"list": [...]}``, so a list that grew by one element is stored as one JSON Patch
``add`` of that element, not once more whole.
"""
from __future__ import annotations

import json
import math
from typing import Any

from langgraph.checkpoint.serde.base import SerializerProtocol


def is_json(value: Any) -> bool:
    """Whether JSON gives ``value`` back equal and of the same types. Floats with an integral
    value are not: the server spells numbers canonically, so ``1.0`` would come back as ``1``."""
    kind = type(value)
    if kind in _JSON_SCALARS:
        return True
    if kind is dict:
        return all(type(key) is str and is_json(element) for key, element in value.items())
    if kind is list:
        return all(map(is_json, value))
    if kind is float:
        return math.isfinite(value) and not value.is_integer()
    return False


_JSON_SCALARS = frozenset({str, bool, int, type(None)})


def encode_item(serde: SerializerProtocol, value: Any) -> dict[str, Any]:
    if is_json(value):
        return {"json": value}
    type_, data = serde.dumps_typed(value)
    return {"type": type_, "bytes": data}


def decode_item(serde: SerializerProtocol, stored: dict[str, Any]) -> Any:
    if "json" in stored:
        return stored["json"]
    return serde.loads_typed((stored["type"], stored["bytes"]))


def encode(serde: SerializerProtocol, value: Any) -> dict[str, Any]:
    if type(value) is list:
        return {"list": [encode_item(serde, element) for element in value]}
    return encode_item(serde, value)


def decode(serde: SerializerProtocol, stored: dict[str, Any]) -> Any:
    if "list" in stored:
        return [decode_item(serde, element) for element in stored["list"]]
    return decode_item(serde, stored)


def json_projection(value: Any) -> Any:
    """``value`` as JSON can hold it, for filtering: what JSON cannot hold becomes its repr."""
    return json.loads(json.dumps(value, default=repr, ensure_ascii=False))


def key(*parts: Any) -> str:
    """An entity id made of several parts, none of which can run into another: their JSON list."""
    return _key_encoder.encode(parts)


def key_prefix(*parts: Any) -> str:
    """What the id of every key that begins with ``parts`` begins with, and no other key's: a
    ``$id`` ``startsWith`` filter on it seeks the entity index instead of reading every entity."""
    return key(*parts)[:-1] + ","


_key_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
