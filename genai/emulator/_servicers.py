"""GenerativeService and ModelService handlers (grpc.aio), thin shells over the pure modules."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, NoReturn, TypeVar

import grpc
from genai_protos import (
    generative_service_pb2,
    generative_service_pb2_grpc,
    model_pb2,
    model_service_pb2,
    model_service_pb2_grpc,
    tuned_model_pb2,
)

from . import _catalog, _knobs, _work
from ._chunks import iter_chunks
from ._embed import embed, embedding_text
from ._faults import attempt_key, broken_stream, fails, injected_failure
from ._generate import to_response
from ._registry import Offload, Running, Undecodable, received_bytes, shutting_down
from ._state import CallRecord, EmulatorOptions, ServerState
from ._status import RpcFailure, error_info, invalid_argument, unimplemented
from ._tokens import count_prompt, details
from ._validate import (
    batch_violations,
    count_violations,
    embed_violations,
    raise_if,
    resolve_model,
)

gs = generative_service_pb2
ms = model_service_pb2
Context = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")

API_KEY_HEADER = "x-goog-api-key"
_MISSING_KEY = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
_BAD_KEY = "API key not valid. Please pass a valid API key."


async def abort(context: Context, failure: RpcFailure) -> NoReturn:
    """End the call with `failure`, its details in the grpc-status-details-bin trailer."""
    await context.abort(failure.code, failure.message, trailing_metadata=failure.trailing_metadata())


class _Prelude:
    """What every served call does first: record, authenticate, resolve knobs, delay, inject faults."""

    def __init__(self, options: EmulatorOptions, state: ServerState, service: str, running: Running) -> None:
        self._options = options
        self._state = state
        self._service = service
        self._running = running

    async def begin(self, method: str, request: Any, context: Context) -> _knobs.Knobs:
        if isinstance(request, Undecodable):
            raise request.failure()  # before recording: there is no message to record
        metadata = {key: value for key, value in context.invocation_metadata() or ()}
        self._state.record(CallRecord(self._service, method, metadata, request))
        keys = self._options.api_keys
        if keys is not None:
            key = metadata.get(API_KEY_HEADER)
            if not key:
                raise RpcFailure(
                    grpc.StatusCode.UNAUTHENTICATED, _MISSING_KEY, [error_info("CREDENTIALS_MISSING")]
                )
            if key not in keys:
                raise RpcFailure(
                    grpc.StatusCode.PERMISSION_DENIED,
                    _BAD_KEY,
                    [error_info("API_KEY_INVALID", {"service": "generativelanguage.googleapis.com"})],
                )
        try:
            knobs = _knobs.with_metadata(self._options.knobs, metadata)
        except ValueError as exc:
            raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        if knobs.delay:
            await self._running.sleep(knobs.delay)
        spec = knobs.fail
        if spec is not None and spec.times != 0:
            attempt = self._state.attempts.next(attempt_key(method, request, _knobs.FAIL, spec.raw))
            if fails(spec.times, attempt):
                raise injected_failure(spec, attempt, str(getattr(request, "model", "")))
        return knobs


class GenerativeServicer(generative_service_pb2_grpc.GenerativeServiceServicer):
    """Generation, streaming, token counting and embeddings against the catalog."""

    def __init__(
        self, options: EmulatorOptions, state: ServerState, running: Running, offload: Offload
    ) -> None:
        self._state = state
        self._prelude = _Prelude(options, state, "GenerativeService", running)
        self._running = running
        self._offload = offload

    async def _do(self, cheap: bool, work: Callable[[], T]) -> T:
        if cheap:
            return work()
        result: T = await self._offload(work)
        return result

    async def _plan(
        self, method: str, request: gs.GenerateContentRequest, knobs: _knobs.Knobs, stream: bool
    ) -> _work.Plan:
        entry = resolve_model("GenerateContentRequest", request.model, method)
        cheap = _work.inline(request, knobs, received_bytes())
        return await self._do(cheap, lambda: _work.plan(request, entry, knobs, stream))

    async def GenerateContent(
        self, request: gs.GenerateContentRequest, context: Context
    ) -> gs.GenerateContentResponse:
        try:
            knobs = await self._prelude.begin("GenerateContent", request, context)
            plan = await self._plan("generateContent", request, knobs, stream=False)
            return to_response(plan.reply)
        except RpcFailure as failure:
            await abort(context, failure)

    async def StreamGenerateContent(
        self, request: gs.GenerateContentRequest, context: Context
    ) -> AsyncIterator[gs.GenerateContentResponse]:
        self._state.stream_started()
        outcome = "failed"
        try:
            try:
                knobs = await self._prelude.begin("StreamGenerateContent", request, context)
                plan = await self._plan("streamGenerateContent", request, knobs, stream=True)
                limit: int | None = None
                attempt = 0
                breaker = knobs.break_after
                if breaker is not None and breaker.times != 0:
                    key = attempt_key("StreamGenerateContent", request, _knobs.BREAK_AFTER, breaker.raw)
                    attempt = self._state.attempts.next(key)
                    if fails(breaker.times, attempt):
                        limit = breaker.after
                sent = 0
                for chunk in iter_chunks(plan.reply, knobs.chunks, plan.layout):
                    if limit is not None and sent >= limit:
                        break
                    if sent and knobs.chunk_delay:
                        await self._running.sleep(knobs.chunk_delay)
                    elif self._running.stopping:
                        raise shutting_down()
                    yield chunk
                    sent += 1
                if breaker is not None and limit is not None:
                    raise broken_stream(breaker, sent, attempt)
            except RpcFailure as failure:
                await abort(context, failure)
            outcome = "completed"
        except (asyncio.CancelledError, GeneratorExit):
            # The client cancelled or went away (including its deadline passing).
            outcome = "cancelled"
            raise
        finally:
            self._state.stream_ended(completed=outcome == "completed", cancelled=outcome == "cancelled")

    async def CountTokens(self, request: gs.CountTokensRequest, context: Context) -> gs.CountTokensResponse:
        try:
            knobs = await self._prelude.begin("CountTokens", request, context)
            entry = resolve_model("CountTokensRequest", request.model, "countTokens")
            cheap = _work.inline(request.generate_content_request, knobs, received_bytes())
            return await self._do(cheap, lambda: _count_tokens(request, entry))
        except RpcFailure as failure:
            await abort(context, failure)

    async def EmbedContent(
        self, request: gs.EmbedContentRequest, context: Context
    ) -> gs.EmbedContentResponse:
        try:
            await self._prelude.begin("EmbedContent", request, context)
            entry = resolve_model("EmbedContentRequest", request.model, "embedContent")
            raise_if("EmbedContentRequest", embed_violations(request, entry))
            cheap = _work.small(request, received_bytes())
            embedding = await self._do(cheap, lambda: _embedding(request, entry))
            return gs.EmbedContentResponse(embedding=embedding)
        except RpcFailure as failure:
            await abort(context, failure)

    async def BatchEmbedContents(
        self, request: gs.BatchEmbedContentsRequest, context: Context
    ) -> gs.BatchEmbedContentsResponse:
        try:
            await self._prelude.begin("BatchEmbedContents", request, context)
            entry = resolve_model("BatchEmbedContentsRequest", request.model, "batchEmbedContents")
            raise_if("BatchEmbedContentsRequest", batch_violations(request, entry))
            cheap = len(request.requests) <= 8 and _work.small(request, received_bytes())
            embeddings = await self._do(cheap, lambda: [_embedding(sub, entry) for sub in request.requests])
            return gs.BatchEmbedContentsResponse(embeddings=embeddings)
        except RpcFailure as failure:
            await abort(context, failure)

    async def GenerateAnswer(
        self, request: gs.GenerateAnswerRequest, context: Context
    ) -> gs.GenerateAnswerResponse:
        await abort(context, unimplemented("GenerativeService", "GenerateAnswer"))

    async def BidiGenerateContent(
        self, request_iterator: AsyncIterator[gs.BidiGenerateContentClientMessage], context: Context
    ) -> AsyncIterator[gs.BidiGenerateContentServerMessage]:
        await abort(context, unimplemented("GenerativeService", "BidiGenerateContent"))
        yield gs.BidiGenerateContentServerMessage()  # unreachable: makes this an async generator


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


class ModelServicer(model_service_pb2_grpc.ModelServiceServicer):
    """GetModel and ListModels over the static catalog; tuned models are not emulated."""

    def __init__(self, options: EmulatorOptions, state: ServerState, running: Running) -> None:
        self._prelude = _Prelude(options, state, "ModelService", running)

    async def GetModel(self, request: ms.GetModelRequest, context: Context) -> model_pb2.Model:
        try:
            await self._prelude.begin("GetModel", request, context)
            if not request.name.startswith("models/") or request.name == "models/":
                raise invalid_argument(
                    "GetModelRequest", [("name", 'expected a model name like "models/gemini-2.5-flash"')]
                )
            entry = _catalog.find(request.name)
            if entry is None:
                raise RpcFailure(
                    grpc.StatusCode.NOT_FOUND, f"Model is not found: {request.name} for api version v1beta"
                )
            return entry.model
        except RpcFailure as failure:
            await abort(context, failure)

    async def ListModels(self, request: ms.ListModelsRequest, context: Context) -> ms.ListModelsResponse:
        try:
            await self._prelude.begin("ListModels", request, context)
            if request.page_size < 0:
                raise invalid_argument("ListModelsRequest", [("page_size", "must not be negative")])
            try:
                models, token = _catalog.page(request.page_size, request.page_token)
            except _catalog.BadPageToken:
                raise invalid_argument("ListModelsRequest", [("page_token", "Invalid page token.")]) from None
            return ms.ListModelsResponse(models=models, next_page_token=token)
        except RpcFailure as failure:
            await abort(context, failure)

    async def GetTunedModel(
        self, request: ms.GetTunedModelRequest, context: Context
    ) -> tuned_model_pb2.TunedModel:
        await abort(context, unimplemented("ModelService", "GetTunedModel"))

    async def ListTunedModels(
        self, request: ms.ListTunedModelsRequest, context: Context
    ) -> ms.ListTunedModelsResponse:
        await abort(context, unimplemented("ModelService", "ListTunedModels"))

    async def CreateTunedModel(self, request: ms.CreateTunedModelRequest, context: Context) -> Any:
        await abort(context, unimplemented("ModelService", "CreateTunedModel"))

    async def UpdateTunedModel(
        self, request: ms.UpdateTunedModelRequest, context: Context
    ) -> tuned_model_pb2.TunedModel:
        await abort(context, unimplemented("ModelService", "UpdateTunedModel"))

    async def DeleteTunedModel(self, request: ms.DeleteTunedModelRequest, context: Context) -> Any:
        await abort(context, unimplemented("ModelService", "DeleteTunedModel"))
