"""Client CPU per sync call: unary GenerateContent and whole streamed replies.

CPU is ``time.process_time()`` of this process (every thread, gRPC's own included); the emulator
runs in another process. Every repeat measures every side, ``ours`` and ``raw`` back to back, so
that drift (a noisy neighbour on a shared machine, frequency scaling) hits the pair alike.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence

from benchmarks._sides import Side
from benchmarks._stats import Sample


class CheckError(AssertionError):
    """A side did not do the work it is measured for (wrong chunk count, empty reply)."""


def _cpu_per_op(op: Callable[[], object], count: int) -> float:
    gc.collect()
    start = time.process_time()
    for _ in range(count):
        op()
    return (time.process_time() - start) / count


def interleaved(ops: dict[str, Callable[[], object]], count: int, repeats: int) -> dict[str, Sample]:
    """Each repeat measures every side once: ``ours`` and ``raw`` back to back (who goes first
    alternates), then the others in a rotating order."""
    pair = [name for name in ("ours", "raw") if name in ops]
    others = [name for name in ops if name not in pair]
    values: dict[str, list[float]] = {name: [] for name in ops}
    for r in range(repeats):
        first = pair if r % 2 == 0 else pair[::-1]
        shift = r % len(others) if others else 0
        for name in first + others[shift:] + others[:shift]:
            values[name].append(_cpu_per_op(ops[name], count))
    return {name: Sample(tuple(v)) for name, v in values.items()}


def check_unary(side: Side) -> None:
    text = side.unary()
    if not text:
        raise CheckError(f"{side.label}: GenerateContent returned no text")


def check_stream(side: Side, chunks: int) -> None:
    seen, text = side.stream(chunks)
    if seen != chunks:
        raise CheckError(f"{side.label}: asked the emulator for {chunks} chunks, got {seen}")
    if len(text.split()) < chunks:
        raise CheckError(f"{side.label}: the merged reply has fewer than {chunks} words")


def unary_cpu(sides: Sequence[Side], *, calls: int, warmup: int, repeats: int) -> dict[str, Sample]:
    """Seconds of client CPU per GenerateContent call, per side."""
    for side in sides:
        check_unary(side)
        for _ in range(warmup):
            side.unary()
    return interleaved({side.label: side.unary for side in sides}, calls, repeats)


def stream_cpu(
    sides: Sequence[Side], *, chunks: int, streams: int, warmup: int, repeats: int
) -> dict[str, Sample]:
    """Seconds of client CPU per streamed reply of ``chunks`` chunks read to the end, per side."""
    for side in sides:
        check_stream(side, chunks)
        for _ in range(warmup):
            side.stream(chunks)
    ops: dict[str, Callable[[], object]] = {}
    for side in sides:
        ops[side.label] = _bind_stream(side, chunks)
    return interleaved(ops, streams, repeats)


def _bind_stream(side: Side, chunks: int) -> Callable[[], object]:
    def op() -> object:
        return side.stream(chunks)

    return op
