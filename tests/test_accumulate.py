"""StreamAccumulator: streamed chunks merged into the response they add up to."""

from __future__ import annotations

from typing import Any

import pytest

from genai import types
from genai._views.accumulate import StreamAccumulator

Usage = types.GenerateContentResponseUsageMetadata


def _text(text: str, *, thought: bool = False, signature: bytes = b"") -> types.Part:
    return types.Part(text=text, thought=thought, thought_signature=signature)


def _call(name: str, signature: bytes = b"") -> types.Part:
    return types.Part(function_call=types.FunctionCall(name=name), thought_signature=signature)


def _chunk(
    *parts: types.Part, index: int = 0, role: str = "model", **fields: object
) -> types.GenerateContentResponse:
    cand = types.Candidate(index=index, content=types.Content(role=role, parts=list(parts)))
    return types.GenerateContentResponse(candidates=[cand], **fields)


def _accumulate(chunks: list[types.GenerateContentResponse]) -> types.GenerateContentResponse:
    acc = StreamAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    assert acc.chunks == len(chunks)
    return acc.final()


def _parts(response: types.GenerateContentResponse, index: int = 0) -> list[types.Part]:
    return list(response.candidates[index].content.parts)


def test_empty_accumulator() -> None:
    acc = StreamAccumulator()
    assert acc.chunks == 0
    assert acc.snapshot == types.GenerateContentResponse()
    assert acc.final() == types.GenerateContentResponse()


def test_text_chunks_join_into_one_part() -> None:
    out = _accumulate([_chunk(_text("Hel")), _chunk(_text("lo, ")), _chunk(_text("world"))])
    assert out.candidates[0].content == types.Content(role="model", parts=[_text("Hello, world")])
    assert out.candidates[0].index == 0


def test_thought_runs_stay_apart_from_answer_runs() -> None:
    out = _accumulate(
        [
            _chunk(_text("think ", thought=True)),
            _chunk(_text("more", thought=True)),
            _chunk(_text("Ans")),
            _chunk(_text("wer")),
        ]
    )
    assert _parts(out) == [_text("think more", thought=True), _text("Answer")]


def test_signature_is_kept_on_the_merged_part() -> None:
    out = _accumulate(
        [
            _chunk(_text("a", thought=True)),
            _chunk(_text("b", thought=True, signature=b"sig1")),
            _chunk(_text("c", thought=True)),
            _chunk(_text("", signature=b"sig2")),
        ]
    )
    assert _parts(out) == [_text("abc", thought=True, signature=b"sig1"), _text("", signature=b"sig2")]


def test_second_signature_starts_a_new_part() -> None:
    out = _accumulate(
        [
            _chunk(_text("a", signature=b"s1")),
            _chunk(_text("b")),
            _chunk(_text("c", signature=b"s2")),
            _chunk(_text("d")),
        ]
    )
    assert _parts(out) == [_text("ab", signature=b"s1"), _text("cd", signature=b"s2")]


def test_function_calls_and_other_parts_kept_in_order() -> None:
    blob = types.Part(inline_data=types.Blob(mime_type="image/png", data=b"\x89PNG"))
    code = types.Part(executable_code=types.ExecutableCode(language="PYTHON", code="print(1)"))
    out = _accumulate(
        [
            _chunk(_text("Let me "), _text("check.")),
            _chunk(_call("first", b"fsig"), _call("second")),
            _chunk(blob),
            _chunk(_text("after"), code),
            _chunk(_text(" code")),
        ]
    )
    assert _parts(out) == [
        _text("Let me check."),
        _call("first", b"fsig"),
        _call("second"),
        blob,
        _text("after"),
        code,
        _text(" code"),
    ]


def test_text_with_metadata_is_not_merged() -> None:
    special = types.Part(text="b", video_metadata=types.VideoMetadata(fps=2.0))
    with_meta = types.Part(text="c", part_metadata={"k": "v"})
    out = _accumulate([_chunk(_text("a")), _chunk(special), _chunk(with_meta), _chunk(_text("d"))])
    assert _parts(out) == [_text("a"), special, with_meta, _text("d")]


