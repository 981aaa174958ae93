"""The GenerateContentResponse / Candidate / SafetyRating views over response messages."""

from __future__ import annotations

import dataclasses
import enum
import pickle
from typing import Literal

import pytest

from genai import errors, types
from genai._views import enums as _enums
from genai._views.responses import Candidate, GenerateContentResponse, SafetyRating


def _part(text: str, *, thought: bool = False) -> types.Part:
    return types.Part(text=text, thought=thought)


def _reply(*parts: types.Part, finish: str = "STOP", **fields: object) -> GenerateContentResponse:
    cand = types.Candidate(
        index=0,
        content=types.Content(role="model", parts=list(parts)),
        finish_reason=finish,
    )
    return GenerateContentResponse(types.GenerateContentResponse(candidates=[cand], **fields))


def _json_reply(text: str, schema: object = None, finish: str = "STOP") -> GenerateContentResponse:
    raw = _reply(_part(text), finish=finish).raw
    return GenerateContentResponse(raw, schema=schema)


# --- .text and friends -------------------------------------------------------------------------


def test_text_joins_first_candidate_text_parts() -> None:
    assert _reply(_part("Hello, "), _part("world")).text == "Hello, world"


def test_text_excludes_thoughts_and_thoughts_has_them() -> None:
    view = _reply(_part("plan: ", thought=True), _part("think", thought=True), _part("answer"))
    assert view.text == "answer"
    assert view.thoughts == "plan: think"
    assert [p.text for p in view.thought_parts] == ["plan: ", "think"]


def test_text_reads_only_the_first_candidate() -> None:
    raw = types.GenerateContentResponse(
        candidates=[
            types.Candidate(index=0, content=types.Content(parts=[_part("first")])),
            types.Candidate(index=1, content=types.Content(parts=[_part("second")])),
        ]
    )
    view = GenerateContentResponse(raw)
    assert view.text == "first"
    assert [c.text for c in view.candidates] == ["first", "second"]
    assert [c.index for c in view.candidates] == [0, 1]


def test_text_skips_non_text_parts() -> None:
    call = types.Part(function_call=types.FunctionCall(name="f"))
    assert _reply(_part("a"), call, _part("b")).text == "ab"


@pytest.mark.parametrize(
    "raw",
    [
        types.GenerateContentResponse(),
        types.GenerateContentResponse(
            usage_metadata=types.GenerateContentResponseUsageMetadata(total_token_count=3)
        ),
        types.GenerateContentResponse(candidates=[types.Candidate(finish_reason="STOP")]),
        types.GenerateContentResponse(candidates=[types.Candidate(finish_reason="MAX_TOKENS")]),
        types.GenerateContentResponse(candidates=[types.Candidate(finish_reason="MALFORMED_FUNCTION_CALL")]),
        types.GenerateContentResponse(candidates=[types.Candidate(index=0)]),
        types.GenerateContentResponse(candidates=[types.Candidate(finish_reason=999)]),
        types.GenerateContentResponse(prompt_feedback=types.PromptFeedback()),
    ],
    ids=[
        "empty",
        "usage-only",
        "stop-only",
        "max-tokens",
        "malformed-call",
        "bare-candidate",
        "unknown",
        "feedback",
    ],
)
def test_text_is_empty_without_raising_for_ordinary_chunks(raw: types.GenerateContentResponse) -> None:
    assert GenerateContentResponse(raw).text == ""


def test_text_is_empty_for_a_function_call_reply() -> None:
    view = _reply(types.Part(function_call=types.FunctionCall(name="lookup")))
    assert view.text == ""
    assert [c.name for c in view.function_calls] == ["lookup"]


