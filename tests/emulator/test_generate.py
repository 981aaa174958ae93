"""Text replies over real gRPC: determinism, echo, stream layout, knobs, limits, thinking, safety, usage."""

from __future__ import annotations

import time

import pytest
from genai_protos import content_pb2, generative_service_pb2, safety_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub

from tests.emulator._helpers import MODEL, TIMEOUT, joined, model_turn, request, text_of, user

gs = generative_service_pb2
FinishReason = gs.Candidate.FinishReason
HarmCategory = safety_pb2.HarmCategory
Probability = safety_pb2.SafetyRating.HarmProbability
Threshold = safety_pb2.SafetySetting.HarmBlockThreshold


def _config(**fields: object) -> gs.GenerationConfig:
    return gs.GenerationConfig(**fields)  # type: ignore[arg-type]


def _stream(
    gen: GenerativeServiceStub, req: gs.GenerateContentRequest, **knobs: str
) -> list[gs.GenerateContentResponse]:
    metadata = [(f"x-emulator-{k.replace('_', '-')}", v) for k, v in knobs.items()]
    return list(gen.StreamGenerateContent(req, metadata=metadata, timeout=TIMEOUT))


def _unary(
    gen: GenerativeServiceStub, req: gs.GenerateContentRequest, **knobs: str
) -> gs.GenerateContentResponse:
    metadata = [(f"x-emulator-{k.replace('_', '-')}", v) for k, v in knobs.items()]
    return gen.GenerateContent(req, metadata=metadata, timeout=TIMEOUT)


def test_same_request_same_reply_different_request_different_reply(gen: GenerativeServiceStub) -> None:
    first = _unary(gen, request("determinism"))
    assert _unary(gen, request("determinism")) == first
    assert text_of(_unary(gen, request("determinism!"))) != text_of(first)
    warmer = request("determinism", generation_config=_config(temperature=0.5))
    assert text_of(_unary(gen, warmer)) != text_of(first)


def test_reply_echoes_the_last_user_turn_and_ends_with_a_period(gen: GenerativeServiceStub) -> None:
    response = _unary(gen, request("Tell me about pineapples."))
    text = text_of(response)
    assert text.startswith('You said: "Tell me about pineapples". ')
    assert text.endswith(".")
    assert 6 + 8 <= len(text.split()) <= 6 + 24  # the echo is 6 words, then 8-24 invented ones
    (candidate,) = response.candidates
    assert candidate.finish_reason == FinishReason.STOP
    assert candidate.index == 0
    assert candidate.content.role == "model"
    assert [(r.category, r.probability) for r in candidate.safety_ratings] == [
        (HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT, Probability.NEGLIGIBLE),
        (HarmCategory.HARM_CATEGORY_HATE_SPEECH, Probability.NEGLIGIBLE),
        (HarmCategory.HARM_CATEGORY_HARASSMENT, Probability.NEGLIGIBLE),
        (HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, Probability.NEGLIGIBLE),
    ]
    assert response.model_version == "gemini-2.5-flash"
    assert response.response_id


def test_echo_uses_the_last_non_model_turn_and_long_texts_are_cut(gen: GenerativeServiceStub) -> None:
    contents = [
        user("first question"),
        model_turn("an answer"),
        user("one two three four five six seven eight nine"),
    ]
    text = text_of(_unary(gen, request(contents=contents)))
    assert text.startswith('You said: "one two three four five six seven eight...". ')
    image = content_pb2.Content(
        role="user",
        parts=[content_pb2.Part(inline_data=content_pb2.Blob(mime_type="image/png", data=b"\x89PNG"))],
    )
    assert text_of(_unary(gen, request(contents=[image]))).startswith('You sent: "[image/png]". ')


def test_system_instruction_is_echoed_and_changes_the_reply(gen: GenerativeServiceStub) -> None:
    plain = text_of(_unary(gen, request("Ahoy")))
    system = content_pb2.Content(parts=[content_pb2.Part(text="You are a pirate.")])
    pirate = text_of(_unary(gen, request("Ahoy", system_instruction=system)))
    assert pirate.startswith('You said: "Ahoy". Instructions: "You are a pirate". ')
    assert "Instructions" not in plain
    assert pirate.split(". ", 2)[2] != plain.split(". ", 1)[1]


