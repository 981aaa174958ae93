"""Property tests: random valid inputs coerce into the expected shape; random invalid inputs raise only
TypeError/ValueError whose message starts with the path of the offending value."""

from __future__ import annotations

import base64
import copy
import re
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genai import types
from genai._coercion.content import to_content, to_contents, to_part
from genai._coercion.generation import to_generation_config
from genai._coercion.safety import to_safety_settings
from genai._coercion.schema import parse_as, to_schema

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------------
# Valid inputs

texts = st.text(max_size=20)
names = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True)
json_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | texts
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
mime_types = st.sampled_from(["image/png", "audio/wav", "application/pdf", "text/plain"])
payloads = st.binary(max_size=32)

part_likes = st.one_of(
    texts,
    texts.map(lambda t: {"text": t}),
    texts.map(lambda t: types.Part(text=t)),
    st.builds(lambda m, d: {"inline_data": {"mime_type": m, "data": d}}, mime_types, payloads),
    st.builds(
        lambda m, d: {"inlineData": {"mimeType": m, "data": base64.b64encode(d).decode()}},
        mime_types,
        payloads,
    ),
    st.builds(lambda m, d: {"mime_type": m, "data": d}, mime_types, payloads),
    st.builds(lambda m, d: types.Blob(mime_type=m, data=d), mime_types, payloads),
    st.builds(
        lambda n, a: {"function_call": {"name": n, "args": a}},
        names,
        st.dictionaries(texts, json_values, max_size=3),
    ),
    st.builds(
        lambda n, r: {"functionResponse": {"name": n, "response": r}},
        names,
        st.dictionaries(texts, json_values, max_size=3),
    ),
    st.builds(lambda u: {"file_data": {"file_uri": u, "mime_type": "video/mp4"}}, texts),
)
roles = st.sampled_from(["user", "model"])
part_lists = st.lists(part_likes, min_size=1, max_size=3)
content_likes = st.one_of(
    st.builds(lambda r, ps: {"role": r, "parts": ps}, roles, part_lists),
    st.builds(lambda ps: {"parts": ps}, part_lists),
    st.builds(lambda r, ps: types.Content(role=r, parts=[to_part(p) for p in ps]), roles, part_lists),
)


def is_content_item(item: Any) -> bool:
    return isinstance(item, types.Content) or (isinstance(item, dict) and ("role" in item or "parts" in item))


def expected_turns(items: list[Any]) -> list[int]:
    """Parts per turn: a content item is one turn; a run of part items is one turn."""
    turns: list[int] = []
    run = 0
    for item in items:
        if is_content_item(item):
            if run:
                turns.append(run)
                run = 0
            turns.append(len(item.parts) if isinstance(item, types.Content) else len(item["parts"]))
        else:
            run += 1
    if run:
        turns.append(run)
    return turns


@SETTINGS
@given(st.lists(part_likes | content_likes, min_size=1, max_size=6))
def test_valid_contents_coerce_into_the_expected_turns(items: list[Any]) -> None:
    snapshot = copy.deepcopy(items)
    result = to_contents(items)
    assert [len(c.parts) for c in result] == expected_turns(items)
    assert all(c.role in ("user", "model") for c in result)
    assert all(part.WhichOneof("data") is not None for c in result for part in c.parts)
    assert items == snapshot  # nothing the caller passed is mutated


@SETTINGS
@given(part_likes)
def test_valid_single_parts(value: Any) -> None:
    part = to_part(value)
    assert isinstance(part, types.Part)
    assert part.WhichOneof("data") is not None
    if isinstance(value, types.Part):
        assert part is value
    content = to_content(value)
    assert list(content.parts) == [part]


