"""Config coercers (model names, generation/safety/thinking configs, tools, tool config, enums) and the
generic dict -> message converter underneath them."""

from __future__ import annotations

import copy
import datetime
import enum
import functools
import re
from typing import Any, Optional

import pytest

from genai import types
from genai._coercion.base import describe, enum_number, own_class
from genai._coercion.dicts import fill_message, set_field, to_bytes, to_message
from genai._coercion.generation import to_enum, to_generation_config, to_thinking_config
from genai._coercion.models import to_model_name
from genai._coercion.safety import to_safety_setting, to_safety_settings
from genai._coercion.tools import to_function_declaration, to_tool_config, to_tools
from genai._requests.builders import build_generate_request
from tests.expect import error

HC = types.HarmCategory
HT = types.HarmBlockThreshold


# ---------------------------------------------------------------------------------------------------
# Model names


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("gemini-2.5-flash", "models/gemini-2.5-flash"),
        ("models/gemini-2.5-flash", "models/gemini-2.5-flash"),
        ("tunedModels/my-model-7", "tunedModels/my-model-7"),
        ("gemini-1.5-pro-002", "models/gemini-1.5-pro-002"),
    ],
)
def test_model_names(given: str, expected: str) -> None:
    assert to_model_name(given) == expected


@pytest.mark.parametrize(
    "bad", ["", "models/", "tunedModels/", "projects/p/models/x", "a/b", "gemini 2", " x"]
)
def test_bad_model_names(bad: str) -> None:
    error(ValueError, to_model_name, bad, at="model", mentions=("gemini-2.5-flash", repr(bad)))


@pytest.mark.parametrize("bad", [None, 5, b"gemini", ["gemini"]])
def test_model_name_wrong_kind(bad: Any) -> None:
    error(TypeError, to_model_name, bad, at="model_name", mentions=("model name str",), path="model_name")


# ---------------------------------------------------------------------------------------------------
# Enums


def test_enum_names_numbers_and_members() -> None:
    assert to_enum(HC, "HARM_CATEGORY_HARASSMENT", path="x") == HC.HARM_CATEGORY_HARASSMENT
    assert to_enum(HC, "harm_category_hate_speech", path="x") == HC.HARM_CATEGORY_HATE_SPEECH
    assert to_enum(HC, "harassment", path="x") == HC.HARM_CATEGORY_HARASSMENT  # common prefix dropped
    assert to_enum(HC, "Civic-Integrity", path="x") == HC.HARM_CATEGORY_CIVIC_INTEGRITY
    assert to_enum(HC, 8, path="x") == HC.HARM_CATEGORY_HATE_SPEECH
    assert to_enum(types.MediaResolution, "low", path="x") == types.MediaResolution.MEDIA_RESOLUTION_LOW
    assert to_enum(HT, "unspecified", path="x") == HT.HARM_BLOCK_THRESHOLD_UNSPECIFIED
    assert to_enum(types.TaskType, "retrieval_document", path="x") == types.TaskType.RETRIEVAL_DOCUMENT

    class Py(enum.IntEnum):
        HATE = 8

    class Named(str, enum.Enum):
        HIGH = "BLOCK_ONLY_HIGH"

    class Plain(enum.Enum):
        OFF = "OFF"

    assert to_enum(HC, Py.HATE, path="x") == HC.HARM_CATEGORY_HATE_SPEECH
    assert to_enum(HT, Named.HIGH, path="x") == HT.BLOCK_ONLY_HIGH
    assert to_enum(HT, Plain.OFF, path="x") == HT.OFF


def test_enum_errors() -> None:
    error(
        ValueError,
        to_enum,
        HC,
        "harasment",
        at="safety.category",
        mentions=("did you mean", "HARM_CATEGORY_HARASSMENT", "any case"),
        path="safety.category",
    )
    error(ValueError, to_enum, HC, 99, at="c", mentions=("99", "HARM_CATEGORY_HARASSMENT"), path="c")
    error(TypeError, to_enum, HC, True, at="c", mentions=("HarmCategory",), path="c")
    error(TypeError, to_enum, HC, 1.0, at="c", mentions=("name (str) or number (int)",), path="c")


def test_enum_from_proto_plus() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    assert to_enum(HC, glm.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, path="x") == 10


# ---------------------------------------------------------------------------------------------------
# GenerationConfig / ThinkingConfig


