"""Structured output and function calling: values fit the schema, the documented call rules hold."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from google.protobuf import json_format

from tests.emulator._helpers import TIMEOUT, joined, request, text_of, user, violations

gs = generative_service_pb2
Schema = content_pb2.Schema
T = content_pb2.Type
Mode = content_pb2.FunctionCallingConfig.Mode

RECIPE = Schema(
    type=T.OBJECT,
    properties={
        "name": Schema(type=T.STRING),
        "minutes": Schema(type=T.INTEGER, minimum=5, maximum=9),
        "rating": Schema(type=T.NUMBER, minimum=1.5, maximum=2.5),
        "vegetarian": Schema(type=T.BOOLEAN),
        "course": Schema(type=T.STRING, enum=["starter", "main", "dessert"]),
        "note": Schema(type=T.STRING, nullable=True),
        "cooked_at": Schema(type=T.STRING, format="date-time"),
        "steps": Schema(
            type=T.ARRAY,
            items=Schema(
                type=T.OBJECT, properties={"text": Schema(type=T.STRING, max_length=12)}, required=["text"]
            ),
            min_items=2,
            max_items=3,
        ),
        "author": Schema(type=T.OBJECT, properties={"age": Schema(type=T.INTEGER)}, required=["age"]),
    },
    required=["name", "minutes", "steps"],
    property_ordering=["steps", "name"],
)


def conforms(value: Any, schema: Schema, required: bool = True) -> None:
    """Assert `value` fits an API Schema (the subset the emulator documents)."""
    if value is None:
        assert schema.nullable
        assert not required
        return
    if schema.enum:
        assert value in schema.enum
    if schema.type == T.OBJECT:
        assert isinstance(value, dict)
        assert set(value) == set(schema.properties) | set(schema.required)
        for name, prop in schema.properties.items():
            conforms(value[name], prop, name in schema.required)
    elif schema.type == T.ARRAY:
        assert isinstance(value, list)
        assert 1 <= len(value) <= 3
        assert len(value) >= schema.min_items
        assert not schema.max_items or len(value) <= schema.max_items
        for item in value:
            conforms(item, schema.items)
    elif schema.type == T.INTEGER:
        assert isinstance(value, int)
        assert not isinstance(value, bool)
    elif schema.type == T.NUMBER:
        assert isinstance(value, (int, float))
        assert not isinstance(value, bool)
    elif schema.type == T.BOOLEAN:
        assert isinstance(value, bool)
    elif schema.type == T.STRING:
        assert isinstance(value, str)
        assert value
        assert not schema.max_length or len(value) <= schema.max_length
    if schema.type in (T.INTEGER, T.NUMBER):
        assert not schema.HasField("minimum") or value >= schema.minimum
        assert not schema.HasField("maximum") or value <= schema.maximum


def _json_request(text: str, **config: Any) -> gs.GenerateContentRequest:
    return request(
        text, generation_config=gs.GenerationConfig(response_mime_type="application/json", **config)
    )


def test_json_reply_conforms_to_the_schema_and_is_deterministic(gen: GenerativeServiceStub) -> None:
    for prompt in ("a recipe", "another recipe", "a third recipe"):
        req = _json_request(prompt, response_schema=RECIPE)
        text = text_of(gen.GenerateContent(req, timeout=TIMEOUT))
        value = json.loads(text)
        conforms(value, RECIPE)
        assert list(value)[:2] == ["steps", "name"]  # property_ordering first, then by name
        assert value["note"] is None
        assert value["cooked_at"].endswith("Z")
        assert value["cooked_at"][4] == "-"
        assert text_of(gen.GenerateContent(req, timeout=TIMEOUT)) == text
        assert joined(list(gen.StreamGenerateContent(req, timeout=TIMEOUT))) == text


def test_json_without_schema_is_an_object_wrapping_the_text(gen: GenerativeServiceStub) -> None:
    value = json.loads(text_of(gen.GenerateContent(_json_request("free form"), timeout=TIMEOUT)))
    assert set(value) == {"text"}
    assert value["text"].startswith('You said: "free form". ')


def test_response_json_schema_with_refs(gen: GenerativeServiceStub) -> None:
    document = {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 1},
            "total": {"type": "integer", "minimum": 10, "maximum": 10},
            "comment": {"type": ["string", "null"]},
            "kind": {"enum": ["a", "b"]},
        },
        "required": ["items", "total"],
        "$defs": {
            "Item": {"type": "object", "properties": {"sku": {"type": "string"}, "qty": {"type": "number"}}}
        },
    }
    req = _json_request("order")
    json_format.ParseDict(document, req.generation_config.response_json_schema)
    value = json.loads(text_of(gen.GenerateContent(req, timeout=TIMEOUT)))
    assert value["total"] == 10
    assert value["comment"] is None
    assert value["kind"] in ("a", "b")
    assert value["items"]
    assert all(isinstance(i["sku"], str) and isinstance(i["qty"], float) for i in value["items"])


def test_enum_mime_type_answers_one_member(gen: GenerativeServiceStub) -> None:
    schema = Schema(type=T.STRING, enum=["red", "green", "blue"])
    config = gs.GenerationConfig(response_mime_type="text/x.enum", response_schema=schema)
    assert (
        text_of(gen.GenerateContent(request("colour?", generation_config=config), timeout=TIMEOUT))
        in schema.enum
    )


def test_schema_with_a_text_mime_type_is_rejected(gen: GenerativeServiceStub) -> None:
    config = gs.GenerationConfig(response_mime_type="text/plain", response_schema=RECIPE)
    with pytest.raises(grpc.RpcError) as caught:
        gen.GenerateContent(request("x", generation_config=config), timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert "generation_config.response_mime_type" in violations(caught.value)


WEATHER = content_pb2.FunctionDeclaration(
    name="get_weather",
    description="Forecast for a city.",
    parameters=Schema(
        type=T.OBJECT,
        properties={
            "city": Schema(type=T.STRING),
            "days": Schema(type=T.INTEGER, minimum=1, maximum=7),
            "units": Schema(type=T.STRING, enum=["celsius", "fahrenheit"]),
        },
        required=["city", "days"],
    ),
)
TIME = content_pb2.FunctionDeclaration(
    name="get_time",
    parameters_json_schema=json_format.ParseDict(
        {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]},
        content_pb2.FunctionDeclaration().parameters_json_schema,
    ),
)
TOOLS = [content_pb2.Tool(function_declarations=[WEATHER, TIME])]


def _tool_config(mode: int, allowed: tuple[str, ...] = ()) -> content_pb2.ToolConfig:
    config = content_pb2.FunctionCallingConfig(mode=mode, allowed_function_names=allowed)  # type: ignore[arg-type]
    return content_pb2.ToolConfig(function_calling_config=config)


def _calls(response: gs.GenerateContentResponse) -> list[tuple[str, dict[str, Any]]]:
    parts = response.candidates[0].content.parts
    return [
        (p.function_call.name, json_format.MessageToDict(p.function_call.args))
        for p in parts
        if p.HasField("function_call")
    ]


def test_a_mentioned_function_is_called_with_args_that_fit(gen: GenerativeServiceStub) -> None:
    response = gen.GenerateContent(
        request("Please call get_weather for Prague", tools=TOOLS), timeout=TIMEOUT
    )
    ((name, args),) = _calls(response)
    assert name == "get_weather"
    assert isinstance(args["city"], str)
    assert args["city"]
    assert float(args["days"]).is_integer()
    assert 1 <= args["days"] <= 7
    assert args["units"] in ("celsius", "fahrenheit")
    assert response.candidates[0].finish_reason == gs.Candidate.FinishReason.STOP
    assert response.usage_metadata.candidates_token_count > 0
    chunks = list(
        gen.StreamGenerateContent(request("Please call get_weather for Prague", tools=TOOLS), timeout=TIMEOUT)
    )
    assert chunks == [response]


def test_several_mentions_give_parallel_calls_in_declaration_order(gen: GenerativeServiceStub) -> None:
    response = gen.GenerateContent(request("get_time, then get_weather", tools=TOOLS), timeout=TIMEOUT)
    calls = _calls(response)
    assert [name for name, _ in calls] == ["get_weather", "get_time"]
    assert isinstance(calls[1][1]["zone"], str)


def test_mode_rules(gen: GenerativeServiceStub) -> None:
    def names(text: str, config: content_pb2.ToolConfig | None = None) -> list[str]:
        req = request(text, tools=TOOLS, tool_config=config)
        return [name for name, _ in _calls(gen.GenerateContent(req, timeout=TIMEOUT))]

    assert names("nothing relevant") == []
    assert names("nothing relevant", _tool_config(Mode.ANY)) == ["get_weather"]
    assert names("nothing relevant", _tool_config(Mode.ANY, ("get_time",))) == ["get_time"]
    assert names("get_weather and get_time", _tool_config(Mode.AUTO, ("get_time",))) == ["get_time"]
    assert names("call get_weather", _tool_config(Mode.NONE)) == []
    assert names("call get_weathers please") == []  # whole-word matches only


def test_a_function_response_turn_is_answered_in_text(gen: GenerativeServiceStub) -> None:
    call = content_pb2.Part(function_call=content_pb2.FunctionCall(name="get_weather"))
    result = content_pb2.Part(function_response=content_pb2.FunctionResponse(name="get_weather"))
    result.function_response.response.update({"temp": 21, "sky": "clear"})
    contents = [
        user("Please call get_weather for Prague"),
        content_pb2.Content(role="model", parts=[call]),
        content_pb2.Content(role="user", parts=[result]),
    ]
    response = gen.GenerateContent(
        request(contents=contents, tools=TOOLS, tool_config=_tool_config(Mode.AUTO)), timeout=TIMEOUT
    )
    assert not _calls(response)  # in AUTO mode; ANY mode calls again (tests/emulator/test_function_calls.py)
    assert text_of(response).startswith('The function get_weather returned {"sky": "clear", "temp": 21}. ')
