"""Request builders and config coercion: what ends up in the wire messages, and errors that name the
argument ("contents[0].parts[1]", "config.safety_settings[2].threshold")."""

from __future__ import annotations

import copy
import dataclasses
import doctest
import importlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from genai import types
from genai._requests.builders import build_count_tokens_request, build_embed_request, build_generate_request
from genai._requests.config import (
    EmbedContentConfig,
    GenerateContentConfig,
    to_embed_config,
    to_generate_config,
)
from genai._requests.encode import (
    contents_field,
    decode_contents,
    encode_content,
    encode_contents,
    encode_text_request,
    encode_user_text,
)
from genai._requests.options import call_options
from genai._transport.options import CallOptions, RetryOptions
from tests.expect import error

MODEL = "gemini-2.5-flash"


@dataclasses.dataclass
class Answer:
    text: str
    confidence: float


def lookup(query: str, limit: int = 5) -> list[str]:
    """Search the catalogue."""
    return [query] * limit


# ---------------------------------------------------------------------------------------------------
# to_generate_config


def test_generate_config_shapes() -> None:
    assert to_generate_config(None) is None
    config = GenerateContentConfig(temperature=0.1)
    assert to_generate_config(config) is config
    from_dict = to_generate_config({"temperature": 0.1, "maxOutputTokens": 5, "system_instruction": "s"})
    assert from_dict == GenerateContentConfig(temperature=0.1, max_output_tokens=5, system_instruction="s")
    generation = types.GenerationConfig(top_k=3)
    wrapped = to_generate_config(generation)
    assert wrapped is not None
    assert wrapped.generation_config is generation
    assert to_generate_config({"temperature": None}) == GenerateContentConfig()


def test_generate_config_dict_with_other_generation_fields() -> None:
    config = to_generate_config(
        {
            "speechConfig": {"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}},
            "temperature": 0.3,
        }
    )
    assert config is not None
    assert config.temperature == 0.3
    assert isinstance(config.generation_config, types.GenerationConfig)
    assert config.generation_config.speech_config.voice_config.prebuilt_voice_config.voice_name == "Kore"
    merged = to_generate_config({"generation_config": {"top_k": 2}, "enable_enhanced_civic_answers": True})
    assert merged is not None
    assert isinstance(merged.generation_config, types.GenerationConfig)
    assert (merged.generation_config.top_k, merged.generation_config.enable_enhanced_civic_answers) == (
        2,
        True,
    )


def test_generate_config_errors() -> None:
    error(
        ValueError,
        to_generate_config,
        {"temprature": 1},
        at="config",
        mentions=("did you mean 'temperature'", "valid keys"),
    )
    error(ValueError, to_generate_config, {"top_p": 1, "topP": 1}, at="config", mentions=("same setting",))
    error(TypeError, to_generate_config, {1: 2}, at="config", mentions=("keys must be str",))
    error(TypeError, to_generate_config, 5, at="config", mentions=("GenerateContentConfig", "dict"))
    error(TypeError, to_generate_config, "fast", at="config", mentions=("GenerateContentConfig",))


def test_generate_config_interop() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    config = to_generate_config(glm.GenerationConfig(temperature=0.5))
    assert config is not None
    assert isinstance(config.generation_config, types.GenerationConfig)
    assert config.generation_config.temperature == 0.5


def test_google_genai_generate_config() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    google = gtypes.GenerateContentConfig(
        temperature=0.4,
        system_instruction="Be brief.",
        safety_settings=[gtypes.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold="BLOCK_NONE")],
        http_options=gtypes.HttpOptions(timeout=2500, base_url="https://ignored"),
        automatic_function_calling=gtypes.AutomaticFunctionCallingConfig(disable=True),
        response_schema=Answer,
        response_mime_type="application/json",
        thinking_config=gtypes.ThinkingConfig(thinking_budget=64),
        image_config=gtypes.ImageConfig(aspect_ratio="16:9"),
    )
    config = to_generate_config(google)
    assert config is not None
    assert config.temperature == 0.4
    assert config.timeout == 2.5
    assert config.response_schema is Answer  # the Python type survives
    assert isinstance(config.generation_config, types.GenerationConfig)
    assert config.generation_config.image_config.aspect_ratio == "16:9"
    request = build_generate_request(MODEL, "hi", google)
    assert request.generation_config.temperature == pytest.approx(0.4)
    assert request.generation_config.thinking_config.thinking_budget == 64
    assert request.generation_config.image_config.aspect_ratio == "16:9"
    assert request.generation_config.response_schema.properties["confidence"].type == types.Type.NUMBER
    assert request.safety_settings[0].threshold == types.HarmBlockThreshold.BLOCK_NONE
    assert request.system_instruction.parts[0].text == "Be brief."
    options = call_options(google)
    assert options is not None
    assert options.timeout == 2.5
    error(
        ValueError,
        to_generate_config,
        gtypes.GenerateContentConfig(labels={"a": "b"}),
        at="config.labels",
        mentions=("not supported",),
    )


