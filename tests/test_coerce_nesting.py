"""Nesting depth (issue 7, client side of defect 6): a request that nests messages past protobuf's
recursion limit is refused with a path, instead of reaching a decoder that cannot read it.

Every limit below is checked against protobuf itself: the deepest accepted request round-trips
through serialise/parse with protobuf's default limits, and one level more, built with our checks
switched off, does not parse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf.message import DecodeError, Message

from genai import types
from genai._coercion import content as _coerce_content
from genai._coercion import dicts as _coerce_dict
from genai._coercion import tools as _coerce_tools
from genai._coercion.nesting import LIMIT, PART_LEVEL, check_nesting, levels
from genai._requests import builders as _requests
from genai._requests.builders import build_count_tokens_request, build_embed_request, build_generate_request

MODEL = "gemini-2.5-flash"


def schema_via(key: str, n: int) -> dict[str, Any]:
    """A Schema dict nested n levels through `key` (properties, items or any_of)."""
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(n):
        if key == "properties":
            schema = {"type": "object", "properties": {"p": schema}}
        elif key == "items":
            schema = {"type": "array", "items": schema}
        else:
            schema = {"any_of": [{"type": "null"}, schema]}
    return schema


def json_objects(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = {"k": value}
    return value


def json_lists(n: int) -> Any:
    value: Any = 1
    for _ in range(n):
        value = [value]
    return value


def fn_response(payload: Any) -> list[Any]:
    return [{"function_response": {"name": "f", "response": payload}}]


Build = Callable[[int], Message]

# (what, build(n), the largest n that fits, how the path of the refused value starts)
# Levels, the request being level 0: generation_config 1, response_schema 2, a properties level +2,
# an items/any_of level +1; tools 1, a gathered declaration 2, its parameters 3; a Struct or Value
# holding n nested JSON objects needs 3n more levels below it, n nested arrays 2n.
CASES: list[tuple[str, Build, int, str]] = [
    (
        "response_schema via properties",
        lambda n: build_generate_request(MODEL, "x", {"response_schema": schema_via("properties", n)}),
        49,
        "config.response_schema.properties['p'].properties['p']",
    ),
    (
        "response_schema via items",
        lambda n: build_generate_request(MODEL, "x", {"response_schema": schema_via("items", n)}),
        98,
        "config.response_schema.items.items",
    ),
    (
        "response_schema via any_of",
        lambda n: build_generate_request(MODEL, "x", {"response_schema": schema_via("any_of", n)}),
        98,
        "config.response_schema.any_of[1].any_of[1]",
    ),
    (
        "generation_config.response_schema",
        lambda n: build_generate_request(
            MODEL, "x", {"generation_config": {"response_schema": schema_via("items", n)}}
        ),
        98,
        "config.generation_config.response_schema.items",
    ),
    (
        "response_schema in CountTokens (one level deeper)",
        lambda n: build_count_tokens_request(MODEL, "x", {"response_schema": schema_via("items", n)}),
        97,
        "config.response_schema.items",
    ),
    (
        "a Python type as response_schema",
        lambda n: build_generate_request(
            MODEL, "x", {"response_schema": eval("list[" * n + "int" + "]" * n)}
        ),
        98,
        "config.response_schema.items.items",
    ),
    (
        "tool parameters via properties",
        lambda n: build_generate_request(
            MODEL, "x", {"tools": [{"name": "f", "parameters": schema_via("properties", n)}]}
        ),
        48,
        "config.tools[0].parameters.properties['p']",
    ),
    (
        "tool parameters via items, in a Tool dict",
        lambda n: build_generate_request(
            MODEL,
            "x",
            {"tools": [{"function_declarations": [{"name": "f", "parameters": schema_via("items", n)}]}]},
        ),
        97,
        "config.tools[0].function_declarations[0].parameters.items",
    ),
    (
        "tool parameters in CountTokens",
        lambda n: build_count_tokens_request(
            MODEL, "x", {"tools": [{"name": "f", "parameters": schema_via("items", n)}]}
        ),
        96,
        "config.tools[0].parameters.items",
    ),
    (
        "tool parameters_json_schema",
        lambda n: build_generate_request(
            MODEL, "x", {"tools": [{"name": "f", "parameters_json_schema": json_objects(n)}]}
        ),
        32,
        "config.tools[0].parameters_json_schema['k']['k']",
    ),
    (
        "response_json_schema of JSON objects",
        lambda n: build_generate_request(MODEL, "x", {"response_json_schema": json_objects(n)}),
        32,
        "config.response_json_schema['k']['k']",
    ),
    (
        "response_json_schema of JSON arrays",
        lambda n: build_generate_request(MODEL, "x", {"response_json_schema": json_lists(n)}),
        49,
        "config.response_json_schema[0][0]",
    ),
    (
        "function_response payload, in CountTokens",
        lambda n: build_count_tokens_request(MODEL, fn_response(json_objects(n)), {"temperature": 0.5}),
        32,
        "contents[0].function_response.response['k']['k']",
    ),
    (
        "function_call args, in CountTokens",
        lambda n: build_count_tokens_request(
            MODEL, [{"function_call": {"name": "f", "args": {"a": json_lists(n)}}}], {"temperature": 0.5}
        ),
        46,
        "contents[0].function_call.args['a'][0]...",
    ),
    (
        "part_metadata of a part in a content dict, in CountTokens",
        lambda n: build_count_tokens_request(
            MODEL,
            [{"role": "user", "parts": [{"text": "t", "part_metadata": json_objects(n)}]}],
            {"temperature": 0.5},
        ),
        32,
        "contents[0].parts[0].part_metadata['k']",
    ),
]


@pytest.fixture
def checks_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build requests as the code did before the nesting checks (to see what protobuf makes of them)."""

    def off(*args: Any, **kwargs: Any) -> None:
        return None

    for module in (_requests, _coerce_tools, _coerce_content):
        monkeypatch.setattr(module, "check_nesting", off)
    monkeypatch.setattr(_coerce_content, "check_part_nesting", off)
    # The dict converter's own guard (100 nested dicts, against cycles) would refuse some first.
    monkeypatch.setattr(_coerce_dict, "_MAX_DEPTH", 110)


