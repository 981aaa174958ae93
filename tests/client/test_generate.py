"""Every model method, sync and async, over real gRPC against the in-process emulator."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import uuid

import pytest

import genai
from genai import types
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"


def test_generate_content_text_and_usage(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="Tell me about gRPC")
    # The emulator's reply echoes the prompt, then invented words (docs/emulator.md).
    assert response.text.startswith('You said: "Tell me about gRPC". ')
    assert response.text == "".join(part.text for part in response.raw.candidates[0].content.parts)
    assert response.finish_reason == "STOP"
    assert response.candidates[0].finish_reason.name == "STOP"
    usage = response.usage_metadata
    counted = client.models.count_tokens(model=MODEL, contents="Tell me about gRPC")
    assert counted.total_tokens == usage.prompt_token_count == 4  # Tell, me, about, gRPC
    reply_tokens = client.models.count_tokens(model=MODEL, contents=response.text).total_tokens
    assert usage.candidates_token_count == reply_tokens
    assert usage.total_token_count == usage.prompt_token_count + reply_tokens


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
        resolved = stream.resolve().text
    assert resolved == client.models.generate_content(model=MODEL, contents="incomplete please").text


def test_config_dict_and_typed_object(client: genai.Client) -> None:
    as_dict = client.models.generate_content(
        model=MODEL, contents="limits", config={"maxOutputTokens": 3, "system_instruction": "Be terse."}
    )
    typed = client.models.generate_content(
        model=MODEL,
        contents="limits",
        config=types.GenerateContentConfig(max_output_tokens=3, system_instruction="Be terse."),
    )
    assert as_dict.text == typed.text == "You said:"  # cut after 3 tokens: You, said, :
    assert typed.finish_reason == "MAX_TOKENS"
    assert typed.usage_metadata.candidates_token_count == 3


def test_candidate_count(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="options", config={"candidate_count": 3})
    assert [c.index for c in response.candidates] == [0, 1, 2]
    assert len({c.text for c in response.candidates}) == 3
    assert all(c.text.startswith('You said: "options". ') for c in response.candidates)
    assert response.text == response.candidates[0].text


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
    assert recipe == Recipe(**json.loads(response.text))  # the reply's values, not made-up ones


def test_function_call_args_fit_the_declaration(client: genai.Client) -> None:
    def get_weather(city: str, days: int) -> str:
        """Weather forecast for a city."""
        return "sunny"

    response = client.models.generate_content(
        model=MODEL,
        contents="Please call get_weather for Prague",
        config={"tools": [get_weather], "automatic_function_calling": {"disable": True}},
    )
    (call,) = response.function_calls
    assert call.name == "get_weather"
    assert sorted(call.args) == ["city", "days"]
    assert isinstance(call.args["city"], str)
    assert float(call.args["days"]).is_integer()


def test_thoughts_are_separate_from_text(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL, contents="think first", config={"thinking_config": {"include_thoughts": True}}
    )
    assert response.thoughts.startswith('Thinking about: "think first". ')
    assert response.text.startswith('You said: "think first". ')
    assert "Thinking" not in response.text
    assert [p.thought for p in response.parts] == [True, False]
    thought_tokens = client.models.count_tokens(model=MODEL, contents=response.thoughts).total_tokens
    assert response.usage_metadata.thoughts_token_count == thought_tokens


def test_blocked_prompt_raises_with_the_reason(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="please [[block-prompt]]")
    assert response.prompt_feedback.block_reason.name == "SAFETY"
    assert response.candidates == []
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
    assert allowed.text.startswith('You said: "rude [[block-candidate]]". ')


EMBED_MODEL = "text-embedding-004"
EMBED_CONFIG = {"output_dimensionality": 8}


def _texts_to_embed() -> list[str]:
    marker = uuid.uuid4().hex[:8]  # tells this test's calls from every other's
    return [f"{marker} text number {i}" for i in range(250)]


def _batches_seen(emulator: Emulator, texts: list[str]) -> list[list[str]]:
    """The texts of each BatchEmbedContents call the emulator saw for ``texts``, ordered by the first."""
    position = {text: i for i, text in enumerate(texts)}
    batches = [
        [item.content.parts[0].text for item in call.request.requests]  # type: ignore[attr-defined]
        for call in emulator.calls
        if call.method == "BatchEmbedContents" and call.request.requests[0].content.parts[0].text in position  # type: ignore[attr-defined]
    ]
    return sorted(batches, key=lambda batch: position[batch[0]])


def test_embed_single(client: genai.Client) -> None:
    one = client.models.embed_content(model=EMBED_MODEL, contents="hello")
    (embedding,) = one.embeddings
    assert len(embedding.values) == 768
    assert math.isclose(sum(v * v for v in embedding.values), 1.0, rel_tol=1e-4)
    assert list(
        client.models.embed_content(model=EMBED_MODEL, contents=["hello"]).embeddings[0].values
    ) == list(embedding.values)


def test_embed_more_than_a_batch_splits_into_batches_of_100_in_order(
    client: genai.Client, emulator: Emulator
) -> None:
    texts = _texts_to_embed()
    many = client.models.embed_content(model=EMBED_MODEL, contents=texts, config=EMBED_CONFIG)
    assert _batches_seen(emulator, texts) == [texts[:100], texts[100:200], texts[200:]]
    singles = [
        list(
            client.models.embed_content(model=EMBED_MODEL, contents=text, config=EMBED_CONFIG)
            .embeddings[0]
            .values
        )
        for text in texts
    ]
    assert [list(e.values) for e in many.embeddings] == singles  # each text's own vector, in order
    assert len({tuple(vector) for vector in singles}) == len(texts)  # (so order shows)


def test_async_embed_more_than_a_batch_splits_into_batches_of_100_in_order(
    client: genai.Client, emulator: Emulator
) -> None:
    texts = _texts_to_embed()

    async def main() -> tuple[list[list[float]], list[list[float]]]:
        aio = client.aio.models
        many = await aio.embed_content(model=EMBED_MODEL, contents=texts, config=EMBED_CONFIG)
        singles = await asyncio.gather(
            *(aio.embed_content(model=EMBED_MODEL, contents=text, config=EMBED_CONFIG) for text in texts)
        )
        await client.aio.aclose()
        return [list(e.values) for e in many.embeddings], [list(s.embeddings[0].values) for s in singles]

    many, singles = asyncio.run(main())
    assert _batches_seen(emulator, texts) == [texts[:100], texts[100:200], texts[200:]]
    assert many == singles
    assert len({tuple(vector) for vector in singles}) == len(texts)


CATALOG = [
    "models/gemini-2.5-pro",
    "models/gemini-2.5-flash",
    "models/gemini-2.5-flash-lite",
    "models/gemini-2.0-flash",
    "models/gemini-2.0-flash-001",
    "models/gemini-2.0-flash-lite",
    "models/gemini-1.5-flash",
    "models/gemini-1.5-flash-latest",
    "models/gemini-1.5-pro",
    "models/gemini-1.5-pro-latest",
    "models/gemini-pro",
    "models/gemini-pro-vision",
    "models/gemini-live-2.5-flash",
    "models/gemini-live-2.5-flash-preview",
    "models/gemini-2.0-flash-live-001",
    "models/gemini-embedding-001",
    "models/text-embedding-004",
    "models/embedding-001",
    "models/imagen-3.0-generate-002",
    "models/veo-2.0-generate-001",
]  # docs/emulator.md, in the emulator's order


def test_list_is_lazy_and_pages_through_everything(client: genai.Client, emulator: Emulator) -> None:
    emulator.reset()  # the call record is bounded: a full one would not grow, whatever was fetched

    def pages_fetched() -> list[str]:
        return [call.request.page_token for call in emulator.calls if call.method == "ListModels"]  # type: ignore[attr-defined]

    models = client.models.list(page_size=2)
    assert pages_fetched() == []  # nothing fetched yet
    assert next(models).name == CATALOG[0]
    assert len(pages_fetched()) == 1  # one page, no more
    names = [CATALOG[0], *(m.name for m in models)]
    assert names == CATALOG
    tokens = pages_fetched()
    assert len(tokens) == 10 and tokens[0] == "" and all(tokens[1:])  # 20 models, 2 a page


def test_get_and_not_found(client: genai.Client) -> None:
    model = client.models.get(model=MODEL)
    assert model.name == f"models/{MODEL}"
    assert (model.input_token_limit, model.output_token_limit) == (1_048_576, 65_536)
    with pytest.raises(genai.errors.NotFoundError):
        client.models.get(model="no-such-model")


def test_invalid_argument_carries_field_violations(client: genai.Client) -> None:
    with pytest.raises(genai.errors.InvalidArgumentError) as caught:
        client.models.generate_content(model=MODEL, contents=[types.Content(role="user")])
    assert [v.field for v in caught.value.field_violations] == ["contents[0].parts"]


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
    assert len(texts) == 200
    for i, text in enumerate(texts):  # each reply answers its own request
        assert text.startswith(f'You said: "q{i}". ')
