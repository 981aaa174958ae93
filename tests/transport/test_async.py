"""AsyncTransport against a real loopback gRPC server; each test drives its own asyncio.run()."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import gc
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import grpc
import pytest
from genai_protos import content_pb2, generative_service_pb2

from genai import errors
from genai._transport import AsyncBidiStream, AsyncServerStream, AsyncTransport, ChannelSettings
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
ServerMessage = generative_service_pb2.BidiGenerateContentServerMessage
ClientMessage = generative_service_pb2.BidiGenerateContentClientMessage
T = TypeVar("T")
# Cancellation tests give the call a deadline far beyond the bound on how long the server may take to
# notice the cancellation, and check while the transport is still open (closing it cancels anyway).
LONG_DEADLINE = CallOptions(timeout=30.0)
CANCEL_WAIT = 2.0


def text_of(response: Response) -> str:
    return response.candidates[0].content.parts[0].text


def run(
    settings: ChannelSettings, body: Callable[[AsyncTransport], Awaitable[T]], *, fake: FakeTime | None = None
) -> T:
    """asyncio.run(body(transport)) with a bound on the whole test and the transport closed after."""
    transport = AsyncTransport(settings)
    if fake is not None:
        fake.install(transport)

    async def main() -> T:
        async with transport:
            return await asyncio.wait_for(body(transport), 15)

    return asyncio.run(main())


def test_unary_ok_and_bytes_request(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> tuple[Response, Response]:
        message = request("aio")
        return (
            await t.unary(GENERATE_RPC, message, options=OPTIONS, metadata=[("x-extra", "2")]),
            await t.unary(GENERATE_RPC, message.SerializeToString(), options=OPTIONS),
        )

    as_message, as_bytes = run(settings, body)
    assert text_of(as_message) == "echo: aio"
    assert as_bytes == as_message
    first, second = fresh.record.metadata
    assert first["x-goog-api-key"] == second["x-goog-api-key"] == KEY
    assert first["x-goog-api-client"] == settings.user_agent
    assert first["x-extra"] == "2"
    assert "x-extra" not in second


def test_retries_unavailable_then_succeeds(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(fail_first=2)
    fake = FakeTime()
    response = run(settings, lambda t: t.unary(GENERATE_RPC, request(), options=OPTIONS), fake=fake)
    assert text_of(response) == "echo: hello"
    assert fresh.record.calls[GENERATE] == 3
    assert fake.sleeps == [0.01, 0.02]


def test_retry_info_is_honoured(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(
        fail_first=1, fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED, fail_details=(retry_info(3.5),)
    )
    fake = FakeTime()
    run(settings, lambda t: t.unary(GENERATE_RPC, request(), options=OPTIONS), fake=fake)
    assert fake.sleeps == [3.5]


@pytest.mark.parametrize(
    ("plan", "error"),
    [
        (Plan(fail_first=5, fail_code=grpc.StatusCode.INVALID_ARGUMENT), errors.InvalidArgumentError),
        (
            Plan(fail_first=5, fail_code=grpc.StatusCode.RESOURCE_EXHAUSTED, fail_details=(zero_quota(),)),
            errors.ResourceExhaustedError,
        ),
    ],
)
def test_not_retried(
    fresh: TestServer, settings: ChannelSettings, plan: Plan, error: type[errors.APIError]
) -> None:
    fresh.plan = plan
    fake = FakeTime()

    async def body(t: AsyncTransport) -> None:
        with pytest.raises(error) as info:
            await t.unary(GENERATE_RPC, request(), options=OPTIONS)
        assert isinstance(info.value.__cause__, grpc.aio.AioRpcError)

    run(settings, body, fake=fake)
    assert fresh.record.calls[GENERATE] == 1
    assert fake.sleeps == []


def test_attempts_and_budget_exhausted(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(fail_first=100)
    fake = FakeTime()
    attempts = CallOptions(timeout=5.0, retry=RetryOptions(attempts=3, initial=0.01, jitter=0.0))
    budget = CallOptions(
        timeout=5.0, retry=RetryOptions(attempts=10, initial=0.4, multiplier=1, jitter=0, budget=1)
    )

    async def body(t: AsyncTransport) -> None:
        with pytest.raises(errors.UnavailableError, match=r"#3$"):
            await t.unary(GENERATE_RPC, request(), options=attempts)
        with pytest.raises(errors.UnavailableError, match=r"#6$"):
            await t.unary(GENERATE_RPC, request(), options=budget)

    run(settings, body, fake=fake)
    assert fake.sleeps == [0.01, 0.02, 0.4, 0.4]


def test_deadline_exceeded(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(delay=5.0)

    async def body(t: AsyncTransport) -> None:
        with pytest.raises(errors.DeadlineExceededError):
            await t.unary(GENERATE_RPC, request(), options=CallOptions(timeout=0.2, retry=FAST_RETRY))

    run(settings, body)


def test_closed_transport_refuses_calls(settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> None:
        await t.aclose()
        with pytest.raises(errors.UsageError, match="closed"):
            await t.unary(GENERATE_RPC, request(), options=OPTIONS)
        with pytest.raises(errors.UsageError, match="closed"):
            t.server_stream(STREAM_RPC, request(), options=OPTIONS)

    run(settings, body)


def test_one_transport_across_several_event_loops(fresh: TestServer, settings: ChannelSettings) -> None:
    transport = AsyncTransport(settings)

    async def call(text: str) -> str:
        return text_of(await transport.unary(GENERATE_RPC, request(text), options=OPTIONS))

    assert asyncio.run(asyncio.wait_for(call("first"), 10)) == "echo: first"
    assert asyncio.run(asyncio.wait_for(call("second"), 10)) == "echo: second"
    assert len(transport._pools) == 1  # the first loop's pool was dropped once that loop closed
    asyncio.run(transport.aclose())
    assert transport._pools == {}


def _gather_calls(settings: ChannelSettings, fresh: TestServer, count: int) -> list[int]:
    """``count`` simultaneous unary calls; returns how many arrived on each connection (client port)."""

    async def body(t: AsyncTransport) -> None:
        replies = await asyncio.gather(
            *(t.unary(GENERATE_RPC, request(str(i)), options=OPTIONS) for i in range(count))
        )
        assert [text_of(r) for r in replies] == [f"echo: {i}" for i in range(count)]
        [pool] = t._pools.values()
        assert all(slot.inflight == 0 for slot in pool.slots)

    run(settings, body)
    ports = Counter(peer.rpartition(":")[2] for peer in fresh.record.peers)
    assert sum(ports.values()) == count
    return sorted(ports.values())


def test_pool_keeps_calls_on_one_connection_below_the_stream_limit(
    fresh: TestServer, fresh_settings_pool: ChannelSettings
) -> None:
    # 64 calls in flight stay under the default 100 streams per connection: no second connection.
    assert _gather_calls(fresh_settings_pool, fresh, 64) == [64]


def test_pool_opens_connections_as_the_stream_limit_is_reached(fresh: TestServer) -> None:
    settings = ChannelSettings(
        endpoint=fresh.address, insecure=True, api_key=KEY, pool_size=4, streams_per_channel=16
    )
    # Each connection fills to 16 before the next opens: four connections, 16 calls each.
    assert _gather_calls(settings, fresh, 64) == [16, 16, 16, 16]


def test_full_pool_spreads_calls_over_its_connections(fresh: TestServer) -> None:
    settings = ChannelSettings(
        endpoint=fresh.address, insecure=True, api_key=KEY, pool_size=2, streams_per_channel=8
    )
    # Both connections are open past 8 calls; from then on the least busy one takes the next call.
    assert _gather_calls(settings, fresh, 64) == [32, 32]


@pytest.fixture
def fresh_settings_pool(fresh: TestServer) -> ChannelSettings:
    return ChannelSettings(endpoint=fresh.address, insecure=True, api_key=KEY, pool_size=4)


def test_twenty_megabytes_each_way(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(echo_blob=True)
    data = b"\x5a" * (20 * 1024 * 1024)
    message = request()
    message.contents[0].parts[0].inline_data.CopyFrom(
        content_pb2.Blob(mime_type="application/octet-stream", data=data)
    )
    response = run(settings, lambda t: t.unary(GENERATE_RPC, message, options=CallOptions(timeout=30.0)))
    assert response.candidates[0].content.parts[0].inline_data.data == data


# ------------------------------------------------------------------------------------------- streams


async def collect(stream: AsyncServerStream[Response], into: list[str] | None = None) -> list[str]:
    received = [] if into is None else into
    async for response in stream:
        received.append(text_of(response))
    return received


def test_stream_starts_lazily_and_streams(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> list[str]:
        stream = t.server_stream(STREAM_RPC, request(), options=OPTIONS)
        assert isinstance(stream, AsyncServerStream)
        await asyncio.sleep(0.05)
        assert fresh.record.calls[STREAM] == 0  # not started before the first __anext__
        async with stream:
            return await collect(stream)

    assert run(settings, body) == ["chunk 0", "chunk 1", "chunk 2"]
    assert fresh.record.cancelled_streams == 0


def test_stream_retried_before_the_first_chunk(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(fail_first=2)
    fake = FakeTime()
    chunks = run(
        settings, lambda t: collect(t.server_stream(STREAM_RPC, request(), options=OPTIONS)), fake=fake
    )
    assert chunks == ["chunk 0", "chunk 1", "chunk 2"]
    assert fresh.record.calls[STREAM] == 3
    assert fake.sleeps == [0.01, 0.02]


def test_stream_not_retried_after_a_chunk(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(chunks=5, fail_after_chunks=2)
    fake = FakeTime()

    async def body(t: AsyncTransport) -> list[str]:
        received: list[str] = []
        stream = t.server_stream(STREAM_RPC, request(), options=OPTIONS)
        with pytest.raises(errors.UnavailableError, match=r"#1$"):
            await collect(stream, into=received)
        with pytest.raises(errors.UnavailableError, match=r"#1$"):  # read again: the same error
            await stream.__anext__()
        assert stream.error is not None and not stream.completed
        return received

    assert run(settings, body, fake=fake) == ["chunk 0", "chunk 1"]
    assert fresh.record.calls[STREAM] == 1
    assert fake.sleeps == []


def test_stream_deadline(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(chunks=100, chunk_delay=0.1)

    async def body(t: AsyncTransport) -> None:
        with pytest.raises(errors.DeadlineExceededError):
            await collect(t.server_stream(STREAM_RPC, request(), options=CallOptions(timeout=0.3)))

    run(settings, body)


def _slow(server: TestServer) -> None:
    # 10 s of chunks: it cannot end on its own, nor hit its deadline, while a test waits for the cancel.
    server.plan = Plan(chunks=500, chunk_delay=0.02)


async def _start_slow_stream(server: TestServer, t: AsyncTransport) -> AsyncServerStream[Response]:
    _slow(server)
    stream = t.server_stream(STREAM_RPC, request(), options=LONG_DEADLINE)
    assert text_of(await stream.__anext__()) == "chunk 0"
    assert not server.record.cancelled.is_set()  # running, not cancelled, until the test acts
    return stream


async def _server_saw_the_cancel(server: TestServer, t: AsyncTransport, since: float) -> None:
    """The server ended the RPC as cancelled within CANCEL_WAIT of ``since`` (the deadline is 30 s
    away), while the transport is still open."""
    seen = await asyncio.to_thread(server.record.cancelled.wait, CANCEL_WAIT)  # the loop keeps running
    assert seen, "the server never saw the cancellation"
    assert time.monotonic() - since < CANCEL_WAIT
    assert not t._closed
    assert server.record.cancelled_streams == 1
    assert server.record.calls[STREAM] == 1


def test_break_out_of_async_with_cancels_the_server_rpc(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> None:
        async with await _start_slow_stream(fresh, t) as stream:
            async for i, _ in _enumerate(stream):
                if i == 1:
                    break
            leaving = time.monotonic()
        assert [r async for r in stream] == []
        [pool] = t._pools.values()
        assert sum(slot.inflight for slot in pool.slots) == 0
        await _server_saw_the_cancel(fresh, t, leaving)

    run(settings, body)


async def _enumerate(stream: AsyncServerStream[Response]) -> AsyncIterator[tuple[int, Response]]:
    i = 0
    async for item in stream:
        yield i, item
        i += 1


def test_aclose_cancels_the_server_rpc(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> None:
        stream = await _start_slow_stream(fresh, t)
        closing = time.monotonic()
        await stream.aclose()
        await stream.aclose()  # idempotent
        with pytest.raises(StopAsyncIteration):
            await stream.__anext__()
        await _server_saw_the_cancel(fresh, t, closing)

    run(settings, body)


def test_dropping_a_stream_cancels_the_server_rpc(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> None:
        stream = await _start_slow_stream(fresh, t)
        dropping = time.monotonic()
        del stream
        gc.collect()
        [pool] = t._pools.values()
        assert sum(slot.inflight for slot in pool.slots) == 0
        await _server_saw_the_cancel(fresh, t, dropping)

    run(settings, body)


def test_cancelling_the_consumer_task_cancels_the_rpc(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> None:
        stream = await _start_slow_stream(fresh, t)  # held here: its finalizer cannot do the cancelling
        second = asyncio.Event()

        async def consume() -> None:
            async for _ in stream:
                second.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(second.wait(), 5)
        cancelling = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert stream._done
        await _server_saw_the_cancel(fresh, t, cancelling)

    run(settings, body)


def test_cancel_from_another_task_ends_iteration_quietly(
    fresh: TestServer, settings: ChannelSettings
) -> None:
    async def body(t: AsyncTransport) -> None:
        stream = await _start_slow_stream(fresh, t)
        reading = time.monotonic()
        asyncio.get_running_loop().call_later(0.1, stream.cancel)
        assert len(await collect(stream)) < 100  # ends without an error
        await _server_saw_the_cancel(fresh, t, reading)

    run(settings, body)


# ---------------------------------------------------------------------------------------------- bidi


def test_bidi(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> list[ServerMessage]:
        async with t.bidi(BIDI_RPC, timeout=5.0) as stream:
            assert isinstance(stream, AsyncBidiStream)
            await stream.write(
                ClientMessage(setup=generative_service_pb2.BidiGenerateContentSetup(model="models/live"))
            )
            setup = await stream.read()
            turn = content_pb2.Content(role="user", parts=[content_pb2.Part(text="ping")])
            await stream.write(
                ClientMessage(
                    client_content=generative_service_pb2.BidiGenerateContentClientContent(turns=[turn])
                ).SerializeToString()
            )
            await stream.done_writing()
            await stream.done_writing()  # idempotent
            rest = [m async for m in stream]
            assert await stream.read() is None
            with pytest.raises(errors.UsageError):
                await stream.write(ClientMessage())
            assert setup is not None
            return [setup, *rest]

    setup, echo = run(settings, body)
    assert setup.HasField("setup_complete")
    assert echo.server_content.model_turn.parts[0].text == "echo: ping"
    assert fresh.record.metadata[0]["x-goog-api-key"] == KEY
    assert fresh.record.cancelled_streams == 0  # a half-closed call ends normally


def test_bidi_errors_are_translated_and_cancel_is_quiet(fresh: TestServer, settings: ChannelSettings) -> None:
    async def body(t: AsyncTransport) -> None:
        stream = t.bidi(dataclasses.replace(BIDI_RPC, path=BIDI.replace("Bidi", "Nope")), timeout=5.0)
        with pytest.raises(errors.UnimplementedError):
            await stream.read()
        live = t.bidi(BIDI_RPC, timeout=LONG_DEADLINE.timeout)
        await live.write(
            ClientMessage(setup=generative_service_pb2.BidiGenerateContentSetup(model="models/live"))
        )
        assert await live.read() is not None
        assert not fresh.record.cancelled.is_set()
        cancelling = time.monotonic()
        live.cancel()
        live.cancel()
        assert await live.read() is None
        with pytest.raises(errors.UsageError):
            await live.write(ClientMessage())
        [pool] = t._pools.values()
        assert sum(slot.inflight for slot in pool.slots) == 0
        seen = await asyncio.to_thread(fresh.record.cancelled.wait, CANCEL_WAIT)
        assert seen, "the server never saw the cancellation"
        assert time.monotonic() - cancelling < CANCEL_WAIT
        assert fresh.record.cancelled_streams == 1 and fresh.record.calls[BIDI] == 1

    run(settings, body)


def test_bidi_write_racing_the_end_of_the_call_is_unavailable(settings: ChannelSettings) -> None:
    """grpc.aio reports a write to a call that just ended as its own INTERNAL "Internal error from
    Core" (and gives the call that status, losing the server's): the stream says UNAVAILABLE."""

    class EndedCall:
        def __init__(self, details: str) -> None:
            self.details = details

        async def write(self, message: object = None) -> None:
            raise grpc.aio.AioRpcError(grpc.StatusCode.INTERNAL, None, None, details=self.details)

        read = write

        def cancel(self) -> bool:
            return True

    async def body(t: AsyncTransport) -> None:
        raced = t.bidi(BIDI_RPC)
        raced._call = EndedCall("Internal error from Core")
        with pytest.raises(errors.UnavailableError, match="ended while a message was being written"):
            await raced.write(ClientMessage())
        with pytest.raises(errors.UnavailableError):
            await raced.read()  # the stream's error, again
        reader = t.bidi(BIDI_RPC)
        reader._call = EndedCall("Internal error from Core")
        with pytest.raises(errors.UnavailableError):
            await reader.read()
        other = t.bidi(BIDI_RPC)
        other._call = EndedCall("something else broke")
        with pytest.raises(errors.InternalError):
            await other.write(ClientMessage())

    run(settings, body)


# --------------------------------------------------------------------- sleep and gather (the backend)


def test_sleep_goes_through_the_time_seam(settings: ChannelSettings) -> None:
    fake = FakeTime()

    async def body(t: AsyncTransport) -> None:
        await t.sleep(0.25)

    run(settings, body, fake=fake)
    assert fake.sleeps == [0.25]


def test_gather_runs_calls_as_tasks_in_order(fresh: TestServer, settings: ChannelSettings) -> None:
    fresh.plan = Plan(delay=0.3)
    texts = [f"n{i}" for i in range(4)]

    async def body(t: AsyncTransport) -> tuple[list[str], float]:
        calls = [functools.partial(t.unary, GENERATE_RPC, request(text), options=OPTIONS) for text in texts]
        started = time.monotonic()
        replies = await t.gather(calls)
        return [text_of(reply) for reply in replies], time.monotonic() - started

    replies, took = run(settings, body)
    assert replies == [f"echo: {text}" for text in texts]
    assert took < 4 * 0.3  # they overlapped
    assert fresh.record.calls[GENERATE] == 4
