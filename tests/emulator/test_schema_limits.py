"""Schemas that would make the emulator work hard are refused with INVALID_ARGUMENT and a BadRequest
naming the schema's field; accepted ones, however deep or recursive, get small conforming replies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from google.protobuf import json_format

from genai.emulator._schema_graph import MAX_DEPTH, MAX_NODES, MAX_VALUE_CHARS
from genai.emulator._schema_values import VALUE_BUDGET
from genai.emulator._schemas import MAX_FUNCTION_DECLARATIONS
from tests.emulator._conform import check
from tests.emulator._helpers import TIMEOUT, request, text_of, violations

gs = generative_service_pb2
Schema = content_pb2.Schema
T = content_pb2.Type
REPLY_BOUND = VALUE_BUDGET + MAX_VALUE_CHARS  # what a reply can never exceed (with room for JSON)


def nested_lists(levels: int, **array: Any) -> Schema:
    """`levels` schemas deep: arrays of arrays ... of strings."""
    schema = Schema(type=T.STRING)
    for _ in range(levels - 1):
        schema = Schema(type=T.ARRAY, items=schema, **array)
    return schema


def json_lists(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels - 1):
        schema = {"type": "array", "items": schema}
    return schema


def ref_chain(levels: int) -> dict[str, Any]:
    """Lists `levels` deep through a chain of $defs (protobuf caps direct nesting of a Struct at 32)."""
    defs: dict[str, Any] = {f"d{levels - 1}": {"type": "string"}}
    for i in range(levels - 1):
        defs[f"d{i}"] = {"type": "array", "items": {"$ref": f"#/$defs/d{i + 1}"}}
    return {"$defs": defs, "$ref": "#/$defs/d0"}


def structured(schema: Schema | None = None, json_schema: Any = None, text: str = "a value") -> Any:
    req = request(text, generation_config=gs.GenerationConfig(response_mime_type="application/json"))
    if schema is not None:
        req.generation_config.response_schema.CopyFrom(schema)
    if json_schema is not None:
        json_format.ParseDict(json_schema, req.generation_config.response_json_schema)
    return req


def with_function(parameters: Schema | None = None, json_schema: Any = None) -> Any:
    req = request("please call lookup now")
    decl = req.tools.add().function_declarations.add(name="lookup")
    if parameters is not None:
        decl.parameters.CopyFrom(parameters)
    if json_schema is not None:
        json_format.ParseDict(json_schema, decl.parameters_json_schema)
    return req


def refused(call: Callable[[], object]) -> dict[str, str]:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    return violations(caught.value)


def answer(gen: GenerativeServiceStub, req: Any) -> tuple[str, Any]:
    reply = gen.GenerateContent(req, timeout=TIMEOUT)
    text = text_of(reply)
    assert len(text) <= REPLY_BOUND
    again = gen.GenerateContent(req, timeout=TIMEOUT)
    assert text_of(again) == text  # same request, same reply
    return text, json.loads(text)


@pytest.mark.parametrize("levels", [14, 30, MAX_DEPTH])
def test_deeply_nested_lists_get_a_small_conforming_reply(gen: GenerativeServiceStub, levels: int) -> None:
    schema = nested_lists(levels)
    text, value = answer(gen, structured(schema))
    check(value, json_format.MessageToDict(schema))
    depth, node = 1, value
    while isinstance(node, list) and node:
        depth, node = depth + 1, node[0]
    assert depth == levels  # every level is written, down to a string
    assert len(text) < 2 * VALUE_BUDGET


def test_a_json_schema_of_nested_lists_too(gen: GenerativeServiceStub) -> None:
    for schema in (json_lists(30), ref_chain(MAX_DEPTH)):
        text, value = answer(gen, structured(json_schema=schema))
        check(value, schema)
        assert len(text) < 2 * VALUE_BUDGET


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 60, 95])
def test_nesting_deeper_than_the_limit_is_refused(gen: GenerativeServiceStub, levels: int) -> None:
    found = refused(lambda: gen.GenerateContent(structured(nested_lists(levels)), timeout=TIMEOUT))
    assert found == {
        "generation_config.response_schema": f"the schema nests more than {MAX_DEPTH} levels deep"
    }
    found = refused(lambda: gen.GenerateContent(structured(json_schema=ref_chain(levels)), timeout=TIMEOUT))
    assert found == {
        "generation_config.response_json_schema": f"the schema nests more than {MAX_DEPTH} levels deep"
    }


def test_function_parameters_are_bounded_the_same_way(gen: GenerativeServiceStub) -> None:
    deep = Schema(type=T.OBJECT, properties={"rows": nested_lists(MAX_DEPTH - 1)}, required=["rows"])
    reply = gen.GenerateContent(with_function(deep), timeout=TIMEOUT)
    (part,) = reply.candidates[0].content.parts
    args = json_format.MessageToDict(part.function_call.args)
    check(args, json_format.MessageToDict(deep))
    assert len(json.dumps(args)) < 2 * VALUE_BUDGET
    too_deep = Schema(type=T.OBJECT, properties={"rows": nested_lists(MAX_DEPTH)})
    found = refused(lambda: gen.GenerateContent(with_function(too_deep), timeout=TIMEOUT))
    assert list(found) == ["tools[0].function_declarations[0].parameters"]
    found = refused(
        lambda: gen.GenerateContent(
            with_function(
                json_schema={
                    "type": "object",
                    "properties": {"x": {"$ref": "#/$defs/d0"}},  # the chain below one more level
                    "$defs": ref_chain(MAX_DEPTH)["$defs"],
                }
            ),
            timeout=TIMEOUT,
        )
    )
    assert list(found) == ["tools[0].function_declarations[0].parameters_json_schema"]


def test_schemas_whose_shortest_value_is_huge_are_refused(gen: GenerativeServiceStub) -> None:
    forced = nested_lists(7, min_items=10)  # a million strings at the least
    found = refused(lambda: gen.GenerateContent(structured(forced), timeout=TIMEOUT))
    assert found == {
        "generation_config.response_schema": (
            f"the shortest value that fits is longer than {MAX_VALUE_CHARS} characters"
        )
    }
    long_string = Schema(type=T.STRING, min_length=10**9)
    assert list(refused(lambda: gen.GenerateContent(structured(long_string), timeout=TIMEOUT))) == [
        "generation_config.response_schema"
    ]
    # What the schema forces is written in full, however little budget is left for the rest.
    fits = nested_lists(3, min_items=30)
    _, value = answer(gen, structured(fits))
    check(value, json_format.MessageToDict(fits))
    assert len(value) >= 30
    assert all(len(row) >= 30 for row in value)


def test_too_many_nodes_or_declarations_are_refused(gen: GenerativeServiceStub) -> None:
    wide = Schema(type=T.OBJECT)
    for i in range(MAX_NODES + 1):
        wide.properties[f"p{i}"].type = T.STRING
    found = refused(lambda: gen.GenerateContent(structured(wide), timeout=TIMEOUT))
    problem = f"the request's schemas have more than {MAX_NODES} nodes in total"
    assert found == {"generation_config.response_schema": problem}
    req = request("hello")
    tool = req.tools.add()
    for i in range(MAX_FUNCTION_DECLARATIONS + 1):
        tool.function_declarations.add(name=f"f{i}")
    found = refused(lambda: gen.GenerateContent(req, timeout=TIMEOUT))
    assert list(found) == ["tools"]


def test_recursion_is_fine_while_it_is_optional(gen: GenerativeServiceStub) -> None:
    tree = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#"}}},
        "required": ["name"],
    }
    text, value = answer(gen, structured(json_schema=tree))
    check(value, tree)
    assert len(text) < 2 * VALUE_BUDGET
    chain = {"$defs": {"node": {"anyOf": [{"type": "integer"}, {"$ref": "#/$defs/pair"}]},
                       "pair": {"type": "array", "items": {"$ref": "#/$defs/node"}, "minItems": 2}},
             "$ref": "#/$defs/node"}  # fmt: skip
    _, value = answer(gen, structured(json_schema=chain))
    check(value, chain)


def test_recursion_that_never_ends_is_refused(gen: GenerativeServiceStub) -> None:
    endless = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "next": {"$ref": "#"}},
        "required": ["name", "next"],
    }
    found = refused(lambda: gen.GenerateContent(structured(json_schema=endless), timeout=TIMEOUT))
    assert found["generation_config.response_json_schema"].startswith("no finite value fits the schema")
    loop = {"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}
    found = refused(lambda: gen.GenerateContent(structured(json_schema=loop), timeout=TIMEOUT))
    assert "only leads to more references" in found["generation_config.response_json_schema"]


@pytest.mark.parametrize(
    ("schema", "problem"),
    [
        (Schema(type=T.INTEGER, minimum=float("inf")), "minimum and maximum must be finite numbers"),
        (Schema(type=T.NUMBER, maximum=float("nan")), "minimum and maximum must be finite numbers"),
        (Schema(type=T.INTEGER, minimum=5, maximum=1), "minimum is greater than maximum"),
        (Schema(type=T.INTEGER, minimum=0.2, maximum=0.8), "no integer lies between minimum and maximum"),
        (
            Schema(type=T.ARRAY, items=Schema(type=T.STRING), min_items=3, max_items=2),
            "the minimum item count is greater than the maximum",
        ),
        (
            Schema(type=T.OBJECT, properties={"s": Schema(type=T.STRING, min_length=5, max_length=2)}),
            "the minimum length is greater than the maximum (at properties['s'])",
        ),
    ],
)
def test_bounds_nothing_satisfies_are_refused(
    gen: GenerativeServiceStub, schema: Schema, problem: str
) -> None:
    found = refused(lambda: gen.GenerateContent(structured(schema), timeout=TIMEOUT))
    assert found == {"generation_config.response_schema": problem}


def test_malformed_json_schema_keywords_are_refused(gen: GenerativeServiceStub) -> None:
    bad = {"type": "array", "items": {"type": "string"}, "minItems": "many"}
    found = refused(lambda: gen.GenerateContent(structured(json_schema=bad), timeout=TIMEOUT))
    assert found == {
        "generation_config.response_json_schema": "minItems must be a non-negative integer, got 'many'"
    }
    _, value = answer(gen, structured(json_schema={"type": "array", "maxItems": 0}))
    assert value == []  # an explicit zero is a bound, not "unset"


def test_count_tokens_checks_the_nested_request_too(gen: GenerativeServiceStub) -> None:
    inner = structured(nested_lists(MAX_DEPTH + 1))
    found = refused(
        lambda: gen.CountTokens(
            gs.CountTokensRequest(model=inner.model, generate_content_request=inner), timeout=TIMEOUT
        )
    )
    assert list(found) == ["generate_content_request.generation_config.response_schema"]


def test_a_request_protobuf_cannot_decode_is_invalid_argument(gen: GenerativeServiceStub) -> None:
    req = structured()
    node = req.generation_config.response_schema
    for _ in range(150):  # built in place: protobuf itself refuses to copy a message this deep
        node.type = T.ARRAY
        node = node.items
    node.type = T.STRING
    with pytest.raises(grpc.RpcError) as caught:
        gen.GenerateContent(req, timeout=TIMEOUT)
    error: Any = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error.details().startswith("Could not decode the GenerateContentRequest: it nests messages")
    stream = gen.StreamGenerateContent(req, timeout=TIMEOUT)
    with pytest.raises(grpc.RpcError) as caught:
        list(stream)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