def test_reply_words_knob_sets_the_exact_length(gen: GenerativeServiceStub) -> None:
    assert len(text_of(_unary(gen, request("sized"), reply_words="50")).split()) == 50
    assert text_of(_unary(gen, request("sized"), reply_words="2")) == "You said:"


def test_stream_joins_to_the_unary_reply_with_finish_data_in_a_final_chunk(
    gen: GenerativeServiceStub,
) -> None:
    req = request("stream me a story about the sea and the sky")
    unary = _unary(gen, req)
    chunks = _stream(gen, req)
    assert len(chunks) > 2
    assert joined(chunks) == text_of(unary)
    *body, last = chunks
    assert all(len(c.candidates) == 1 and c.candidates[0].content.parts for c in body)
    assert all(not c.candidates[0].finish_reason and not c.HasField("usage_metadata") for c in body)
    assert all(len(c.candidates[0].content.parts[0].text.split()) <= 4 for c in body)
    assert not last.candidates[0].content.parts
    assert last.candidates[0].finish_reason == FinishReason.STOP
    assert list(last.candidates[0].safety_ratings) == list(unary.candidates[0].safety_ratings)
    assert last.usage_metadata == unary.usage_metadata
    assert {(c.model_version, c.response_id) for c in chunks} == {(unary.model_version, unary.response_id)}


def test_chunks_knob_gives_exactly_n_chunks_all_with_text(gen: GenerativeServiceStub) -> None:
    req = request("seven chunks please")
    chunks = _stream(gen, req, chunks="7")
    assert len(chunks) == 7
    assert all(c.candidates[0].content.parts[0].text for c in chunks)
    assert [bool(c.candidates[0].finish_reason) for c in chunks] == [False] * 6 + [True]
    assert chunks[-1].usage_metadata.total_token_count > 0
    assert joined(chunks) == text_of(_unary(gen, req, chunks="7"))


def test_chunks_knob_lengthens_the_reply_for_unary_too(gen: GenerativeServiceStub) -> None:
    req = request("long one")
    chunks = _stream(gen, req, chunks="300")
    unary = text_of(_unary(gen, req, chunks="300"))
    assert len(chunks) == 300
    assert len(unary.split()) >= 300
    assert joined(chunks) == unary
    assert text_of(_unary(gen, req)) != unary


def test_five_thousand_chunk_stream_is_quick(gen: GenerativeServiceStub) -> None:
    started = time.perf_counter()
    chunks = list(
        gen.StreamGenerateContent(request("bench"), metadata=[("x-emulator-chunks", "5000")], timeout=30)
    )
    elapsed = time.perf_counter() - started
    assert len(chunks) == 5000
    # About 0.8 s in-process on a 2-core machine (client and server share the GIL); the generous
    # bound only guards against regressions such as O(n^2) chunking on a loaded CI box.
    assert elapsed < 10.0


def test_max_output_tokens_truncates_with_max_tokens(gen: GenerativeServiceStub) -> None:
    req = request("Tell me about pineapples", generation_config=_config(max_output_tokens=5))
    response = _unary(gen, req)
    assert text_of(response) == 'You said: "Tell'
    assert response.candidates[0].finish_reason == FinishReason.MAX_TOKENS
    assert response.usage_metadata.candidates_token_count == 5
    chunks = _stream(gen, req)
    assert joined(chunks) == 'You said: "Tell'
    assert chunks[-1].candidates[0].finish_reason == FinishReason.MAX_TOKENS
    roomy = _unary(
        gen, request("Tell me about pineapples", generation_config=_config(max_output_tokens=1000))
    )
    assert roomy.candidates[0].finish_reason == FinishReason.STOP