# ---------------------------------------------------------------------------------------------------
# build_generate_request


def test_minimal_request() -> None:
    request = build_generate_request(MODEL, "Hello")
    assert request == types.GenerateContentRequest(
        model="models/gemini-2.5-flash",
        contents=[types.Content(role="user", parts=[types.Part(text="Hello")])],
    )
    assert not request.HasField("generation_config")
    assert not request.HasField("system_instruction")


def test_full_request() -> None:
    config = GenerateContentConfig(
        system_instruction="Answer in French.",
        tools=[lookup, "code_execution"],
        tool_config="any",
        safety_settings={"harassment": "none", "dangerous": "high"},
        cached_content="abc123",
        candidate_count=1,
        stop_sequences=["END"],
        max_output_tokens=128,
        temperature=0.5,
        top_p=0.9,
        top_k=20,
        seed=7,
        presence_penalty=0.1,
        frequency_penalty=0.2,
        response_schema=Answer,
        response_modalities=["TEXT"],
        response_logprobs=True,
        logprobs=3,
        media_resolution="high",
        thinking_config={"thinking_budget": 512, "include_thoughts": True},
        timeout=10,
    )
    request = build_generate_request(
        "models/gemini-2.5-pro", ["Q?", {"role": "model", "parts": ["A."]}, "Q2?"], config
    )
    assert request.model == "models/gemini-2.5-pro"
    assert [c.role for c in request.contents] == ["user", "model", "user"]
    assert request.system_instruction == types.Content(parts=[types.Part(text="Answer in French.")])
    assert request.system_instruction.role == ""
    assert [d.name for d in request.tools[0].function_declarations] == ["lookup"]
    assert request.tools[1].HasField("code_execution")
    assert request.tool_config.function_calling_config.mode == types.FunctionCallingConfigMode.ANY
    assert [(s.category, s.threshold) for s in request.safety_settings] == [
        (types.HarmCategory.HARM_CATEGORY_HARASSMENT, types.HarmBlockThreshold.BLOCK_NONE),
        (types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, types.HarmBlockThreshold.BLOCK_ONLY_HIGH),
    ]
    assert request.cached_content == "cachedContents/abc123"
    gc = request.generation_config
    assert (gc.candidate_count, list(gc.stop_sequences), gc.max_output_tokens) == (1, ["END"], 128)
    assert gc.temperature == pytest.approx(0.5)
    assert gc.top_p == pytest.approx(0.9)
    assert (gc.top_k, gc.seed) == (20, 7)
    assert gc.presence_penalty == pytest.approx(0.1)
    assert gc.frequency_penalty == pytest.approx(0.2)
    assert gc.response_mime_type == "application/json"  # filled in because a schema is given
    assert list(gc.response_schema.property_ordering) == ["text", "confidence"]
    assert list(gc.response_modalities) == [types.Modality.TEXT]
    assert (gc.response_logprobs, gc.logprobs) == (True, 3)
    assert gc.media_resolution == types.MediaResolution.MEDIA_RESOLUTION_HIGH
    assert (gc.thinking_config.thinking_budget, gc.thinking_config.include_thoughts) == (512, True)


