"""A stream that did not complete never passes for complete: read again, resolved or asked for its reply.

A broken stream raises its original error again; one closed or cancelled before its end raises
StreamClosedError. Only a stream read to its end yields a merged response. Sync and async.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

import genai
from genai.errors import StreamClosedError, UnavailableError
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"
BROKEN = {"metadata": [("x-emulator-break-after", "2:always"), ("x-emulator-chunks", "6")]}
LONG = {"metadata": [("x-emulator-chunks", "6")]}
SLOW = {"metadata": [("x-emulator-chunks", "50"), ("x-emulator-chunk-delay", "0.05")]}


def test_a_broken_stream_raises_its_error_again_everywhere(client: genai.Client) -> None:
    stream = client.models.generate_content_stream(model=MODEL, contents="break me", config=BROKEN)
    texts = []
    with pytest.raises(UnavailableError) as first:  # noqa: PT012 - the error comes mid-loop
        for chunk in stream:
            texts.append(chunk.text)
    assert len(texts) == 2
    for again in (lambda: next(stream), stream.resolve, lambda: stream.response, lambda: list(stream)):
        with pytest.raises(UnavailableError) as caught:
            again()
        assert caught.value is first.value  # the original error, not a look-alike
    assert not stream.done


def test_a_closed_stream_refuses_to_pass_for_complete(client: genai.Client) -> None:
    stream = client.models.generate_content_stream(model=MODEL, contents="close me", config=LONG)
    first = next(stream)
    assert first.text
    stream.close()
    stream.close()  # idempotent
    for again in (lambda: next(stream), stream.resolve, lambda: stream.response, lambda: list(stream)):
        with pytest.raises(StreamClosedError, match="closed before its end"):
            again()
    assert not stream.done


def test_leaving_a_with_block_early_closes_the_stream(client: genai.Client) -> None:
    with client.models.generate_content_stream(model=MODEL, contents="leave early", config=LONG) as stream:
        for _ in stream:
            break
    with pytest.raises(StreamClosedError):
        _ = stream.response


def test_closing_from_another_thread_ends_the_reader_with_an_error(client: genai.Client) -> None:
    stream = client.models.generate_content_stream(model=MODEL, contents="slow story", config=SLOW)
    next(stream)
    closer = threading.Timer(0.2, stream.close)
    closer.start()
    try:
        with pytest.raises(StreamClosedError):
            for _ in stream:
                pass
    finally:
        closer.join()
    with pytest.raises(StreamClosedError):
        stream.resolve()


def test_a_complete_stream_reads_as_complete(client: genai.Client) -> None:
    stream = client.models.generate_content_stream(model=MODEL, contents="whole", config=LONG)
    text = "".join(chunk.text for chunk in stream)
    assert stream.done
    assert stream.response.text == text
    assert list(stream) == []  # exhausted, and still complete
    stream.close()  # a no-op once complete
    assert stream.resolve().text == text


def test_async_broken_closed_and_cancelled_streams(client: genai.Client, emulator: Emulator) -> None:
    async def main() -> None:
        broken = await client.aio.models.generate_content_stream(model=MODEL, contents="x", config=BROKEN)
        with pytest.raises(UnavailableError) as first:
            async for _ in broken:
                pass
        for again in (broken.__anext__, broken.resolve):
            with pytest.raises(UnavailableError) as caught:
                await again()
            assert caught.value is first.value
        with pytest.raises(UnavailableError):
            _ = broken.response

        closed = await client.aio.models.generate_content_stream(model=MODEL, contents="y", config=LONG)
        await closed.__anext__()
        await closed.aclose()
        for again in (closed.__anext__, closed.resolve):
            with pytest.raises(StreamClosedError):
                await again()
        with pytest.raises(StreamClosedError):
            _ = closed.response

        slow = await client.aio.models.generate_content_stream(model=MODEL, contents="z", config=SLOW)
        got_one = asyncio.Event()

        async def consume() -> None:
            async for _ in slow:
                got_one.set()

        task = asyncio.ensure_future(consume())
        await got_one.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(StreamClosedError):
            await slow.resolve()
        with pytest.raises(StreamClosedError):
            _ = slow.response

        other = await client.aio.models.generate_content_stream(model=MODEL, contents="w", config=SLOW)
        await other.__anext__()

        async def close_soon() -> None:
            await asyncio.sleep(0.2)
            await other.aclose()

        closing = asyncio.ensure_future(close_soon())
        with pytest.raises(StreamClosedError):
            async for _ in other:
                pass
        await closing
        await client.aio.aclose()

    asyncio.run(main())
