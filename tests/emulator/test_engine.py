"""The pure parts of the emulator, without gRPC: tokens, chunking, schema values, knobs."""

from __future__ import annotations

import pytest
from genai_protos import content_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from genai.emulator import _chunks, _knobs, _schema_values, _tokens
from genai.emulator._generate import Shape, plan_reply, to_response
from genai.emulator._random import Rng, digest
from tests.emulator._helpers import request


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 0),
        ("Hello, world!", 4),
        ("snake_case42 x", 2),
        ("a.b", 3),
        ("  spaced   out  ", 2),
        ("héllo wörld", 2),
    ],
)
def test_token_rule(text: str, tokens: int) -> None:
    assert _tokens.text_tokens(text) == tokens


@given(st.text(max_size=60), st.integers(min_value=0, max_value=30))
@settings(max_examples=40, deadline=None)
def test_truncation_keeps_a_token_prefix(text: str, limit: int) -> None:
    cut, truncated = _tokens.truncate_tokens(text, limit)
    assert text.startswith(cut)
    assert _tokens.text_tokens(cut) == min(limit, _tokens.text_tokens(text))
    assert truncated == (_tokens.text_tokens(text) > limit)


@given(st.text(max_size=80), st.integers(min_value=1, max_value=40))
@settings(max_examples=60, deadline=None)
def test_split_even_is_exact(text: str, n: int) -> None:
    slices = _chunks.split_even(text, n)
    assert len(slices) == n
    assert "".join(slices) == text
    if len(text) >= n:
        assert all(slices)


@given(st.text(max_size=80))
@settings(max_examples=30, deadline=None)
def test_split_words_is_exact(text: str) -> None:
    groups = _chunks.split_words(text)
    assert "".join(groups) == text
    assert all(len(g.split()) <= _chunks.WORDS_PER_CHUNK for g in groups)


def test_rng_is_stable_across_runs() -> None:
    # Hard-coded: documented replies (and users' snapshots) depend on this exact sequence.
    rng = Rng(digest(b"fixed"))
    assert [rng.below(1000) for _ in range(3)] == [739, 412, 173]
    assert Rng(digest(b"fixed")).words(3) == ["fjord", "basalt", "spruce"]
    assert digest(b"ab", b"c") != digest(b"a", b"bc")


def test_schema_values_respect_bounds() -> None:
    T = content_pb2.Type
    rng = Rng(digest(b"bounds"))
    for _ in range(50):
        assert (
            3
            <= _schema_values.from_schema(content_pb2.Schema(type=T.INTEGER, minimum=3, maximum=4), rng)
            <= 4
        )
        value = _schema_values.from_schema(content_pb2.Schema(type=T.NUMBER, maximum=0.5), rng)
        assert isinstance(value, float)
        assert value <= 0.5
        items = _schema_values.from_schema(content_pb2.Schema(type=T.ARRAY, min_items=4, max_items=5), rng)
        assert 4 <= len(items) <= 5
        assert all(isinstance(i, str) for i in items)
        text = _schema_values.from_schema(
            content_pb2.Schema(type=T.STRING, min_length=30, max_length=32), rng
        )
        assert 30 <= len(text) <= 32
        assert len(_schema_values.from_schema(content_pb2.Schema(type=T.STRING, format="date"), rng)) == 10
    nested = {"type": "array", "items": {"anyOf": [{"type": "integer"}, {"const": "x"}]}, "maxItems": 1}
    (value,) = _schema_values.from_json_schema(nested, rng)
    assert value == "x" or isinstance(value, int)


def test_knob_parsing() -> None:
    spec = _knobs.parse_fail("resource_exhausted:3;retry_delay=0.5;quota_limit=0")
    assert (spec.code.name, spec.times, spec.retry_delay, spec.quota_limit) == (
        "RESOURCE_EXHAUSTED",
        3,
        0.5,
        0,
    )
    assert _knobs.parse_fail("UNAVAILABLE:always").times is None
    assert _knobs.parse_break("4:-1") == _knobs.BreakSpec(4, None, "4:-1")
    for bad in (
        "OK",
        "UNAVAILABLE:x",
        "UNAVAILABLE;retry_delay=-1",
        "UNAVAILABLE;colour=red",
        "UNAVAILABLE;oops",
    ):
        with pytest.raises(ValueError):  # noqa: PT011
            _knobs.parse_fail(bad)
    knobs = _knobs.with_metadata(_knobs.from_options(fail="INTERNAL", chunks=4), {"x-emulator-fail": "none"})
    assert knobs.fail is None
    assert knobs.chunks == 4


def test_plan_is_pure_and_unary_equals_joined_chunks() -> None:
    req = request("pure function")
    assert to_response(plan_reply(req)) == to_response(plan_reply(req))
    reply = plan_reply(req, Shape(chunks=9))
    chunks = list(_chunks.iter_chunks(reply, 9))
    assert len(chunks) == _chunks.chunk_count(reply, 9) == 9
    assert "".join(c.candidates[0].content.parts[0].text for c in chunks) == reply.candidates[0].text