def test_generation_config_passthrough_and_dicts() -> None:
    config = types.GenerationConfig(temperature=0.5)
    assert to_generation_config(config) is config
    built = to_generation_config(
        {
            "temperature": 0.25,
            "maxOutputTokens": 64,
            "stop_sequences": ["END"],
            "response_modalities": ["text", "IMAGE"],
            "media_resolution": "medium",
            "response_schema": {"type": "object", "properties": {"n": int}},
            "thinking_config": 256,
            "response_json_schema": {"type": "object", "properties": {"a": {"type": "string"}}},
        }
    )
    assert built.temperature == 0.25
    assert built.max_output_tokens == 64
    assert list(built.stop_sequences) == ["END"]
    assert list(built.response_modalities) == [types.Modality.TEXT, types.Modality.IMAGE]
    assert built.media_resolution == types.MediaResolution.MEDIA_RESOLUTION_MEDIUM
    assert built.response_schema.properties["n"].type == types.Type.INTEGER
    assert built.thinking_config.thinking_budget == 256
    assert built.response_json_schema.struct_value["properties"]["a"]["type"] == "string"


def test_generation_config_errors() -> None:
    error(
        ValueError,
        to_generation_config,
        {"temprature": 1},
        at="generation_config",
        mentions=("did you mean 'temperature'", "valid keys", "top_p"),
    )
    error(
        TypeError,
        to_generation_config,
        {"stop_sequences": "END"},
        at="generation_config.stop_sequences",
        mentions=("a list of str",),
    )
    error(
        TypeError,
        to_generation_config,
        {"temperature": "hot"},
        at="generation_config.temperature",
        mentions=("number",),
    )
    error(
        TypeError,
        to_generation_config,
        {"candidate_count": 1.5},
        at="generation_config.candidate_count",
        mentions=("an int",),
    )
    error(
        ValueError,
        to_generation_config,
        {"top_k": 2**40},
        at="generation_config.top_k",
        mentions=("out of range",),
    )
    error(
        ValueError,
        to_generation_config,
        {"response_modalities": ["txt"]},
        at="generation_config.response_modalities[0]",
        mentions=("TEXT",),
    )
    error(
        TypeError,
        to_generation_config,
        ["temperature"],
        at="generation_config",
        mentions=("types.GenerationConfig", "dict"),
    )
    error(
        TypeError,
        to_generation_config,
        {"response_logprobs": 1},
        at="generation_config.response_logprobs",
        mentions=("a bool",),
    )


def test_generation_config_interop() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    built = to_generation_config(glm.GenerationConfig(temperature=0.5, top_k=3))
    assert (built.temperature, built.top_k) == (0.5, 3)
    error(
        TypeError, to_generation_config, glm.Content(), at="generation_config", mentions=("v1beta.Content",)
    )


def test_generation_config_google_genai() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    built = to_generation_config(
        gtypes.GenerationConfig(temperature=0.5, media_resolution="MEDIA_RESOLUTION_LOW")
    )
    assert built.temperature == 0.5
    assert built.media_resolution == types.MediaResolution.MEDIA_RESOLUTION_LOW


def test_thinking_config() -> None:
    config = types.ThinkingConfig(thinking_budget=5)
    assert to_thinking_config(config) is config
    assert to_thinking_config(0) == types.ThinkingConfig(thinking_budget=0)
    assert to_thinking_config(-1).thinking_budget == -1
    assert to_thinking_config({"includeThoughts": True}).include_thoughts is True
    error(ValueError, to_thinking_config, -2, at="thinking_config", mentions=("-1",))
    error(TypeError, to_thinking_config, True, at="thinking_config", mentions=("int budget",))
    error(
        TypeError,
        to_thinking_config,
        "high",
        at="config.thinking_config",
        mentions=("ThinkingConfig",),
        path="config.thinking_config",
    )


def test_thinking_config_google_genai() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    assert to_thinking_config(gtypes.ThinkingConfig(thinking_budget=12)).thinking_budget == 12


# ---------------------------------------------------------------------------------------------------
# Safety settings