def test_thought_flag_on_non_text_parts_is_kept() -> None:
    call = types.Part(function_call=types.FunctionCall(name="f"), thought=True, thought_signature=b"x")
    out = _accumulate([_chunk(call)])
    assert _parts(out) == [call]


def test_role_from_the_first_chunk_that_has_one() -> None:
    out = _accumulate(
        [_chunk(_text("a"), role=""), _chunk(_text("b"), role="model"), _chunk(_text("c"), role="x")]
    )
    assert out.candidates[0].content.role == "model"


def test_candidates_interleaved_by_index() -> None:
    both = types.GenerateContentResponse(
        candidates=[
            types.Candidate(index=1, content=types.Content(role="model", parts=[_text("B1")])),
            types.Candidate(index=0, content=types.Content(role="model", parts=[_text("A1")])),
        ]
    )
    out = _accumulate(
        [
            _chunk(_text("A0"), index=0),
            _chunk(_text("B0"), index=1),
            both,
            _chunk(_text("A2"), index=0),
        ]
    )
    assert [c.index for c in out.candidates] == [0, 1]
    assert _parts(out, 0) == [_text("A0A1A2")]
    assert _parts(out, 1) == [_text("B0B1")]


def test_candidates_without_index_are_matched_by_position() -> None:
    def chunk(*texts: str) -> types.GenerateContentResponse:
        return types.GenerateContentResponse(
            candidates=[types.Candidate(content=types.Content(parts=[_text(t)])) for t in texts]
        )

    out = _accumulate([chunk("a", "x"), chunk("b", "y")])
    assert [c.content.parts[0].text for c in out.candidates] == ["ab", "xy"]
    assert not out.candidates[0].HasField("index")


def test_candidate_without_content_stays_without_content() -> None:
    out = _accumulate(
        [types.GenerateContentResponse(candidates=[types.Candidate(index=0, finish_reason="SAFETY")])]
    )
    assert not out.candidates[0].HasField("content")
    assert out.candidates[0].finish_reason == types.FinishReason.SAFETY


def test_finish_reason_and_message_last_non_empty() -> None:
    out = _accumulate(
        [
            _chunk(_text("a")),
            types.GenerateContentResponse(
                candidates=[types.Candidate(index=0, finish_reason="MAX_TOKENS", finish_message="first")]
            ),
            types.GenerateContentResponse(
                candidates=[types.Candidate(index=0, finish_reason="STOP", finish_message="")]
            ),
            _chunk(_text("b")),
        ]
    )
    cand = out.candidates[0]
    assert cand.finish_reason == types.FinishReason.STOP
    assert cand.finish_message == "first"
    assert cand.content.parts[0].text == "ab"


def test_usage_from_the_last_chunk_and_feedback_from_the_first() -> None:
    first_feedback = types.PromptFeedback(
        safety_ratings=[types.SafetyRating(category="HARM_CATEGORY_HARASSMENT", probability="LOW")]
    )
    out = _accumulate(
        [
            _chunk(_text("a"), prompt_feedback=first_feedback, usage_metadata=Usage(prompt_token_count=5)),
            _chunk(_text("b"), prompt_feedback=types.PromptFeedback(), model_version="v1", response_id="r1"),
            _chunk(
                _text("c"),
                usage_metadata=Usage(prompt_token_count=5, candidates_token_count=3, total_token_count=8),
                model_version="v2",
            ),
            _chunk(_text("")),
        ]
    )
    assert out.prompt_feedback == first_feedback
    assert out.usage_metadata == Usage(prompt_token_count=5, candidates_token_count=3, total_token_count=8)
    assert out.model_version == "v2"
    assert out.response_id == "r1"


def test_blocked_prompt_chunk() -> None:
    blocked = types.GenerateContentResponse(prompt_feedback=types.PromptFeedback(block_reason="SAFETY"))
    out = _accumulate([blocked])
    assert out == blocked