def test_blocked_prompt_raises_with_reason_and_notable_categories() -> None:
    raw = types.GenerateContentResponse(
        prompt_feedback=types.PromptFeedback(
            block_reason="SAFETY",
            safety_ratings=[
                types.SafetyRating(category="HARM_CATEGORY_HARASSMENT", probability="HIGH"),
                types.SafetyRating(category="HARM_CATEGORY_HATE_SPEECH", probability="NEGLIGIBLE"),
                types.SafetyRating(category="HARM_CATEGORY_DANGEROUS_CONTENT", probability="MEDIUM"),
            ],
        )
    )
    view = GenerateContentResponse(raw)
    with pytest.raises(errors.BlockedPromptError) as info:
        _ = view.text
    message = str(info.value)
    assert message.startswith("the prompt was blocked: SAFETY")
    assert "HARM_CATEGORY_HARASSMENT: HIGH" in message
    assert "HARM_CATEGORY_DANGEROUS_CONTENT: MEDIUM" in message
    assert "HATE_SPEECH" not in message
    assert isinstance(info.value, ValueError)
    assert view.prompt_feedback.block_reason == types.PromptFeedbackBlockReason.SAFETY
    assert view.prompt_feedback.block_reason.name == "SAFETY"  # an enum member, as candidates' are
    assert [(r.category.name, r.probability.name) for r in view.prompt_feedback.safety_ratings] == [
        ("HARM_CATEGORY_HARASSMENT", "HIGH"),
        ("HARM_CATEGORY_HATE_SPEECH", "NEGLIGIBLE"),
        ("HARM_CATEGORY_DANGEROUS_CONTENT", "MEDIUM"),
    ]


def test_blocked_prompt_without_ratings_names_the_reason_only() -> None:
    raw = types.GenerateContentResponse(
        prompt_feedback=types.PromptFeedback(block_reason="PROHIBITED_CONTENT")
    )
    with pytest.raises(errors.BlockedPromptError, match=r"^the prompt was blocked: PROHIBITED_CONTENT$"):
        _ = GenerateContentResponse(raw).text