CATEGORY_ALIASES = [
    ("harassment", HC.HARM_CATEGORY_HARASSMENT),
    ("HARASSMENT", HC.HARM_CATEGORY_HARASSMENT),
    ("hate", HC.HARM_CATEGORY_HATE_SPEECH),
    ("hate_speech", HC.HARM_CATEGORY_HATE_SPEECH),
    ("sexual", HC.HARM_CATEGORY_SEXUALLY_EXPLICIT),
    ("Sexually_Explicit", HC.HARM_CATEGORY_SEXUALLY_EXPLICIT),
    ("dangerous", HC.HARM_CATEGORY_DANGEROUS_CONTENT),
    ("dangerous_content", HC.HARM_CATEGORY_DANGEROUS_CONTENT),
    ("civic", HC.HARM_CATEGORY_CIVIC_INTEGRITY),
    ("civic_integrity", HC.HARM_CATEGORY_CIVIC_INTEGRITY),
    ("HARM_CATEGORY_HATE_SPEECH", HC.HARM_CATEGORY_HATE_SPEECH),
    # google-generativeai's names, PaLM-era ones included, mean Gemini's categories (issue 7).
    ("sex", HC.HARM_CATEGORY_SEXUALLY_EXPLICIT),
    ("harm_category_sexual", HC.HARM_CATEGORY_SEXUALLY_EXPLICIT),
    ("HARM_CATEGORY_SEXUALLY_EXPLICIT", HC.HARM_CATEGORY_SEXUALLY_EXPLICIT),
    ("danger", HC.HARM_CATEGORY_DANGEROUS_CONTENT),
    ("harm_category_dangerous", HC.HARM_CATEGORY_DANGEROUS_CONTENT),
    ("Harm-Category-Dangerous-Content", HC.HARM_CATEGORY_DANGEROUS_CONTENT),
    ("unspecified", HC.HARM_CATEGORY_UNSPECIFIED),
    (HC.HARM_CATEGORY_SEXUALLY_EXPLICIT, HC.HARM_CATEGORY_SEXUALLY_EXPLICIT),
    (11, HC.HARM_CATEGORY_CIVIC_INTEGRITY),
    (HC.HARM_CATEGORY_HARASSMENT, HC.HARM_CATEGORY_HARASSMENT),
]
THRESHOLD_ALIASES = [
    ("none", HT.BLOCK_NONE),
    ("block_none", HT.BLOCK_NONE),
    ("low", HT.BLOCK_LOW_AND_ABOVE),
    ("BLOCK_LOW_AND_ABOVE", HT.BLOCK_LOW_AND_ABOVE),
    ("medium", HT.BLOCK_MEDIUM_AND_ABOVE),
    ("med", HT.BLOCK_MEDIUM_AND_ABOVE),
    ("block_medium_and_above", HT.BLOCK_MEDIUM_AND_ABOVE),
    ("high", HT.BLOCK_ONLY_HIGH),
    ("block_only_high", HT.BLOCK_ONLY_HIGH),
    ("off", HT.OFF),
    ("unspecified", HT.HARM_BLOCK_THRESHOLD_UNSPECIFIED),
    ("block_threshold_unspecified", HT.HARM_BLOCK_THRESHOLD_UNSPECIFIED),
    ("HARM_BLOCK_THRESHOLD_UNSPECIFIED", HT.HARM_BLOCK_THRESHOLD_UNSPECIFIED),
    (HT.BLOCK_NONE, HT.BLOCK_NONE),
    (3, HT.BLOCK_ONLY_HIGH),
]


@pytest.mark.parametrize(("alias", "category"), CATEGORY_ALIASES)
def test_category_aliases(alias: Any, category: int) -> None:
    (setting,) = to_safety_settings({alias: "none"})
    assert setting.category == category
    assert to_safety_setting({"category": alias, "threshold": "none"}).category == category


@pytest.mark.parametrize(("alias", "threshold"), THRESHOLD_ALIASES)
def test_threshold_aliases(alias: Any, threshold: int) -> None:
    (setting,) = to_safety_settings({"harassment": alias})
    assert setting.threshold == threshold


def test_safety_settings_shapes() -> None:
    message = types.SafetySetting(category=HC.HARM_CATEGORY_HARASSMENT, threshold=HT.OFF)
    assert to_safety_settings(message)[0] is message
    listed = to_safety_settings([message, {"category": "hate", "threshold": "low"}])
    assert listed[0] is message
    assert listed[1] == types.SafetySetting(
        category=HC.HARM_CATEGORY_HATE_SPEECH, threshold=HT.BLOCK_LOW_AND_ABOVE
    )
    assert to_safety_settings({"category": "sexual", "threshold": "high"}) == [
        types.SafetySetting(category=HC.HARM_CATEGORY_SEXUALLY_EXPLICIT, threshold=HT.BLOCK_ONLY_HIGH)
    ]
    assert to_safety_settings({}) == []
    assert to_safety_settings([]) == []
    mixed = to_safety_settings(
        {
            "harassment": "block_none",
            "HARM_CATEGORY_HATE_SPEECH": "BLOCK_LOW_AND_ABOVE",
            HC.HARM_CATEGORY_DANGEROUS_CONTENT: 3,
        }
    )
    assert [(s.category, s.threshold) for s in mixed] == [
        (HC.HARM_CATEGORY_HARASSMENT, HT.BLOCK_NONE),
        (HC.HARM_CATEGORY_HATE_SPEECH, HT.BLOCK_LOW_AND_ABOVE),
        (HC.HARM_CATEGORY_DANGEROUS_CONTENT, HT.BLOCK_ONLY_HIGH),
    ]
    assert to_safety_setting(message) is message


