"""Lone surrogates (issue 7, defect 15): protobuf (upb) refuses a str it cannot encode as UTF-8 when
the field is assigned, with a bare UnicodeEncodeError; every entry point turns that into a ValueError
naming the path of the text.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Callable
from typing import Any, Literal

import pytest

from genai import types
from genai._chats.history import ChatCore
from genai._coercion.content import to_content, to_contents, to_part
from genai._coercion.dicts import to_message
from genai._coercion.schema import to_schema
from genai._requests.builders import build_count_tokens_request, build_embed_request, build_generate_request
from genai._requests.config import EmbedContentConfig, GenerateContentConfig
from genai._requests.encode import encode_text_request
from genai._transport.checks import check_metadata

MODEL = "gemini-2.5-flash"
BAD = "ok\ud800ok"  # what bytes.decode(errors="surrogateescape") leaves for an undecodable byte


def test_protobuf_refuses_lone_surrogates_on_assignment() -> None:
    # The fact the fix rests on: upb raises when the field is set, not when the message is serialised.
    with pytest.raises(UnicodeEncodeError):
        types.Part(text=BAD)
    part = types.Part()
    with pytest.raises(UnicodeEncodeError):
        part.text = BAD
    with pytest.raises(UnicodeEncodeError):
        types.Schema().enum.append(BAD)
    with pytest.raises(UnicodeEncodeError):
        types.Schema().properties[BAD].type = types.Type.STRING


class Color(enum.Enum):
    RED = "red"
    ODD = BAD


@dataclasses.dataclass
class Described:
    x: int = dataclasses.field(metadata={"description": BAD})


Functional = typing.TypedDict("Functional", {BAD: int})  # type: ignore[misc]


def documented(city: str) -> str:
    return city


documented.__doc__ = f"Look up {BAD}."


def argument_documented(city: str) -> str:
    return city


argument_documented.__doc__ = f"Look up.\n\nArgs:\n    city: the {BAD} city\n"


def generate(contents: Any = "x", **config: Any) -> Callable[[], Any]:
    return lambda: build_generate_request(MODEL, contents, config or None)


CASES: list[tuple[str, Callable[[], Any], str]] = [
    # contents
    ("a str in a list", generate(["fine", BAD]), "contents[1]"),
    ("the only str in a list", generate([BAD]), "contents[0]"),
    ("a text dict", generate([{"text": BAD}]), "contents[0].text"),
    ("a content's parts", generate([{"role": "user", "parts": ["a", BAD]}]), "contents[0].parts[1]"),
    ("a content's single part", generate({"role": "user", "parts": BAD}), "contents.parts"),
    ("a nested list of parts", generate(["a", ["b", BAD]]), "contents[1][1]"),
    ("a str subclass", generate([type("Text", (str,), {})(BAD)]), "contents[0]"),
    ("a file uri", generate([{"file_uri": BAD, "mime_type": "video/mp4"}]), "contents[0].file_uri"),
    ("a blob's mime type", generate([{"data": b"x", "mime_type": BAD}]), "contents[0].mime_type"),
    ("a function call name", generate([{"function_call": {"name": BAD}}]), "contents[0].function_call.name"),
    (
        "a key of function call args",
        generate([{"function_call": {"name": "f", "args": {"a": {BAD: 1}}}}]),
        "contents[0].function_call.args['a']['ok\\ud800ok']",
    ),
    (
        "a value in function response data",
        generate([{"function_response": {"name": "f", "response": {"rows": ["x", BAD]}}}]),
        "contents[0].function_response.response['rows'][1]",
    ),
    ("count_tokens contents", lambda: build_count_tokens_request(MODEL, ["a", BAD]), "contents[1]"),
    ("embed content", lambda: build_embed_request(MODEL, BAD), "content"),
    (
        "embed content list",
        lambda: build_embed_request(MODEL, ["a", BAD], path="contents[3]"),
        "contents[3][1]",
    ),
    ("to_part", lambda: to_part(BAD), "part"),
    ("to_content", lambda: to_content(BAD, path="system_instruction"), "system_instruction"),
    ("to_contents", lambda: to_contents(BAD), "contents"),
    ("chat history", lambda: ChatCore(["hi", BAD]), "history[1]"),
    # the model and request-level settings
    ("a model name", lambda: build_generate_request(BAD, "x"), "model"),
    ("a prefixed model name", lambda: build_count_tokens_request("models/" + BAD, "x"), "model"),
    ("a model name, one-prompt fast path", lambda: encode_text_request(BAD, "x"), "model"),
    ("the system instruction", generate(system_instruction=BAD), "config.system_instruction"),
    ("system instruction parts", generate(system_instruction=["a", BAD]), "config.system_instruction[1]"),
    ("cached content", generate(cached_content=BAD), "config.cached_content"),
    ("stop sequences", generate(stop_sequences=["END", BAD]), "config.stop_sequences[1]"),
    (
        "stop sequences of the dataclass",
        lambda: build_generate_request(MODEL, "x", GenerateContentConfig(stop_sequences=[BAD])),
        "config.stop_sequences[0]",
    ),
    ("the response mime type", generate(response_mime_type=BAD), "config.response_mime_type"),
    (
        "a speech config voice",
        generate(speech_config={"voice_config": {"prebuilt_voice_config": {"voice_name": BAD}}}),
        "config.speech_config.voice_config.prebuilt_voice_config.voice_name",
    ),
    (
        "a safety settings key",
        generate(safety_settings={BAD: "low"}),
        "config.safety_settings['ok\\ud800ok']",
    ),
    ("an enum name", generate(media_resolution=BAD), "config.media_resolution"),
    ("a modality", generate(response_modalities=[BAD]), "config.response_modalities[0]"),
    ("a tool config mode", generate(tool_config=BAD), "config.tool_config"),
    (
        "allowed function names",
        generate(tool_config={"mode": "any", "allowed_function_names": [BAD]}),
        "config.tool_config.allowed_function_names[0]",
    ),
    ("embed title", lambda: build_embed_request(MODEL, "x", EmbedContentConfig(title=BAD)), "config.title"),
    ("embed task type", lambda: build_embed_request(MODEL, "x", {"task_type": BAD}), "config.task_type"),
    # tools
    ("a declaration name", generate(tools=[{"name": BAD}]), "config.tools[0].name"),
    (
        "a declaration description",
        generate(tools=[{"name": "f", "description": BAD}]),
        "config.tools[0].description",
    ),
    ("a function's docstring", generate(tools=[documented]), "config.tools[0].description"),
    ("a function's Args docs", generate(tools=[argument_documented]), "config.tools[0].parameters['city']"),
    ("a built-in tool name", generate(tools=[BAD]), "config.tools[0]"),
    # schemas
    (
        "a schema description",
        generate(response_schema={"type": "string", "description": BAD}),
        "config.response_schema.description",
    ),
    (
        "a schema enum value",
        generate(response_schema={"type": "string", "enum": ["a", BAD]}),
        "config.response_schema.enum[1]",
    ),
    (
        "a schema property name",
        generate(response_schema={"type": "object", "properties": {BAD: {"type": "string"}}}),
        "config.response_schema.properties['ok\\ud800ok']",
    ),
    (
        "a required name",
        generate(response_schema={"type": "object", "required": [BAD]}),
        "config.response_schema.required[0]",
    ),
    ("a Literal value", generate(response_schema=Literal["a", BAD]), "config.response_schema"),
    ("an Enum value", generate(response_schema=Color), "config.response_schema"),
    ("a dataclass field description", generate(response_schema=Described), "config.response_schema.x"),
    ("a TypedDict key", generate(response_schema=Functional), "config.response_schema"),
    ("to_schema", lambda: to_schema({"type": "string", "format": BAD}), "response_schema.format"),
    (
        "a JSON schema key",
        generate(response_json_schema={"type": "object", "properties": {BAD: {}}}),
        "config.response_json_schema['properties']['ok\\ud800ok']",
    ),
    (
        "a JSON schema value",
        generate(response_json_schema={"title": BAD}),
        "config.response_json_schema['title']",
    ),
    ("to_message", lambda: to_message(types.FileData, {"fileUri": BAD}, path="f"), "f.fileUri"),
    # metadata
    ("a metadata value", lambda: check_metadata([("x-a", BAD)], "config.metadata"), "config.metadata[0]"),
    (
        "a metadata key",
        lambda: check_metadata({BAD: "v"}, "config.metadata"),
        "config.metadata['ok\\ud800ok']",
    ),
]


@pytest.mark.parametrize(("what", "build", "at"), CASES, ids=[case[0] for case in CASES])
def test_lone_surrogates_are_value_errors_naming_the_path(
    what: str, build: Callable[[], Any], at: str
) -> None:
    with pytest.raises(ValueError, match="ud800") as caught:
        build()
    message = str(caught.value)
    assert type(caught.value) is ValueError, repr(caught.value)  # not UnicodeEncodeError
    assert message.startswith(f"{at}: "), message
    assert "\\ud800" in message, message  # escaped: the message itself prints anywhere
    message.encode()


def test_google_genai_objects_with_lone_surrogates() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    with pytest.raises(ValueError, match=r"^contents\[0\]\.parts\[0\]\.text: the text is not valid Unicode"):
        build_generate_request(MODEL, [gtypes.UserContent(parts=[gtypes.Part(text=BAD)])])
    config = gtypes.GenerateContentConfig(system_instruction=BAD)
    with pytest.raises(ValueError, match=r"^config\.system_instruction: "):
        build_generate_request(MODEL, "x", config)


def test_a_bare_prompt_keeps_its_message() -> None:
    for build in (encode_text_request, build_generate_request):
        with pytest.raises(
            ValueError, match=r"^contents: the text is not valid Unicode: '\\ud800' at position 2"
        ):
            build(MODEL, BAD)


def test_valid_text_including_astral_characters_is_untouched() -> None:
    text = "naïve 日本語 \U0001f600 \u200d"
    request = build_generate_request(
        MODEL, ["a", text], {"stop_sequences": [text], "response_json_schema": {text: text}}
    )
    assert request.contents[0].parts[1].text == text
    assert request.generation_config.stop_sequences[0] == text