@pytest.mark.parametrize(
    "reason",
    ["SAFETY", "RECITATION", "OTHER", "LANGUAGE", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"],
)
def test_blocked_candidate_raises_naming_the_reason(reason: str) -> None:
    raw = types.GenerateContentResponse(candidates=[types.Candidate(finish_reason=reason)])
    with pytest.raises(errors.BlockedCandidateError, match=rf"^the candidate was blocked: {reason}\b"):
        _ = GenerateContentResponse(raw).text


def test_blocked_candidate_message_has_ratings_and_finish_message() -> None:
    cand = types.Candidate(
        finish_reason="SAFETY",
        finish_message="unsafe",
        safety_ratings=[
            types.SafetyRating(category="HARM_CATEGORY_HARASSMENT", probability="LOW", blocked=True)
        ],
    )
    with pytest.raises(errors.BlockedCandidateError) as info:
        _ = GenerateContentResponse(types.GenerateContentResponse(candidates=[cand])).text
    assert str(info.value) == "the candidate was blocked: SAFETY (unsafe) (HARM_CATEGORY_HARASSMENT: LOW)"


def test_blocked_candidate_with_text_returns_the_text() -> None:
    # A stream cut off for SAFETY keeps what was said before the cut.
    assert _reply(_part("partial"), finish="SAFETY").text == "partial"


def test_blocked_candidate_with_only_empty_text_still_raises() -> None:
    with pytest.raises(errors.BlockedCandidateError):
        _ = _reply(_part(""), finish="RECITATION").text


# --- other properties ----------------------------------------------------------------------------


def test_parts_and_function_calls_in_order() -> None:
    call_a = types.FunctionCall(name="a", args={"x": 1})
    call_b = types.FunctionCall(name="b")
    view = _reply(_part("t"), types.Part(function_call=call_a), types.Part(function_call=call_b))
    assert len(view.parts) == 3
    assert view.parts[0].text == "t"
    assert view.function_calls == [call_a, call_b]
    assert view.function_calls[0].args["x"] == 1


def test_properties_without_candidates() -> None:
    view = GenerateContentResponse(types.GenerateContentResponse())
    assert view.parts == []
    assert view.function_calls == []
    assert view.thoughts == ""
    assert view.thought_parts == []
    assert view.candidates == []
    assert view.finish_reason is None
    # Never None: an empty feedback (a falsy block reason) and zero counts, as google-generativeai has it.
    assert view.prompt_feedback.block_reason.name == "BLOCK_REASON_UNSPECIFIED"
    assert not view.prompt_feedback.block_reason and view.prompt_feedback.safety_ratings == []
    assert view.usage_metadata == types.GenerateContentResponseUsageMetadata()
    assert view.usage_metadata.total_token_count == 0
    assert view.model_version == ""
    assert view.response_id == ""


def test_usage_model_version_response_id() -> None:
    usage = types.GenerateContentResponseUsageMetadata(
        prompt_token_count=3, candidates_token_count=5, total_token_count=8
    )
    view = _reply(_part("x"), usage_metadata=usage, model_version="gemini-x", response_id="r1")
    assert view.usage_metadata == usage
    assert view.model_version == "gemini-x"
    assert view.response_id == "r1"
    assert view.raw.usage_metadata.total_token_count == 8


def test_finish_reason_names() -> None:
    assert _reply(_part("x")).finish_reason == "STOP"
    assert _reply(_part("x"), finish="MAX_TOKENS").finish_reason == "MAX_TOKENS"
    assert _reply(_part("x"), finish="FINISH_REASON_UNSPECIFIED").finish_reason is None
    unknown = types.GenerateContentResponse(candidates=[types.Candidate(finish_reason=321)])
    assert GenerateContentResponse(unknown).finish_reason == "UNKNOWN_321"


def test_to_dict_uses_proto_field_names() -> None:
    view = _reply(_part("x"), model_version="m")
    assert view.to_dict() == {
        "candidates": [
            {"index": 0, "content": {"role": "model", "parts": [{"text": "x"}]}, "finish_reason": "STOP"}
        ],
        "model_version": "m",
    }


def test_equality_by_raw() -> None:
    assert _reply(_part("x")) == _reply(_part("x"))
    assert _reply(_part("x")) != _reply(_part("y"))
    assert _reply(_part("x")) != "x"
    assert GenerateContentResponse(types.GenerateContentResponse(), schema=int) == GenerateContentResponse(
        types.GenerateContentResponse()
    )


def test_repr_is_short_and_never_raises() -> None:
    usage = types.GenerateContentResponseUsageMetadata(
        prompt_token_count=1, candidates_token_count=2, total_token_count=3
    )
    text = repr(_reply(_part("hello " * 40), usage_metadata=usage))
    assert text.startswith("GenerateContentResponse(text='hello hello")
    assert "...'" in text
    assert "finish_reason=STOP" in text
    assert "usage=(prompt=1, candidates=2, total=3)" in text
    assert len(text) < 200
    blocked = GenerateContentResponse(
        types.GenerateContentResponse(prompt_feedback=types.PromptFeedback(block_reason="SAFETY"))
    )
    assert repr(blocked) == "GenerateContentResponse(block_reason=SAFETY)"
    call = _reply(types.Part(function_call=types.FunctionCall(name="f")))
    assert "function_calls=['f']" in repr(call)


def test_construction_does_no_work() -> None:
    # Any object is accepted and stored: the view is built for every streamed chunk.
    raw = object()
    view = GenerateContentResponse(raw, schema=object())  # type: ignore[arg-type]
    assert view.raw is raw


def test_subclass_can_add_attributes() -> None:
    class Facade(GenerateContentResponse):
        def __init__(self, raw: types.GenerateContentResponse) -> None:
            super().__init__(raw)
            self.extra = 1

    facade = Facade(_reply(_part("x")).raw)
    assert facade.text == "x"
    assert facade.extra == 1
    assert repr(facade).startswith("Facade(")


# --- .parsed -------------------------------------------------------------------------------------


def test_parsed_decodes_json() -> None:
    assert _json_reply('{"a": [1, 2], "b": null}').parsed == {"a": [1, 2], "b": None}


def test_parsed_tolerates_a_code_fence() -> None:
    assert _json_reply('```json\n{"a": 1}\n```').parsed == {"a": 1}
    assert _json_reply("```\n[1]\n```").parsed == [1]


def test_parsed_is_cached() -> None:
    view = _json_reply('{"a": 1}')
    first = view.parsed
    first["a"] = 2
    assert view.parsed is first


@pytest.mark.parametrize("text", ['{"a": 1', "not json", "{'a': 1}"])
def test_parsed_invalid_json_raises(text: str) -> None:
    with pytest.raises(errors.ResponseParseError, match="not valid JSON") as info:
        _ = _json_reply(text).parsed
    assert isinstance(info.value, ValueError)
    assert repr(text[:10]).strip("'") in str(info.value)


def test_parsed_truncated_json_mentions_max_tokens() -> None:
    with pytest.raises(errors.ResponseParseError, match="MAX_TOKENS"):
        _ = _json_reply('{"a": "unfinish', finish="MAX_TOKENS").parsed


def test_parsed_without_text_raises() -> None:
    with pytest.raises(errors.ResponseParseError, match="no text"):
        _ = GenerateContentResponse(types.GenerateContentResponse()).parsed


def test_parsed_blocked_raises_blocked_error() -> None:
    raw = types.GenerateContentResponse(prompt_feedback=types.PromptFeedback(block_reason="OTHER"))
    with pytest.raises(errors.BlockedPromptError):
        _ = GenerateContentResponse(raw).parsed


@dataclasses.dataclass
class Recipe:
    name: str
    minutes: int


def _parse_as_available() -> bool:
    try:
        from genai._coercion.schema import parse_as  # noqa: F401
    except ImportError:
        return False
    return True


needs_parse_as = pytest.mark.skipif(
    not _parse_as_available(), reason="genai._coercion.schema.parse_as not available yet"
)


@needs_parse_as
def test_parsed_typed_dataclass() -> None:
    view = _json_reply('{"name": "soup", "minutes": 20}', schema=Recipe)
    assert view.parsed == Recipe(name="soup", minutes=20)


@needs_parse_as
def test_parsed_typed_list_of_dataclasses() -> None:
    view = _json_reply('[{"name": "a", "minutes": 1}, {"name": "b", "minutes": 2}]', schema=list[Recipe])
    assert view.parsed == [Recipe("a", 1), Recipe("b", 2)]


@needs_parse_as
def test_parsed_with_a_schema_message_or_dict_is_plain_json() -> None:
    assert _json_reply("[1, 2]", schema={"type": "ARRAY"}).parsed == [1, 2]
    schema_message = types.Schema(type="ARRAY", items=types.Schema(type="INTEGER"))
    assert _json_reply("[3]", schema=schema_message).parsed == [3]


@needs_parse_as
def test_parsed_typed_mismatch_raises_parse_error() -> None:
    with pytest.raises(errors.ResponseParseError, match="parsed"):
        _ = _json_reply('{"name": "soup"}', schema=Recipe).parsed


def test_parsed_hands_the_data_and_schema_to_parse_as(monkeypatch: pytest.MonkeyPatch) -> None:
    # Independent of the real coercion module: a stand-in parse_as receives the data and the schema.
    import sys
    import types as pytypes

    calls: list[tuple[object, object]] = []

    def fake_parse_as(data: object, target: object, *, path: str = "parsed") -> object:
        calls.append((data, target))
        if data == "bad":
            raise TypeError("parsed: expected an object")
        return ("converted", data)

    module = pytypes.ModuleType("genai._coercion.schema")
    module.parse_as = fake_parse_as  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "genai._coercion.schema", module)

    assert _json_reply('{"x": 1}', schema=Recipe).parsed == ("converted", {"x": 1})
    assert _json_reply("[1]", schema=list[int]).parsed == ("converted", [1])
    assert calls == [({"x": 1}, Recipe), ([1], list[int])]
    # Without a schema there is nothing to convert to.
    assert _json_reply("[1]").parsed == [1]
    assert len(calls) == 2
    # Other errors from the conversion become ResponseParseError, with the cause chained.
    with pytest.raises(errors.ResponseParseError, match="does not fit") as info:
        _ = _json_reply('"bad"', schema=Recipe).parsed
    assert isinstance(info.value.__cause__, TypeError)