def test_safety_settings_errors() -> None:
    error(
        ValueError,
        to_safety_settings,
        {"harassment": "nonee"},
        at="safety_settings['harassment']",
        mentions=("HarmBlockThreshold", "BLOCK_NONE", "aliases"),
    )
    error(
        ValueError,
        to_safety_settings,
        {"harasment": "none"},
        at="safety_settings['harasment']",
        mentions=("HarmCategory", "harassment"),
    )
    error(
        ValueError,
        to_safety_settings,
        [
            {"category": "hate", "threshold": "none"},
            {"category": "sexual", "threshold": "none"},
            {"category": "civic", "threshold": "x"},
        ],
        at="config.safety_settings[2].threshold",
        mentions=("HarmBlockThreshold",),
        path="config.safety_settings",
    )
    error(
        TypeError,
        to_safety_settings,
        [{"category": "hate", "threshold": 1.5}],
        at="safety_settings[0].threshold",
        mentions=("HarmBlockThreshold",),
    )
    error(
        ValueError,
        to_safety_settings,
        [{"category": "hate", "threshold": "none", "method": "x"}],
        at="safety_settings[0]",
        mentions=("'method'", "category, threshold"),
    )
    error(
        ValueError,
        to_safety_settings,
        {"hate": "none", "hate_speech": "low"},
        at="safety_settings",
        mentions=("HARM_CATEGORY_HATE_SPEECH", "more than once"),
    )
    error(TypeError, to_safety_settings, 1.5, at="safety_settings", mentions=("{category: threshold}",))
    error(
        ValueError,
        to_safety_settings,
        [{"category": "hate"}],
        at="safety_settings[0]",
        mentions=("'threshold'",),
    )
    error(
        ValueError, to_safety_settings, {"threshold": "low"}, at="safety_settings", mentions=("'category'",)
    )
    error(
        TypeError,
        to_safety_settings,
        ["hate"],
        at="safety_settings[0]",
        mentions=("{'category': ..., 'threshold': ...}",),
    )


def test_safety_settings_interop() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    setting = glm.SafetySetting(category=glm.HarmCategory.HARM_CATEGORY_HARASSMENT, threshold=4)
    assert to_safety_settings([setting]) == [types.SafetySetting(category=7, threshold=4)]
    assert to_safety_settings(setting) == [types.SafetySetting(category=7, threshold=4)]
    gtypes = pytest.importorskip("google.genai.types")
    google = gtypes.SafetySetting(category="HARM_CATEGORY_HATE_SPEECH", threshold="BLOCK_ONLY_HIGH")
    assert to_safety_settings([google]) == [types.SafetySetting(category=8, threshold=3)]


def test_safety_inputs_are_not_mutated() -> None:
    given = [{"category": "hate", "threshold": "low"}]
    snapshot = copy.deepcopy(given)
    to_safety_settings(given)
    assert given == snapshot


# ---------------------------------------------------------------------------------------------------
# Tools


def get_weather(city: str, unit: str = "celsius", days: Optional[int] = None) -> str:  # noqa: UP045
    """Current weather for a city.

    Looks things up somewhere.

    Args:
        city: The city, e.g. "Paris".
        unit (str): celsius or
            fahrenheit.
        days: How many days.
    """
    return city


def no_arguments() -> None:
    """Does nothing."""


def test_function_declaration_from_a_function() -> None:
    declaration = to_function_declaration(get_weather)
    assert declaration.name == "get_weather"
    assert declaration.description == "Current weather for a city."
    params = declaration.parameters
    assert params.type == types.Type.OBJECT
    assert list(params.property_ordering) == ["city", "unit", "days"]
    assert list(params.required) == ["city"]
    assert params.properties["city"].type == types.Type.STRING
    assert params.properties["city"].description == 'The city, e.g. "Paris".'
    assert params.properties["unit"].description == "celsius or fahrenheit."
    assert params.properties["days"].type == types.Type.INTEGER
    assert params.properties["days"].nullable is True


