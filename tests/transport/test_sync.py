"""Transport (sync) against a real loopback gRPC server."""

from __future__ import annotations

import dataclasses
import functools
import gc
import logging
import threading
import time

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2

from genai import errors
from genai._transport import BidiStream, ChannelSettings, ServerStream, Transport
from genai._transport.options import CallOptions, RetryOptions
from tests.transport.conftest import FAST_RETRY, KEY, OPTIONS, FakeTime
from tests.transport.server import (
    BIDI,
    BIDI_RPC,
    GENERATE,
    GENERATE_RPC,
    STREAM,
    STREAM_RPC,
    Plan,
    TestServer,
    request,
    retry_info,
    zero_quota,
)

Response = generative_service_pb2.GenerateContentResponse
# Cancellation tests give the call a deadline far beyond the bound on how long the server may take to
# notice the cancellation: were cancel() broken, the deadline could not stand in for it.
LONG_DEADLINE = CallOptions(timeout=30.0)
CANCEL_WAIT = 2.0


def text_of(response: Response) -> str:
    return response.candidates[0].content.parts[0].text


def test_unary_ok(fresh: TestServer, transport: Transport) -> None:
    response = transport.unary(GENERATE_RPC, request("hi"), options=OPTIONS)
    assert isinstance(response, Response)
    assert text_of(response) == "echo: hi"
    assert response.model_version == "models/test"
    assert fresh.record.calls[GENERATE] == 1


def test_preserialised_request_gets_the_same_reply(transport: Transport) -> None:
    message = request("same")
    as_message = transport.unary(GENERATE_RPC, message, options=OPTIONS)
    as_bytes = transport.unary(GENERATE_RPC, message.SerializeToString(), options=OPTIONS)
    assert as_bytes == as_message


def test_metadata_carries_key_client_header_and_caller_metadata(
    fresh: TestServer, transport: Transport, settings: ChannelSettings
) -> None:
    transport.unary(GENERATE_RPC, request(), options=OPTIONS, metadata=[("x-extra", "1")])
    list(transport.server_stream(STREAM_RPC, request(), options=OPTIONS))
    for seen in fresh.record.metadata:
        assert seen["x-goog-api-key"] == KEY
        assert seen["x-goog-api-client"] == settings.user_agent
        assert seen["user-agent"].startswith(settings.user_agent)
    assert fresh.record.metadata[0]["x-extra"] == "1"
    assert "x-extra" not in fresh.record.metadata[1]


def test_no_key_no_key_header(fresh: TestServer) -> None:
    with Transport(ChannelSettings(endpoint=fresh.address, insecure=True)) as transport:
        transport.unary(GENERATE_RPC, request(), options=OPTIONS)
    assert "x-goog-api-key" not in fresh.record.metadata[0]


def test_retries_unavailable_then_succeeds(
    fresh: TestServer, transport: Transport, fake_time: FakeTime
) -> None:
    fresh.plan = Plan(fail_first=2)
    response = transport.unary(GENERATE_RPC, request("again"), options=OPTIONS)
    assert text_of(response) == "echo: again"
    assert fresh.record.calls[GENERATE] == 3
    assert fake_time.sleeps == [0.01, 0.02]  # FAST_RETRY backoff, jitter 0


def test_resource_exhausted_honours_retry_info(
    fresh: TestServer, transport: Transport, fake_time: FakeTime, caplog: pytest.LogCaptureFixture
) -> None:
    fresh.plan = Plan(
        fail_first=1, fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED, fail_details=(retry_info(7.25),)
    )
    with caplog.at_level(logging.DEBUG, logger="genai.transport"):
        transport.unary(GENERATE_RPC, request(), options=OPTIONS)
    assert fake_time.sleeps == [7.25]  # the server's delay, not the 0.01 backoff
    [record] = [r for r in caplog.records if r.name == "genai.transport"]
    assert (record.method, record.attempt, record.status, record.delay) == (  # type: ignore[attr-defined]
        GENERATE,
        1,
        "RESOURCE_EXHAUSTED",
        7.25,
    )