# --- Candidate and SafetyRating views ------------------------------------------------------------


def test_candidate_finish_reason_is_an_int_enum() -> None:
    view = _reply(_part("x"), finish="MAX_TOKENS")
    reason = view.candidates[0].finish_reason
    assert isinstance(reason, enum.IntEnum)
    assert reason.name == "MAX_TOKENS"
    assert reason == types.FinishReason.MAX_TOKENS == 2


def test_candidate_content_and_delegation() -> None:
    cand = types.Candidate(
        index=1,
        content=types.Content(role="model", parts=[_part("hi")]),
        finish_reason="STOP",
        finish_message="done",
        avg_logprobs=-0.5,
        token_count=4,
        citation_metadata=types.CitationMetadata(citation_sources=[types.CitationSource(uri="u")]),
        grounding_metadata=types.GroundingMetadata(web_search_queries=["q"]),
    )
    view = Candidate(cand)
    assert view.raw is cand
    assert view.content.parts[0].text == "hi"
    assert view.content.role == "model"
    assert view.parts[0].text == "hi"
    assert view.index == 1
    assert view.text == "hi"
    assert view.token_count == 4
    assert view.citation_metadata.citation_sources[0].uri == "u"
    assert list(view.grounding_metadata.web_search_queries) == ["q"]
    assert view.finish_message == "done"  # delegated to the message
    assert view.avg_logprobs == -0.5
    assert view.HasField("content")
    with pytest.raises(AttributeError):
        _ = view.no_such_field