def test_safety_ratings_merged_by_category_in_first_appearance_order() -> None:
    def rated(*pairs: tuple[str, str]) -> types.GenerateContentResponse:
        ratings = [types.SafetyRating(category=c, probability=p) for c, p in pairs]
        return types.GenerateContentResponse(candidates=[types.Candidate(index=0, safety_ratings=ratings)])

    out = _accumulate(
        [
            rated(("HARM_CATEGORY_HARASSMENT", "NEGLIGIBLE"), ("HARM_CATEGORY_HATE_SPEECH", "NEGLIGIBLE")),
            rated(("HARM_CATEGORY_DANGEROUS_CONTENT", "LOW"), ("HARM_CATEGORY_HARASSMENT", "MEDIUM")),
        ]
    )
    got = [(r.category, r.probability) for r in out.candidates[0].safety_ratings]
    assert got == [
        (types.HarmCategory.HARM_CATEGORY_HARASSMENT, types.HarmProbability.MEDIUM),
        (types.HarmCategory.HARM_CATEGORY_HATE_SPEECH, types.HarmProbability.NEGLIGIBLE),
        (types.HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, types.HarmProbability.LOW),
    ]


def test_citations_grounding_logprobs_and_url_context_appended() -> None:
    def with_metadata(n: int) -> types.GenerateContentResponse:
        cand = types.Candidate(
            index=0,
            citation_metadata=types.CitationMetadata(citation_sources=[types.CitationSource(uri=f"u{n}")]),
            grounding_attributions=[
                types.GroundingAttribution(content=types.Content(parts=[_text(f"g{n}")]))
            ],
            grounding_metadata=types.GroundingMetadata(
                web_search_queries=[f"q{n}"],
                grounding_chunks=[types.GroundingChunk(web=types.Web(uri=f"w{n}"))],
                search_entry_point=types.SearchEntryPoint(rendered_content=f"html{n}"),
            ),
            logprobs_result=types.LogprobsResult(
                log_probability_sum=-1.5,
                chosen_candidates=[types.LogprobsResultCandidate(token=f"t{n}")],
                top_candidates=[types.TopCandidates()],
            ),
            url_context_metadata=types.UrlContextMetadata(
                url_metadata=[types.UrlMetadata(retrieved_url=f"r{n}")]
            ),
            avg_logprobs=-0.25 * n,
            token_count=n,
        )
        return types.GenerateContentResponse(candidates=[cand])

    cand = _accumulate([with_metadata(1), with_metadata(2)]).candidates[0]
    assert [s.uri for s in cand.citation_metadata.citation_sources] == ["u1", "u2"]
    assert [a.content.parts[0].text for a in cand.grounding_attributions] == ["g1", "g2"]
    assert list(cand.grounding_metadata.web_search_queries) == ["q1", "q2"]
    assert [c.web.uri for c in cand.grounding_metadata.grounding_chunks] == ["w1", "w2"]
    assert cand.grounding_metadata.search_entry_point.rendered_content == "html2"
    assert cand.logprobs_result.log_probability_sum == -3.0
    assert [c.token for c in cand.logprobs_result.chosen_candidates] == ["t1", "t2"]
    assert len(cand.logprobs_result.top_candidates) == 2
    assert [u.retrieved_url for u in cand.url_context_metadata.url_metadata] == ["r1", "r2"]
    assert cand.avg_logprobs == -0.5
    assert cand.token_count == 2


def test_metadata_absent_stays_absent() -> None:
    cand = _accumulate([_chunk(_text("a"))]).candidates[0]
    for name in ("citation_metadata", "grounding_metadata", "logprobs_result", "url_context_metadata"):
        assert not cand.HasField(name), name
    assert not cand.HasField("finish_message")


def test_snapshot_midway_then_more_adds() -> None:
    acc = StreamAccumulator()
    acc.add(_chunk(_text("a", thought=True)))
    acc.add(_chunk(_text("b", thought=True)))
    first = acc.snapshot
    assert _parts(first) == [_text("ab", thought=True)]
    first.candidates[0].content.parts[0].text = "changed by the caller"
    assert acc.snapshot is not acc.snapshot
    acc.add(_chunk(_text("c", thought=True), _text("d")))
    middle = acc.final()
    assert acc.final() is middle
    acc.add(_chunk(_text("e"), usage_metadata=Usage(total_token_count=1)))
    last = acc.final()
    assert last is not middle
    assert _parts(middle) == [_text("abc", thought=True), _text("d")]
    assert _parts(last) == [_text("abc", thought=True), _text("de")]
    assert last == acc.snapshot
    assert acc.chunks == 4


