"""``python -m benchmarks [--quick] [--write|--no-write] [--strict]``: run everything, print, write docs."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks import report
from benchmarks._emulator import EmulatorProcess
from benchmarks._sides import Official, Ours, RawStub, Side, official_available
from benchmarks.chat_cpu import chat_cpu
from benchmarks.imports import import_times
from benchmarks.live import live_benchmarks
from benchmarks.report import Params, Results
from benchmarks.sync_cpu import stream_cpu, unary_cpu
from benchmarks.throughput import async_throughput

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

FULL = Params(
    quick=False,
    unary_calls=200,
    unary_repeats=40,
    stream_sizes=(1000, 5000),
    streams_per_repeat={1000: 1, 5000: 1},
    stream_repeats=24,
    async_total=500,
    async_concurrency=64,
    async_repeats=48,
    import_runs=8,
    live_send_chunks=1000,
    live_send_repeats=30,
    live_reply_chunks=400,
    live_receive_repeats=30,
    live_latency_turns=200,
    chat_turns=(10, 100, 1000),
    chat_calls={10: 60, 100: 30, 1000: 10},
    chat_repeats=30,
    chat_rewinds=100,
)
QUICK = Params(
    quick=True,
    unary_calls=100,
    unary_repeats=8,
    stream_sizes=(1000, 5000),
    streams_per_repeat={1000: 1, 5000: 1},
    stream_repeats=3,
    async_total=500,
    async_concurrency=64,
    async_repeats=6,
    import_runs=2,
    live_send_chunks=500,
    live_send_repeats=6,
    live_reply_chunks=200,
    live_receive_repeats=6,
    live_latency_turns=40,
    chat_turns=(10, 100, 1000),
    chat_calls={10: 30, 100: 10, 1000: 5},
    chat_repeats=4,
    chat_rewinds=20,
)
# Streams: raw+build is left out (one request per reply makes it the raw stub again), and the
# official client is measured at these sizes only (proto-plus wrapping makes it slow).
OFFICIAL_STREAM_SIZES = (1000,)

NOT_APPLICABLE = [
    "google-genai: not applicable. It speaks REST (HTTP/JSON) only and cannot talk to a gRPC "
    "endpoint such as the emulator, so there is no like-for-like number for it here "
    "(its import time is in the cold-import table when installed).",
    "google-generativeai: not measured. Its last release (0.8.6) requires "
    "google-ai-generativelanguage==0.6.15, which conflicts with the 0.12.1 this repo installs for "
    "its wire tests, so the two cannot share one environment.",
]


_START = time.perf_counter()


def _progress(message: str) -> None:
    print(f"[bench {time.perf_counter() - _START:5.1f}s] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def _sides(endpoint: str, notes: list[str]) -> Iterator[list[Side]]:
    sides: list[Side] = []
    try:
        sides.append(Ours(endpoint))
        sides.append(RawStub(endpoint))
        sides.append(RawStub(endpoint, build=True))
        sides.append(RawStub(endpoint, single_threaded=True))
        if official_available():
            sides.append(Official(endpoint))
        else:
            notes.append(
                "google-ai-generativelanguage: not installed, so the official client was not measured."
            )
        yield sides
    finally:
        for side in sides:
            side.close()


def run(params: Params) -> Results:
    results = Results(params, load=os.getloadavg())
    started = time.perf_counter()
    with EmulatorProcess() as emulator:
        _progress(f"emulator (separate process) at {emulator.endpoint}")
        with _sides(emulator.endpoint, results.notes) as sides:
            _progress(f"unary: {params.unary_repeats} x {params.unary_calls} calls per side")
            results.unary = unary_cpu(
                [s for s in sides if s.label != "raw 1-thread"],  # a streaming-only option
                calls=params.unary_calls,
                warmup=max(50, params.unary_calls // 10),
                repeats=params.unary_repeats,
            )
            for size in params.stream_sizes:
                chosen = [
                    s
                    for s in sides
                    if s.label in ("ours", "raw", "raw 1-thread")
                    or (s.label == "official" and size in OFFICIAL_STREAM_SIZES)
                ]
                _progress(
                    f"streams of {size:,} chunks: {params.stream_repeats} x {params.streams_per_repeat[size]}"
                )
                results.streams[size] = stream_cpu(
                    chosen,
                    chunks=size,
                    streams=params.streams_per_repeat[size],
                    warmup=0,
                    repeats=params.stream_repeats,
                )
        for turns in params.chat_turns:
            calls = params.chat_calls[turns]
            _progress(f"chat turns with {turns:,} turns of history: {params.chat_repeats} x {calls}")
            results.chats[turns] = chat_cpu(
                emulator.endpoint,
                turns=turns,
                calls=calls,
                warmup=max(5, calls // 2),
                repeats=params.chat_repeats,
                rewinds=params.chat_rewinds,
            )
        _progress(f"async: {params.async_repeats} x {params.async_total:,} calls per side")
        results.throughput = async_throughput(
            emulator.endpoint,
            total=params.async_total,
            concurrency=params.async_concurrency,
            warmup=max(params.async_concurrency * 4, params.async_total // 10),
            repeats=params.async_repeats,
        )
    _progress(
        f"live: {params.live_send_repeats} x {params.live_send_chunks:,} audio chunks sent, "
        f"{params.live_receive_repeats} x {params.live_reply_chunks:,} received, "
        f"{params.live_latency_turns} text turns per side (two more emulator processes)"
    )
    results.live = live_benchmarks(
        send_chunks=params.live_send_chunks,
        send_repeats=params.live_send_repeats,
        reply_chunks=params.live_reply_chunks,
        receive_repeats=params.live_receive_repeats,
        latency_turns=params.live_latency_turns,
    )
    _progress(f"cold import: {params.import_runs} runs per statement")
    results.imports = import_times(params.import_runs)
    results.notes.extend(NOT_APPLICABLE)
    results.elapsed = time.perf_counter() - started
    return results


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # Unwind normally (the emulator's ``with`` block stops it) instead of dying on the spot.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run, under a minute)")
    write = parser.add_mutually_exclusive_group()
    write.add_argument(
        "--write", dest="write", action="store_true", default=None, help="rewrite the docs file"
    )
    write.add_argument("--no-write", dest="write", action="store_false", help="print only")
    parser.add_argument("--output", type=Path, default=DOCS, help=f"the docs file (default {DOCS})")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    results = run(QUICK if args.quick else FULL)
    print(report.text(results), flush=True)
    if args.write if args.write is not None else not args.quick:
        args.output.write_text(report.markdown(results), encoding="utf-8")
        _progress(f"wrote {args.output}")
    missed = [v for v in report.verdicts(results) if v.passed is False]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