CATEGORY_ALIASES = {
    "harassment": 7,
    "hate": 8,
    "hate_speech": 8,
    "sexual": 9,
    "sexually_explicit": 9,
    "dangerous": 10,
    "dangerous_content": 10,
    "civic": 11,
    "civic_integrity": 11,
    "HARM_CATEGORY_HARASSMENT": 7,
    "HARM_CATEGORY_HATE_SPEECH": 8,
}
THRESHOLD_ALIASES = {
    "none": 4,
    "block_none": 4,
    "low": 1,
    "medium": 2,
    "high": 3,
    "off": 5,
    "unspecified": 0,
    "BLOCK_ONLY_HIGH": 3,
    "BLOCK_MEDIUM_AND_ABOVE": 2,
}
case_variants = st.sampled_from([str.lower, str.upper, str.title])


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from(sorted(CATEGORY_ALIASES)), st.sampled_from(sorted(THRESHOLD_ALIASES)), max_size=4
    ),
    case_variants,
)
def test_safety_shortcuts(shortcut: dict[str, str], case: Any) -> None:
    categories = [CATEGORY_ALIASES[k] for k in shortcut]
    if len(set(categories)) != len(categories):
        with pytest.raises(ValueError, match=r"^safety_settings: category .* more than once"):
            to_safety_settings({case(k): v for k, v in shortcut.items()})
        return
    result = to_safety_settings({case(k): case(v) for k, v in shortcut.items()})
    assert [(s.category, s.threshold) for s in result] == [
        (CATEGORY_ALIASES[k], THRESHOLD_ALIASES[v]) for k, v in shortcut.items()
    ]


TYPE_NAMES = {"string": 1, "number": 2, "integer": 3, "boolean": 4}
schema_dicts = st.recursive(
    st.builds(lambda t, case: {"type": case(t)}, st.sampled_from(sorted(TYPE_NAMES)), case_variants),
    lambda inner: (
        st.builds(lambda items: {"type": "array", "items": items}, inner)
        | st.builds(
            lambda props: {"type": "OBJECT", "properties": props, "required": sorted(props)[:1]},
            st.dictionaries(names, inner, min_size=1, max_size=3),
        )
    ),
    max_leaves=6,
)


def check_schema(schema: types.Schema, given_dict: dict[str, Any]) -> None:
    kind = given_dict["type"].lower()
    if kind == "array":
        assert schema.type == types.Type.ARRAY
        check_schema(schema.items, given_dict["items"])
    elif kind == "object":
        assert schema.type == types.Type.OBJECT
        assert set(schema.properties) == set(given_dict["properties"])
        for key, sub in given_dict["properties"].items():
            check_schema(schema.properties[key], sub)
    else:
        assert schema.type == TYPE_NAMES[kind]


@SETTINGS
@given(schema_dicts)
def test_schema_dicts(value: dict[str, Any]) -> None:
    check_schema(to_schema(value), value)


# Python types paired with a strategy for JSON data of that type.
PRIMITIVES: list[tuple[Any, st.SearchStrategy[Any]]] = [
    (str, texts),
    (int, st.integers(-(2**40), 2**40)),
    (float, st.floats(allow_nan=False, allow_infinity=False)),
    (bool, st.booleans()),
]
typed_data = st.recursive(
    st.sampled_from(PRIMITIVES),
    lambda inner: (
        inner.map(lambda pair: (list[pair[0]], st.lists(pair[1], max_size=3)))
        | inner.map(lambda pair: (dict[str, pair[0]], st.dictionaries(texts, pair[1], max_size=3)))
        | inner.map(lambda pair: (Optional[pair[0]], st.none() | pair[1]))  # noqa: UP045
    ),
    max_leaves=5,
)


@SETTINGS
@given(typed_data.flatmap(lambda pair: st.tuples(st.just(pair[0]), pair[1])))
def test_python_types_describe_and_parse(pair: tuple[Any, Any]) -> None:
    tp, data = pair
    schema = to_schema(tp)
    assert schema.type != types.Type.TYPE_UNSPECIFIED
    assert parse_as(data, tp) == data


# ---------------------------------------------------------------------------------------------------
# Invalid inputs


class Opaque:
    pass


bad_values = st.one_of(
    st.integers(),
    st.floats(),
    st.none(),
    st.booleans(),
    st.complex_numbers(),
    st.sets(st.integers(), max_size=3),
    st.frozensets(texts, max_size=2),
    st.builds(Opaque),
    st.builds(object),
)
bad_json = st.one_of(
    st.complex_numbers(),
    st.sets(st.integers(), min_size=1, max_size=3),
    st.builds(Opaque),
    st.binary(min_size=1, max_size=4),
)


