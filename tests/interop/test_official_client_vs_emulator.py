"""The official google-ai-generativelanguage clients, over their own gRPC transport, against our emulator.

The official GAPIC clients are a peer nobody here wrote: if they can hold a whole conversation with the
emulator (unary, streamed, token counting, embeddings, model metadata, paging, rich errors), the emulator
speaks the real wire contract and not just the dialect of our own client.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("google.ai.generativelanguage_v1beta")

import grpc
from google.ai import generativelanguage_v1beta as official
from google.ai.generativelanguage_v1beta.services.generative_service import (
    transports as generative_transports,
)
from google.ai.generativelanguage_v1beta.services.model_service import (
    transports as model_transports,
)
from google.api_core import exceptions as api_exceptions
from google.rpc import error_details_pb2

from genai.testing import Emulator

MODEL = "models/gemini-2.5-flash"
EMBEDDING_MODEL = "models/text-embedding-004"
EMBEDDING_DIMENSION = 768  # what text-embedding-004 returns (the real API and the emulator's catalog)
TIMEOUT = 5.0
# An insecure channel carries no call credentials, so the key goes in as plain metadata, as the API takes it.
METADATA = (("x-goog-api-key", "interop-key"),)
STOP = official.Candidate.FinishReason.STOP


class Official:
    """GenerativeServiceClient and ModelServiceClient sharing one plaintext channel to the emulator."""

    def __init__(self, endpoint: str) -> None:
        self.channel = grpc.insecure_channel(endpoint)
        # Handing the transport a ready channel makes it ignore credentials entirely: no ADC lookup and
        # no AnonymousCredentials needed (passing credentials= next to a transport instance is refused).
        self.generative = official.GenerativeServiceClient(
            transport=generative_transports.GenerativeServiceGrpcTransport(channel=self.channel)
        )
        self.models = official.ModelServiceClient(
            transport=model_transports.ModelServiceGrpcTransport(channel=self.channel)
        )

    def close(self) -> None:
        self.channel.close()


@pytest.fixture
def peer(emulator: Emulator) -> Iterator[Official]:
    clients = Official(emulator.endpoint)
    try:
        yield clients
    finally:
        clients.close()


def _user(text: str) -> official.Content:
    return official.Content(role="user", parts=[official.Part(text=text)])


def _text(response: official.GenerateContentResponse) -> str:
    """The first candidate's non-thought text, joined."""
    if not response.candidates:
        return ""
    return "".join(p.text for p in response.candidates[0].content.parts if p.text and not p.thought)


def _usage_adds_up(usage: official.GenerateContentResponse.UsageMetadata) -> bool:
    parts = (
        usage.prompt_token_count
        + usage.candidates_token_count
        + usage.thoughts_token_count
        + usage.tool_use_prompt_token_count
    )
    return usage.total_token_count == parts


def test_generate_stream_and_count_tokens_agree(peer: Official) -> None:
    prompt = "Explain in two sentences why HTTP/2 suits gRPC."
    unary = peer.generative.generate_content(
        model=MODEL, contents=[_user(prompt)], metadata=METADATA, timeout=TIMEOUT
    )
    assert len(unary.candidates) == 1
    candidate = unary.candidates[0]
    assert candidate.finish_reason == STOP
    assert candidate.content.role == "model"
    text = _text(unary)
    # The emulator echoes the prompt (final punctuation dropped), then invented words.
    assert text.startswith('You said: "Explain in two sentences why HTTP/2 suits gRPC". ')
    usage = unary.usage_metadata
    reply_tokens = peer.generative.count_tokens(
        model=MODEL, contents=[_user(text)], metadata=METADATA, timeout=TIMEOUT
    ).total_tokens
    assert usage.candidates_token_count == reply_tokens
    assert _usage_adds_up(usage)

    request = official.GenerateContentRequest(model=MODEL, contents=[_user(prompt)])
    chunks = list(peer.generative.stream_generate_content(request, metadata=METADATA, timeout=TIMEOUT))
    assert len(chunks) > 1
    assert "".join(_text(chunk) for chunk in chunks) == text
    assert chunks[-1].candidates[0].finish_reason == STOP
    assert all(c.candidates[0].finish_reason != STOP for c in chunks[:-1] if c.candidates)
    streamed_usage = [c.usage_metadata for c in chunks if c.usage_metadata.total_token_count]
    assert streamed_usage
    assert streamed_usage[-1] == usage

    counted = peer.generative.count_tokens(
        model=MODEL, contents=[_user(prompt)], metadata=METADATA, timeout=TIMEOUT
    )
    # Explain, in, two, sentences, why, HTTP, /, 2, suits, gRPC, "."
    assert counted.total_tokens == usage.prompt_token_count == 11