def round_trip(request: Message) -> None:
    type(request).FromString(request.SerializeToString())


@pytest.mark.parametrize(("what", "build", "deepest", "at"), CASES, ids=[case[0] for case in CASES])
def test_the_deepest_accepted_request_parses(what: str, build: Build, deepest: int, at: str) -> None:
    round_trip(build(deepest))


@pytest.mark.parametrize(("what", "build", "deepest", "at"), CASES, ids=[case[0] for case in CASES])
def test_one_level_more_is_refused_with_a_path(what: str, build: Build, deepest: int, at: str) -> None:
    with pytest.raises(ValueError, match="nested too deeply") as caught:
        build(deepest + 1)
    message = str(caught.value)
    assert type(caught.value) is ValueError
    assert message.startswith(at), message
    assert f"more than {LIMIT}" in message, message


@pytest.mark.parametrize(("what", "build", "deepest", "at"), CASES, ids=[case[0] for case in CASES])
def test_protobuf_cannot_parse_what_is_refused(
    what: str, build: Build, deepest: int, at: str, checks_off: None
) -> None:
    with pytest.raises(DecodeError):
        round_trip(build(deepest + 1))


def test_parts_are_held_to_the_deepest_request_they_can_be_in() -> None:
    # A Part sits at level 2 in a GenerateContentRequest and 3 in CountTokens / BatchEmbedContents;
    # parts are checked when converted, before their request is known, so the deeper place counts.
    assert PART_LEVEL == 3
    assert levels(types.GenerateContentRequest.DESCRIPTOR, "contents.parts") == 2
    assert levels(types.BatchEmbedContentsRequest.DESCRIPTOR, "requests.content.parts") == 3
    assert levels(types.GenerateContentRequest.DESCRIPTOR, "tools.function_declarations.parameters") == 3
    assert levels(types.Schema.DESCRIPTOR, "properties") == 2  # the map entry, then the Schema
    deepest = json_lists(46)  # args['a'] + 46 arrays: level 99 in CountTokens and BatchEmbedContents
    embedded = build_embed_request(MODEL, [{"function_call": {"name": "f", "args": {"a": deepest}}}])
    round_trip(types.BatchEmbedContentsRequest(model="models/m", requests=[embedded]))
    with pytest.raises(ValueError, match=r"^content\[0\]\.function_call\.args\['a'\]\[0\]"):
        build_embed_request(MODEL, [{"function_call": {"name": "f", "args": {"a": [deepest]}}}])


