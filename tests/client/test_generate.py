"""Every model method, sync and async, over real gRPC against the in-process emulator."""

from __future__ import annotations

import asyncio
import dataclasses
import math

import pytest

import genai
from genai import types
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"


def test_generate_content_text_and_usage(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="Tell me about gRPC")
    assert response.text
    assert response.finish_reason == "STOP"
    assert response.candidates[0].finish_reason.name == "STOP"
    usage = response.usage_metadata
    assert usage is not None and usage.prompt_token_count > 0
    counted = client.models.count_tokens(model=MODEL, contents="Tell me about gRPC")
    assert counted.total_tokens == usage.prompt_token_count


def test_a_plain_prompt_reaches_the_server_as_the_request_message(
    client: genai.Client, emulator: Emulator
) -> None:
    # A str prompt without config is sent as pre-encoded bytes; the server must see the same request
    # as for the message form, sync and async, unary and streamed.
    expected = types.GenerateContentRequest(
        model=f"models/{MODEL}",
        contents=[types.Content(role="user", parts=[types.Part(text="Bonjour, ça va?")])],
    )

    async def both_async() -> None:
        await client.aio.models.generate_content(model=MODEL, contents="Bonjour, ça va?")
        stream = await client.aio.models.generate_content_stream(model=MODEL, contents="Bonjour, ça va?")
        await stream.resolve()
        await client.aio.aclose()

    emulator.reset()
    client.models.generate_content(model=MODEL, contents="Bonjour, ça va?")
    client.models.generate_content_stream(model=MODEL, contents="Bonjour, ça va?").resolve()
    asyncio.run(both_async())
    seen = [(call.method, call.request) for call in emulator.calls]
    assert seen == [("GenerateContent", expected), ("StreamGenerateContent", expected)] * 2
    via_message = client.models.generate_content(model=MODEL, contents=expected.contents[0])
    assert via_message.text == client.models.generate_content(model=MODEL, contents="Bonjour, ça va?").text


def test_same_request_same_reply_and_model_name_forms(client: genai.Client) -> None:
    a = client.models.generate_content(model=MODEL, contents="determinism")
    b = client.models.generate_content(model=f"models/{MODEL}", contents="determinism")
    assert a.text == b.text


def test_stream_joins_to_the_unary_reply(client: genai.Client) -> None:
    unary = client.models.generate_content(model=MODEL, contents="stream me a story")
    with client.models.generate_content_stream(model=MODEL, contents="stream me a story") as stream:
        pieces = [chunk.text for chunk in stream]
    assert len(pieces) > 1
    assert "".join(pieces) == unary.text
    assert stream.response.text == unary.text
    assert stream.response.raw.candidates[0].finish_reason == unary.raw.candidates[0].finish_reason
    assert stream.response.usage_metadata == unary.usage_metadata


def test_reading_the_merged_response_before_the_end_raises(client: genai.Client) -> None:
    with client.models.generate_content_stream(model=MODEL, contents="incomplete please") as stream:
        next(iter(stream))
        with pytest.raises(genai.IncompleteIterationError):
            _ = stream.response
        assert stream.resolve().text


def test_config_dict_and_typed_object(client: genai.Client) -> None:
    as_dict = client.models.generate_content(
        model=MODEL, contents="limits", config={"maxOutputTokens": 3, "system_instruction": "Be terse."}
    )
    typed = client.models.generate_content(
        model=MODEL,
        contents="limits",
        config=types.GenerateContentConfig(max_output_tokens=3, system_instruction="Be terse."),
    )
    assert as_dict.text == typed.text
    assert typed.finish_reason == "MAX_TOKENS"
    assert typed.usage_metadata is not None and typed.usage_metadata.candidates_token_count <= 3


def test_candidate_count(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="options", config={"candidate_count": 3})
    assert [c.index for c in response.candidates] == [0, 1, 2]
    assert len({c.text for c in response.candidates}) == 3


@dataclasses.dataclass
class Recipe:
    name: str
    minutes: int
    vegetarian: bool


def test_json_schema_parsed_into_the_python_type(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="A recipe please",
        config={"response_mime_type": "application/json", "response_schema": Recipe},
    )
    recipe = response.parsed
    assert isinstance(recipe, Recipe)
    assert isinstance(recipe.minutes, int) and isinstance(recipe.vegetarian, bool)


def test_function_call_args_fit_the_declaration(client: genai.Client) -> None:
    def get_weather(city: str, days: int) -> str:
        """Weather forecast for a city."""
        return "sunny"

    response = client.models.generate_content(
        model=MODEL, contents="Please call get_weather for Prague", config={"tools": [get_weather]}
    )
    (call,) = response.function_calls
    assert call.name == "get_weather"
    assert isinstance(call.args["city"], str)
    assert float(call.args["days"]).is_integer()


