"""Async throughput: a fixed number of unary calls with 64 in flight, raw grpc.aio stub vs client.aio.

Wall-clock calls per second (the emulator serves from another process; both processes share the
machine's cores). The client process's CPU per call is reported next to it, since on a small
machine the server may be what limits both sides.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from benchmarks._sides import API_KEY, MODEL, PROMPT, RAW_METADATA, TIMEOUT, raw_request
from benchmarks._stats import Sample

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Throughput:
    calls_per_second: Sample
    cpu_per_call: Sample


async def drive(call: Call, total: int, concurrency: int) -> None:
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _timed(call: Call, total: int, concurrency: int, limit: float) -> tuple[float, float]:
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.wait_for(drive(call, total, concurrency), timeout=limit)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return total / wall, cpu / total


@contextlib.asynccontextmanager
async def raw_call(endpoint: str) -> AsyncIterator[Call]:
    """One GenerateContent call on the raw grpc.aio stub (one channel), prebuilt request."""
    import grpc.aio
    from genai_protos import generative_service_pb2_grpc

    channel = grpc.aio.insecure_channel(endpoint)
    try:
        stub = generative_service_pb2_grpc.GenerativeServiceStub(channel)
        request = raw_request()

        async def call() -> object:
            response = await stub.GenerateContent(request, metadata=RAW_METADATA, timeout=TIMEOUT)
            return response.candidates[0].content.parts[0].text

        yield call
    finally:
        await channel.close(None)


@contextlib.asynccontextmanager
async def ours_call(endpoint: str, **settings: Any) -> AsyncIterator[Call]:
    """One ``client.aio.models.generate_content`` call from plain input, reading ``.text``.

    ``settings`` are extra ``genai.Client`` arguments (none: the client's defaults).
    """
    import genai

    client = genai.Client(API_KEY, endpoint=endpoint, insecure=True, timeout=TIMEOUT, **settings)
    models = client.aio.models
    try:

        async def call() -> object:
            response = await models.generate_content(model=MODEL, contents=PROMPT)
            return response.text

        yield call
    finally:
        await client.aio.aclose()
        client.close()


def _ours_four_connections(endpoint: str) -> contextlib.AbstractAsyncContextManager[Call]:
    # 64 calls in flight, at most 16 per connection: the pool opens all four of its connections.
    return ours_call(endpoint, pool_size=4, streams_per_channel=16)


SIDES: dict[str, Callable[[str], contextlib.AbstractAsyncContextManager[Call]]] = {
    "ours": ours_call,
    "raw": raw_call,
    "ours, 4 connections": _ours_four_connections,
}


async def _paired_blocks(
    endpoint: str, total: int, concurrency: int, warmup: int, repeats: int, limit: float
) -> dict[str, tuple[list[float], list[float]]]:
    names = list(SIDES)
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in names}
    async with contextlib.AsyncExitStack() as stack:
        calls = {name: await stack.enter_async_context(SIDES[name](endpoint)) for name in names}
        for call in calls.values():
            await asyncio.wait_for(drive(call, warmup, concurrency), timeout=limit)
        for r in range(repeats):
            pair = names[:2] if r % 2 == 0 else names[1::-1]
            for name in pair + names[2:]:
                rate, cpu = await _timed(calls[name], total, concurrency, limit)
                out[name][0].append(rate)
                out[name][1].append(cpu)
    return out


def async_throughput(
    endpoint: str, *, total: int, concurrency: int, warmup: int, repeats: int, limit: float = 120.0
) -> dict[str, Throughput]:
    """Per side: calls/s and CPU per call over ``repeats`` blocks (``ours`` and ``raw`` back to back).

    Every side's client is opened once, in one event loop, and warmed up; then each repeat runs a
    block of ``total`` calls on every side, so the two sides of a pair run a fraction of a second
    apart. ``ours`` uses the client's default channel pool (one connection at this load), ``raw``
    one grpc.aio channel; ``ours, 4 connections`` shows what spreading the same load costs.
    """
    blocks = asyncio.run(_paired_blocks(endpoint, total, concurrency, warmup, repeats, limit))
    return {
        name: Throughput(Sample(tuple(rates)), Sample(tuple(cpus))) for name, (rates, cpus) in blocks.items()
    }