def test_later_changes_to_a_snapshot_do_not_leak() -> None:
    acc = StreamAccumulator()
    acc.add(_chunk(_call("f")))
    snap = acc.snapshot
    snap.candidates[0].content.parts[0].function_call.name = "g"
    assert acc.snapshot.candidates[0].content.parts[0].function_call.name == "f"


def test_add_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="GenerateContentResponse"):
        StreamAccumulator().add("text")  # type: ignore[arg-type]


def test_long_stream_joins_pieces_once() -> None:
    # 5,000 chunks: pieces are collected in a list and joined when the message is built, not
    # re-concatenated per chunk (which would be quadratic).
    acc = StreamAccumulator()
    pieces = [f"{i:05d}|" for i in range(5000)]
    for piece in pieces:
        acc.add(_chunk(_text(piece)))
    state = acc._candidates[0]
    run = state.parts[0]
    assert len(state.parts) == 1
    assert run.pieces == pieces  # type: ignore[union-attr]
    out = acc.final()
    assert out.candidates[0].content.parts[0].text == "".join(pieces)
    assert run.pieces == ["".join(pieces)]  # type: ignore[union-attr]
    acc.add(_chunk(_text("end")))
    assert acc.final().candidates[0].content.parts[0].text == "".join(pieces) + "end"


def test_generic_merge_rules_for_fields_without_a_rule() -> None:
    # Fields added to the proto later go through _merge_later_wins: repeated appended, set singular
    # fields (scalars and whole messages) replaced.
    from genai._views.accumulate import _merge_later_wins

    dst = types.GroundingMetadata(
        web_search_queries=["a"],
        search_entry_point=types.SearchEntryPoint(rendered_content="old", sdk_blob=b"old"),
        google_maps_widget_context_token="t1",
    )
    _merge_later_wins(
        dst,
        types.GroundingMetadata(
            web_search_queries=["b"], search_entry_point=types.SearchEntryPoint(rendered_content="new")
        ),
    )
    assert dst == types.GroundingMetadata(
        web_search_queries=["a", "b"],
        search_entry_point=types.SearchEntryPoint(rendered_content="new"),
        google_maps_widget_context_token="t1",
    )


def _emulator_layout() -> tuple[Any, Any, Any, Any]:
    try:
        from genai.emulator._chunks import iter_chunks
        from genai.emulator._generate import Shape, plan_reply, to_response
    except ImportError as exc:  # pragma: no cover - only while the emulator is absent
        pytest.skip(f"emulator not available: {exc}")
    return plan_reply, to_response, iter_chunks, Shape


@pytest.mark.parametrize(
    ("candidates", "thinking", "reply_words", "chunks"),
    [
        (1, False, None, None),
        (1, False, 120, None),
        (1, False, None, 7),
        (1, True, 40, None),
        (3, True, 50, None),
        (3, True, None, 3),
        (2, False, 5, 60),
    ],
)
def test_emulator_stream_accumulates_to_its_unary_reply(
    candidates: int, thinking: bool, reply_words: int | None, chunks: int | None
) -> None:
    plan_reply, to_response, iter_chunks, shape_cls = _emulator_layout()
    request = types.GenerateContentRequest(
        model="models/gemini-2.5-flash",
        contents=[types.Content(role="user", parts=[types.Part(text="Tell me a story about a lighthouse")])],
        generation_config=types.GenerationConfig(candidate_count=candidates),
    )
    if thinking:
        request.generation_config.thinking_config.include_thoughts = True
        request.generation_config.thinking_config.thinking_budget = 64
    shape = shape_cls(reply_words=reply_words, chunks=chunks)
    reply = plan_reply(request, shape)
    stream = list(iter_chunks(reply, chunks))
    assert _accumulate(stream) == to_response(reply)
