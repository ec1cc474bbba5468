"""Checks a JSON value the API answered against its schema in docs/openapi.json.

The integration tests call ``assert_shape(answer, "ActionResult")`` on live answers, so a server that
stops answering what the document (and so ``gatehouse.models``) promises fails them, naming the JSON
path of every difference.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

OPENAPI = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
_REF = "#/components/schemas/"
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list,),
}


@cache
def document() -> dict[str, Any]:
    """docs/openapi.json, read once (do not change it)."""
    parsed: dict[str, Any] = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return parsed


def _schema(name: str) -> Schema:
    schema: Schema = document()["components"]["schemas"][name]
    return schema


def problems(value: object, schema_name: str) -> list[str]:
    """Every way ``value`` differs from the component schema ``schema_name`` (none when it conforms).

    Each problem starts with the JSON path it is at: ``$.conditionsEvaluated[0].field: expected string, got integer``.
    Checked: types (``null`` only where the schema allows it), required keys, enums and constants, array
    items, nested objects, ``$ref``, ``anyOf``/``oneOf`` (a member must match) and unknown keys where
    ``additionalProperties`` is false. Not checked: lengths, bounds, patterns.
    """
    return _check(value, _schema(schema_name), "$")


def assert_shape(value: object, schema_name: str) -> None:
    """Fail, listing every problem, unless ``value`` conforms to the component schema ``schema_name``."""
    found = problems(value, schema_name)
    assert not found, f"not a {schema_name}:\n" + "\n".join(found)


def _check(value: object, schema: Schema, path: str) -> list[str]:
    if "$ref" in schema:
        return _check(value, _schema(schema["$ref"].removeprefix(_REF)), path)
    for union in ("anyOf", "oneOf"):
        if union in schema:
            results = [_check(value, member, path) for member in schema[union]]
            if all(results):
                nearest = min(results, key=len)
                return [f"{path}: matches none of the {len(results)} members of {union}; nearest: {'; '.join(nearest)}"]
    types = schema.get("type")
    if types is not None:
        allowed = [types] if isinstance(types, str) else types
        if not any(_is(value, name) for name in allowed):
            return [f"{path}: expected {' or '.join(allowed)}, got {_type_name(value)}"]
    if "const" in schema and not _same(value, schema["const"]):
        return [f"{path}: expected {json.dumps(schema['const'])}, got {json.dumps(value)}"]
    if "enum" in schema and not any(_same(value, option) for option in schema["enum"]):
        return [f"{path}: expected one of {json.dumps(schema['enum'])}, got {json.dumps(value)}"]
    if isinstance(value, list) and "items" in schema:
        return [problem for index, item in enumerate(value) for problem in _check(item, schema["items"], f"{path}[{index}]")]
    if isinstance(value, dict):
        return _check_object(value, schema, path)
    return []


def _check_object(value: dict[str, object], schema: Schema, path: str) -> list[str]:
    properties: dict[str, Schema] = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    found = [f"{_key_path(path, key)}: missing required key" for key in schema.get("required", []) if key not in value]
    for key, item in value.items():
        if key in properties:
            found += _check(item, properties[key], _key_path(path, key))
        elif extra is False:
            found.append(f"{_key_path(path, key)}: unexpected key (the schema allows no others)")
        elif isinstance(extra, dict):
            found += _check(item, extra, _key_path(path, key))
    return found


def _is(value: object, type_name: str) -> bool:
    # bool is an int in Python but not an integer in JSON.
    return isinstance(value, _JSON_TYPES[type_name]) and not (isinstance(value, bool) and type_name in ("integer", "number"))


def _same(value: object, expected: object) -> bool:
    # 1 == True in Python; JSON tells them apart.
    return type(value) is type(expected) and value == expected


def _type_name(value: object) -> str:
    return next((name for name in _JSON_TYPES if _is(value, name)), type(value).__name__)


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key) else f"{path}[{json.dumps(key)}]"