def assert_error_at(exc: BaseException, path: str) -> None:
    assert type(exc) in (TypeError, ValueError), repr(exc)
    assert str(exc).startswith(path), (path, str(exc))


@SETTINGS
@given(bad_values)
def test_bad_parts_raise_with_the_path(value: Any) -> None:
    with pytest.raises((TypeError, ValueError)) as info:
        to_part(value, path="contents[0].parts[0]")
    assert_error_at(info.value, "contents[0].parts[0]: ")


@SETTINGS
@given(st.lists(part_likes | content_likes, min_size=1, max_size=5), st.data(), bad_values)
def test_a_bad_item_in_contents_is_named(items: list[Any], data: st.DataObject, bad: Any) -> None:
    index = data.draw(st.integers(0, len(items)), label="index")
    broken = [*items[:index], bad, *items[index:]]
    with pytest.raises((TypeError, ValueError)) as info:
        to_contents(broken)
    assert_error_at(info.value, f"contents[{index}]")


@SETTINGS
@given(roles, part_lists, st.data(), bad_values)
def test_a_bad_part_inside_a_content_dict_is_named(
    role: str, parts: list[Any], data: st.DataObject, bad: Any
) -> None:
    index = data.draw(st.integers(0, len(parts)), label="index")
    content = {"role": role, "parts": [*parts[:index], bad, *parts[index:]]}
    with pytest.raises((TypeError, ValueError)) as info:
        to_contents(["hello", content])
    assert_error_at(info.value, f"contents[1].parts[{index}]")


@SETTINGS
@given(names.filter(lambda name: name != "ok"), bad_json)
def test_bad_json_inside_function_args_is_named(key: str, bad: Any) -> None:
    part = {"function_call": {"name": "f", "args": {"ok": [1, {"deep": bad}], key: 1}}}
    with pytest.raises((TypeError, ValueError)) as info:
        to_contents([part])
    assert_error_at(info.value, "contents[0].function_call.args['ok'][1]['deep']")


@SETTINGS
@given(
    st.text(alphabet="qxz!?", min_size=1, max_size=5)
    | bad_values.filter(lambda v: v is not None and not (isinstance(v, int) and 0 <= v <= 5))
)
def test_bad_thresholds_are_named(bad: Any) -> None:
    # (None is not here: a None value means "not set" everywhere.)
    with pytest.raises((TypeError, ValueError)) as info:
        to_safety_settings(
            [{"category": "hate", "threshold": "low"}, {"category": "harassment", "threshold": bad}]
        )
    assert_error_at(info.value, "safety_settings[1].threshold: ")


@SETTINGS
@given(
    st.text(alphabet="qxz!?", min_size=1, max_size=5)
    | bad_values.filter(lambda v: not (isinstance(v, int) and 0 <= v <= 11))
)
def test_bad_categories_in_shortcuts_are_named(bad: Any) -> None:
    try:
        shortcut = {bad: "none"}
    except TypeError:  # unhashable (sets): cannot be a dict key at all
        return
    with pytest.raises((TypeError, ValueError)) as info:
        to_safety_settings(shortcut)
    assert_error_at(info.value, f"safety_settings[{bad!r}]")


@SETTINGS
@given(bad_values | st.text(max_size=5) | st.lists(st.integers(), max_size=2))
def test_bad_schemas(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)) as info:
        to_schema(bad, path="config.response_schema")
    assert_error_at(info.value, "config.response_schema: ")


@SETTINGS
@given(st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), json_scalars, min_size=1, max_size=3))
def test_unknown_generation_config_keys(value: dict[str, Any]) -> None:
    known = set(types.GenerationConfig.DESCRIPTOR.fields_by_name)
    if set(value) & known:
        return
    with pytest.raises(ValueError, match=r"^generation_config: unknown key") as info:
        to_generation_config(value)
    assert re.search(r"valid keys: .*temperature", str(info.value))
