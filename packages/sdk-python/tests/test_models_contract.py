"""gatehouse.models against docs/openapi.json, and the shape checker the live tests rely on.

The models are generated (``npm run openapi``, scripts/openapi-python.ts); these tests walk the document
with the generator's naming rules and hold every TypedDict to its schema's required and optional keys,
so a contract change that did not reach the Python SDK fails here by name.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from typing import Any, get_args, is_typeddict

import pytest

import shape
from gatehouse import models

Schema = dict[str, Any]


def _pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))


def _is_typed_dict(schema: Schema) -> bool:
    return "properties" in schema and schema.get("type", "object") == "object"


def _variant_names(name: str, objects: list[Schema]) -> list[str]:
    """A union's inline objects: by their discriminating constant, else the key only they require, else position."""
    if len(objects) < 2:
        return [name] * len(objects)
    for key in objects[0]["properties"]:
        values = [member["properties"].get(key, {}).get("const") for member in objects]
        if all(isinstance(value, str) for value in values) and len(set(values)) == len(values):
            return [name + _pascal(value) for value in values]
    names = []
    for index, member in enumerate(objects):
        others = {key for other in objects if other is not member for key in other.get("required", [])}
        own = next((key for key in member.get("required", []) if key not in others), None)
        names.append(name + (_pascal(own) if own else str(index + 1)))
    return names


def _inline_objects(schema: Schema, name: str) -> Iterator[tuple[str, Schema]]:
    """The object schemas a schema holds, each with the name its TypedDict has in gatehouse.models."""
    if "$ref" in schema or "const" in schema or "enum" in schema:
        return
    members = schema.get("anyOf", schema.get("oneOf"))
    if members is not None:
        names = iter(_variant_names(name, [member for member in members if _is_typed_dict(member)]))
        for member in members:
            yield from _inline_objects(member, next(names) if _is_typed_dict(member) else name)
    elif isinstance(schema.get("type"), list):
        for type_name in schema["type"]:
            yield from _inline_objects({**schema, "type": type_name}, name)
    elif schema.get("type") == "array" and "items" in schema:
        yield from _inline_objects(schema["items"], f"{name}Item")
    elif _is_typed_dict(schema):
        yield name, schema
        for key, property_schema in schema["properties"].items():
            yield from _inline_objects(property_schema, name + _pascal(key))
    elif isinstance(schema.get("additionalProperties"), dict):
        yield from _inline_objects(schema["additionalProperties"], f"{name}Value")


def mismatches(document: Schema) -> list[str]:
    """How gatehouse.models differs from ``document``: each line names the model."""
    found = []
    objects: dict[str, Schema] = {}
    for name, schema in document["components"]["schemas"].items():
        objects.update(_inline_objects(schema, name))
        if _is_typed_dict(schema):
            continue
        alias = getattr(models, name, None)
        if alias is None or is_typeddict(alias):
            found.append(f"{name}: no type alias in gatehouse.models")
        elif "enum" in schema and list(get_args(alias)) != schema["enum"]:
            found.append(f"{name}: allows {list(get_args(alias))}, the schema {schema['enum']}")
    for name, schema in sorted(objects.items()):
        model = getattr(models, name, None)
        if model is None or not is_typeddict(model):
            found.append(f"{name}: no TypedDict in gatehouse.models")
            continue
        required = set(schema.get("required", []))
        if model.__required_keys__ != required:
            found.append(f"{name}: requires {sorted(model.__required_keys__)}, the schema {sorted(required)}")
        if model.__optional_keys__ != set(schema["properties"]) - required:
            found.append(f"{name}: leaves optional {sorted(model.__optional_keys__)}, the schema {sorted(set(schema['properties']) - required)}")
    public = {name for name, value in vars(models).items() if is_typeddict(value) and not name.startswith("_")}
    found += [f"{name}: in gatehouse.models but no schema of docs/openapi.json" for name in sorted(public - set(objects))]
    return found


def test_every_schema_has_its_model() -> None:
    assert mismatches(shape.document()) == []


def test_inline_objects_are_named_after_where_they_sit() -> None:
    # The names users import: a property, an array's items, a union member by its constant or own key.
    assert models.ActionResultReportOnly.__required_keys__ == {"wouldBe"}
    assert models.ActionResultFindingsItem.__required_keys__ == {"detector", "class", "path", "action"}
    assert set(get_args(models.AuditProof)) == {models.AuditProofInclusion, models.AuditProofConsistency}
    assert models.ConditionRate.__required_keys__ == {"rate"}


_WIDGET = {"type": "object", "properties": {"id": {"type": "string"}, "owner": {"type": "object", "properties": {"id": {"type": "string"}}}}, "required": ["id"]}


