"""The API key never shows up in reprs, errors or log records, even on a failing, retried call."""

from __future__ import annotations

import asyncio
import logging

import grpc
import pytest
from genai_protos import generative_service_pb2

from genai import errors
from genai._transport import AsyncTransport, ChannelSettings, Transport
from genai._transport.options import CallOptions, RetryOptions
from tests.transport.conftest import KEY, FakeTime
from tests.transport.server import (
    GENERATE,
    GENERATE_RPC,
    STREAM,
    STREAM_RPC,
    Plan,
    TestServer,
    request,
    retry_info,
)

Response = generative_service_pb2.GenerateContentResponse
RETRY = CallOptions(timeout=5.0, retry=RetryOptions(attempts=3, initial=0.01, jitter=0.0))


def _assert_no_key(caplog: pytest.LogCaptureFixture, *objects: object) -> None:
    for obj in objects:
        assert KEY not in str(obj)
        assert KEY not in repr(obj)
    assert caplog.records, "expected retry log records"
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.__dict__)
    assert KEY not in caplog.text


def _failing(server: TestServer) -> None:
    server.plan = Plan(fail_first=10, fail_code=grpc.StatusCode.UNAVAILABLE, fail_details=(retry_info(0.5),))


def test_sync_failing_retried_call_does_not_leak_the_key(
    fresh: TestServer, settings: ChannelSettings, caplog: pytest.LogCaptureFixture
) -> None:
    _failing(fresh)
    caplog.set_level(logging.DEBUG)
    with Transport(settings) as transport:
        FakeTime().install(transport)
        with pytest.raises(errors.UnavailableError) as unary:
            transport.unary(GENERATE_RPC, request(), options=RETRY)
        with pytest.raises(errors.UnavailableError) as stream:
            list(transport.server_stream(STREAM_RPC, request(), options=RETRY))
        _assert_no_key(caplog, settings, transport, unary.value, stream.value, unary.value.__cause__)
    assert fresh.record.calls[GENERATE] == fresh.record.calls[STREAM] == 3
    assert all(m["x-goog-api-key"] == KEY for m in fresh.record.metadata)  # it was sent, though


def test_async_failing_retried_call_does_not_leak_the_key(
    fresh: TestServer, settings: ChannelSettings, caplog: pytest.LogCaptureFixture
) -> None:
    _failing(fresh)
    caplog.set_level(logging.DEBUG)
    transport = AsyncTransport(settings)
    FakeTime().install(transport)

    async def main() -> tuple[BaseException, BaseException]:
        with pytest.raises(errors.UnavailableError) as unary:
            await transport.unary(GENERATE_RPC, request(), options=RETRY)
        with pytest.raises(errors.UnavailableError) as stream:
            async for _ in transport.server_stream(STREAM_RPC, request(), options=RETRY):
                pass
        await transport.aclose()
        return unary.value, stream.value

    unary, stream = asyncio.run(asyncio.wait_for(main(), 10))
    _assert_no_key(caplog, settings, transport, unary, stream, unary.__cause__)
    assert fresh.record.calls[GENERATE] == fresh.record.calls[STREAM] == 3
