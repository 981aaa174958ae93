"""Limits on work that grows with the request itself (not with its schemas)."""

from __future__ import annotations

import grpc
import pytest
from genai_protos import generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub

from genai.emulator import _catalog, _knobs, _work
from tests.emulator._helpers import TIMEOUT, request, text_of, violations

gs = generative_service_pb2


@pytest.mark.parametrize("knob", ["x-emulator-reply-words", "x-emulator-chunks"])
def test_a_million_words_per_reply_at_most(gen: GenerativeServiceStub, knob: str) -> None:
    eight = request("eight", generation_config=gs.GenerationConfig(candidate_count=8))
    with pytest.raises(grpc.RpcError) as caught:
        # The old emulator spent about twelve seconds on its event loop writing eight million words.
        gen.GenerateContent(eight, metadata=[(knob, "1000000")], timeout=TIMEOUT)
    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert error.details() == (  # type: ignore[attr-defined]
        "x-emulator-reply-words / x-emulator-chunks ask for 1000000 words in each of 8 candidates; "
        "the emulator writes at most 1000000 words per reply"
    )
    fits = gen.GenerateContent(eight, metadata=[(knob, "1000")], timeout=TIMEOUT)
    assert [len(text_of(fits, i).split()) for i in range(8)] == [1000] * 8


def test_exactly_a_million_words_is_allowed() -> None:
    eight = request("eight", generation_config=gs.GenerationConfig(candidate_count=8))
    entry = _catalog.find(eight.model)
    assert entry is not None
    plan = _work.plan(eight, entry, _knobs.Knobs(reply_words=125_000), stream=False)
    assert [len(c.text.split()) for c in plan.reply.candidates] == [125_000] * 8


def test_a_prompt_over_the_models_input_limit_is_refused(gen: GenerativeServiceStub) -> None:
    limit = 30_720  # models/gemini-pro
    too_long = request("word " * (limit + 1), model="models/gemini-pro")
    with pytest.raises(grpc.RpcError) as caught:
        gen.GenerateContent(too_long, timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
    assert violations(caught.value) == {
        "contents": f"the input has {limit + 1} tokens; models/gemini-pro accepts at most {limit}"
    }
    fits = gen.GenerateContent(request("word " * limit, model="models/gemini-pro"), timeout=TIMEOUT)
    assert fits.usage_metadata.prompt_token_count == limit
