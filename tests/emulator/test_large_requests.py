"""Large requests are parsed off the event loop, and served like small ones."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub

from genai.emulator._grpc.registry import INLINE_BYTES, Pending, _lenient
from tests.emulator._helpers import TIMEOUT, joined, request, text_of, user

gs = generative_service_pb2


def test_only_small_requests_are_parsed_where_grpc_calls_the_deserializer() -> None:
    parse = _lenient(gs.GenerateContentRequest)
    small = request("hi")
    assert parse(small.SerializeToString()) == small
    big = request("x" * INLINE_BYTES)
    pending = parse(big.SerializeToString())
    assert isinstance(pending, Pending)  # parsed later, on a worker thread
    assert pending.parse() == big


def test_large_requests_get_the_same_replies(gen: GenerativeServiceStub) -> None:
    many = request(contents=[user(f"part {i}") for i in range(5_000)])  # ~60 KB of small messages
    assert many.ByteSize() > INLINE_BYTES
    reply = gen.GenerateContent(many, timeout=TIMEOUT)
    assert text_of(reply).startswith('You said: "part 4999".')
    chunks = list(gen.StreamGenerateContent(many, timeout=TIMEOUT))
    assert joined(chunks) == text_of(reply)
    counted = gen.CountTokens(
        gs.CountTokensRequest(model=many.model, contents=many.contents), timeout=TIMEOUT
    )
    assert counted.total_tokens == reply.usage_metadata.prompt_token_count


def test_a_large_request_protobuf_cannot_decode_is_invalid_argument(gen: GenerativeServiceStub) -> None:
    req = request(
        "x" * INLINE_BYTES, generation_config=gs.GenerationConfig(response_mime_type="application/json")
    )
    node = req.generation_config.response_schema
    for _ in range(150):
        node.type = content_pb2.Type.ARRAY
        node = node.items
    for call in (gen.GenerateContent, lambda r, timeout: list(gen.StreamGenerateContent(r, timeout=timeout))):
        with pytest.raises(grpc.RpcError) as caught:
            call(req, timeout=TIMEOUT)
        error: Any = caught.value
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error.details().startswith("Could not decode the GenerateContentRequest")