def test_system_instruction_keeps_a_given_role() -> None:
    request = build_generate_request(MODEL, "x", {"system_instruction": {"role": "user", "parts": ["s"]}})
    assert request.system_instruction.role == "user"
    given = types.Content(parts=[types.Part(text="sys")])
    assert build_generate_request(MODEL, "x", {"system_instruction": given}).system_instruction == given


def test_generation_config_base_is_overlaid_not_mutated() -> None:
    base = types.GenerationConfig(temperature=0.1, top_k=3, stop_sequences=["a", "b"])
    snapshot = base.SerializeToString()
    request = build_generate_request(
        MODEL, "x", GenerateContentConfig(generation_config=base, top_p=0.9, max_output_tokens=7)
    )
    gc = request.generation_config
    assert gc.temperature == pytest.approx(0.1)
    assert gc.top_p == pytest.approx(0.9)
    assert (gc.top_k, gc.max_output_tokens) == (3, 7)
    assert list(gc.stop_sequences) == ["a", "b"]
    assert base.SerializeToString() == snapshot
    only_base = build_generate_request(MODEL, "x", GenerateContentConfig(generation_config={"top_k": 4}))
    assert only_base.generation_config == types.GenerationConfig(top_k=4)


GENERATION_FIELDS_ALSO_FLAT = [
    ("candidate_count", 2, 3),
    ("stop_sequences", ["a"], ["b"]),
    ("max_output_tokens", 10, 20),
    ("temperature", 0.0, 0.5),
    ("top_p", 0.1, 0.2),
    ("top_k", 1, 2),
    ("seed", 7, 8),
    ("presence_penalty", 0.1, 0.2),
    ("frequency_penalty", 0.1, 0.2),
    ("response_mime_type", "text/plain", "application/json"),
    ("response_schema", {"type": "string"}, {"type": "integer"}),
    ("response_json_schema", {"type": "string"}, {"type": "integer"}),
    ("response_modalities", ["TEXT"], ["IMAGE"]),
    ("response_logprobs", False, True),
    ("logprobs", 1, 2),
    ("media_resolution", "low", "high"),
    ("thinking_config", {"thinking_budget": 0}, 128),
]


def test_every_flat_generation_field_has_a_clash_case() -> None:
    flat = {f.name for f in dataclasses.fields(GenerateContentConfig)} & set(
        types.GenerationConfig.DESCRIPTOR.fields_by_name
    )
    assert flat == {name for name, _, _ in GENERATION_FIELDS_ALSO_FLAT}


@pytest.mark.parametrize(("name", "inside", "flat"), GENERATION_FIELDS_ALSO_FLAT)
def test_a_setting_given_flat_and_in_generation_config_is_refused(name: str, inside: Any, flat: Any) -> None:
    mentions = (f"config.generation_config.{name}",)
    dataclass_config = GenerateContentConfig(generation_config={name: inside}, **{name: flat})
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        dataclass_config,
        at=f"config.{name}",
        mentions=mentions,
    )
    dict_config = {"generation_config": {name: inside}, name: flat}
    error(ValueError, build_generate_request, MODEL, "x", dict_config, at=f"config.{name}", mentions=mentions)
    # Given once, either way, it is sent.
    assert build_generate_request(MODEL, "x", {name: flat}).generation_config.ListFields()
    assert build_generate_request(
        MODEL, "x", {"generation_config": {name: inside}}
    ).generation_config.ListFields()


