"""An independent check that a value fits a schema, for the subset of JSON Schema the emulator reads.

API `Schema` messages are checked through their JSON form (`MessageToDict`), whose keywords differ
only in spelling (`minItems` vs `min_items` are both accepted here, types in either case).
"""

from __future__ import annotations

import math
from typing import Any


def _get(schema: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in schema:
            return schema[key]
    return None


def _resolve(schema: Any, root: Any) -> Any:
    for _ in range(100):
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str) or not (ref == "#" or ref.startswith("#/")):
            return schema
        node = root
        for key in ref[2:].split("/") if ref != "#" else ():
            node = node.get(key, {}) if isinstance(node, dict) else {}
        schema = node
    raise AssertionError("a $ref loop")


def _kind(schema: dict[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "null")
    if isinstance(declared, str) and declared.lower() not in ("type_unspecified", ""):
        return declared.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def nullable(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    declared = schema.get("type")
    return (isinstance(declared, list) and "null" in declared) or bool(schema.get("nullable"))


def check(value: Any, schema: Any, root: Any = None, where: str = "$") -> None:
    """Raise AssertionError naming the place where `value` does not fit `schema`."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return
    if "const" in schema:
        assert value == schema["const"], where
        return
    if schema.get("enum"):
        assert value in schema["enum"], (where, value)
        return
    for key in ("anyOf", "any_of", "oneOf"):
        if schema.get(key):
            errors = []
            for option in schema[key]:
                try:
                    check(value, option, root, where)
                    return
                except AssertionError as exc:
                    errors.append(exc)
            raise AssertionError(where, "fits no alternative", errors)
    if isinstance(schema.get("allOf"), list) and len(schema["allOf"]) == 1:
        check(value, schema["allOf"][0], root, where)
        return
    kind = _kind(schema)
    if kind == "object":
        assert isinstance(value, dict), (where, value)
        required = schema.get("required") or []
        for name in required:
            assert name in value, (where, "missing", name)
        props = schema.get("properties") or {}
        for name, item in value.items():
            if name in props:
                if item is None and nullable(_resolve(props[name], root)):
                    continue
                check(item, props[name], root, f"{where}.{name}")
    elif kind == "array":
        assert isinstance(value, list), (where, value)
        low, high = _get(schema, "minItems", "min_items"), _get(schema, "maxItems", "max_items")
        if low is not None:
            assert len(value) >= int(low), (where, len(value))
        if high is not None and (int(high) > 0 or "maxItems" in schema):
            assert len(value) <= int(high), (where, len(value))
        for i, item in enumerate(value):
            check(item, schema.get("items", {}), root, f"{where}[{i}]")
    elif kind in ("integer", "number"):
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (where, value)
        assert math.isfinite(value), where
        if kind == "integer":
            assert float(value).is_integer(), (where, value)
        if schema.get("minimum") is not None:
            assert value >= schema["minimum"], (where, value)
        if schema.get("maximum") is not None:
            assert value <= schema["maximum"], (where, value)
    elif kind == "boolean":
        assert isinstance(value, bool), (where, value)
    elif kind == "null":
        assert value is None, (where, value)
    else:
        assert isinstance(value, str), (where, value)
        low, high = _get(schema, "minLength", "min_length"), _get(schema, "maxLength", "max_length")
        if schema.get("format") in ("date", "date-time"):
            return
        if low is not None:
            assert len(value) >= int(low), (where, len(value))
        if high is not None and (int(high) > 0 or "maxLength" in schema):
            assert len(value) <= int(high), (where, len(value))