def test_thoughts_are_separate_from_text(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL, contents="think first", config={"thinking_config": {"include_thoughts": True}}
    )
    assert response.thoughts
    assert response.thoughts not in response.text
    assert any(p.thought for p in response.parts)


def test_blocked_prompt_raises_with_the_reason(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="please [[block-prompt]]")
    assert response.prompt_feedback is not None
    with pytest.raises(genai.errors.BlockedPromptError, match="SAFETY"):
        _ = response.text


def test_blocked_candidate_raises_unless_block_none(client: genai.Client) -> None:
    blocked = client.models.generate_content(model=MODEL, contents="rude [[block-candidate]]")
    with pytest.raises(genai.errors.BlockedCandidateError, match="SAFETY"):
        _ = blocked.text
    allowed = client.models.generate_content(
        model=MODEL,
        contents="rude [[block-candidate]]",
        config={"safety_settings": {"harassment": "block_none"}},
    )
    assert allowed.text


def test_embed_single_and_batched_in_order(client: genai.Client) -> None:
    one = client.models.embed_content(model="text-embedding-004", contents="hello")
    (embedding,) = one.embeddings
    assert len(embedding.values) == 768
    assert math.isclose(sum(v * v for v in embedding.values), 1.0, rel_tol=1e-4)

    texts = [f"text number {i}" for i in range(250)]  # 3 BatchEmbedContents calls of <= 100
    many = client.models.embed_content(
        model="text-embedding-004", contents=texts, config={"output_dimensionality": 8}
    )
    assert len(many.embeddings) == 250
    assert all(len(e.values) == 8 for e in many.embeddings)
    single = client.models.embed_content(
        model="text-embedding-004", contents=texts[137], config={"output_dimensionality": 8}
    )
    assert list(many.embeddings[137].values) == pytest.approx(list(single.embeddings[0].values))


def test_list_is_lazy_and_pages_through_everything(client: genai.Client, emulator: Emulator) -> None:
    before = len(emulator.calls)
    models = client.models.list(page_size=2)
    assert len(emulator.calls) == before  # nothing fetched yet
    names = [m.name for m in models]
    assert len(names) == len(set(names)) >= 6
    assert f"models/{MODEL}" in names


def test_get_and_not_found(client: genai.Client) -> None:
    model = client.models.get(model=MODEL)
    assert model.name == f"models/{MODEL}" and model.input_token_limit > 0
    with pytest.raises(genai.errors.NotFoundError):
        client.models.get(model="no-such-model")


def test_invalid_argument_carries_field_violations(client: genai.Client) -> None:
    with pytest.raises(genai.errors.InvalidArgumentError) as caught:
        client.models.generate_content(model=MODEL, contents=[types.Content(role="user")])
    assert caught.value.field_violations
    assert "contents" in caught.value.field_violations[0].field


def test_async_methods(client: genai.Client) -> None:
    async def main() -> None:
        aio = client.aio.models
        unary = await aio.generate_content(model=MODEL, contents="async hello")
        stream = await aio.generate_content_stream(model=MODEL, contents="async hello")
        async with stream:
            pieces = [chunk.text async for chunk in stream]
        assert "".join(pieces) == unary.text == stream.response.text
        counted = await aio.count_tokens(model=MODEL, contents="async hello")
        assert counted.total_tokens == unary.usage_metadata.prompt_token_count
        embedded = await aio.embed_content(model="text-embedding-004", contents=[f"t{i}" for i in range(120)])
        assert len(embedded.embeddings) == 120
        names = [m.name async for m in aio.list(page_size=3)]
        assert f"models/{MODEL}" in names
        assert (await aio.get(model=MODEL)).name == f"models/{MODEL}"
        with pytest.raises(genai.errors.NotFoundError):
            await aio.get(model="missing")

    async def second_loop() -> str:
        try:
            return (await client.aio.models.get(model=MODEL)).name
        finally:
            await client.aio.aclose()

    asyncio.run(main())
    # The same client keeps working in a second event loop (its channels are per loop).
    assert asyncio.run(second_loop()) == f"models/{MODEL}"


def test_many_concurrent_async_calls(client: genai.Client) -> None:
    async def main() -> list[str]:
        calls = [client.aio.models.generate_content(model=MODEL, contents=f"q{i}") for i in range(200)]
        return [r.text for r in await asyncio.gather(*calls)]

    texts = asyncio.run(main())
    assert len(texts) == 200 and all(texts)