def test_candidate_text_never_raises() -> None:
    assert Candidate(types.Candidate(finish_reason="SAFETY")).text == ""


def test_candidate_unset_messages_are_empty_not_none() -> None:
    view = Candidate(types.Candidate())
    assert list(view.citation_metadata.citation_sources) == []
    assert list(view.grounding_metadata.grounding_chunks) == []
    assert view.content.parts == []


def test_candidate_repr_shows_text_format() -> None:
    text = repr(Candidate(types.Candidate(index=0, content=types.Content(parts=[_part("hi")]))))
    assert text.startswith("Candidate({")
    assert 'text: "hi"' in text
    assert repr(Candidate(types.Candidate())) == "Candidate({})"


def test_candidate_equality_and_copy_safety() -> None:
    a = Candidate(types.Candidate(index=0))
    assert a == Candidate(types.Candidate(index=0))
    assert a != Candidate(types.Candidate(index=1))
    import copy

    assert copy.copy(a) == a


def test_safety_rating_views() -> None:
    ratings = [
        types.SafetyRating(category="HARM_CATEGORY_HARASSMENT", probability="LOW"),
        types.SafetyRating(category="HARM_CATEGORY_HATE_SPEECH", probability="HIGH", blocked=True),
    ]
    view = Candidate(types.Candidate(safety_ratings=ratings))
    got = view.safety_ratings
    assert [(r.category.name, r.probability.name) for r in got] == [
        ("HARM_CATEGORY_HARASSMENT", "LOW"),
        ("HARM_CATEGORY_HATE_SPEECH", "HIGH"),
    ]
    assert [r.blocked for r in got] == [False, True]
    assert got[0].raw == ratings[0]
    assert got[0] == SafetyRating(ratings[0])
    assert "HARM_CATEGORY_HARASSMENT" in repr(got[0])
    assert got[0].ListFields()  # delegated


