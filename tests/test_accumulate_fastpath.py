"""StreamAccumulator fast paths: the boundary between the cheap common-chunk path and the general one."""

from __future__ import annotations

from typing import Any

import pytest

from genai import types
from genai._views import accumulate as acc_module
from genai._views.accumulate import StreamAccumulator

Usage = types.GenerateContentResponseUsageMetadata


def _text(text: str, *, thought: bool = False, signature: bytes = b"") -> types.Part:
    return types.Part(text=text, thought=thought, thought_signature=signature)


def _chunk(*parts: types.Part, **fields: Any) -> types.GenerateContentResponse:
    cand = types.Candidate(index=0, content=types.Content(role="model", parts=list(parts)))
    return types.GenerateContentResponse(candidates=[cand], **fields)


def _candidates(*cands: types.Candidate) -> types.GenerateContentResponse:
    return types.GenerateContentResponse(candidates=list(cands))


def _accumulate(*chunks: types.GenerateContentResponse) -> types.GenerateContentResponse:
    acc = StreamAccumulator()
    for chunk in chunks:
        acc.add(chunk)
    return acc.final()


def _parts(response: types.GenerateContentResponse, index: int = 0) -> list[types.Part]:
    return list(response.candidates[index].content.parts)


def test_common_stream_shape() -> None:
    chunks = [
        types.GenerateContentResponse(
            candidates=[
                types.Candidate(index=0, content=types.Content(role="model", parts=[_text(f"w{i} ")]))
            ],
            model_version="gemini-2.5-flash",
            response_id="r1",
        )
        for i in range(100)
    ]
    chunks[-1].candidates[0].finish_reason = types.FinishReason.STOP
    chunks[-1].usage_metadata.prompt_token_count = 5
    out = _accumulate(*chunks)
    assert out == types.GenerateContentResponse(
        candidates=[
            types.Candidate(
                index=0,
                content=types.Content(role="model", parts=[_text("".join(f"w{i} " for i in range(100)))]),
                finish_reason=types.FinishReason.STOP,
            )
        ],
        usage_metadata=Usage(prompt_token_count=5),
        model_version="gemini-2.5-flash",
        response_id="r1",
    )


def test_text_with_metadata_between_plain_text_is_kept_whole() -> None:
    with_meta = types.Part(text="b")
    with_meta.part_metadata.update({"k": "v"})
    empty_meta = types.Part(text="c")
    empty_meta.part_metadata.SetInParent()
    with_video = types.Part(text="d", video_metadata=types.VideoMetadata(fps=2.0))
    out = _accumulate(
        _chunk(_text("a")), _chunk(with_meta, empty_meta), _chunk(with_video, _text("e")), _chunk(_text("f"))
    )
    assert _parts(out) == [_text("a"), with_meta, empty_meta, with_video, _text("ef")]


def test_thought_parts_next_to_plain_text_in_one_chunk() -> None:
    out = _accumulate(
        _chunk(_text("a"), _text("t1", thought=True)),
        _chunk(_text("t2", thought=True), _text("b")),
        _chunk(_text("c")),
    )
    assert _parts(out) == [_text("a"), _text("t1t2", thought=True), _text("bc")]


def test_signed_parts_next_to_plain_text() -> None:
    out = _accumulate(
        _chunk(_text("t1", thought=True), _text("t2", thought=True, signature=b"s1")),
        _chunk(_text("a"), _text("", signature=b"s2"), _text("b")),
        _chunk(_text("c", signature=b"s3"), _text("d")),
    )
    assert _parts(out) == [
        _text("t1t2", thought=True, signature=b"s1"),
        _text("ab", signature=b"s2"),
        _text("cd", signature=b"s3"),
    ]


def test_empty_text_part_still_makes_a_text_part() -> None:
    out = _accumulate(_chunk(_text("")))
    assert _parts(out) == [_text("")]
    assert out.candidates[0].content.parts[0].WhichOneof("data") == "text"


