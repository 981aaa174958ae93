"""Where our per-call time goes: cProfile of the sync unary path and of a streamed reply.

    python -m benchmarks.profile [--calls N] [--chunks N] [--top N]

The emulator runs in its own process, as in the benchmarks. For the unary call and for one streamed
reply, ``ours`` and the raw stub are profiled the same way, and the report lists, per call (or per
chunk), the profiled time by layer (genai, grpc's Python code, protobuf, ...) and our functions that
cost the most. The profiler's clock is ``time.process_time`` (CPU of the whole process, gRPC's
threads included, so waiting for the server costs nothing, as in the benchmarks). cProfile charges
a fixed overhead to every Python function call, so read the numbers as a relative breakdown:
absolute µs are inflated for code made of many small Python calls.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from benchmarks import throughput
from benchmarks._emulator import EmulatorProcess
from benchmarks._sides import Ours, RawStub

_LAYERS = (
    ("genai_protos", "generated stubs (genai_protos)"),
    ("/genai/", "genai"),
    ("/grpc/aio/", "grpc.aio (Python layer)"),
    ("/grpc/", "grpc (Python layer)"),
    ("/google/protobuf/", "protobuf (Python layer)"),
    ("/asyncio/", "asyncio"),
    ("/threading.py", "threading"),
)

Row = tuple[str, float, float, float]  # name, calls per op, own µs per op, cumulative µs per op


def _layer(filename: str, funcname: str) -> str:
    for marker, name in _LAYERS:
        if marker in filename:
            return name
    if filename == "~":
        # C functions: grpc's cython core, protobuf's upb, builtins.
        if "cygrpc" in funcname or "grpc" in funcname:
            return "grpc (C core, via cython)"
        if "google._upb" in funcname or "message" in funcname.lower():
            return "protobuf (C, upb)"
        return "builtins / C"
    return "other Python"


def _name(key: tuple[str, int, str]) -> str:
    filename, line, func = key
    if filename == "~":
        return func
    path = Path(filename)
    parts = path.parts
    for anchor in ("genai", "grpc", "google", "genai_protos", "benchmarks"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return f"{'/'.join(parts[index:])}:{line}({func})"
    return f"{path.name}:{line}({func})"


def _profile(op: Callable[[], object], count: int) -> pstats.Stats:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(count):
        op()
    profiler.disable()
    return pstats.Stats(profiler)


def _profile_async(side: str, endpoint: str, calls: int, concurrency: int) -> pstats.Stats:
    async def run() -> pstats.Stats:
        async with throughput.SIDES[side](endpoint) as call:
            await asyncio.wait_for(throughput.drive(call, max(500, calls // 4), concurrency), timeout=120)
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            try:
                await asyncio.wait_for(throughput.drive(call, calls, concurrency), timeout=120)
            finally:
                profiler.disable()
            return pstats.Stats(profiler)

    return asyncio.run(run())


def _table(stats: pstats.Stats, per: int) -> tuple[dict[str, float], list[Row], float]:
    """(layer -> own µs per op, per-function rows, total µs per op)."""
    layers: dict[str, float] = defaultdict(float)
    rows: list[Row] = []
    total = 0.0
    raw_stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = stats.stats  # type: ignore[attr-defined]
    for key, (_cc, nc, tt, ct, _callers) in raw_stats.items():
        own = tt / per * 1e6
        layers[_layer(key[0], key[2])] += own
        total += own
        rows.append((_name(key), nc / per, own, ct / per * 1e6))
    return dict(layers), rows, total


def _print_section(
    title: str, per_label: str, ours: pstats.Stats, raw: pstats.Stats, per: int, top: int
) -> None:
    ours_layers, ours_rows, ours_total = _table(ours, per)
    raw_layers, raw_rows, raw_total = _table(raw, per)
    print(f"\n== {title} (profiled CPU µs per {per_label}; cProfile overhead included) ==")
    print(
        f"total: ours {ours_total:,.1f}   raw stub {raw_total:,.1f}   "
        f"difference {ours_total - raw_total:,.1f}"
    )
    print(f"\n{'layer':34} {'ours':>10} {'raw':>10}")
    for layer in sorted(set(ours_layers) | set(raw_layers), key=lambda k: -ours_layers.get(k, 0.0)):
        print(f"{layer:34} {ours_layers.get(layer, 0.0):10,.1f} {raw_layers.get(layer, 0.0):10,.1f}")
    print(f"\nours, top {top} functions by own time ({'calls':>6}/{per_label}, own µs, cumulative µs):")
    for name, calls, own, cum in sorted(ours_rows, key=lambda r: -r[2])[:top]:
        print(f"  {calls:8.2f} {own:9.2f} {cum:9.2f}  {name}")
    genai_rows = [r for r in ours_rows if r[0].startswith("genai/")]
    print(f"\nours, genai functions by cumulative time (top {top}):")
    for name, calls, own, cum in sorted(genai_rows, key=lambda r: -r[3])[:top]:
        print(f"  {calls:8.2f} {own:9.2f} {cum:9.2f}  {name}")
    print(f"\nraw stub, top {min(top, 10)} functions by own time:")
    for name, calls, own, cum in sorted(raw_rows, key=lambda r: -r[2])[: min(top, 10)]:
        print(f"  {calls:8.2f} {own:9.2f} {cum:9.2f}  {name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000, help="unary calls to profile (default 2000)")
    parser.add_argument(
        "--chunks", type=int, default=1000, help="chunks in the profiled stream (default 1000)"
    )
    parser.add_argument("--streams", type=int, default=3, help="streamed replies to profile (default 3)")
    parser.add_argument("--concurrency", type=int, default=64, help="async calls in flight (default 64)")
    parser.add_argument("--top", type=int, default=25, help="functions to list (default 25)")
    args = parser.parse_args(argv)

    with EmulatorProcess() as emulator:
        ours, raw = Ours(emulator.endpoint), RawStub(emulator.endpoint)
        try:
            for side in (ours, raw):
                for _ in range(200):
                    side.unary()
                side.stream(args.chunks)
            unary = (_profile(ours.unary, args.calls), _profile(raw.unary, args.calls))
            _print_section("unary GenerateContent", "call", *unary, args.calls, args.top)

            def ours_stream() -> object:
                return ours.stream(args.chunks)

            def raw_stream() -> object:
                return raw.stream(args.chunks)

            per = args.streams * args.chunks
            streams = (_profile(ours_stream, args.streams), _profile(raw_stream, args.streams))
            _print_section(f"StreamGenerateContent, {args.chunks:,} chunks", "chunk", *streams, per, args.top)
        finally:
            ours.close()
            raw.close()
        concurrent = (
            _profile_async("ours", emulator.endpoint, args.calls, args.concurrency),
            _profile_async("raw", emulator.endpoint, args.calls, args.concurrency),
        )
        title = f"async unary GenerateContent, {args.concurrency} in flight"
        _print_section(title, "call", *concurrent, args.calls, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
