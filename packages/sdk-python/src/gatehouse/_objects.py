"""What the model-client wrappers need of a provider SDK's objects (pydantic models, dicts, lists): a plain
JSON-like copy to screen and hash, and the strings of an answer restored in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_MAX_DEPTH = 64


def plain(value: Any, depth: int = 0) -> Any:
    """A JSON-like copy of ``value``: pydantic models dumped, mappings and sequences copied, a class named."""
    if depth > _MAX_DEPTH or value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, type):
        return value.__name__
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return plain(dump(mode="json"), depth + 1)
        except Exception:  # noqa: BLE001 - a model that cannot dump itself is screened by its text
            return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item, depth + 1) for item in value]
    return str(value)


def restore_object(value: Any, restore: Callable[[str], str], depth: int = 0) -> Any:
    """Every string of ``value`` passed through ``restore``, in place: dicts and lists are changed item by
    item, pydantic models field by field (their class and identity stay). Answers ``value``."""
    if isinstance(value, str):
        return restore(value)
    if depth > _MAX_DEPTH or value is None or isinstance(value, (int, float, bool, type)):
        return value
    if isinstance(value, dict):
        for key, item in list(value.items()):
            restored = restore_object(item, restore, depth + 1)
            if restored is not item:
                value[key] = restored
        return value
    if isinstance(value, list):
        for index, item in enumerate(value):
            restored = restore_object(item, restore, depth + 1)
            if restored is not item:
                value[index] = restored
        return value
    fields = getattr(value, "__dict__", None)
    if isinstance(fields, dict) and hasattr(value, "model_dump"):
        for name, item in list(fields.items()):
            if name.startswith("_"):
                continue
            restored = restore_object(item, restore, depth + 1)
            if restored is not item:
                object.__setattr__(value, name, restored)
    return value