def test_retry_info_jitter_only_adds(fresh: TestServer, transport: Transport, fake_time: FakeTime) -> None:
    fresh.plan = Plan(
        fail_first=1, fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED, fail_details=(retry_info(2.0),)
    )
    transport._rand = lambda: 0.5
    options = CallOptions(timeout=5.0, retry=RetryOptions(jitter=0.2))
    transport.unary(GENERATE_RPC, request(), options=options)
    assert fake_time.sleeps == [pytest.approx(2.1)]  # 2.0 * (1 + 0.1 * 0.5)


def test_zero_quota_is_not_retried(fresh: TestServer, transport: Transport, fake_time: FakeTime) -> None:
    fresh.plan = Plan(
        fail_first=5,
        fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED,
        fail_details=(zero_quota(), retry_info(1.0)),
    )
    with pytest.raises(errors.ResourceExhaustedError) as info:
        transport.unary(GENERATE_RPC, request(), options=OPTIONS)
    assert info.value.quota_violations[0].limit_is_zero
    assert info.value.retry_delay == 1.0
    assert fresh.record.calls[GENERATE] == 1
    assert fake_time.sleeps == []


def test_invalid_argument_is_not_retried(
    fresh: TestServer, transport: Transport, fake_time: FakeTime
) -> None:
    fresh.plan = Plan(fail_first=5, fail_code=grpc.StatusCode.INVALID_ARGUMENT, fail_message="bad field")
    with pytest.raises(errors.InvalidArgumentError, match="bad field #1") as info:
        transport.unary(GENERATE_RPC, request(), options=OPTIONS)
    assert isinstance(info.value.__cause__, grpc.RpcError)
    assert fresh.record.calls[GENERATE] == 1
    assert fake_time.sleeps == []


def test_budget_exhausted_raises_the_last_error(
    fresh: TestServer, transport: Transport, fake_time: FakeTime
) -> None:
    fresh.plan = Plan(fail_first=100)
    retry = RetryOptions(attempts=10, initial=0.4, multiplier=1.0, jitter=0.0, budget=1.0)
    with pytest.raises(errors.UnavailableError, match=r"#3$"):
        transport.unary(GENERATE_RPC, request(), options=CallOptions(timeout=5.0, retry=retry))
    assert fake_time.sleeps == [0.4, 0.4]  # a third wait would end at 1.2 s > budget
    assert fresh.record.calls[GENERATE] == 3


def test_attempts_exhausted_raises_the_last_error(
    fresh: TestServer, transport: Transport, fake_time: FakeTime
) -> None:
    fresh.plan = Plan(fail_first=100)
    options = CallOptions(timeout=5.0, retry=RetryOptions(attempts=3, initial=0.01, jitter=0.0))
    with pytest.raises(errors.UnavailableError, match=r"#3$"):
        transport.unary(GENERATE_RPC, request(), options=options)
    assert fresh.record.calls[GENERATE] == 3
    assert len(fake_time.sleeps) == 2


def test_retry_none_means_a_single_attempt(fresh: TestServer, transport: Transport) -> None:
    fresh.plan = Plan(fail_first=1)
    with pytest.raises(errors.UnavailableError):
        transport.unary(GENERATE_RPC, request(), options=CallOptions(timeout=5.0))
    assert fresh.record.calls[GENERATE] == 1


def test_deadline_exceeded(fresh: TestServer, transport: Transport) -> None:
    fresh.plan = Plan(delay=5.0)
    with pytest.raises(errors.DeadlineExceededError):
        transport.unary(GENERATE_RPC, request(), options=CallOptions(timeout=0.2, retry=FAST_RETRY))
    assert fresh.record.calls[GENERATE] == 1  # DEADLINE_EXCEEDED is not retryable by default