def test_function_without_parameters_has_no_parameters_schema() -> None:
    declaration = to_function_declaration(no_arguments)
    assert declaration.name == "no_arguments"
    assert not declaration.HasField("parameters")


def test_methods_and_partials() -> None:
    class Shop:
        def buy(self, item: str, count: int = 1) -> None:
            """Buy something."""

    method = to_function_declaration(Shop().buy)
    assert method.name == "buy"
    assert list(method.parameters.property_ordering) == ["item", "count"]
    partial = to_function_declaration(functools.partial(get_weather, unit="kelvin"))
    assert partial.name == "get_weather"
    assert list(partial.parameters.required) == ["city"]


def test_cached_declarations_are_not_shared() -> None:
    first = to_function_declaration(get_weather)
    first.name = "changed"
    first.parameters.Clear()
    again = to_function_declaration(get_weather)
    assert again.name == "get_weather"
    assert list(again.parameters.required) == ["city"]


def test_function_declaration_errors() -> None:
    def untyped(x):  # type: ignore[no-untyped-def]
        return x

    def star(*args: int) -> None:
        pass

    def complex_arg(z: complex) -> None:
        pass

    error(ValueError, to_function_declaration, lambda x: x, at="function", mentions=("function name",))
    error(
        ValueError, to_function_declaration, untyped, at="function.parameters['x']", mentions=("annotation",)
    )
    error(ValueError, to_function_declaration, star, at="function.parameters['args']", mentions=("*args",))
    error(
        ValueError, to_tools, [get_weather, complex_arg], at="tools[1].parameters['z']", mentions=("complex",)
    )
    error(
        TypeError,
        to_function_declaration,
        5,
        at="function",
        mentions=("FunctionDeclaration", "Python function"),
    )


def test_builtin_tools() -> None:
    (code,) = to_tools("code_execution")
    assert code.HasField("code_execution")
    assert to_tools("googleSearch")[0].HasField("google_search")
    assert to_tools(["url_context"])[0].HasField("url_context")
    assert to_tools("google-maps")[0].HasField("google_maps")
    error(
        ValueError,
        to_tools,
        ["web_search"],
        at="tools[0]",
        mentions=("code_execution", "google_search", "url_context"),
    )


def test_tools_shapes_and_gathering() -> None:
    tool = types.Tool(google_search=types.Tool.GoogleSearch())
    assert to_tools(tool)[0] is tool
    declaration = types.FunctionDeclaration(name="lookup", description="Look up.")
    result = to_tools([tool, get_weather, "code_execution", declaration, {"name": "from_dict"}, no_arguments])
    assert len(result) == 3
    assert result[0] is tool
    assert [d.name for d in result[1].function_declarations] == [
        "get_weather",
        "lookup",
        "from_dict",
        "no_arguments",
    ]
    assert result[2].HasField("code_execution")
    assert declaration == types.FunctionDeclaration(name="lookup", description="Look up.")
    assert to_tools(declaration)[0].function_declarations[0] == declaration
    assert to_tools(get_weather)[0].function_declarations[0].name == "get_weather"
    assert to_tools([])[0:] == []


def test_tool_dicts() -> None:
    (tool,) = to_tools(
        {
            "function_declarations": [
                {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}},
                get_weather,
            ],
            "codeExecution": {},
        }
    )
    assert [d.name for d in tool.function_declarations] == ["f", "get_weather"]
    assert tool.function_declarations[0].parameters.properties["a"].type == types.Type.STRING
    assert tool.HasField("code_execution")
    (declared,) = to_tools({"name": "g", "description": "d", "parametersJsonSchema": {"type": "object"}})
    assert declared.function_declarations[0].parameters_json_schema.struct_value["type"] == "object"


def test_tools_errors() -> None:
    error(
        ValueError,
        to_tools,
        [get_weather, {"name": "get_weather"}],
        at="tools[1]",
        mentions=("already declared", "tools[0]"),
    )
    error(
        TypeError, to_tools, ["code_execution", 5], at="tools[1]", mentions=("types.Tool", "Python function")
    )
    error(TypeError, to_tools, [int], at="tools[0]", mentions=("types.Tool",))
    error(
        ValueError,
        to_tools,
        {"function_declarations": [{"name": "f", "parameters": {"type": "objekt"}}]},
        at="config.tools.function_declarations[0].parameters.type",
        mentions=("OBJECT",),
        path="config.tools",
    )
    error(ValueError, to_tools, [{"nme": "f", "google_search": {}}], at="tools[0]", mentions=("'nme'",))


