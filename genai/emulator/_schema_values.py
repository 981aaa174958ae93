"""Deterministic JSON values that fit a schema (structured output and function-call arguments).

Two schema dialects are accepted: the API's `Schema` message and a JSON Schema dict (from
`response_json_schema` / `parameters_json_schema`). The rules are the same for both:

* object: every declared property (plus any `required` name not declared) in `property_ordering`
  order, then sorted by name; a nullable property that is not required is null;
* array: 1-3 items, clamped to min_items/max_items;
* enum: one of the members; string: 1-3 words (dates/date-times for those formats), padded or cut
  to min_length/max_length; integer: 0-99, number: 0.00-99.99, both clamped to minimum/maximum;
  boolean: true or false; any_of: one of the alternatives.
"""

from __future__ import annotations

from typing import Any

from genai_protos import content_pb2

from ._random import Rng

_MAX_DEPTH = 24

Type = content_pb2.Type
# Looked up once: protobuf enum attribute access is slow.
_UNSPECIFIED, _OBJECT, _ARRAY, _STRING = Type.TYPE_UNSPECIFIED, Type.OBJECT, Type.ARRAY, Type.STRING
_INTEGER, _NUMBER, _BOOLEAN, _NULL = Type.INTEGER, Type.NUMBER, Type.BOOLEAN, Type.NULL


def _string(rng: Rng, fmt: str, min_length: int, max_length: int) -> str:
    if fmt == "date-time":
        day = f"2025-{1 + rng.below(12):02d}-{1 + rng.below(28):02d}"
        return f"{day}T{rng.below(24):02d}:{rng.below(60):02d}:00Z"
    if fmt == "date":
        return f"2025-{1 + rng.below(12):02d}-{1 + rng.below(28):02d}"
    text = " ".join(rng.words(1 + rng.below(3)))
    while len(text) < min_length:
        text += " " + rng.words(1)[0]
    if max_length > 0:
        text = text[:max_length]
    return text


def _integer(rng: Rng, low: float | None, high: float | None) -> int:
    lo = int(-(-low // 1)) if low is not None else None  # ceil
    hi = int(high // 1) if high is not None else None
    if lo is not None and hi is not None:
        return lo + rng.below(max(hi - lo, 0) + 1) if hi >= lo else lo
    if lo is not None:
        return lo + rng.below(100)
    value = rng.below(100)
    return min(value, hi) if hi is not None else value


def _number(rng: Rng, low: float | None, high: float | None) -> float:
    value = rng.below(10_000) / 100
    if low is not None and high is not None:
        return low + (high - low) * rng.below(1_001) / 1_000 if high >= low else low
    if low is not None:
        return low + value
    return min(value, high) if high is not None else value


def _count(rng: Rng, min_items: int, max_items: int) -> int:
    n = 1 + rng.below(3)
    n = max(n, min_items)
    return min(n, max_items) if max_items > 0 else n


def from_schema(schema: content_pb2.Schema, rng: Rng, *, depth: int = 0) -> Any:
    """A JSON-compatible value conforming to an API `Schema` message."""
    if depth > _MAX_DEPTH:
        return None
    if schema.any_of:
        return from_schema(rng.choice(schema.any_of), rng, depth=depth + 1)
    if schema.enum:
        return rng.choice(schema.enum)
    kind = schema.type
    if kind == _UNSPECIFIED:
        if schema.properties:
            kind = _OBJECT
        elif schema.HasField("items"):
            kind = _ARRAY
        else:
            kind = _STRING
    if kind == _OBJECT:
        required = set(schema.required)
        order = [name for name in schema.property_ordering if name in schema.properties]
        order += sorted(set(schema.properties) - set(order))
        value: dict[str, Any] = {}
        for name in order:
            prop = schema.properties[name]
            if prop.nullable and name not in required:
                value[name] = None
            else:
                value[name] = from_schema(prop, rng, depth=depth + 1)
        for name in schema.required:
            value.setdefault(name, _string(rng, "", 0, 0))
        return value
    if kind == _ARRAY:
        n = _count(rng, schema.min_items, schema.max_items)
        items = schema.items
        return [from_schema(items, rng, depth=depth + 1) for _ in range(n)]
    low = schema.minimum if schema.HasField("minimum") else None
    high = schema.maximum if schema.HasField("maximum") else None
    if kind == _INTEGER:
        return _integer(rng, low, high)
    if kind == _NUMBER:
        return _number(rng, low, high)
    if kind == _BOOLEAN:
        return rng.below(2) == 0
    if kind == _NULL:
        return None
    return _string(rng, schema.format, schema.min_length, schema.max_length)


def _resolve(schema: Any, root: Any) -> Any:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    node = root
    for key in ref[2:].split("/"):
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return node


def _json_type(schema: dict[str, Any]) -> str:
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        return str(non_null[0]) if non_null else "null"
    if isinstance(declared, str):
        return declared
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _nullable(schema: Any) -> bool:
    declared = schema.get("type") if isinstance(schema, dict) else None
    return (isinstance(declared, list) and "null" in declared) or bool(
        isinstance(schema, dict) and schema.get("nullable")
    )


def from_json_schema(schema: Any, rng: Rng, *, root: Any = None, depth: int = 0) -> Any:
    """A JSON value conforming to (a practical subset of) a JSON Schema document."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if depth > _MAX_DEPTH or not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return rng.choice(schema["enum"])
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            return from_json_schema(rng.choice(options), rng, root=root, depth=depth + 1)
    all_of = schema.get("allOf")
    if isinstance(all_of, list) and len(all_of) == 1:
        return from_json_schema(all_of[0], rng, root=root, depth=depth + 1)
    kind = _json_type(schema)
    if kind == "object":
        props = schema.get("properties") or {}
        required = [str(n) for n in schema.get("required") or []]
        value: dict[str, Any] = {}
        for name in sorted(props):
            prop = props[name]
            nullable = _nullable(_resolve(prop, root))
            if nullable and name not in required:
                value[name] = None
            else:
                value[name] = from_json_schema(prop, rng, root=root, depth=depth + 1)
        for name in required:
            value.setdefault(name, _string(rng, "", 0, 0))
        return value
    if kind == "array":
        n = _count(rng, int(schema.get("minItems", 0)), int(schema.get("maxItems", 0)))
        items = schema.get("items", {})
        return [from_json_schema(items, rng, root=root, depth=depth + 1) for _ in range(n)]
    low = schema.get("minimum")
    high = schema.get("maximum")
    low = float(low) if isinstance(low, (int, float)) else None
    high = float(high) if isinstance(high, (int, float)) else None
    if kind == "integer":
        return _integer(rng, low, high)
    if kind == "number":
        return _number(rng, low, high)
    if kind == "boolean":
        return rng.below(2) == 0
    if kind == "null":
        return None
    return _string(
        rng, str(schema.get("format", "")), int(schema.get("minLength", 0)), int(schema.get("maxLength", 0))
    )
