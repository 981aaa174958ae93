"""genai's client against a gRPC server assembled only from the official google-ai-generativelanguage classes.

Nothing of ours runs on the server side: every request is parsed, and every reply serialized, by the raw
protobuf classes behind the official proto-plus types (``official.X.pb()``), and the rich error details
travel the way googleapis servers send them (a google.rpc.Status in ``grpc-status-details-bin``, packed by
grpcio-status). What the server parsed is recorded, so the tests check both directions of the wire.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest

pytest.importorskip("google.ai.generativelanguage_v1beta")
grpc_status = pytest.importorskip("grpc_status.rpc_status")

import grpc  # noqa: E402
from google.ai import generativelanguage_v1beta as official  # noqa: E402
from google.protobuf import any_pb2, duration_pb2  # noqa: E402
from google.rpc import code_pb2, error_details_pb2, status_pb2  # noqa: E402

import genai  # noqa: E402

API_KEY = "k"
TIMEOUT = 5.0

GENERATIVE = "google.ai.generativelanguage.v1beta.GenerativeService"
MODELS = "google.ai.generativelanguage.v1beta.ModelService"

# Model names the test server treats specially.
QUOTA_MODEL = "models/quota-exhausted"
INVALID_MODEL = "models/rejects-everything"
BROKEN_STREAM_MODEL = "models/stream-breaks"

# The server's catalog, built with the official proto-plus type.
CATALOG = [
    official.Model(
        name=f"models/official-{i}",
        base_model_id=f"official-{i}",
        version="001",
        display_name=f"Official {i}",
        input_token_limit=1000 * (i + 1),
        output_token_limit=100 * (i + 1),
        supported_generation_methods=["generateContent", "countTokens"],
        temperature=0.5,
        top_k=i + 1,
    )
    for i in range(5)
]
SERVER_PAGE_SIZE = 50


def _raw(message: Any) -> Any:
    """The raw protobuf message behind a proto-plus instance (what the official serializer writes)."""
    return type(message).pb(message)


def _words(contents: Any) -> list[str]:
    return [w for content in contents for part in content.parts for w in part.text.split()]


def _abort(context: grpc.ServicerContext, code: int, message: str, *details: Any) -> None:
    status = status_pb2.Status(code=code, message=message)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    context.abort_with_status(grpc_status.to_status(status))


@dataclass
class Received:
    method: str
    request: Any  # raw official protobuf message
    metadata: dict[str, str | bytes]


@dataclass
class OfficialServer:
    endpoint: str = ""
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, request: Any, context: grpc.ServicerContext) -> None:
        with self.lock:
            self.received.append(Received(method, request, dict(context.invocation_metadata())))

    def calls(self, method: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.method == method]

    # -- GenerativeService -------------------------------------------------------------------------

    def _reply(self, request: Any, context: grpc.ServicerContext) -> tuple[str, Any]:
        if request.model == QUOTA_MODEL:
            _abort(
                context,
                code_pb2.RESOURCE_EXHAUSTED,
                "Quota exceeded for generate_content_free_tier_requests.",
                error_details_pb2.ErrorInfo(
                    reason="RATE_LIMIT_EXCEEDED", domain="googleapis.com", metadata={"service": "gl"}
                ),
                error_details_pb2.QuotaFailure(
                    violations=[
                        error_details_pb2.QuotaFailure.Violation(  # type: ignore[call-arg]  # stubs predate quota_id
                            subject="project",
                            description="requests per minute",
                            quota_metric="generativelanguage.googleapis.com/generate_content_requests",
                            quota_id="GenerateRequestsPerMinutePerProject",
                            quota_value=15,
                        )
                    ]
                ),
                error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=7, nanos=500_000_000)),
            )
        if request.model == INVALID_MODEL:
            _abort(
                context,
                code_pb2.INVALID_ARGUMENT,
                "* GenerateContentRequest.generation_config.temperature: must be within [0, 2]",
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field="generation_config.temperature", description="must be within [0, 2]"
                        )
                    ]
                ),
            )
        prompt = _words(request.contents)
        text = "echo: " + " ".join(_words(request.contents[-1:]))
        usage = official.GenerateContentResponse.UsageMetadata(
            prompt_token_count=len(prompt),
            candidates_token_count=len(text.split()),
            total_token_count=len(prompt) + len(text.split()),
        )
        return text, usage

    def generate_content(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.record("GenerateContent", request, context)
        text, usage = self._reply(request, context)
        parts = [official.Part(text=text)]
        if request.tools and request.tools[0].function_declarations:
            declared = request.tools[0].function_declarations[0].name
            args = {"city": "Paris", "days": 3, "units": ["metric", "kelvin"], "detail": {"hourly": True}}
            parts.append(
                official.Part(function_call=official.FunctionCall(id="call-1", name=declared, args=args))
            )
        reply = official.GenerateContentResponse(
            candidates=[
                official.Candidate(
                    index=0,
                    content=official.Content(role="model", parts=parts),
                    finish_reason=official.Candidate.FinishReason.STOP,
                )
            ],
            usage_metadata=usage,
            model_version="official-server-001",
            response_id="resp-1",
        )
        return _raw(reply)

    def stream_generate_content(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        self.record("StreamGenerateContent", request, context)
        text, usage = self._reply(request, context)
        words = text.split(" ")
        pieces = [w + " " for w in words[:-1]] + [words[-1]]
        for i, piece in enumerate(pieces):
            if request.model == BROKEN_STREAM_MODEL and i == 1:
                _abort(context, code_pb2.INTERNAL, "the backend fell over mid-stream")
            last = i == len(pieces) - 1
            chunk = official.GenerateContentResponse(
                candidates=[
                    official.Candidate(
                        index=0,
                        content=official.Content(role="model", parts=[official.Part(text=piece)]),
                        finish_reason=official.Candidate.FinishReason.STOP if last else 0,
                    )
                ],
                usage_metadata=usage if last else None,
                model_version="official-server-001",
                response_id="resp-stream",
            )
            yield _raw(chunk)

    def count_tokens(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.record("CountTokens", request, context)
        contents = request.contents or request.generate_content_request.contents
        return _raw(official.CountTokensResponse(total_tokens=len(_words(contents))))

    @staticmethod
    def _vector(text: str, position: int) -> list[float]:
        return [float(position), float(len(text)), float(len(text.split())), 0.5]

    def embed_content(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.record("EmbedContent", request, context)
        text = " ".join(_words([request.content]))
        return _raw(
            official.EmbedContentResponse(embedding=official.ContentEmbedding(values=self._vector(text, 0)))
        )

    def batch_embed_contents(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.record("BatchEmbedContents", request, context)
        embeddings = [
            official.ContentEmbedding(values=self._vector(" ".join(_words([item.content])), i))
            for i, item in enumerate(request.requests)
        ]
        return _raw(official.BatchEmbedContentsResponse(embeddings=embeddings))

    # -- ModelService ------------------------------------------------------------------------------

    def get_model(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.record("GetModel", request, context)
        for model in CATALOG:
            if model.name == request.name:
                return _raw(model)
        _abort(
            context,
            code_pb2.NOT_FOUND,
            f"Model {request.name} is not found for API version v1beta.",
            error_details_pb2.ErrorInfo(reason="MODEL_NOT_FOUND", domain="googleapis.com"),
        )
        raise AssertionError("unreachable")

    def list_models(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.record("ListModels", request, context)
        size = request.page_size or SERVER_PAGE_SIZE
        start = int(request.page_token or 0)
        end = start + size
        page = official.ListModelsResponse(
            models=CATALOG[start:end], next_page_token=str(end) if end < len(CATALOG) else ""
        )
        return _raw(page)

    def handlers(self) -> list[grpc.GenericRpcHandler[Any, Any]]:
        def unary(fn: Callable[..., Any], req: Any, resp: Any) -> grpc.RpcMethodHandler[Any, Any]:
            return grpc.unary_unary_rpc_method_handler(
                fn, request_deserializer=req.pb().FromString, response_serializer=resp.pb().SerializeToString
            )

        generative = {
            "GenerateContent": unary(
                self.generate_content, official.GenerateContentRequest, official.GenerateContentResponse
            ),
            "StreamGenerateContent": grpc.unary_stream_rpc_method_handler(
                self.stream_generate_content,
                request_deserializer=official.GenerateContentRequest.pb().FromString,
                response_serializer=official.GenerateContentResponse.pb().SerializeToString,
            ),
            "CountTokens": unary(
                self.count_tokens, official.CountTokensRequest, official.CountTokensResponse
            ),
            "EmbedContent": unary(
                self.embed_content, official.EmbedContentRequest, official.EmbedContentResponse
            ),
            "BatchEmbedContents": unary(
                self.batch_embed_contents,
                official.BatchEmbedContentsRequest,
                official.BatchEmbedContentsResponse,
            ),
        }
        models = {
            "GetModel": unary(self.get_model, official.GetModelRequest, official.Model),
            "ListModels": unary(self.list_models, official.ListModelsRequest, official.ListModelsResponse),
        }
        return [
            grpc.method_handlers_generic_handler(GENERATIVE, generative),
            grpc.method_handlers_generic_handler(MODELS, models),
        ]


@pytest.fixture(scope="module")
def server() -> Iterator[OfficialServer]:
    state = OfficialServer()
    grpc_server = grpc.server(ThreadPoolExecutor(max_workers=8))
    grpc_server.add_generic_rpc_handlers(state.handlers())
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    state.endpoint = f"127.0.0.1:{port}"
    try:
        yield state
    finally:
        grpc_server.stop(grace=1).wait(TIMEOUT)


@pytest.fixture
def client(server: OfficialServer) -> Iterator[genai.Client]:
    with server.lock:
        server.received.clear()
    with genai.Client(api_key=API_KEY, endpoint=server.endpoint, insecure=True, timeout=TIMEOUT) as c:
        yield c


def get_weather(city: str, days: int, units: str = "metric") -> str:
    """Weather forecast for a city."""
    return f"sunny in {city} for {days} days ({units})"


def test_generate_content_request_and_reply(client: genai.Client, server: OfficialServer) -> None:
    config = genai.GenerateContentConfig(
        system_instruction="Answer in English.",
        temperature=0.25,
        max_output_tokens=64,
        top_k=5,
        stop_sequences=["END"],
        safety_settings={"harassment": "block_none"},
        tools=[get_weather],
        # The reply's function call comes back to the caller as it is (not run), to check its decoding.
        automatic_function_calling={"disable": True},
    )
    response = client.models.generate_content(
        model="gemini-test", contents="Hello official server", config=config
    )

    # The reply, decoded by our classes from bytes the official classes wrote.
    assert response.text == "echo: Hello official server"
    assert response.finish_reason == "STOP"
    assert response.model_version == "official-server-001"
    assert response.response_id == "resp-1"
    usage = response.usage_metadata
    assert usage is not None
    assert (usage.prompt_token_count, usage.candidates_token_count, usage.total_token_count) == (3, 4, 7)
    (call,) = response.function_calls
    assert call.name == "get_weather"
    assert call.id == "call-1"
    args: Any = call.args  # a google.protobuf.Struct
    assert args["city"] == "Paris"
    assert args["days"] == 3
    assert list(args["units"]) == ["metric", "kelvin"]
    assert args["detail"]["hourly"] is True

    # The request, as the official class parsed it.
    (received,) = server.calls("GenerateContent")
    assert received.metadata.get("x-goog-api-key") == API_KEY
    request = received.request
    assert request.model == "models/gemini-test"
    assert [(c.role, [p.text for p in c.parts]) for c in request.contents] == [
        ("user", ["Hello official server"])
    ]
    assert [p.text for p in request.system_instruction.parts] == ["Answer in English."]
    gen = request.generation_config
    assert gen.HasField("temperature")
    assert gen.temperature == 0.25
    assert gen.HasField("max_output_tokens")
    assert gen.max_output_tokens == 64
    assert gen.HasField("top_k")
    assert gen.top_k == 5
    assert list(gen.stop_sequences) == ["END"]
    assert not gen.HasField("top_p")  # nothing we did not set
    (safety,) = request.safety_settings
    assert safety.category == official.HarmCategory.HARM_CATEGORY_HARASSMENT
    assert safety.threshold == official.SafetySetting.HarmBlockThreshold.BLOCK_NONE

    (tool,) = request.tools
    (declaration,) = tool.function_declarations
    assert declaration.name == "get_weather"
    assert declaration.description == "Weather forecast for a city."
    params = declaration.parameters
    assert params.type_ == official.Type.OBJECT  # proto-plus named the official field "type_"
    assert {name: schema.type_ for name, schema in params.properties.items()} == {
        "city": official.Type.STRING,
        "days": official.Type.INTEGER,
        "units": official.Type.STRING,
    }
    assert sorted(params.required) == ["city", "days"]


def test_stream_joins_chunks_and_keeps_the_final_metadata(
    client: genai.Client, server: OfficialServer
) -> None:
    with client.models.generate_content_stream(
        model="models/gemini-test", contents="one two three"
    ) as stream:
        pieces = [chunk.text for chunk in stream]
    assert pieces == ["echo: ", "one ", "two ", "three"]
    assert stream.response.text == "echo: one two three"
    assert stream.response.finish_reason == "STOP"
    usage = stream.response.usage_metadata
    assert usage is not None
    assert usage.prompt_token_count == 3
    assert usage.total_token_count == 7
    (received,) = server.calls("StreamGenerateContent")
    assert received.request.model == "models/gemini-test"
    assert received.metadata.get("x-goog-api-key") == API_KEY


def test_count_tokens(client: genai.Client, server: OfficialServer) -> None:
    counted = client.models.count_tokens(model="gemini-test", contents="alpha beta gamma delta")
    assert counted.total_tokens == 4
    (received,) = server.calls("CountTokens")
    request = received.request
    assert request.model == "models/gemini-test"
    contents = request.contents or request.generate_content_request.contents
    assert [p.text for c in contents for p in c.parts] == ["alpha beta gamma delta"]
    if request.HasField("generate_content_request"):
        assert request.generate_content_request.model == "models/gemini-test"

    # With request-level settings the count covers a whole GenerateContentRequest, which must name the
    # model too (the real API rejects a nested request without it).
    config = genai.GenerateContentConfig(system_instruction="Count me in.")
    counted = client.models.count_tokens(model="gemini-test", contents="one two", config=config)
    assert counted.total_tokens == 2
    nested = server.calls("CountTokens")[-1].request
    assert not nested.contents
    assert nested.generate_content_request.model == "models/gemini-test"
    assert [p.text for p in nested.generate_content_request.contents[0].parts] == ["one two"]
    assert [p.text for p in nested.generate_content_request.system_instruction.parts] == ["Count me in."]


def test_embed_single_and_list(client: genai.Client, server: OfficialServer) -> None:
    config = genai.EmbedContentConfig(task_type="RETRIEVAL_QUERY", output_dimensionality=4)
    one = client.models.embed_content(model="text-embedding-test", contents="hello world", config=config)
    assert [list(e.values) for e in one.embeddings] == [[0.0, 11.0, 2.0, 0.5]]
    (single,) = server.calls("EmbedContent")
    assert single.request.model == "models/text-embedding-test"
    assert [p.text for p in single.request.content.parts] == ["hello world"]
    assert single.request.task_type == official.TaskType.RETRIEVAL_QUERY
    assert single.request.output_dimensionality == 4

    texts = ["a", "bb cc", "ddd eee fff"]
    many = client.models.embed_content(model="text-embedding-test", contents=texts)
    assert [list(e.values) for e in many.embeddings] == [
        [0.0, 1.0, 1.0, 0.5],
        [1.0, 5.0, 2.0, 0.5],
        [2.0, 11.0, 3.0, 0.5],
    ]
    (batch,) = server.calls("BatchEmbedContents")
    assert batch.request.model == "models/text-embedding-test"
    assert [r.model for r in batch.request.requests] == ["models/text-embedding-test"] * 3
    assert [r.content.parts[0].text for r in batch.request.requests] == texts


def test_models_list_pages_and_get(client: genai.Client, server: OfficialServer) -> None:
    names = [m.name for m in client.models.list(page_size=2)]
    assert names == [m.name for m in CATALOG]
    pages = server.calls("ListModels")
    assert [(r.request.page_size, r.request.page_token) for r in pages] == [(2, ""), (2, "2"), (2, "4")]

    model = client.models.get(model="official-3")
    assert model.name == "models/official-3"
    assert model.display_name == "Official 3"
    assert (model.input_token_limit, model.output_token_limit, model.top_k) == (4000, 400, 4)
    assert list(model.supported_generation_methods) == ["generateContent", "countTokens"]
    assert model.temperature == 0.5
    assert server.calls("GetModel")[-1].request.name == "models/official-3"

    with pytest.raises(genai.errors.NotFoundError) as caught:
        client.models.get(model="models/absent")
    assert "models/absent" in caught.value.message
    assert caught.value.reason == "MODEL_NOT_FOUND"
    assert all(r.metadata.get("x-goog-api-key") == API_KEY for r in server.received)


def test_resource_exhausted_details_are_parsed(server: OfficialServer) -> None:
    with server.lock:
        server.received.clear()
    no_retry = genai.RetryOptions(attempts=1)
    with genai.Client(
        api_key=API_KEY, endpoint=server.endpoint, insecure=True, timeout=TIMEOUT, retry=no_retry
    ) as client:
        with pytest.raises(genai.errors.ResourceExhaustedError) as caught:
            client.models.generate_content(model=QUOTA_MODEL, contents="too much")
        error = caught.value
        assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error.message == "Quota exceeded for generate_content_free_tier_requests."
        assert error.retry_delay == pytest.approx(7.5)
        assert (error.reason, error.domain, error.error_metadata) == (
            "RATE_LIMIT_EXCEEDED",
            "googleapis.com",
            {"service": "gl"},
        )
        (violation,) = error.quota_violations
        assert violation.quota_id == "GenerateRequestsPerMinutePerProject"
        assert violation.quota_value == 15
        assert not violation.limit_is_zero
        assert isinstance(error.__cause__, grpc.RpcError)
        assert len(server.calls("GenerateContent")) == 1  # attempts=1: no retry

        with pytest.raises(genai.errors.InvalidArgumentError) as invalid:
            client.models.generate_content(model=INVALID_MODEL, contents="anything")
        assert [(v.field, v.description) for v in invalid.value.field_violations] == [
            ("generation_config.temperature", "must be within [0, 2]")
        ]

        with client.models.generate_content_stream(model=BROKEN_STREAM_MODEL, contents="x y") as stream:
            first = next(iter(stream))
            assert first.text == "echo: "
            with pytest.raises(genai.errors.InternalError, match="mid-stream"):
                list(stream)


def test_async_client_against_the_official_server(client: genai.Client, server: OfficialServer) -> None:
    async def main() -> tuple[str, list[str], str]:
        try:
            unary = await client.aio.models.generate_content(model="gemini-test", contents="async ping")
            stream = await client.aio.models.generate_content_stream(
                model="gemini-test", contents="async ping"
            )
            async with stream:
                pieces = [chunk.text async for chunk in stream]
            model = await client.aio.models.get(model="official-0")
            return unary.text, pieces, model.name
        finally:
            await client.aio.aclose()

    text, pieces, name = asyncio.run(asyncio.wait_for(main(), TIMEOUT))
    assert text == "echo: async ping"
    assert "".join(pieces) == text
    assert len(pieces) == 3
    assert name == "models/official-0"
    assert {r.method for r in server.received} == {"GenerateContent", "StreamGenerateContent", "GetModel"}
    assert all(r.metadata.get("x-goog-api-key") == API_KEY for r in server.received)