def test_generation_config_clashes_in_other_shapes() -> None:
    # camelCase on either side, a google-genai GenerationConfig as the base, other GenerationConfig
    # fields given flat in a dict (they go into generation_config too).
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {"generationConfig": {"maxOutputTokens": 5}, "maxOutputTokens": 6},
        at="config.max_output_tokens",
        mentions=("config.generation_config.max_output_tokens",),
    )
    # A message base: a proto3 optional field set to its default (0.0) is set, so it clashes.
    zero = {"generation_config": types.GenerationConfig(temperature=0.0), "temperature": 0.5}
    error(ValueError, build_count_tokens_request, MODEL, "x", zero, at="config.temperature")
    gtypes = pytest.importorskip("google.genai.types")
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {"generation_config": gtypes.GenerationConfig(temperature=0.3), "temperature": 0.5},
        at="config.temperature",
    )
    voice = {"voice_config": {"prebuilt_voice_config": {"voice_name": "Kore"}}}
    error(
        ValueError,
        to_generate_config,
        {"generation_config": {"speech_config": voice}, "speechConfig": voice},
        at="config.speechConfig",
        mentions=("config.generation_config.speech_config",),
    )
    # No clash: different fields on each side, or a field set to None (not set) on one side.
    request = build_generate_request(
        MODEL,
        "x",
        {"generation_config": {"temperature": 0.3, "top_k": None}, "top_k": 4, "speech_config": voice},
    )
    assert (request.generation_config.temperature, request.generation_config.top_k) == (pytest.approx(0.3), 4)
    assert request.generation_config.speech_config.voice_config.prebuilt_voice_config.voice_name == "Kore"


def test_json_mime_type_rule() -> None:
    explicit = build_generate_request(
        MODEL,
        "x",
        {"response_schema": {"type": "string", "enum": ["a"]}, "response_mime_type": "text/x.enum"},
    )
    assert explicit.generation_config.response_mime_type == "text/x.enum"
    json_schema = build_generate_request(
        MODEL, "x", {"response_json_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}
    )
    gc = json_schema.generation_config
    assert gc.response_mime_type == "application/json"
    assert gc.response_json_schema.struct_value["properties"]["n"]["type"] == "integer"
    base = types.GenerationConfig(response_schema=types.Schema(type=types.Type.STRING))
    from_base = build_generate_request(MODEL, "x", GenerateContentConfig(generation_config=base))
    assert from_base.generation_config.response_mime_type == "application/json"
    assert base.response_mime_type == ""  # the caller's base is untouched
    assert build_generate_request(MODEL, "x", {"temperature": 1}).generation_config.response_mime_type == ""


def test_cached_content_names() -> None:
    assert (
        build_generate_request(MODEL, "x", {"cached_content": "cachedContents/z"}).cached_content
        == "cachedContents/z"
    )
    error(
        TypeError,
        build_generate_request,
        MODEL,
        "x",
        {"cached_content": 5},
        at="config.cached_content",
        mentions=("cachedContents/",),
    )


def test_messages_are_copied_into_the_request() -> None:
    content = types.Content(role="user", parts=[types.Part(text="mine")])
    tool = types.Tool(code_execution=types.CodeExecution())
    request = build_generate_request(MODEL, [content], GenerateContentConfig(tools=[tool]))
    assert request.contents[0] == content
    request.contents[0].parts[0].text = "changed"
    request.tools[0].Clear()
    assert content.parts[0].text == "mine"
    assert tool.HasField("code_execution")


def test_inputs_are_not_mutated() -> None:
    contents = [
        "a",
        {"role": "model", "parts": [{"text": "b"}]},
        {"inline_data": {"mime_type": "a/b", "data": b"1"}},
    ]
    config = {
        "safety_settings": [{"category": "hate", "threshold": "low"}],
        "tools": [{"name": "f", "parameters": {"type": ["object", "null"]}}],
        "response_schema": {"type": ["string", "null"]},
        "generation_config": {"stop_sequences": ["x"]},
    }
    snapshot = copy.deepcopy((contents, config))
    build_generate_request(MODEL, contents, config)
    assert (contents, config) == snapshot


def test_error_paths_start_at_the_argument() -> None:
    error(
        TypeError,
        build_generate_request,
        MODEL,
        ["ok", {"role": "user", "parts": ["ok", 5]}],
        at="contents[1].parts[1]",
        mentions=("a part",),
    )
    error(
        TypeError, build_generate_request, MODEL, [{"text": "a"}, 3], at="contents[1]", mentions=("a part",)
    )
    error(ValueError, build_generate_request, MODEL, [], at="contents", mentions=("empty",))
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {
            "safety_settings": [
                {"category": "hate", "threshold": "low"},
                {"category": "sexual", "threshold": "low"},
                {"category": "civic", "threshold": "nope"},
            ]
        },
        at="config.safety_settings[2].threshold",
        mentions=("BLOCK_NONE",),
    )
    error(
        TypeError,
        build_generate_request,
        MODEL,
        "x",
        {"tools": ["code_execution", 1]},
        at="config.tools[1]",
        mentions=("types.Tool",),
    )
    error(
        TypeError,
        build_generate_request,
        MODEL,
        "x",
        {"system_instruction": 4},
        at="config.system_instruction",
        mentions=("a content",),
    )
    error(
        TypeError,
        build_generate_request,
        MODEL,
        "x",
        {"temperature": "hot"},
        at="config.temperature",
        mentions=("number",),
    )
    error(
        TypeError,
        build_generate_request,
        MODEL,
        "x",
        {"stop_sequences": "END"},
        at="config.stop_sequences",
        mentions=("list of str",),
    )
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {"response_schema": list[complex]},
        at="config.response_schema.items",
        mentions=("complex",),
    )
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {"media_resolution": "ultra"},
        at="config.media_resolution",
        mentions=("MEDIA_RESOLUTION_HIGH",),
    )
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {"tool_config": "maybe"},
        at="config.tool_config",
        mentions=("AUTO",),
    )
    error(
        TypeError,
        build_generate_request,
        MODEL,
        "x",
        {"thinking_config": "deep"},
        at="config.thinking_config",
        mentions=("int budget",),
    )
    error(
        ValueError,
        build_generate_request,
        MODEL,
        "x",
        {"generation_config": {"temp": 1}},
        at="config.generation_config",
        mentions=("'temp'",),
    )
    error(ValueError, build_generate_request, "", "x", at="model", mentions=("gemini-2.5-flash",))