def test_unknown_enum_values_keep_the_int_and_do_not_crash() -> None:
    cand = Candidate(
        types.Candidate(finish_reason=77, safety_ratings=[types.SafetyRating(category=88, probability=99)])
    )
    reason = cand.finish_reason
    assert reason == 77
    assert isinstance(reason, enum.IntEnum)
    assert reason.name == "UNKNOWN_77"
    assert cand.finish_reason is reason
    rating = cand.safety_ratings[0]
    assert (rating.category, rating.probability) == (88, 99)
    assert (rating.category.name, rating.probability.name) == ("UNKNOWN_88", "UNKNOWN_99")
    assert pickle.loads(pickle.dumps(reason)) is reason
    view = GenerateContentResponse(types.GenerateContentResponse(candidates=[cand.raw]))
    assert view.finish_reason == "UNKNOWN_77"
    assert view.text == ""


# --- _enums ----------------------------------------------------------------------------------------


def test_enums_are_built_once_and_match_the_descriptors() -> None:
    assert _enums.py_enum("FinishReason") is _enums.py_enum("FinishReason")
    assert _enums.FinishReason is _enums.py_enum("FinishReason")
    for name, wrapper in [
        ("FinishReason", types.FinishReason),
        ("HarmCategory", types.HarmCategory),
        ("HarmProbability", types.HarmProbability),
        ("BlockReason", types.PromptFeedbackBlockReason),
    ]:
        cls = _enums.py_enum(name)
        assert issubclass(cls, enum.IntEnum)
        assert {m.name: m.value for m in cls} == dict(wrapper.items())
    with pytest.raises(AttributeError):
        _enums.py_enum("Nope")
    with pytest.raises(AttributeError):
        _ = _enums.Nope


def test_enum_members_pickle() -> None:
    member = _enums.to_py_enum("FinishReason", 1)
    assert pickle.loads(pickle.dumps(member)) is member


def test_enum_from_descriptor_any_enum() -> None:
    cls = _enums.enum_from_descriptor(types.FunctionCallingConfigMode.DESCRIPTOR)
    assert cls.__name__ == "Mode"
    assert cls(0).name == "MODE_UNSPECIFIED"
    assert _enums.to_py_enum("HarmProbability", 12345) == 12345
    assert issubclass(cls, _enums.ProtoEnum)


def test_parsed_bare_enum_text() -> None:
    """text/x.enum replies are the bare value, not JSON: an Enum or Literal schema takes them as they are."""

    class Genre(enum.Enum):
        DRAMA = "DRAMA"
        COMEDY = "COMEDY"

    assert GenerateContentResponse(_reply(_part("COMEDY")).raw, schema=Genre).parsed is Genre.COMEDY
    assert GenerateContentResponse(_reply(_part(' "DRAMA" ')).raw, schema=Genre).parsed is Genre.DRAMA
    assert GenerateContentResponse(_reply(_part("b\n")).raw, schema=Literal["a", "b"]).parsed == "b"
    with pytest.raises(errors.ResponseParseError, match="COMEDY"):
        _ = GenerateContentResponse(_reply(_part("ROMANCE")).raw, schema=Genre).parsed
    with pytest.raises(errors.ResponseParseError, match="not valid JSON"):
        _ = GenerateContentResponse(_reply(_part("ROMANCE")).raw, schema=int).parsed


def test_candidate_fields_are_typed_properties() -> None:
    raw = types.Candidate(
        finish_message="done",
        avg_logprobs=-0.5,
        grounding_attributions=[types.GroundingAttribution()],
    )
    candidate = GenerateContentResponse(types.GenerateContentResponse(candidates=[raw])).candidates[0]
    assert candidate.finish_message == "done" and candidate.avg_logprobs == -0.5
    assert len(candidate.grounding_attributions) == 1
    assert candidate.logprobs_result == types.LogprobsResult()
    assert candidate.url_context_metadata == types.UrlContextMetadata()