def test_tools_interop() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    result = to_tools([glm.Tool(code_execution=glm.CodeExecution()), glm.FunctionDeclaration(name="pf")])
    assert result[0].HasField("code_execution")
    assert result[1].function_declarations[0].name == "pf"
    gtypes = pytest.importorskip("google.genai.types")
    google = gtypes.Tool(
        function_declarations=[
            gtypes.FunctionDeclaration(
                name="gf",
                parameters=gtypes.Schema(type="OBJECT", properties={"q": gtypes.Schema(type="STRING")}),
            )
        ]
    )
    (tool,) = to_tools([google])
    assert tool.function_declarations[0].parameters.properties["q"].type == types.Type.STRING
    (gathered,) = to_tools([gtypes.FunctionDeclaration(name="a"), gtypes.FunctionDeclaration(name="b")])
    assert [d.name for d in gathered.function_declarations] == ["a", "b"]


def test_tool_config() -> None:
    config = types.ToolConfig()
    assert to_tool_config(config) is config
    for mode, expected in [("auto", "AUTO"), ("ANY", "ANY"), ("none", "NONE"), ("Validated", "VALIDATED")]:
        built = to_tool_config(mode)
        assert types.FunctionCallingConfigMode.Name(built.function_calling_config.mode) == expected
    calling = types.FunctionCallingConfig(
        mode=types.FunctionCallingConfigMode.ANY, allowed_function_names=["f"]
    )
    assert to_tool_config(calling).function_calling_config == calling
    nested = to_tool_config({"function_calling_config": {"mode": "any", "allowed_function_names": ["f"]}})
    assert nested.function_calling_config == calling
    assert to_tool_config({"mode": "any", "allowedFunctionNames": ["f"]}).function_calling_config == calling
    error(ValueError, to_tool_config, "sometimes", at="tool_config", mentions=("AUTO", "ANY"))
    error(TypeError, to_tool_config, 5, at="tool_config", mentions=("'auto', 'any', 'none' or 'validated'",))


def test_tool_config_interop() -> None:
    gtypes = pytest.importorskip("google.genai.types")
    google = gtypes.ToolConfig(function_calling_config=gtypes.FunctionCallingConfig(mode="ANY"))
    assert to_tool_config(google).function_calling_config.mode == types.FunctionCallingConfigMode.ANY


# ---------------------------------------------------------------------------------------------------
# The generic dict -> message converter


def test_to_message_passthrough_and_own_class() -> None:
    blob = types.Blob(data=b"x")
    assert to_message(types.Blob, blob, path="b") is blob
    assert own_class("google.ai.generativelanguage.v1beta.Tool.GoogleSearch") is types.Tool.GoogleSearch
    assert own_class("no.such.Message") is None


def test_bytes_fields() -> None:
    assert to_bytes(b"x", path="d") == b"x"
    assert to_bytes(bytearray(b"xy"), path="d") == b"xy"
    assert to_bytes("aGk", path="d") == b"hi"  # padding is optional
    error(ValueError, to_bytes, "a*b", at="d", mentions=("base64",), path="d")
    error(TypeError, to_bytes, 5, at="d", mentions=("bytes or base64",), path="d")


def test_struct_values() -> None:
    call = to_message(
        types.FunctionCall,
        {"name": "f", "args": {"n": 1, "f": 1.5, "s": "x", "b": False, "z": None, "l": [[]], "d": {}}},
        path="c",
    )
    assert call.args["n"] == 1
    assert call.args["b"] is False
    assert call.args["z"] is None
    assert list(call.args["l"][0]) == []
    assert call.HasField("args")
    assert call.args.fields["d"].HasField("struct_value")
    error(
        TypeError,
        to_message,
        types.FunctionCall,
        {"args": {1: "x"}},
        at="c.args",
        mentions=("keys must be str",),
        path="c",
    )
    error(
        TypeError,
        to_message,
        types.FunctionCall,
        {"args": {"x": b"raw"}},
        at="c.args['x']",
        mentions=("JSON value",),
        path="c",
    )
    error(
        ValueError,
        to_message,
        types.FunctionCall,
        {"args": {"x": 10**400}},
        at="c.args['x']",
        mentions=("too large",),
        path="c",
    )


def test_cyclic_json_is_a_value_error() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="nested too deeply: more than 100 levels") as info:
        to_message(types.FunctionCall, {"args": loop}, path="c")
    assert str(info.value).startswith("c.args['self']['self']")
    assert len(str(info.value)) < 250