# ---------------------------------------------------------------------------------------------------
# CountTokens


def test_count_tokens_plain_contents() -> None:
    request = build_count_tokens_request(MODEL, ["a", "b"])
    assert request.model == "models/gemini-2.5-flash"
    assert len(request.contents) == 1
    assert not request.HasField("generate_content_request")
    only_options = build_count_tokens_request(MODEL, "a", {"timeout": 5, "retry": RetryOptions(attempts=1)})
    assert not only_options.HasField("generate_content_request")
    assert only_options.contents[0].parts[0].text == "a"


@pytest.mark.parametrize(
    "config",
    [
        {"system_instruction": "sys"},
        {"tools": [lookup]},
        {"temperature": 0.2},
        {"generation_config": {"top_k": 1}},
        {"safety_settings": {"hate": "none"}},
        {"cached_content": "cachedContents/x"},
    ],
)
def test_count_tokens_uses_generate_request_when_config_matters(config: dict[str, Any]) -> None:
    request = build_count_tokens_request(MODEL, "a", config)
    assert not request.contents
    assert request.generate_content_request == build_generate_request(MODEL, "a", config)
    assert request.generate_content_request.model == request.model


def test_count_tokens_errors() -> None:
    error(TypeError, build_count_tokens_request, MODEL, [None], at="contents[0]", mentions=("a part",))
    error(
        ValueError,
        build_count_tokens_request,
        MODEL,
        "a",
        {"tools": ["nope"]},
        at="config.tools[0]",
        mentions=("code_execution",),
    )


# ---------------------------------------------------------------------------------------------------
# Embeddings


