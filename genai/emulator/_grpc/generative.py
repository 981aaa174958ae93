"""GenerativeService over gRPC: generation, streaming, token counting and embeddings.

Thin: each method runs the prelude, then the pure engines (`_work`, `_chunks`, `_embed`,
`_tokens`); anything refused is an RpcFailure, which the registration wrapper sends. A request
naming a cached content is answered with the cache's prompt first (`_caches.with_cache`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

from genai_protos import generative_service_pb2, generative_service_pb2_grpc

from .. import _catalog, _knobs, _work
from .._backend import Backend
from .._caches import with_cache
from .._chunks import iter_chunks
from .._embed import embed, embedding_text
from .._generate import to_response
from .._lifecycle import shutting_down
from .._live import LiveSession
from .._live_messages import Unrecognized
from .._status import unimplemented
from .._tokens import count_prompt, details
from .._tuning import resolve_tuned
from .._validate import batch_violations, count_violations, embed_violations, raise_if, resolve_model
from .registry import Context, call_of, received_bytes

gs = generative_service_pb2
T = TypeVar("T")
SERVICE = "GenerativeService"


class GenerativeServicer(generative_service_pb2_grpc.GenerativeServiceServicer):
    """Generation, streaming, token counting and embeddings against the catalog."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._prelude = backend.prelude
        self._state = backend.state

    async def _do(self, cheap: bool, work: Callable[[], T]) -> T:
        if cheap:
            return work()
        return await self._backend.offload(work)

    def _model(self, request_type: str, name: str, method: str) -> _catalog.CatalogEntry:
        """The catalog entry answering for `name`: a base model's own, a tuned model's base model's."""
        if name.startswith("tunedModels/"):
            return resolve_tuned(self._backend.tuned_models, name, method)
        return resolve_model(request_type, name, method)

    async def _plan(
        self, method: str, request: gs.GenerateContentRequest, knobs: _knobs.Knobs, stream: bool
    ) -> _work.Plan:
        entry = self._model("GenerateContentRequest", request.model, method)
        request, cached_tokens = with_cache(request, self._backend.caches)
        self._backend.files.check_parts(request.contents)
        cheap = _work.inline(request, knobs, received_bytes())
        plan = await self._do(cheap, lambda: _work.plan(request, entry, knobs, stream))
        if cached_tokens:
            plan.reply.usage.cached_content_token_count = cached_tokens
        return plan

    async def GenerateContent(
        self, request: gs.GenerateContentRequest, context: Context
    ) -> gs.GenerateContentResponse:
        knobs = await self._prelude.begin(call_of(SERVICE, "GenerateContent", request, context))
        plan = await self._plan("generateContent", request, knobs, stream=False)
        return to_response(plan.reply)

    async def StreamGenerateContent(
        self, request: gs.GenerateContentRequest, context: Context
    ) -> AsyncIterator[gs.GenerateContentResponse]:
        self._state.stream_started()
        outcome = "failed"
        try:
            call = call_of(SERVICE, "StreamGenerateContent", request, context)
            knobs = await self._prelude.begin(call)
            plan = await self._plan("streamGenerateContent", request, knobs, stream=True)
            cut = self._prelude.stream_break(call, knobs)
            limit = cut.after if cut is not None else None
            running = self._backend.running
            sent = 0
            for chunk in iter_chunks(plan.reply, knobs.chunks, plan.layout):
                if limit is not None and sent >= limit:
                    break
                if sent and knobs.chunk_delay:
                    await running.sleep(knobs.chunk_delay)
                elif running.stopping:
                    raise shutting_down()
                yield chunk
                sent += 1
            if cut is not None:
                raise cut.failure(sent)
            outcome = "completed"
        except (asyncio.CancelledError, GeneratorExit):
            # The client cancelled or went away (including its deadline passing).
            outcome = "cancelled"
            raise
        finally:
            self._state.stream_ended(completed=outcome == "completed", cancelled=outcome == "cancelled")

    async def CountTokens(self, request: gs.CountTokensRequest, context: Context) -> gs.CountTokensResponse:
        knobs = await self._prelude.begin(call_of(SERVICE, "CountTokens", request, context))
        entry = self._model("CountTokensRequest", request.model, "countTokens")
        cheap = _work.inline(request.generate_content_request, knobs, received_bytes())
        return await self._do(cheap, lambda: _count_tokens(request, entry))

    async def EmbedContent(
        self, request: gs.EmbedContentRequest, context: Context
    ) -> gs.EmbedContentResponse:
        await self._prelude.begin(call_of(SERVICE, "EmbedContent", request, context))
        entry = resolve_model("EmbedContentRequest", request.model, "embedContent")
        raise_if("EmbedContentRequest", embed_violations(request, entry))
        cheap = _work.small(request, received_bytes())
        embedding = await self._do(cheap, lambda: _embedding(request, entry))
        return gs.EmbedContentResponse(embedding=embedding)

    async def BatchEmbedContents(
        self, request: gs.BatchEmbedContentsRequest, context: Context
    ) -> gs.BatchEmbedContentsResponse:
        await self._prelude.begin(call_of(SERVICE, "BatchEmbedContents", request, context))
        entry = resolve_model("BatchEmbedContentsRequest", request.model, "batchEmbedContents")
        raise_if("BatchEmbedContentsRequest", batch_violations(request, entry))
        cheap = len(request.requests) <= 8 and _work.small(request, received_bytes())
        embeddings = await self._do(cheap, lambda: [_embedding(sub, entry) for sub in request.requests])
        return gs.BatchEmbedContentsResponse(embeddings=embeddings)

    async def GenerateAnswer(
        self, request: gs.GenerateAnswerRequest, context: Context
    ) -> gs.GenerateAnswerResponse:
        raise unimplemented(SERVICE, "GenerateAnswer")

    async def BidiGenerateContent(
        self, request_iterator: AsyncIterator[gs.BidiGenerateContentClientMessage], context: Context
    ) -> AsyncIterator[gs.BidiGenerateContentServerMessage]:
        metadata = {key: value for key, value in context.invocation_metadata() or ()}
        session = LiveSession(self._backend, "grpc", metadata)
        async for message in session.run(request_iterator):
            yield message.wire if isinstance(message, Unrecognized) else message


def _count_tokens(request: gs.CountTokensRequest, entry: _catalog.CatalogEntry) -> gs.CountTokensResponse:
    raise_if("CountTokensRequest", count_violations(request, entry))
    if request.HasField("generate_content_request"):
        inner = request.generate_content_request
        system = inner.system_instruction if inner.HasField("system_instruction") else None
        counts = count_prompt(inner.contents, system, inner.tools)
    else:
        counts = count_prompt(request.contents)
    return gs.CountTokensResponse(total_tokens=sum(counts.values()), prompt_tokens_details=details(counts))


def _embedding(request: gs.EmbedContentRequest, entry: _catalog.CatalogEntry) -> gs.ContentEmbedding:
    dimension = request.output_dimensionality if request.HasField("output_dimensionality") else 0
    values = embed(embedding_text(request.content), dimension or entry.embedding_dimension)
    return gs.ContentEmbedding(values=values)