def test_parts_without_text_are_kept_whole() -> None:
    empty = types.Part()
    thought_only = types.Part(thought=True)
    signature_only = types.Part(thought_signature=b"s")
    out = _accumulate(
        _chunk(_text("a", thought=True), thought_only),
        _chunk(_text("b", thought=True), empty, signature_only),
    )
    assert _parts(out) == [
        _text("a", thought=True),
        thought_only,
        _text("b", thought=True),
        empty,
        signature_only,
    ]


def test_index_unset_set_and_zero_at_a_later_position() -> None:
    def cand(text: str, index: int | None = None) -> types.Candidate:
        content = types.Content(role="model", parts=[_text(text)])
        if index is None:
            return types.Candidate(content=content)
        return types.Candidate(index=index, content=content)

    out = _accumulate(
        _candidates(cand("a"), cand("b")),  # no index: positions 0 and 1
        _candidates(cand("c", 1), cand("d", 0)),  # index 0 at position 1 goes to candidate 0
        _candidates(cand("e"), cand("f")),
    )
    assert [(c.HasField("index"), c.index) for c in out.candidates] == [(True, 0), (True, 1)]
    assert _parts(out, 0) == [_text("ade")]
    assert _parts(out, 1) == [_text("bcf")]


def test_index_never_set_stays_unset() -> None:
    out = _accumulate(
        _candidates(types.Candidate(content=types.Content(parts=[_text("a")]))),
        _candidates(types.Candidate(content=types.Content(role="model", parts=[_text("b")]))),
    )
    assert out == _candidates(types.Candidate(content=types.Content(role="model", parts=[_text("ab")])))


def test_response_fields_read_directly() -> None:
    feedback = types.PromptFeedback(block_reason=types.PromptFeedbackBlockReason.OTHER)
    out = _accumulate(
        _chunk(_text("a"), model_version="v1", usage_metadata=Usage(prompt_token_count=1)),
        _chunk(_text("b"), response_id="r1", prompt_feedback=feedback),
        _chunk(_text("c"), prompt_feedback=types.PromptFeedback(), usage_metadata=Usage()),
        _chunk(_text("d")),
    )
    assert out == types.GenerateContentResponse(
        candidates=[types.Candidate(index=0, content=types.Content(role="model", parts=[_text("abcd")]))],
        prompt_feedback=feedback,
        usage_metadata=Usage(),
        model_version="v1",
        response_id="r1",
    )


def test_candidate_fields_besides_content_and_index() -> None:
    out = _accumulate(
        _chunk(_text("a")),
        _candidates(
            types.Candidate(
                index=0,
                content=types.Content(parts=[_text("b")]),
                finish_reason=types.FinishReason.STOP,
                finish_message="done",
                token_count=2,
            )
        ),
    )
    assert out.candidates[0] == types.Candidate(
        index=0,
        content=types.Content(role="model", parts=[_text("ab")]),
        finish_reason=types.FinishReason.STOP,
        finish_message="done",
        token_count=2,
    )


def test_unknown_wire_fields_are_dropped() -> None:
    # Field 99 is not in this proto: it was never merged, and the fast path does not start to.
    unknown = b"\x9a\x06\x02hi"
    chunk = types.GenerateContentResponse.FromString(_chunk(_text("a")).SerializeToString() + unknown)
    assert chunk.SerializeToString().endswith(unknown)
    out = _accumulate(chunk, _chunk(_text("b")))
    assert out.SerializeToString() == _chunk(_text("ab")).SerializeToString()


def test_response_fields_of_a_newer_proto_reach_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend add() does not know response_id, as it would not know a field added to the proto later.
    field = types.GenerateContentResponse.DESCRIPTOR.fields_by_name["response_id"]
    monkeypatch.setattr(acc_module, "_RESPONSE_FIELDS", acc_module._RESPONSE_FIELDS - {"response_id"})
    monkeypatch.setattr(acc_module, "_RESPONSE_OTHERS", (field,))
    acc = StreamAccumulator()
    acc.add(_chunk(_text("a")))
    assert acc._extra is None
    acc.add(_chunk(_text("b"), response_id="r1", model_version="v1"))
    acc.add(_chunk(_text("c"), response_id="r2"))
    assert acc._extra == types.GenerateContentResponse(response_id="r2")
    assert acc.final().response_id == "r2"
    assert acc.final().model_version == "v1"