def test_embed_request() -> None:
    request = build_embed_request("text-embedding-004", "Hello")
    assert request == types.EmbedContentRequest(
        model="models/text-embedding-004", content=types.Content(parts=[types.Part(text="Hello")])
    )
    assert request.content.role == ""
    assert not request.HasField("task_type")
    full = build_embed_request(
        "models/e",
        ["a", "b"],
        {"taskType": "retrieval_document", "title": "Doc", "output_dimensionality": 256},
    )
    assert full.task_type == types.TaskType.RETRIEVAL_DOCUMENT
    assert (full.title, full.output_dimensionality) == ("Doc", 256)
    assert [p.text for p in full.content.parts] == ["a", "b"]
    assert (
        build_embed_request("e", "x", EmbedContentConfig(task_type=3)).task_type
        == types.TaskType.SEMANTIC_SIMILARITY
    )


def test_embed_errors() -> None:
    error(
        TypeError, build_embed_request, "e", 5, at="contents[3]", mentions=("a content",), path="contents[3]"
    )
    error(
        ValueError,
        build_embed_request,
        "e",
        "x",
        {"task_type": "search"},
        at="config.task_type",
        mentions=("RETRIEVAL_QUERY",),
    )
    error(
        ValueError,
        build_embed_request,
        "e",
        "x",
        {"output_dimensionality": 0},
        at="config.output_dimensionality",
        mentions=("positive",),
    )
    error(
        TypeError,
        build_embed_request,
        "e",
        "x",
        {"output_dimensionality": "256"},
        at="config.output_dimensionality",
    )
    error(TypeError, build_embed_request, "e", "x", {"title": 5}, at="config.title", mentions=("a str",))
    error(
        ValueError,
        build_embed_request,
        "e",
        "x",
        {"dims": 5},
        at="config",
        mentions=("'dims'", "output_dimensionality"),
    )


def test_embed_config_shapes() -> None:
    assert to_embed_config(None) is None
    config = EmbedContentConfig(title="t")
    assert to_embed_config(config) is config
    assert to_embed_config({"outputDimensionality": 8}) == EmbedContentConfig(output_dimensionality=8)
    error(TypeError, to_embed_config, "x", at="config", mentions=("EmbedContentConfig",))


def test_embed_config_google_genai() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    config = to_embed_config(
        gtypes.EmbedContentConfig(
            task_type="RETRIEVAL_QUERY", output_dimensionality=16, http_options={"timeout": 1000}
        )
    )
    assert config == EmbedContentConfig(task_type="RETRIEVAL_QUERY", output_dimensionality=16, timeout=1.0)
    error(
        ValueError,
        to_embed_config,
        gtypes.EmbedContentConfig(auto_truncate=True),
        at="config.auto_truncate",
        mentions=("not supported",),
    )


# ---------------------------------------------------------------------------------------------------
# call_options


def test_call_options() -> None:
    assert call_options(None) is None
    assert call_options(GenerateContentConfig(temperature=1)) is None
    assert call_options({"temperature": 1}) is None
    assert call_options(types.GenerationConfig()) is None
    retry = RetryOptions(attempts=2)
    assert call_options(GenerateContentConfig(timeout=5, retry=retry)) == CallOptions(
        timeout=5.0, retry=retry
    )
    assert call_options(EmbedContentConfig(timeout=1.5)) == CallOptions(timeout=1.5)
    assert call_options({"timeout": 2}) == CallOptions(timeout=2.0)
    assert call_options({"metadata": [("x-a", "1")]}) == CallOptions(metadata=(("x-a", "1"),))
    given = CallOptions(timeout=3)
    assert call_options(given) is given


def test_call_options_errors() -> None:
    error(TypeError, call_options, {"timeout": "5"}, at="config.timeout", mentions=("seconds",))
    error(ValueError, call_options, {"timeout": 0}, at="config.timeout", mentions=("positive",))
    error(TypeError, call_options, {"timeout": True}, at="config.timeout")
    error(TypeError, call_options, {"retry": 3}, at="config.retry", mentions=("RetryOptions",))
    error(TypeError, call_options, {"metadata": [("k",)]}, at="config.metadata[0]", mentions=("pair",))
    error(TypeError, call_options, {"metadata": 5}, at="config.metadata", mentions=("pairs",))


