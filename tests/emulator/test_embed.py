"""Embeddings: deterministic, unit length, the model's dimension, truncation, batches in order."""

from __future__ import annotations

import math

import grpc
import pytest
from genai_protos import generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub

from tests.emulator._helpers import MODEL, TIMEOUT, user, violations

gs = generative_service_pb2


def _embed(
    gen: GenerativeServiceStub, text: str, model: str = "models/text-embedding-004", **fields: int
) -> list[float]:
    req = gs.EmbedContentRequest(model=model, content=user(text), **fields)  # type: ignore[arg-type]
    return list(gen.EmbedContent(req, timeout=TIMEOUT).embedding.values)


def _norm(values: list[float]) -> float:
    return math.sqrt(sum(v * v for v in values))


@pytest.mark.parametrize(
    ("model", "dimension"),
    [
        ("models/gemini-embedding-001", 3072),
        ("models/text-embedding-004", 768),
        ("models/embedding-001", 768),
    ],
)
def test_dimension_and_unit_length(gen: GenerativeServiceStub, model: str, dimension: int) -> None:
    values = _embed(gen, "hello", model)
    assert len(values) == dimension
    assert _norm(values) == pytest.approx(1.0, abs=1e-5)


def test_same_text_same_vector_different_text_different_vector(gen: GenerativeServiceStub) -> None:
    assert _embed(gen, "alpha") == _embed(gen, "alpha")
    assert _embed(gen, "alpha") != _embed(gen, "beta")


def test_output_dimensionality_is_the_renormalised_prefix(gen: GenerativeServiceStub) -> None:
    full = _embed(gen, "truncate me", "models/gemini-embedding-001")
    short = _embed(gen, "truncate me", "models/gemini-embedding-001", output_dimensionality=16)
    assert len(short) == 16
    assert _norm(short) == pytest.approx(1.0, abs=1e-5)
    scale = _norm(full[:16])
    assert short == pytest.approx([v / scale for v in full[:16]], rel=1e-4, abs=1e-6)


def test_batch_returns_one_embedding_per_request_in_order(gen: GenerativeServiceStub) -> None:
    model = "models/text-embedding-004"
    texts = [f"text number {i}" for i in range(100)]
    batch = gs.BatchEmbedContentsRequest(
        model=model,
        requests=[
            gs.EmbedContentRequest(model=model, content=user(t), output_dimensionality=8) for t in texts
        ],
    )
    embeddings = gen.BatchEmbedContents(batch, timeout=TIMEOUT).embeddings
    assert len(embeddings) == 100
    for i in (0, 37, 99):
        assert list(embeddings[i].values) == _embed(gen, texts[i], model, output_dimensionality=8)


def test_batch_limits_and_model_consistency(gen: GenerativeServiceStub) -> None:
    model = "models/text-embedding-004"

    def fails(batch: gs.BatchEmbedContentsRequest) -> dict[str, str]:
        with pytest.raises(grpc.RpcError) as caught:
            gen.BatchEmbedContents(batch, timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT  # type: ignore[attr-defined]
        return violations(caught.value)

    sub = gs.EmbedContentRequest(model=model, content=user("x"))
    assert "requests" in fails(gs.BatchEmbedContentsRequest(model=model, requests=[sub] * 101))
    assert "requests" in fails(gs.BatchEmbedContentsRequest(model=model))
    other = gs.EmbedContentRequest(model="models/embedding-001", content=user("x"))
    missing = gs.EmbedContentRequest(content=user("x"))
    found = fails(gs.BatchEmbedContentsRequest(model=model, requests=[sub, other, missing]))
    assert set(found) == {"requests[1].model", "requests[2].model"}


def test_embedding_validation(gen: GenerativeServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _embed(gen, "x", output_dimensionality=769)
    assert "output_dimensionality" in violations(caught.value)
    with pytest.raises(grpc.RpcError) as caught:
        gen.EmbedContent(gs.EmbedContentRequest(model="models/text-embedding-004"), timeout=TIMEOUT)
    assert "content" in violations(caught.value)


def test_methods_must_match_the_model_kind(gen: GenerativeServiceStub) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        _embed(gen, "x", MODEL)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert "does not support embedContent" in caught.value.details()  # type: ignore[attr-defined]
    req = gs.GenerateContentRequest(model="models/text-embedding-004", contents=[user("x")])
    with pytest.raises(grpc.RpcError) as caught:
        gen.GenerateContent(req, timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
    assert "does not support generateContent" in caught.value.details()  # type: ignore[attr-defined]