def test_empty_message_values_mark_presence() -> None:
    tool = to_message(types.Tool, {"code_execution": {}, "google_search": None}, path="t")
    assert tool.HasField("code_execution")
    assert not tool.HasField("google_search")


def test_duration_and_timestamp_fields() -> None:
    meta = to_message(
        types.VideoMetadata, {"start_offset": datetime.timedelta(seconds=2), "endOffset": "3.5s"}, path="m"
    )
    assert meta.start_offset.seconds == 2
    assert meta.end_offset.ToNanoseconds() == 3_500_000_000
    assert (
        to_message(types.VideoMetadata, {"start_offset": {"seconds": 4}}, path="m").start_offset.seconds == 4
    )
    error(
        ValueError,
        to_message,
        types.VideoMetadata,
        {"start_offset": "soon"},
        at="m.start_offset",
        mentions=("1.5s",),
        path="m",
    )
    error(
        TypeError,
        to_message,
        types.VideoMetadata,
        {"start_offset": [1]},
        at="m.start_offset",
        mentions=("timedelta",),
        path="m",
    )
    moment = datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc)
    file = to_message(types.File, {"create_time": moment, "update_time": "2024-01-02T03:04:05Z"}, path="f")
    assert file.create_time.ToDatetime(tzinfo=datetime.timezone.utc) == moment
    assert file.update_time.seconds > 0


def test_map_and_repeated_fields() -> None:
    schema = to_message(
        types.Schema, {"type": "OBJECT", "properties": {"a": {"type": "STRING"}, "b": str}}, path="s"
    )
    assert set(schema.properties) == {"a", "b"}
    assert schema.properties["b"].type == types.Type.STRING
    error(
        TypeError,
        to_message,
        types.Schema,
        {"properties": ["a"]},
        at="s.properties",
        mentions=("a dict",),
        path="s",
    )
    error(
        TypeError,
        to_message,
        types.Schema,
        {"required": "a"},
        at="s.required",
        mentions=("a list of str",),
        path="s",
    )
    error(
        TypeError,
        to_message,
        types.Schema,
        {"required": ["a", 1]},
        at="s.required[1]",
        mentions=("a str",),
        path="s",
    )


def test_oneof_and_duplicate_keys() -> None:
    error(
        ValueError,
        fill_message,
        types.Part(),
        {"text": "a", "fileData": {}},
        at="p",
        mentions=("oneof data",),
        path="p",
    )
    error(
        ValueError,
        fill_message,
        types.Blob(),
        {"mime_type": "a", "mimeType": "b"},
        at="p",
        mentions=("same field",),
        path="p",
    )


def test_set_field() -> None:
    config = types.GenerationConfig(stop_sequences=["a", "b"])
    set_field(config, "stop_sequences", ["c"], path="config.stop_sequences")
    assert list(config.stop_sequences) == ["c"]  # replaced, not appended
    set_field(config, "thinkingConfig", 7, path="config.thinking_config")
    assert config.thinking_config.thinking_budget == 7
    error(ValueError, set_field, config, "bogus", 1, at="config", mentions=("'bogus'",), path="config.bogus")


def test_enum_number_aliases_take_precedence() -> None:
    aliases = {"DANGEROUS": HC.HARM_CATEGORY_DANGEROUS_CONTENT}
    assert (
        enum_number(HC.DESCRIPTOR, "dangerous", path="x", aliases=aliases)
        == HC.HARM_CATEGORY_DANGEROUS_CONTENT
    )
    assert enum_number(HC.DESCRIPTOR, "dangerous", path="x") == HC.HARM_CATEGORY_DANGEROUS


def test_describe_is_bounded() -> None:
    assert describe(None) == "None"
    assert describe(5) == "int 5"
    big = {"k": b"\x00" * 10_000_000, "list": list(range(10_000))}
    text = describe(big)
    assert len(text) < 120
    assert "..." in describe("x" * 1000)
    assert len(describe("x" * 1000)) < 80
    assert len(describe(b"y" * 10_000_000)) < 100

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert describe(Broken()).startswith("Broken <Broken")


# ---------------------------------------------------------------------------------------------------
# google-generativeai's safety shortcuts mean Gemini's categories; PaLM's are refused (issue 7)

GEMINI_FOUR = [
    HC.HARM_CATEGORY_HARASSMENT,
    HC.HARM_CATEGORY_HATE_SPEECH,
    HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    HC.HARM_CATEGORY_DANGEROUS_CONTENT,
]


