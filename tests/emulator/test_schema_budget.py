"""Property tests of the value generator: for any schema the checks accept, the value conforms, stays
within the budget, and is the same every time; the two schema dialects agree."""

from __future__ import annotations

import json
from typing import Any

from genai_protos import content_pb2
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genai.emulator._random import Rng, digest
from genai.emulator._schema_graph import MAX_VALUE_CHARS, Builder, SchemaError
from genai.emulator._schema_values import VALUE_BUDGET, generate
from tests.emulator._conform import check

NAMES = st.sampled_from(["a", "b", "id", "name", "items", "x_1"])
SMALL = st.integers(min_value=0, max_value=40)


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    bounded = st.fixed_dictionaries(
        {"type": st.sampled_from(["integer", "number"])},
        optional={"minimum": st.integers(-50, 10), "maximum": st.integers(11, 90)},
    )
    text = st.fixed_dictionaries(
        {"type": st.just("string")},
        optional={"minLength": st.integers(0, 30), "format": st.sampled_from(["date", "date-time", ""])},
    )
    return st.one_of(
        bounded,
        text,
        st.fixed_dictionaries({"type": st.sampled_from(["boolean", "string"])}),
        st.fixed_dictionaries({"enum": st.lists(st.sampled_from(["red", "green", "blue"]), min_size=1)}),
    )


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    array = st.builds(
        lambda items, low, extra, capped: {
            "type": "array",
            "items": items,
            "minItems": low,
            # At least 1: a Schema message cannot say "at most 0" (0 there means "no limit").
            **({"maxItems": max(low + extra, 1)} if capped else {}),
        },
        children,
        SMALL,
        st.integers(0, 5),
        st.booleans(),
    )
    obj = st.builds(
        lambda props, required, nullable: {
            "type": "object",
            "properties": {
                name: {**schema, "nullable": True} if name in nullable else schema
                for name, schema in props.items()
            },
            "required": sorted(set(required) & set(props)),
        },
        st.dictionaries(NAMES, children, min_size=1, max_size=4),
        st.lists(NAMES, max_size=4),
        st.lists(NAMES, max_size=2),
    )
    choice = st.lists(children, min_size=1, max_size=3).map(lambda options: {"anyOf": options})
    return st.one_of(array, obj, choice)


SCHEMAS = st.recursive(_leaf(), _extend, max_leaves=40)


def _proto(schema: dict[str, Any]) -> content_pb2.Schema:
    """The same schema as an API Schema message (types upper-case, the rest maps one to one)."""

    def convert(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (v.upper() if k == "type" else convert(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [convert(v) for v in node]
        return node

    return json_format.ParseDict(convert(schema), content_pb2.Schema())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, seed=st.binary(min_size=1, max_size=8))
def test_values_conform_stay_small_and_repeat(schema: dict[str, Any], seed: bytes) -> None:
    try:
        node = Builder().json_data(schema)
    except SchemaError:
        return  # refused (a forced value over the limit); the server answers INVALID_ARGUMENT
    value = generate(node, Rng(digest(seed)))
    check(value, schema)
    assert len(json.dumps(value)) <= VALUE_BUDGET + 2 * MAX_VALUE_CHARS
    assert generate(Builder().json_data(schema), Rng(digest(seed))) == value
    # The API Schema dialect reads the same schema the same way.
    proto_value = generate(Builder().proto(_proto(schema)), Rng(digest(seed)))
    assert json.dumps(proto_value, sort_keys=True) == json.dumps(value, sort_keys=True)


def test_values_of_wide_schemas_are_cut_to_the_budget() -> None:
    row = {"type": "object", "properties": {f"c{i}": {"type": "string"} for i in range(40)}}
    table = {"type": "array", "items": {"type": "array", "items": row}}
    schema = {"type": "object", "properties": {f"t{i}": table for i in range(20)}}
    value = generate(Builder().json_data(schema), Rng(digest(b"wide")))
    check(value, schema)
    assert VALUE_BUDGET // 2 < len(json.dumps(value)) < 2 * VALUE_BUDGET