@pytest.mark.parametrize(
    ("contents", "at"),
    [
        (
            [types.FunctionResponse(name="f", response=json_objects(33))],
            "contents[0].function_response.response",
        ),
        ({"function_response": {"name": "f", "response": json_objects(33)}}, "contents.function_response"),
        (["a", [{"function_response": {"name": "f", "response": json_objects(40)}}]], "contents[1][0]"),
    ],
)
def test_parts_built_from_other_shapes_are_checked(contents: Any, at: str) -> None:
    with pytest.raises(ValueError, match="nested too deeply") as caught:
        build_count_tokens_request(MODEL, contents, {"temperature": 0.5})
    assert str(caught.value).startswith(at), str(caught.value)


def test_foreign_messages_are_checked() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    response = glm.FunctionResponse(name="f", response=json_objects(33))
    for contents, at in [
        ([response], "contents[0].function_response.response"),
        ([glm.Part(function_response=response)], "contents[0].function_response.response"),
        # Too deep for protobuf to copy it into our message at all:
        ([glm.Content(role="user", parts=[glm.Part(function_response=response)])], "contents[0]: nested"),
    ]:
        with pytest.raises(ValueError, match="nested too deeply") as caught:
            build_generate_request(MODEL, contents)
        assert str(caught.value).startswith(at), str(caught.value)


def test_tool_messages_are_checked_as_given() -> None:
    deep = build_generate_request(MODEL, "x", {"response_schema": schema_via("items", 98)})
    parameters = deep.generation_config.response_schema
    tool = types.Tool(function_declarations=[types.FunctionDeclaration(name="f", parameters=parameters)])
    with pytest.raises(ValueError, match=r"^config\.tools\.function_declarations\[0\]\.parameters\.items"):
        build_generate_request(MODEL, "x", {"tools": tool})
    schema = types.Schema()
    schema.CopyFrom(parameters)
    with pytest.raises(ValueError, match=r"^config\.response_schema\.items"):
        build_count_tokens_request(MODEL, "x", {"response_schema": schema})


def test_long_paths_are_shortened_with_a_count() -> None:
    deep_type = eval("list[" * 110 + "int" + "]" * 110)
    with pytest.raises(ValueError, match="nested too deeply") as caught:
        build_generate_request(MODEL, "x", {"response_schema": deep_type})
    head, message = str(caught.value).split(": ", 1)
    assert head == "config.response_schema.items.items.items...(94 more).items.items"
    # The count is the whole value's: 2 levels above the schema, then 111 Schema levels.
    assert "would nest 112 message levels here" in message, message
    assert "remove at least 12" in message, message


def test_shallow_and_wide_values_pass() -> None:
    wide = {f"k{i}": [{"a": [1, 2, {"b": "c"}]}] * 3 for i in range(300)}
    request = build_generate_request(MODEL, fn_response(wide), {"response_json_schema": wide})
    round_trip(request)
    check_nesting(types.Schema(), level=LIMIT, path="x")  # a message at the limit itself is fine
    with pytest.raises(ValueError, match=r"^x: nested too deeply"):
        check_nesting(types.Schema(), level=LIMIT + 1, path="x")