@pytest.mark.parametrize(
    ("change", "reported"),
    [
        (lambda schemas: schemas.update(Widget=_WIDGET), ["Widget", "WidgetOwner"]),
        (lambda schemas: schemas.update(WidgetKind={"type": "string", "enum": ["a", "b"]}), ["WidgetKind"]),
        (lambda schemas: schemas["DenialReasonCode"]["enum"].append("NEW_REASON"), ["DenialReasonCode"]),
        (lambda schemas: schemas["ActionResult"]["required"].append("policyName"), ["ActionResult", "ActionResult"]),
        (lambda schemas: schemas["ActionResult"]["properties"]["reportOnly"]["properties"].update(since={"type": "string"}), ["ActionResultReportOnly"]),
        (lambda schemas: schemas.pop("ToolRef"), ["ToolRef"]),
    ],
    ids=["new object schema", "new alias", "new enum value", "key made required", "inline key added", "schema removed"],
)
def test_a_contract_change_without_its_model_is_reported_by_name(change: Callable[[dict[str, Schema]], object], reported: list[str]) -> None:
    changed = copy.deepcopy(shape.document())
    change(changed["components"]["schemas"])
    assert [line.split(":")[0] for line in mismatches(changed)] == reported


_ACTION_RESULT = {
    "status": "denied",
    "conditionsEvaluated": [{"field": "metadata.amount", "operator": "lte", "expected": 100, "actual": 250, "result": False, "policy": "refunds"}],
    "message": "Denied: refunds over 100 need a person.",
    "auditEventId": "aud_1",
    "denialReason": "CONDITIONS_DENIED",
    "findings": [{"detector": "email", "class": "personalData", "path": "metadata.to", "action": "flagged"}],
    "reportOnly": {"wouldBe": "deny"},
    "addedLater": "responses may grow",
}
_CONSISTENCY = {"type": "consistency", "from": 3, "to": 7, "fromRootHash": "ab", "toRootHash": "cd", "proof": ["ef"], "checkpoint": None}


def _with(value: dict[str, Any], path: list[str | int], new: object) -> dict[str, Any]:
    """A copy of ``value`` with the item at ``path`` replaced by ``new``."""
    changed = copy.deepcopy(value)
    *parents, last = path
    target: Any = changed
    for step in parents:
        target = target[step]
    target[last] = new
    return changed


@pytest.mark.parametrize(
    ("schema_name", "value"),
    [
        ("ActionResult", _ACTION_RESULT),
        ("ActionRequest", {"actionType": "refund.create", "metadata": {"amount": 250}, "tool": {"name": "refund", "arguments": [1, "x"]}}),
        ("Agent", {"id": "agt_1", "name": "a", "description": None, "labels": {"team": "ops"}, "status": "active", "haltedAt": None, "haltedReason": None, "haltedBy": None, "cbState": "closed", "presence": "idle", "lastSeenAt": None, "createdAt": "2026-01-01T00:00:00Z"}),
        ("AuditProof", _CONSISTENCY),
        ("Condition", {"all": [{"field": "actionType", "op": "eq", "value": "x"}, {"not": {"rate": {"over": 5, "windowSeconds": 60}}}]}),
    ],
)
def test_a_conforming_value_has_no_problems(schema_name: str, value: object) -> None:
    assert shape.problems(value, schema_name) == []
    shape.assert_shape(value, schema_name)


@pytest.mark.parametrize(
    ("schema_name", "value", "problem"),
    [
        ("ActionResult", {key: item for key, item in _ACTION_RESULT.items() if key != "message"}, "$.message: missing required key"),
        ("ActionResult", _with(_ACTION_RESULT, ["conditionsEvaluated", 0, "field"], 3), "$.conditionsEvaluated[0].field: expected string, got integer"),
        ("ActionResult", _with(_ACTION_RESULT, ["conditionsEvaluated", 0, "result"], "false"), "$.conditionsEvaluated[0].result: expected boolean, got string"),
        ("ActionResult", _with(_ACTION_RESULT, ["status"], "approved"), '$.status: expected one of ["executed", "requested", "denied"], got "approved"'),
        ("ActionResult", _with(_ACTION_RESULT, ["findings", 0, "class"], "secret"), '$.findings[0].class: expected one of ["secrets", "personalData", "instructions"], got "secret"'),
        ("ActionResult", _with(_ACTION_RESULT, ["message"], None), "$.message: expected string, got null"),
        ("ActionRequest", {"actionType": "refund.create", "colour": "red"}, "$.colour: unexpected key (the schema allows no others)"),
        ("ActionRequest", {"actionType": "x", "tool": {"name": "t", "the args": {}}}, '$.tool["the args"]: unexpected key (the schema allows no others)'),
        ("Agent", {"id": "agt_1"}, "$.name: missing required key"),
        (
            "AuditProof",
            _with(_CONSISTENCY, ["to"], True),
            "$: matches none of the 2 members of oneOf; nearest: $.to: expected integer, got boolean",
        ),
        (
            "Condition",
            {"not": {"field": "actionType"}},
            "$: matches none of the 5 members of anyOf; nearest: $.not: matches none of the 5 members of anyOf; nearest: $.not.op: missing required key",
        ),
    ],
)
def test_each_kind_of_problem_is_caught(schema_name: str, value: object, problem: str) -> None:
    assert problem in shape.problems(value, schema_name)
    with pytest.raises(AssertionError, match=re.escape(problem)):
        shape.assert_shape(value, schema_name)