def test_stop_sequences_cut_before_the_first_occurrence(gen: GenerativeServiceStub) -> None:
    config = _config(stop_sequences=["zzz-not-there", "pineapple"])
    req = request("tell me about pineapple", generation_config=config)
    response = _unary(gen, req)
    assert text_of(response) == 'You said: "tell me about '
    assert response.candidates[0].finish_reason == FinishReason.STOP
    assert joined(_stream(gen, req)) == 'You said: "tell me about '


def test_candidate_count_gives_distinct_indexed_candidates_in_both_modes(gen: GenerativeServiceStub) -> None:
    req = request("options", generation_config=_config(candidate_count=3))
    response = _unary(gen, req)
    assert [c.index for c in response.candidates] == [0, 1, 2]
    texts = [text_of(response, i) for i in range(3)]
    assert len(set(texts)) == 3
    assert all(t.startswith('You said: "options". ') for t in texts)
    assert response.usage_metadata.candidates_token_count == sum(
        len(t.replace(":", " :").replace('"', ' " ').replace(".", " . ").split()) for t in texts
    )
    chunks = _stream(gen, req)
    assert [joined(chunks, i) for i in range(3)] == texts
    assert sorted(c.index for c in chunks[-1].candidates) == [0, 1, 2]
    assert all(c.finish_reason == FinishReason.STOP for c in chunks[-1].candidates)
    knobbed = _stream(gen, req, chunks="4")
    assert len(knobbed) == 4
    assert all(len(c.candidates) == 3 for c in knobbed)


def test_thinking_adds_a_signed_thought_part_first(gen: GenerativeServiceStub) -> None:
    thinking = gs.ThinkingConfig(include_thoughts=True)
    req = request("think first", generation_config=_config(thinking_config=thinking))
    response = _unary(gen, req)
    thought, answer = response.candidates[0].content.parts
    assert thought.thought
    assert thought.thought_signature
    assert thought.text.startswith('Thinking about: "think first". ')
    assert not answer.thought
    assert answer.text.startswith('You said: "think first". ')
    usage = response.usage_metadata
    assert usage.thoughts_token_count > 0
    assert (
        usage.total_token_count
        == usage.prompt_token_count + usage.candidates_token_count + usage.thoughts_token_count
    )
    chunks = _stream(gen, req)
    assert chunks[0].candidates[0].content.parts[0] == thought
    assert joined(chunks) == answer.text
    assert chunks[-1].usage_metadata == usage


def test_thinking_budget_limits_or_disables_thoughts(gen: GenerativeServiceStub) -> None:
    off = gs.ThinkingConfig(include_thoughts=True, thinking_budget=0)
    response = _unary(gen, request("no thoughts", generation_config=_config(thinking_config=off)))
    assert [p.thought for p in response.candidates[0].content.parts] == [False]
    assert response.usage_metadata.thoughts_token_count == 0
    small = gs.ThinkingConfig(include_thoughts=True, thinking_budget=3)
    response = _unary(gen, request("few thoughts", generation_config=_config(thinking_config=small)))
    assert response.candidates[0].content.parts[0].text == "Thinking about:"
    assert response.usage_metadata.thoughts_token_count == 3


def test_usage_equals_count_tokens_for_contents_system_and_tools(gen: GenerativeServiceStub) -> None:
    image = content_pb2.Part(inline_data=content_pb2.Blob(mime_type="image/jpeg", data=b"\xff\xd8"))
    tool = content_pb2.Tool(
        function_declarations=[content_pb2.FunctionDeclaration(name="lookup", description="Find a thing.")]
    )
    req = request(
        contents=[
            user("Hello, world!"),
            model_turn("Hi."),
            content_pb2.Content(role="user", parts=[content_pb2.Part(text="Look"), image]),
        ],
        system_instruction=content_pb2.Content(parts=[content_pb2.Part(text="Be brief.")]),
        tools=[tool],
    )
    usage = _unary(gen, req).usage_metadata
    counted = gen.CountTokens(
        gs.CountTokensRequest(model=MODEL, generate_content_request=req), timeout=TIMEOUT
    )
    assert (
        counted.total_tokens == usage.prompt_token_count == 4 + 2 + 1 + 258 + 3 + 1 + 4
    )  # contents, system, tool name + description
    assert {d.modality: d.token_count for d in counted.prompt_tokens_details} == {
        content_pb2.Modality.TEXT: 15,
        content_pb2.Modality.IMAGE: 258,
    }
    assert list(counted.prompt_tokens_details) == list(usage.prompt_tokens_details)
    contents_only = gen.CountTokens(
        gs.CountTokensRequest(model=MODEL, contents=req.contents), timeout=TIMEOUT
    )
    assert contents_only.total_tokens == 4 + 2 + 1 + 258
    assert usage.total_token_count == usage.prompt_token_count + usage.candidates_token_count