def test_embed_single_and_batch(peer: Official) -> None:
    texts = ["the quick brown fox", "jumps over", "the lazy dog"]
    single = peer.generative.embed_content(
        model=EMBEDDING_MODEL, content=_user(texts[1]), metadata=METADATA, timeout=TIMEOUT
    )
    values = list(single.embedding.values)
    assert len(values) == EMBEDDING_DIMENSION
    assert all(math.isfinite(v) for v in values)
    assert math.isclose(sum(v * v for v in values), 1.0, rel_tol=1e-4)  # L2-normalised

    batch = peer.generative.batch_embed_contents(
        model=EMBEDDING_MODEL,
        requests=[official.EmbedContentRequest(model=EMBEDDING_MODEL, content=_user(t)) for t in texts],
        metadata=METADATA,
        timeout=TIMEOUT,
    )
    assert [len(e.values) for e in batch.embeddings] == [EMBEDDING_DIMENSION] * len(texts)
    # Same text, same vector, whichever RPC asked; and different texts give different vectors.
    assert list(batch.embeddings[1].values) == pytest.approx(values)
    assert list(batch.embeddings[0].values) != list(batch.embeddings[2].values)

    truncated = peer.generative.embed_content(
        request=official.EmbedContentRequest(
            model=EMBEDDING_MODEL, content=_user(texts[0]), output_dimensionality=8
        ),
        metadata=METADATA,
        timeout=TIMEOUT,
    )
    # The first 8 components of the full vector, re-normalised.
    full = list(batch.embeddings[0].values)[:8]
    norm = math.sqrt(sum(v * v for v in full))
    assert list(truncated.embedding.values) == pytest.approx([v / norm for v in full], rel=1e-5)


def test_get_model_and_list_models_pager(peer: Official) -> None:
    model = peer.models.get_model(name=MODEL, metadata=METADATA, timeout=TIMEOUT)
    assert model.name == MODEL
    assert model.display_name
    assert (model.input_token_limit, model.output_token_limit) == (1_048_576, 65_536)  # docs/emulator.md
    assert "generateContent" in model.supported_generation_methods

    everything = peer.models.list_models(page_size=1000, metadata=METADATA, timeout=TIMEOUT)
    first_page = next(iter(everything.pages))
    assert not first_page.next_page_token
    all_names = [m.name for m in first_page.models]
    assert MODEL in all_names
    assert EMBEDDING_MODEL in all_names
    assert len(all_names) == len(set(all_names)) > 2

    pager = peer.models.list_models(page_size=2, metadata=METADATA, timeout=TIMEOUT)
    pages = list(pager.pages)
    assert [len(p.models) for p in pages[:-1]] == [2] * (len(pages) - 1)
    assert 1 <= len(pages[-1].models) <= 2
    assert all(p.next_page_token for p in pages[:-1])
    assert not pages[-1].next_page_token
    assert len(pages) == math.ceil(len(all_names) / 2)
    assert [m.name for p in pages for m in p.models] == all_names
    # Iterating the pager itself walks the same pages.
    again = peer.models.list_models(page_size=2, metadata=METADATA, timeout=TIMEOUT)
    assert [m.name for m in again] == all_names


def test_unknown_model_is_not_found(peer: Official) -> None:
    with pytest.raises(api_exceptions.NotFound) as caught:
        peer.models.get_model(name="models/no-such-model", metadata=METADATA, timeout=TIMEOUT, retry=None)
    assert caught.value.grpc_status_code == grpc.StatusCode.NOT_FOUND
    assert "no-such-model" in caught.value.message

    with pytest.raises(api_exceptions.NotFound):
        peer.generative.generate_content(
            model="models/no-such-model",
            contents=[_user("hi")],
            metadata=METADATA,
            timeout=TIMEOUT,
            retry=None,
        )


def test_invalid_request_carries_a_bad_request_detail(peer: Official) -> None:
    empty = official.Content(role="user")  # a content without parts
    with pytest.raises(api_exceptions.InvalidArgument) as caught:
        peer.generative.generate_content(
            model=MODEL, contents=[empty], metadata=METADATA, timeout=TIMEOUT, retry=None
        )
    error = caught.value
    assert error.grpc_status_code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.message
    bad_requests = [d for d in error.details if isinstance(d, error_details_pb2.BadRequest)]
    assert bad_requests, f"no google.rpc.BadRequest among the details: {error.details!r}"
    fields = [v.field for b in bad_requests for v in b.field_violations]
    assert any("contents" in f for f in fields), fields
    assert all(v.description for b in bad_requests for v in b.field_violations)


def test_the_official_async_client_holds_a_live_session(emulator: Emulator) -> None:
    # GenerativeServiceAsyncClient.bidi_generate_content over its own grpc.aio transport: setup,
    # a text turn, then the client's end of the stream ends the session normally.
    async def main() -> list[Any]:
        from google.ai.generativelanguage_v1beta.services.generative_service.transports import (
            grpc_asyncio as aio_transports,
        )

        channel = grpc.aio.insecure_channel(emulator.endpoint)
        client = official.GenerativeServiceAsyncClient(
            transport=aio_transports.GenerativeServiceGrpcAsyncIOTransport(channel=channel)
        )

        async def requests() -> Any:
            yield official.BidiGenerateContentClientMessage(
                setup=official.BidiGenerateContentSetup(model="models/gemini-live-2.5-flash")
            )
            yield official.BidiGenerateContentClientMessage(
                client_content=official.BidiGenerateContentClientContent(
                    turns=[_user("Hello from the official client")], turn_complete=True
                )
            )

        try:
            stream = await client.bidi_generate_content(requests=requests(), metadata=METADATA)
            return [message async for message in stream]
        finally:
            await channel.close()

    messages = asyncio.run(asyncio.wait_for(main(), 30))
    assert "setup_complete" in official.BidiGenerateContentServerMessage.to_dict(messages[0])
    text = "".join(
        part.text
        for m in messages
        if m.server_content.model_turn
        for part in m.server_content.model_turn.parts
    )
    assert text.startswith('You said: "Hello from the official client". ')
    assert messages[-1].server_content.turn_complete
    assert messages[-1].usage_metadata.total_token_count > 0
