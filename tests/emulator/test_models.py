"""ModelService: the catalog, paging with opaque tokens, NOT_FOUND; other methods are UNIMPLEMENTED."""

from __future__ import annotations

import base64

import grpc
import pytest
from genai_protos import (
    generative_service_pb2,
    model_service_pb2,
    retriever_service_pb2,
    retriever_service_pb2_grpc,
    rpcs,
)
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from genai_protos.model_service_pb2_grpc import ModelServiceStub

from tests.emulator._helpers import TIMEOUT, violations

ms = model_service_pb2

REQUIRED = [
    "models/gemini-2.5-pro",
    "models/gemini-2.5-flash",
    "models/gemini-2.5-flash-lite",
    "models/gemini-2.0-flash",
    "models/gemini-1.5-flash",
    "models/gemini-1.5-pro-latest",
    "models/gemini-pro-vision",
    "models/gemini-embedding-001",
    "models/text-embedding-004",
    "models/embedding-001",
]


def _all(models: ModelServiceStub, page_size: int) -> list[ms.ListModelsResponse]:
    pages = [models.ListModels(ms.ListModelsRequest(page_size=page_size), timeout=TIMEOUT)]
    while pages[-1].next_page_token:
        assert len(pages) < 100
        token = pages[-1].next_page_token
        pages.append(
            models.ListModels(ms.ListModelsRequest(page_size=page_size, page_token=token), timeout=TIMEOUT)
        )
    return pages


def test_paging_returns_every_model_exactly_once(models: ModelServiceStub) -> None:
    (whole,) = _all(models, 0)
    names = [m.name for m in whole.models]
    assert set(REQUIRED) <= set(names)
    assert len(names) == len(set(names))
    pages = _all(models, 2)
    assert all(len(p.models) == 2 for p in pages[:-1])
    assert 1 <= len(pages[-1].models) <= 2
    assert [m.name for p in pages for m in p.models] == names
    assert [m for p in pages for m in p.models] == list(whole.models)


def test_bad_page_tokens_and_sizes_are_invalid_argument(models: ModelServiceStub) -> None:
    token = models.ListModels(ms.ListModelsRequest(page_size=2), timeout=TIMEOUT).next_page_token
    forged = base64.urlsafe_b64encode(base64.urlsafe_b64decode(token + "==").replace(b":2:", b":4:")).decode()
    for req in (
        ms.ListModelsRequest(page_token="not-a-token"),
        ms.ListModelsRequest(page_token=forged),
        ms.ListModelsRequest(page_size=-1),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            models.ListModels(req, timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
        assert set(violations(caught.value)) <= {"page_token", "page_size"}


def test_get_model_metadata(models: ModelServiceStub) -> None:
    flash = models.GetModel(ms.GetModelRequest(name="models/gemini-2.5-flash"), timeout=TIMEOUT)
    assert flash.base_model_id == "gemini-2.5-flash"
    assert flash.version
    assert flash.display_name == "Gemini 2.5 Flash"
    assert flash.input_token_limit == 1_048_576
    assert flash.output_token_limit == 65_536
    assert {"generateContent", "streamGenerateContent", "countTokens"} <= set(
        flash.supported_generation_methods
    )
    assert flash.thinking
    assert flash.HasField("temperature")
    assert flash.max_temperature == 2.0
    assert flash.HasField("top_p")
    assert flash.HasField("top_k")
    embedding = models.GetModel(ms.GetModelRequest(name="models/gemini-embedding-001"), timeout=TIMEOUT)
    assert {"embedContent", "batchEmbedContents"} <= set(embedding.supported_generation_methods)
    assert "generateContent" not in embedding.supported_generation_methods
    for name in REQUIRED:
        assert models.GetModel(ms.GetModelRequest(name=name), timeout=TIMEOUT).name == name


def test_get_model_errors(models: ModelServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        models.GetModel(ms.GetModelRequest(name="models/no-such-model"), timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert "no-such-model" in caught.value.details()  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as caught:
        models.GetModel(ms.GetModelRequest(name="gemini-2.5-flash"), timeout=TIMEOUT)
    assert "name" in violations(caught.value)


def test_other_methods_are_unimplemented_with_a_clear_message(
    models: ModelServiceStub, gen: GenerativeServiceStub, channel: grpc.Channel
) -> None:
    calls = [
        (
            # The API offers no CancelOperation for tuned models' operations (nor does the emulator).
            lambda: channel.unary_unary(
                rpcs.Operations.CancelOperation.path,
                request_serializer=lambda m: m.SerializeToString(),
                response_deserializer=rpcs.Operations.CancelOperation.response.FromString,
            )(rpcs.Operations.CancelOperation.request(name="tunedModels/t/operations/o"), timeout=TIMEOUT),
            "Operations.CancelOperation",
        ),
        (
            lambda: gen.GenerateAnswer(generative_service_pb2.GenerateAnswerRequest(), timeout=TIMEOUT),
            "GenerativeService.GenerateAnswer",
        ),
        (
            lambda: retriever_service_pb2_grpc.RetrieverServiceStub(channel).ListCorpora(
                retriever_service_pb2.ListCorporaRequest(), timeout=TIMEOUT
            ),
            "RetrieverService.ListCorpora",
        ),
    ]
    for call, name in calls:
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED  # type: ignore[attr-defined]
        assert name in caught.value.details()  # type: ignore[attr-defined]