def test_blocked_prompt_has_feedback_and_no_candidates(gen: GenerativeServiceStub) -> None:
    req = request("please [[block-prompt]] now")
    response = _unary(gen, req)
    assert not response.candidates
    feedback = response.prompt_feedback
    assert feedback.block_reason == gs.GenerateContentResponse.PromptFeedback.BlockReason.SAFETY
    high = [r for r in feedback.safety_ratings if r.probability == Probability.HIGH]
    assert len(high) == 1
    assert high[0].category == HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT
    assert response.usage_metadata.total_token_count == response.usage_metadata.prompt_token_count > 0
    assert _stream(gen, req) == [response]
    setting = safety_pb2.SafetySetting(
        category=HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT, threshold=Threshold.OFF
    )
    assert text_of(_unary(gen, request("please [[block-prompt]] now", safety_settings=[setting])))


def test_blocked_candidate_unless_harassment_is_block_none(gen: GenerativeServiceStub) -> None:
    response = _unary(gen, request("rude [[block-candidate]]"))
    (candidate,) = response.candidates
    assert candidate.finish_reason == FinishReason.SAFETY
    assert not candidate.content.parts
    harassment = [r for r in candidate.safety_ratings if r.category == HarmCategory.HARM_CATEGORY_HARASSMENT]
    assert [(r.probability, r.blocked) for r in harassment] == [(Probability.HIGH, True)]
    assert _stream(gen, request("rude [[block-candidate]]")) == [response]
    for threshold in (Threshold.BLOCK_NONE, Threshold.OFF):
        setting = safety_pb2.SafetySetting(
            category=HarmCategory.HARM_CATEGORY_HARASSMENT, threshold=threshold
        )
        allowed = _unary(gen, request("rude [[block-candidate]]", safety_settings=[setting]))
        assert allowed.candidates[0].finish_reason == FinishReason.STOP
        assert text_of(allowed).startswith('You said: "rude [[block-candidate]]". ')
    strict = safety_pb2.SafetySetting(
        category=HarmCategory.HARM_CATEGORY_HARASSMENT, threshold=Threshold.BLOCK_ONLY_HIGH
    )
    assert (
        _unary(gen, request("rude [[block-candidate]]", safety_settings=[strict])).candidates[0].finish_reason
        == FinishReason.SAFETY
    )


@pytest.mark.parametrize("chunks", [None, "3"])
def test_json_reply_streams_to_the_same_text(gen: GenerativeServiceStub, chunks: str | None) -> None:
    req = request("json please", generation_config=_config(response_mime_type="application/json"))
    knobs = {"chunks": chunks} if chunks else {}
    assert joined(_stream(gen, req, **knobs)) == text_of(_unary(gen, req, **knobs))


def test_the_documented_example_holds(gen: GenerativeServiceStub) -> None:
    # docs/emulator.md quotes this reply; it pins the word list, the generator and the seed.
    system = content_pb2.Content(parts=[content_pb2.Part(text="You are a pirate.")])
    text = text_of(_unary(gen, request("Tell me about pineapples", system_instruction=system)))
    assert text.startswith(
        'You said: "Tell me about pineapples". Instructions: "You are a pirate". drift maple indigo juniper '
    )
