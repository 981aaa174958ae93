"""Abandoned streams leave nothing behind: thousands of them, sync and async, every way of leaving.

A stream read on the caller's thread (gRPC's single-threaded streaming mode) used to keep its call
state (about 20 KB and a few gRPC objects) for the life of the channel whenever it was left early.
Two measures: the live gRPC call objects (exact) and the process's resident memory (coarse).
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator

import pytest

import genai
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"
STREAMS = 1000  # per way of abandoning ("thousands" in all)
WARMUP = 100
# The leak cost ~20 KB per stream: 10 MB per half of STREAMS, in each half. Resident memory is
# measured per half, and the smaller growth is checked: a leak grows it in both halves alike, while
# allocator noise (arenas growing once under a loaded machine) lands in one.
RSS_SLACK_MB = 4.0
# gRPC's per-call objects: each abandoned stream used to keep one _CallState and 1-3 tags.
CALL_OBJECTS = ("_CallState", "_BatchOperationTag", "SegregatedCall", "_SingleThreadedRendezvous")


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _call_objects() -> int:
    gc.collect()
    counts = Counter(type(o).__name__ for o in gc.get_objects())
    return sum(counts[name] for name in CALL_OBJECTS)


@pytest.fixture(scope="module")
def client() -> Iterator[genai.Client]:
    # Short replies in several chunks: the cost of each stream is mostly its setup.
    with Emulator(chunks=4, reply_words=8) as emulator, emulator.client(timeout=30) as client:
        yield client


def _stream(client: genai.Client) -> genai.GenerateContentStream:
    return client.models.generate_content_stream(model=MODEL, contents="tell me a story")


def _break(client: genai.Client) -> None:
    with _stream(client) as stream:
        for _ in stream:
            break


def _close_unread(client: genai.Client) -> None:
    _stream(client).close()


def _raise_in_loop(client: genai.Client) -> None:
    try:
        with _stream(client) as stream:
            for _ in stream:
                raise LookupError("the caller's own bug")
    except LookupError:
        pass


def _drop(client: genai.Client) -> None:
    stream = _stream(client)
    next(stream)
    del stream  # neither closed nor read to the end: the finalizer has to clean up


@pytest.mark.parametrize("leave", [_break, _close_unread, _raise_in_loop, _drop], ids=lambda f: f.__name__)
def test_sync_abandoned_streams_keep_memory_flat(
    client: genai.Client, leave: Callable[[genai.Client], None]
) -> None:
    for _ in range(WARMUP):
        leave(client)
    objects, rss = _call_objects(), [_rss_mb()]
    for _ in range(2):
        for _ in range(STREAMS // 2):
            leave(client)
        rss.append(_rss_mb())
    assert _call_objects() - objects < 20
    assert _smaller_growth(rss) < RSS_SLACK_MB


def _smaller_growth(rss: list[float]) -> float:
    """The smaller of the two halves' growth of resident memory (MB)."""
    return min(rss[1] - rss[0], rss[2] - rss[1])


async def _astream(client: genai.Client) -> genai.AsyncGenerateContentStream:
    return await client.aio.models.generate_content_stream(model=MODEL, contents="tell me a story")


async def _abreak(client: genai.Client) -> None:
    async with await _astream(client) as stream:
        async for _ in stream:
            break


async def _aclose_unread(client: genai.Client) -> None:
    await (await _astream(client)).aclose()


async def _araise_in_loop(client: genai.Client) -> None:
    try:
        async with await _astream(client) as stream:
            async for _ in stream:
                raise LookupError("the caller's own bug")
    except LookupError:
        pass


async def _adrop(client: genai.Client) -> None:
    stream = await _astream(client)
    await stream.__anext__()
    del stream


async def _acancel_task(client: genai.Client) -> None:
    stream = await _astream(client)
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in stream:
            started.set()
            await asyncio.sleep(3600)

    task = asyncio.ensure_future(consume())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    "leave",
    [_abreak, _aclose_unread, _araise_in_loop, _adrop, _acancel_task],
    ids=lambda f: f.__name__.lstrip("_"),
)
def test_async_abandoned_streams_keep_memory_flat(
    client: genai.Client, leave: Callable[[genai.Client], Awaitable[None]]
) -> None:
    async def main() -> tuple[int, list[float]]:
        for _ in range(WARMUP):
            await leave(client)
        await asyncio.sleep(0.05)
        objects, rss = _call_objects(), [_rss_mb()]
        for _ in range(2):
            for _ in range(STREAMS // 2):
                await leave(client)
            await asyncio.sleep(0.05)
            rss.append(_rss_mb())
        await client.aio.aclose()
        return objects, rss

    objects, rss = asyncio.run(main())
    assert _call_objects() - objects < 20
    assert _smaller_growth(rss) < RSS_SLACK_MB