@pytest.mark.parametrize(
    "alias",
    [
        "sex",
        "sexual",
        "harm_category_sexual",
        "danger",
        "dangerous",
        "harm_category_dangerous",
        "hate",
        "harassment",
    ],
)
def test_generativeai_category_names_never_give_palm_categories(alias: str) -> None:
    (setting,) = to_safety_settings({alias: "low"})
    assert setting.category in GEMINI_FOUR
    assert to_safety_setting({"category": alias.upper(), "threshold": "low"}).category == setting.category


@pytest.mark.parametrize(
    ("name", "mentions"),
    [
        (
            "derogatory",
            ("HARM_CATEGORY_DEROGATORY", "not a Gemini harm category", "HARM_CATEGORY_HARASSMENT"),
        ),
        ("toxicity", ("HARM_CATEGORY_TOXICITY", "not a Gemini harm category")),
        ("Toxic", ("HARM_CATEGORY_TOXICITY",)),
        ("violence", ("HARM_CATEGORY_VIOLENCE",)),
        ("violent", ("HARM_CATEGORY_VIOLENCE",)),
        ("medical", ("HARM_CATEGORY_MEDICAL",)),
        ("med", ("HARM_CATEGORY_MEDICAL",)),
        ("HARM_CATEGORY_DEROGATORY", ("not a Gemini harm category",)),
        (HC.HARM_CATEGORY_TOXICITY, ("HARM_CATEGORY_TOXICITY", "not a Gemini harm category")),
        (HC.HARM_CATEGORY_SEXUAL, ("use HARM_CATEGORY_SEXUALLY_EXPLICIT",)),
        (6, ("use HARM_CATEGORY_DANGEROUS_CONTENT",)),
    ],
)
def test_palm_categories_are_refused(name: Any, mentions: tuple[str, ...]) -> None:
    error(ValueError, to_safety_settings, {name: "low"}, at=f"safety_settings[{name!r}]", mentions=mentions)
    error(
        ValueError,
        to_safety_settings,
        [{"category": name, "threshold": "low"}],
        at="safety_settings[0].category",
        mentions=mentions,
    )


PALM_WORDS = ("DEROGATORY", "TOXIC", "VIOLEN", "MEDICAL", "HARM_CATEGORY_SEXUAL,", "HARM_CATEGORY_DANGEROUS,")


@pytest.mark.parametrize(
    "typo", ["toxicty", "violance", "derogatry", "sexuall", "medicl", "dangerus", "harrassment"]
)
def test_category_hints_only_name_gemini_categories(typo: str) -> None:
    message = error(ValueError, to_safety_settings, {typo: "low"}, at=f"safety_settings[{typo!r}]")
    hint = re.search(r"did you mean '([a-z_]+)'", message)
    if hint is not None:
        assert to_safety_settings({hint.group(1): "low"})[0].category in [
            *GEMINI_FOUR,
            HC.HARM_CATEGORY_CIVIC_INTEGRITY,
        ]
    offered = message.replace(repr(typo), "").upper() + ","  # what the message offers, not what it echoes
    assert not any(word in offered for word in PALM_WORDS), message


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        ("block_none", HT.BLOCK_NONE),
        ("none", HT.BLOCK_NONE),
        ("BLOCK_ONLY_HIGH", HT.BLOCK_ONLY_HIGH),
        ("med", HT.BLOCK_MEDIUM_AND_ABOVE),
        ("off", HT.OFF),
        (1, HT.BLOCK_LOW_AND_ABOVE),
        (HT.BLOCK_NONE, HT.BLOCK_NONE),
    ],
)
def test_a_bare_threshold_applies_to_every_gemini_category(threshold: Any, expected: int) -> None:
    settings = to_safety_settings(threshold)
    assert [(s.category, s.threshold) for s in settings] == [(c, expected) for c in GEMINI_FOUR]
    request = build_generate_request("gemini-2.5-flash", "x", {"safety_settings": threshold})
    assert list(request.safety_settings) == settings


def test_bare_threshold_errors() -> None:
    error(ValueError, to_safety_settings, "blok_none", at="safety_settings", mentions=("BLOCK_NONE",))
    error(ValueError, to_safety_settings, 9, at="safety_settings", mentions=("HarmBlockThreshold",))
    error(TypeError, to_safety_settings, True, at="safety_settings")
    error(
        ValueError,
        to_safety_settings,
        "harassment",
        at="safety_settings",
        mentions=("a category with no threshold", "{'harassment': 'block_none'}"),
    )
