"""Property: a unary reply, streamed the way a server splits it, accumulates back to itself."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from genai import types
from genai._views.accumulate import StreamAccumulator
from genai._views.responses import Candidate, GenerateContentResponse

Usage = types.GenerateContentResponseUsageMetadata

SIGNATURES = [b"", b"", b"sig-a", b"sig-b\x00\xff"]
FINISH_REASONS = ["STOP", "MAX_TOKENS", "SAFETY", "RECITATION", "MALFORMED_FUNCTION_CALL"]
CATEGORIES = ["HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_DANGEROUS_CONTENT"]


@dataclass
class TextSpec:
    text: str
    thought: bool
    signature: bytes


@dataclass
class OtherSpec:
    part: types.Part


PartSpec = TextSpec | OtherSpec

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=24)

text_specs = st.builds(TextSpec, texts, st.booleans(), st.sampled_from(SIGNATURES))
call_specs = st.builds(
    lambda name, thought, sig: OtherSpec(
        types.Part(
            function_call=types.FunctionCall(name=name, args={"n": 1}), thought=thought, thought_signature=sig
        )
    ),
    st.sampled_from(["lookup", "search", "f"]),
    st.booleans(),
    st.sampled_from(SIGNATURES),
)
blob_specs = st.builds(
    lambda data: OtherSpec(types.Part(inline_data=types.Blob(mime_type="image/png", data=data))),
    st.binary(max_size=16),
)
part_specs = st.one_of(text_specs, text_specs, call_specs, blob_specs)


def canonical(specs: list[PartSpec]) -> list[PartSpec]:
    """What a unary reply looks like: adjacent same-flag texts are one part unless both are signed."""
    out: list[PartSpec] = []
    for spec in specs:
        last = out[-1] if out else None
        if (
            isinstance(spec, TextSpec)
            and isinstance(last, TextSpec)
            and last.thought == spec.thought
            and not (last.signature and spec.signature)
        ):
            out[-1] = TextSpec(last.text + spec.text, last.thought, last.signature or spec.signature)
        else:
            out.append(spec)
    return out


def to_part(spec: PartSpec) -> types.Part:
    if isinstance(spec, OtherSpec):
        return spec.part
    return types.Part(text=spec.text, thought=spec.thought, thought_signature=spec.signature)


@st.composite
def text_pieces(draw: st.DrawFn, spec: TextSpec, signature_first: bool) -> list[types.Part]:
    """Split one text part at arbitrary character positions; the signature rides on one piece."""
    cuts = sorted(draw(st.lists(st.integers(0, len(spec.text)), max_size=4)))
    bounds = [0, *cuts, len(spec.text)]
    pieces = [spec.text[a:b] for a, b in itertools.pairwise(bounds)]
    # After a same-flag signed part, the signature must come first or the pieces before it would
    # belong to the previous part: that is how a server that keeps signatures apart streams it.
    carrier = 0 if signature_first else draw(st.integers(0, len(pieces) - 1))
    return [
        types.Part(
            text=piece, thought=spec.thought, thought_signature=spec.signature if i == carrier else b""
        )
        for i, piece in enumerate(pieces)
    ]


@dataclass
class Case:
    unary: types.GenerateContentResponse
    chunks: list[types.GenerateContentResponse]


@st.composite
def streamed_replies(draw: st.DrawFn) -> Case:
    n_candidates = draw(st.integers(1, 3))
    n_chunks = draw(st.integers(1, 6))
    usage = Usage(
        prompt_token_count=draw(st.integers(0, 100)),
        candidates_token_count=draw(st.integers(0, 100)),
        total_token_count=draw(st.integers(1, 200)),
    )
    feedback = draw(
        st.none()
        | st.builds(
            lambda c: types.PromptFeedback(
                safety_ratings=[types.SafetyRating(category=c, probability="NEGLIGIBLE")]
            ),
            st.sampled_from(CATEGORIES),
        )
    )
    unary = types.GenerateContentResponse(
        usage_metadata=usage, model_version="gemini-test", response_id="rid"
    )
    if feedback is not None:
        unary.prompt_feedback.CopyFrom(feedback)
    chunks = [
        types.GenerateContentResponse(model_version="gemini-test", response_id="rid") for _ in range(n_chunks)
    ]
    if feedback is not None:
        chunks[0].prompt_feedback.CopyFrom(feedback)
    separate_final = draw(st.booleans())
    if separate_final:
        chunks.append(types.GenerateContentResponse(model_version="gemini-test", response_id="rid"))
    chunks[-1].usage_metadata.CopyFrom(usage)

    order = draw(st.permutations(range(n_candidates)))
    per_chunk: list[dict[int, types.Candidate]] = [{} for _ in chunks]
    for index in range(n_candidates):
        specs = canonical(draw(st.lists(part_specs, max_size=6)))
        finish = draw(st.sampled_from(FINISH_REASONS))
        ratings = [
            types.SafetyRating(category=c, probability="LOW")
            for c in draw(st.lists(st.sampled_from(CATEGORIES), unique=True, max_size=2))
        ]
        unary_cand = unary.candidates.add(index=index, finish_reason=finish, safety_ratings=ratings)
        unary_cand.content.role = "model"
        unary_cand.content.parts.extend(to_part(s) for s in specs)

        pieces: list[types.Part] = []
        for i, spec in enumerate(specs):
            if isinstance(spec, TextSpec):
                prev = specs[i - 1] if i else None
                after_same_run = isinstance(prev, TextSpec) and prev.thought == spec.thought
                pieces.extend(draw(text_pieces(spec, after_same_run)))
            else:
                pieces.append(spec.part)
        # Which chunk each piece goes to: non-decreasing, so the order is kept.
        slots = sorted(
            draw(st.lists(st.integers(0, n_chunks - 1), min_size=len(pieces), max_size=len(pieces)))
        )

        def entry(k: int, index: int = index) -> types.Candidate:
            got = per_chunk[k].get(index)
            if got is None:
                got = per_chunk[k][index] = types.Candidate(index=index, content=types.Content(role="model"))
            return got

        for piece, k in zip(pieces, slots, strict=True):
            entry(k).content.parts.append(piece)
        if not pieces:
            entry(draw(st.integers(0, n_chunks - 1)))
        last = len(chunks) - 1
        final_entry = per_chunk[last].get(index)
        if final_entry is None:
            final_entry = per_chunk[last][index] = types.Candidate(index=index)
        final_entry.finish_reason = finish  # type: ignore[assignment]
        final_entry.safety_ratings.extend(ratings)

    for chunk, entries in zip(chunks, per_chunk, strict=True):
        for index in order:
            if index in entries:
                chunk.candidates.append(entries[index])
    return Case(unary, chunks)


@settings(max_examples=200, deadline=None)
@given(streamed_replies())
def test_accumulated_stream_equals_unary_reply(case: Case) -> None:
    acc = StreamAccumulator()
    for chunk in case.chunks:
        acc.add(chunk)
    assert acc.final() == case.unary
    assert acc.chunks == len(case.chunks)


@settings(max_examples=100, deadline=None)
@given(streamed_replies(), st.data())
def test_snapshots_along_the_way_do_not_change_the_result(case: Case, data: st.DataObject) -> None:
    acc = StreamAccumulator()
    for chunk in case.chunks:
        acc.add(chunk)
        if data.draw(st.booleans()):
            _ = acc.snapshot
    assert acc.snapshot == case.unary


def _thoughts(cand: Candidate) -> str:
    return "".join(p.text for p in cand.parts if p.thought and p.WhichOneof("data") == "text")


def _calls(cand: Candidate) -> list[types.FunctionCall]:
    return [p.function_call for p in cand.parts if p.WhichOneof("data") == "function_call"]


@settings(max_examples=100, deadline=None)
@given(streamed_replies())
def test_chunk_views_concatenate_to_the_unary_views(case: Case) -> None:
    texts: dict[int, str] = {}
    thoughts: dict[int, str] = {}
    calls: dict[int, list[types.FunctionCall]] = {}
    for chunk in case.chunks:
        for cand in GenerateContentResponse(chunk).candidates:
            texts[cand.index] = texts.get(cand.index, "") + cand.text
            thoughts[cand.index] = thoughts.get(cand.index, "") + _thoughts(cand)
            calls.setdefault(cand.index, []).extend(_calls(cand))
    unary = GenerateContentResponse(case.unary).candidates
    assert texts == {c.index: c.text for c in unary}
    assert thoughts == {c.index: _thoughts(c) for c in unary}
    assert calls == {c.index: _calls(c) for c in unary}