# The coercion layer: every public function there carries a docstring example.
COERCION_MODULES = [
    "genai._coercion.errors",
    "genai._coercion.base",
    "genai._coercion.dicts",
    "genai._coercion.nesting",
    "genai._coercion.content",
    "genai._coercion.safety",
    "genai._coercion.models",
    "genai._coercion.generation",
    "genai._coercion.tools",
    "genai._coercion.hooks",
    "genai._coercion.schema",
    "genai._transport.checks",
    "genai._transport.options",
    "genai._requests.builders",
    "genai._requests.config",
    "genai._requests.options",
    "genai._requests.encode",
]


@pytest.mark.parametrize("module", COERCION_MODULES)
def test_docstring_examples_hold(module: str) -> None:
    """Every public function documents itself with a one-line example; they must stay true."""
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


@pytest.mark.parametrize("module", COERCION_MODULES)
def test_public_functions_have_an_example(module: str) -> None:
    loaded = importlib.import_module(module)
    for name in loaded.__all__:
        obj = getattr(loaded, name)
        if callable(obj) and not isinstance(obj, type) and getattr(obj, "__module__", None) == module:
            assert obj.__doc__ and ">>> " in obj.__doc__, f"{module}.{name} has no docstring example"


# ---------------------------------------------------------------------------------------------------
# The one-prompt request, encoded without building the message


@settings(max_examples=300, deadline=None)
@given(
    model=st.sampled_from(["gemini-2.5-flash", "models/gemini-2.5-pro", "tunedModels/t-1", "m" * 200]),
    text=st.text(st.characters(exclude_categories=("Cs",)), max_size=300),
)
def test_encoded_text_request_is_byte_for_byte_what_protobuf_writes(model: str, text: str) -> None:
    assert encode_text_request(model, text) == build_generate_request(model, text).SerializeToString()


@pytest.mark.parametrize("size", [0, 127, 128, 16_383, 16_384, 2_097_152])
def test_encoded_text_request_at_varint_boundaries(size: int) -> None:
    text = "x" * size
    data = encode_text_request(MODEL, text)
    assert data == build_generate_request(MODEL, text).SerializeToString()
    assert types.GenerateContentRequest.FromString(data).contents[0].parts[0].text == text


def test_encoded_text_request_refuses_what_the_message_refuses() -> None:
    error(ValueError, encode_text_request, MODEL, "half a pair \ud800", at="contents", mentions=("UTF-8",))
    error(ValueError, encode_text_request, "not a model", "Hi", at="model")


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(exclude_categories=("Cs",)), max_size=300))
def test_encoded_user_text_is_the_contents_field_protobuf_writes(text: str) -> None:
    content = types.Content(role="user", parts=[types.Part(text=text)])
    assert encode_user_text(text) == encode_contents([content]) == encode_content(content)
    assert decode_contents(encode_user_text(text)) == [content]


@pytest.mark.parametrize("size", [0, 120, 121, 122, 127, 128, 16_383, 16_384])
def test_contents_fields_at_varint_boundaries(size: int) -> None:
    content = types.Content(role="model", parts=[types.Part(text="y" * size)])
    data = content.SerializeToString()
    request = types.GenerateContentRequest(model=MODEL, contents=[content, content])
    head = types.GenerateContentRequest(model=MODEL).SerializeToString()
    assert head + contents_field(data) + encode_content(content) == request.SerializeToString()
    assert decode_contents(contents_field(data)) == [content]


def test_encoded_user_text_refuses_what_the_message_refuses() -> None:
    error(
        ValueError, encode_user_text, "half a pair \ud800", path="message", at="message", mentions=("UTF-8",)
    )