def test_closed_transport_refuses_calls(settings: ChannelSettings) -> None:
    transport = Transport(settings)
    transport.close()
    transport.close()  # idempotent
    with pytest.raises(errors.UsageError, match="closed"):
        transport.unary(GENERATE_RPC, request(), options=OPTIONS)
    with pytest.raises(errors.UsageError, match="closed"):
        transport.server_stream(STREAM_RPC, request(), options=OPTIONS)


def test_twenty_megabytes_each_way(fresh: TestServer, transport: Transport) -> None:
    fresh.plan = Plan(echo_blob=True)
    data = bytes(range(256)) * (20 * 1024 * 1024 // 256)
    message = request("big")
    message.contents[0].parts[0].inline_data.CopyFrom(
        content_pb2.Blob(mime_type="application/octet-stream", data=data)
    )
    # a part holds one of text/inline_data: the blob replaces the text, so the echo text is empty
    response = transport.unary(GENERATE_RPC, message, options=CallOptions(timeout=30.0))
    assert response.candidates[0].content.parts[0].inline_data.data == data


# ------------------------------------------------------------------------------------------- streams


def test_stream_ok(fresh: TestServer, transport: Transport) -> None:
    with transport.server_stream(STREAM_RPC, request(), options=OPTIONS) as stream:
        assert isinstance(stream, ServerStream)
        assert [text_of(r) for r in stream] == ["chunk 0", "chunk 1", "chunk 2"]
        assert stream.code() == grpc.StatusCode.OK
    assert list(stream) == []  # exhausted stays exhausted
    assert fresh.record.cancelled_streams == 0


def test_stream_status_is_known_once_the_stream_has_ended(fresh: TestServer, transport: Transport) -> None:
    with transport.server_stream(STREAM_RPC, request(), options=OPTIONS) as stream:
        assert text_of(next(stream)) == "chunk 0"
        # Read on this thread: nothing has seen the status yet, and asking must not hang.
        with pytest.raises(errors.UsageError, match="not ended"):
            stream.code()
        with pytest.raises(errors.UsageError, match="not ended"):
            stream.trailing_metadata()
        assert [text_of(r) for r in stream] == ["chunk 1", "chunk 2"]
        assert stream.code() == grpc.StatusCode.OK
        assert stream.trailing_metadata() is not None


def test_stream_bytes_request(transport: Transport) -> None:
    stream = transport.server_stream(STREAM_RPC, request().SerializeToString(), options=OPTIONS)
    assert len(list(stream)) == 3


def test_stream_retried_when_failing_before_the_first_chunk(
    fresh: TestServer, transport: Transport, fake_time: FakeTime
) -> None:
    fresh.plan = Plan(fail_first=2)
    stream = transport.server_stream(STREAM_RPC, request(), options=OPTIONS)
    assert [text_of(r) for r in stream] == ["chunk 0", "chunk 1", "chunk 2"]
    assert fresh.record.calls[STREAM] == 3
    assert fake_time.sleeps == [0.01, 0.02]


def test_stream_not_retried_after_a_chunk(
    fresh: TestServer, transport: Transport, fake_time: FakeTime
) -> None:
    fresh.plan = Plan(chunks=5, fail_after_chunks=2)
    received: list[str] = []
    stream = transport.server_stream(STREAM_RPC, request(), options=OPTIONS)
    with pytest.raises(errors.UnavailableError, match=r"#1$"):
        received.extend(text_of(response) for response in stream)
    assert received == ["chunk 0", "chunk 1"]
    assert fresh.record.calls[STREAM] == 1
    assert fake_time.sleeps == []
    with pytest.raises(errors.UnavailableError, match=r"#1$"):  # read again: the same error, never an end
        next(stream)
    assert stream.error is not None and not stream.completed


def test_stream_deadline(fresh: TestServer, transport: Transport) -> None:
    fresh.plan = Plan(chunks=100, chunk_delay=0.1)
    stream = transport.server_stream(STREAM_RPC, request(), options=CallOptions(timeout=0.3))
    with pytest.raises(errors.DeadlineExceededError):
        for _ in stream:
            pass


def _slow_stream(server: TestServer) -> None:
    # 10 s of chunks: it cannot end on its own, nor hit its deadline, while a test waits for the cancel.
    server.plan = Plan(chunks=500, chunk_delay=0.02)


def _start_slow_stream(server: TestServer, transport: Transport) -> ServerStream[Response]:
    _slow_stream(server)
    stream = transport.server_stream(STREAM_RPC, request(), options=LONG_DEADLINE)
    assert text_of(next(stream)) == "chunk 0"
    assert not server.record.cancelled.is_set()  # running, not cancelled, until the test acts
    return stream


def _server_saw_the_cancel(server: TestServer, since: float) -> None:
    """The server ended the RPC as cancelled within CANCEL_WAIT of ``since`` (the deadline is 30 s away).

    Timed from before the test's action: an action that blocked until the deadline ended the RPC
    must not pass for a cancel.
    """
    assert server.record.cancelled.wait(CANCEL_WAIT), "the server never saw the cancellation"
    assert time.monotonic() - since < CANCEL_WAIT
    assert server.record.cancelled_streams == 1
    assert server.record.calls[STREAM] == 1


def test_break_and_close_cancels_the_server_rpc(fresh: TestServer, transport: Transport) -> None:
    stream = _start_slow_stream(fresh, transport)
    for i, _ in enumerate(stream):
        if i == 1:
            break
    closing = time.monotonic()
    stream.close()
    _server_saw_the_cancel(fresh, closing)  # the transport is still open: closing it did not do this
    assert list(stream) == []


def test_context_manager_exit_cancels_the_server_rpc(fresh: TestServer, transport: Transport) -> None:
    with _start_slow_stream(fresh, transport) as stream:
        next(stream)
        leaving = time.monotonic()
    _server_saw_the_cancel(fresh, leaving)


def test_dropping_a_stream_cancels_the_server_rpc(fresh: TestServer, transport: Transport) -> None:
    stream = _start_slow_stream(fresh, transport)
    dropping = time.monotonic()
    del stream
    gc.collect()
    _server_saw_the_cancel(fresh, dropping)


def test_cancel_from_another_thread_ends_iteration_quietly(fresh: TestServer, transport: Transport) -> None:
    stream = _start_slow_stream(fresh, transport)
    reading = time.monotonic()
    timer = threading.Timer(0.1, stream.cancel)
    timer.start()
    rest = list(stream)  # ends with StopIteration, not an error
    timer.join()
    assert len(rest) < 100
    _server_saw_the_cancel(fresh, reading)
    stream.cancel()  # idempotent


# ---------------------------------------------------------------------------------------------- bidi


ClientMessage = generative_service_pb2.BidiGenerateContentClientMessage


def _setup() -> generative_service_pb2.BidiGenerateContentClientMessage:
    return ClientMessage(setup=generative_service_pb2.BidiGenerateContentSetup(model="models/live"))


def test_bidi(fresh: TestServer, transport: Transport) -> None:
    # The same shape as AsyncTransport.bidi: write / read / done_writing, over a queue-fed call.
    with transport.bidi(BIDI_RPC, timeout=5.0) as stream:
        assert isinstance(stream, BidiStream)
        stream.write(_setup())
        setup = stream.read()
        turn = content_pb2.Content(role="user", parts=[content_pb2.Part(text="ping")])
        stream.write(
            ClientMessage(
                client_content=generative_service_pb2.BidiGenerateContentClientContent(turns=[turn])
            ).SerializeToString()
        )
        stream.done_writing()
        stream.done_writing()  # idempotent
        rest = list(stream)
        assert stream.read() is None
        with pytest.raises(errors.UsageError):
            stream.write(ClientMessage())
    assert setup is not None
    replies = [setup, *rest]
    assert replies[0].HasField("setup_complete")
    assert replies[1].server_content.model_turn.parts[0].text == "echo: ping"
    assert fresh.record.metadata[0]["x-goog-api-key"] == KEY
    assert fresh.record.cancelled_streams == 0  # a half-closed call ends normally
    assert stream.completed


def test_bidi_reads_and_writes_from_two_threads(fresh: TestServer, transport: Transport) -> None:
    stream = transport.bidi(BIDI_RPC, timeout=5.0)
    replies: list[generative_service_pb2.BidiGenerateContentServerMessage] = []
    reader = threading.Thread(target=lambda: replies.extend(stream))
    reader.start()  # the first read starts the call; the writes go to the same call
    stream.write(_setup())
    for text in ("a", "b"):
        turn = content_pb2.Content(role="user", parts=[content_pb2.Part(text=text)])
        stream.write(
            ClientMessage(
                client_content=generative_service_pb2.BidiGenerateContentClientContent(turns=[turn])
            )
        )
    stream.done_writing()
    reader.join(10)
    assert not reader.is_alive()
    assert [r.server_content.model_turn.parts[0].text for r in replies[1:]] == ["echo: a", "echo: b"]
    assert fresh.record.calls[BIDI] == 1


def test_bidi_cancel_reaches_the_server(fresh: TestServer, transport: Transport) -> None:
    stream = transport.bidi(BIDI_RPC, timeout=LONG_DEADLINE.timeout)
    stream.write(_setup())  # the call stays open (not half-closed) until it is cancelled
    assert next(stream).HasField("setup_complete")
    assert not fresh.record.cancelled.is_set()
    cancelling = time.monotonic()
    stream.cancel()
    stream.cancel()  # idempotent
    assert list(stream) == []  # quietly
    assert stream.read() is None
    with pytest.raises(errors.UsageError):
        stream.write(ClientMessage())
    assert fresh.record.cancelled.wait(CANCEL_WAIT), "the server never saw the cancellation"
    assert time.monotonic() - cancelling < CANCEL_WAIT
    assert fresh.record.cancelled_streams == 1 and fresh.record.calls[BIDI] == 1
    assert stream.cancelled


def test_bidi_errors_are_translated(transport: Transport) -> None:
    stream = transport.bidi(BIDI_RPC, timeout=5.0)
    stream.done_writing()
    assert list(stream) == []
    stream = transport.bidi(dataclasses.replace(BIDI_RPC, path=BIDI.replace("Bidi", "Nope")), timeout=5.0)
    with pytest.raises(errors.UnimplementedError):
        next(stream)
    with pytest.raises(errors.UnimplementedError):  # a failed stream raises its error again
        stream.read()


# --------------------------------------------------------------------- sleep and gather (the backend)


def test_sleep_goes_through_the_time_seam(transport: Transport, fake_time: FakeTime) -> None:
    transport.sleep(0.25)
    assert fake_time.sleeps == [0.25]


def test_gather_runs_calls_on_threads_in_order(fresh: TestServer, transport: Transport) -> None:
    fresh.plan = Plan(delay=0.3)
    texts = [f"n{i}" for i in range(4)]

    def call(text: str) -> str:
        return text_of(transport.unary(GENERATE_RPC, request(text), options=OPTIONS))

    calls = [functools.partial(call, text) for text in texts]
    started = time.monotonic()
    assert transport.gather(calls) == [f"echo: {text}" for text in texts]
    assert time.monotonic() - started < 4 * 0.3  # they overlapped
    assert fresh.record.calls[GENERATE] == 4
    assert transport.gather([]) == []
    assert transport.gather([threading.get_ident]) == [threading.get_ident()]  # one call: this thread


def test_gather_raises_the_first_failure(transport: Transport) -> None:
    def fail() -> str:
        raise errors.UsageError("no")

    with pytest.raises(errors.UsageError, match="no"):
        transport.gather([lambda: "ok", fail])
