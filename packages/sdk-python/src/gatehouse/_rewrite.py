"""A decision's rewrites made on the caller's side (docs/policies.md, Rewriting a call).

When a policy's ``redact`` or ``transform`` rewrote a call, the decision answers ``rewritten``: the
changes the agent must make before acting — a field removed (in a list, the element becomes ``None``)
or set to a value of the policy's. The decision, its log entry and its approval are of the call as
rewritten, so act on exactly that: ``rewritten_metadata(metadata, result)``. The TypeScript SDK's
``rewrittenMetadata`` and the server make the same changes the same way.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

_INDEX = re.compile(r"^(0|[1-9][0-9]{0,8})$")


def _step(value: Any, key: str | int) -> tuple[bool, Any]:
    if isinstance(value, list) and isinstance(key, int):
        return (True, value[key]) if key < len(value) else (False, None)
    if isinstance(value, dict) and isinstance(key, str):
        return (True, value[key]) if key in value else (False, None)
    return False, None


def _parent(root: Any, at: list[str | int], create: bool) -> Any:
    value = root
    for key in at[:-1]:
        if isinstance(value, list) and isinstance(key, int):
            if key >= len(value):
                return None
            value = value[key]
        elif isinstance(value, dict) and isinstance(key, str):
            if key not in value and create:
                value[key] = {}
            if key not in value:
                return None
            value = value[key]
        else:
            return None
    return value if isinstance(value, (list, dict)) else None


def _apply(root: dict[str, Any], change: Mapping[str, Any]) -> None:
    # A key of digits is an index where it meets a list, a key like any other where it meets a dict.
    at: list[str | int] = []
    value: Any = root
    for key in str(change["path"]).split(".")[1:]:
        step: str | int = int(key) if isinstance(value, list) and _INDEX.match(key) else key
        at.append(step)
        value = _step(value, step)[1]
    if not at:
        return
    last = at[-1]
    if change["op"] == "remove":
        parent = _parent(root, at, False)
        if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
            parent[last] = None
        elif isinstance(parent, dict) and isinstance(last, str):
            parent.pop(last, None)
        return
    parent = _parent(root, at, True)
    if isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        parent[last] = change.get("value")
    elif isinstance(parent, dict) and isinstance(last, str):
        parent[last] = change.get("value")


def rewritten_metadata(metadata: Mapping[str, Any], decision: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata a decision says to act on: ``metadata`` (as sent) with the changes its policies made
    (``decision["rewritten"]``), on a copy. Without changes, a copy of ``metadata`` as it is."""
    out: dict[str, Any] = copy.deepcopy(dict(metadata))
    rewritten = decision.get("rewritten")
    changes = rewritten.get("changes", []) if isinstance(rewritten, Mapping) else []
    for change in changes:
        _apply(out, change)
    return out
