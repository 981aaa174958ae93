"""Async throughput: a fixed number of unary calls with 64 in flight, raw grpc.aio stub vs client.aio.

Wall-clock calls per second (the emulator serves from another process; both processes share the
machine's cores). The client process's CPU per call is reported next to it, since on a small
machine the server may be what limits both sides.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from benchmarks._sides import API_KEY, MODEL, PROMPT, RAW_METADATA, TIMEOUT, raw_request
from benchmarks._stats import Sample

Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class Throughput:
    calls_per_second: Sample
    cpu_per_call: Sample


async def _drive(call: Call, total: int, concurrency: int) -> None:
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _timed(call: Call, total: int, concurrency: int, warmup: int, limit: float) -> tuple[float, float]:
    await asyncio.wait_for(_drive(call, warmup, concurrency), timeout=limit)
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.wait_for(_drive(call, total, concurrency), timeout=limit)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return total / wall, cpu / total


async def _raw(endpoint: str, total: int, concurrency: int, warmup: int, limit: float) -> tuple[float, float]:
    import grpc.aio
    from genai_protos import generative_service_pb2_grpc

    channel = grpc.aio.insecure_channel(endpoint)
    try:
        stub = generative_service_pb2_grpc.GenerativeServiceStub(channel)
        request = raw_request()

        async def call() -> object:
            response = await stub.GenerateContent(request, metadata=RAW_METADATA, timeout=TIMEOUT)
            return response.candidates[0].content.parts[0].text

        return await _timed(call, total, concurrency, warmup, limit)
    finally:
        await channel.close()


async def _ours(
    endpoint: str, total: int, concurrency: int, warmup: int, limit: float
) -> tuple[float, float]:
    import genai

    client = genai.Client(API_KEY, endpoint=endpoint, insecure=True, timeout=TIMEOUT)
    models = client.aio.models
    try:

        async def call() -> object:
            response = await models.generate_content(model=MODEL, contents=PROMPT)
            return response.text

        return await _timed(call, total, concurrency, warmup, limit)
    finally:
        await client.aio.aclose()
        client.close()


def async_throughput(
    endpoint: str, *, total: int, concurrency: int, warmup: int, repeats: int, limit: float = 120.0
) -> dict[str, Throughput]:
    """Per side (``raw``, ``ours``): calls/s and CPU per call, over ``repeats`` alternating runs."""
    runners = {"raw": _raw, "ours": _ours}
    rates: dict[str, list[float]] = {name: [] for name in runners}
    cpus: dict[str, list[float]] = {name: [] for name in runners}
    names = list(runners)
    for r in range(repeats):
        for name in names[r % 2 :] + names[: r % 2]:
            rate, cpu = asyncio.run(runners[name](endpoint, total, concurrency, warmup, limit))
            rates[name].append(rate)
            cpus[name].append(cpu)
    return {name: Throughput(Sample(tuple(rates[name])), Sample(tuple(cpus[name]))) for name in names}
