"""Our per-call cost, layer by layer, measured in place (no profiler): what each layer adds.

    python -m benchmarks.layers [--calls N] [--repeats N] [--chunks N] [--streams N]

Each row does the previous row's work plus one more of our layers, from the raw stub up to the
public call, all against the same emulator (in its own process) and measured like the benchmarks
(client CPU, every row in every repeat, medians of the per-repeat ratios to the raw stub). The
difference between two rows is that layer's real cost inside a running client, which is what
cProfile cannot give (its own overhead inflates small Python calls) and what a micro-benchmark of
the function alone understates (it runs with warm caches and without gRPC's threads around it).

This reaches into private modules (the transport, the request builder); if they change, update it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from benchmarks._emulator import EmulatorProcess
from benchmarks._sides import CHUNKS_HEADER, MODEL, PROMPT, TIMEOUT, Ours, RawStub, raw_request
from benchmarks._stats import Sample, ratio
from benchmarks.sync_cpu import interleaved

Op = Callable[[], object]


def _unary_layers(ours: Ours, raw: RawStub) -> dict[str, Op]:
    import genai
    from genai._requests.builders import build_generate_request
    from genai._requests.calls import GENERATE_CONTENT

    transport = ours._client._transport
    options = genai.CallOptions(timeout=TIMEOUT)
    request = raw_request()
    view = genai.GenerateContentResponse

    def transport_only() -> object:
        response = transport.unary(GENERATE_CONTENT, request, options=options)
        return response.candidates[0].content.parts[0].text

    def plus_build() -> object:
        built = build_generate_request(MODEL, PROMPT)
        response = transport.unary(GENERATE_CONTENT, built, options=options)
        return response.candidates[0].content.parts[0].text

    def plus_view() -> object:
        built = build_generate_request(MODEL, PROMPT)
        return view(transport.unary(GENERATE_CONTENT, built, options=options)).text

    return {
        "raw stub, prebuilt request": raw.unary,
        "+ our transport (Transport.unary)": transport_only,
        "+ request built from plain input": plus_build,
        "+ response view and .text": plus_view,
        "ours: client.models.generate_content": ours.unary,
    }


def _stream_layers(ours: Ours, raw: RawStub, chunks: int) -> dict[str, Op]:
    import genai
    from genai._requests.calls import STREAM_GENERATE_CONTENT
    from genai._sync.streams import GenerateContentStream

    transport = ours._client._transport
    options = genai.CallOptions(timeout=TIMEOUT)
    request = raw_request()
    metadata = ((CHUNKS_HEADER, str(chunks)),)
    view = genai.GenerateContentResponse

    def start() -> object:
        return transport.server_stream(STREAM_GENERATE_CONTENT, request, options=options, metadata=metadata)

    def transport_only() -> object:
        texts = [chunk.candidates[0].content.parts[0].text for chunk in start()]  # type: ignore[attr-defined]
        return "".join(texts)

    def plus_accumulate() -> object:
        accumulator = genai.StreamAccumulator()
        for chunk in start():  # type: ignore[attr-defined]
            accumulator.add(chunk)
            chunk.candidates[0].content.parts[0].text  # noqa: B018
        return accumulator.final().candidates[0].content.parts[0].text

    def plus_views() -> object:
        accumulator = genai.StreamAccumulator()
        for chunk in start():  # type: ignore[attr-defined]
            accumulator.add(chunk)
            view(chunk).text  # noqa: B018
        return view(accumulator.final()).text

    def stream_object() -> object:
        stream = GenerateContentStream(start())  # type: ignore[arg-type]
        for chunk in stream:
            chunk.text  # noqa: B018
        return stream.response.text

    return {
        "raw stub (1-thread mode), joins the texts": lambda: raw.stream(chunks),
        "+ our transport (ServerStream)": transport_only,
        "+ StreamAccumulator.add per chunk": plus_accumulate,
        "+ a response view and .text per chunk": plus_views,
        "+ GenerateContentStream wrapper": stream_object,
        "ours: client.models.generate_content_stream": lambda: ours.stream(chunks),
    }


def _report(title: str, unit: str, per: int, samples: dict[str, Sample]) -> None:
    """Each row's median, its paired ratio to the raw stub, and what it adds over the row before.

    "adds" is the step in the paired ratios times the raw stub's median: steadier than the
    difference of two medians on a noisy machine.
    """
    names = list(samples)
    base = samples[names[0]]
    print(f"\n== {title} ==")
    print(f"{'layer':46} {'CPU ' + unit:>14} {'vs raw':>8} {'adds':>12}")
    previous = 1.0
    for i, name in enumerate(names):
        sample = samples[name]
        r = ratio(sample, base).median
        added = "" if i == 0 else f"{(r - previous) * base.median / per * 1e6:+.1f} µs"
        print(f"{name:46} {sample.median / per * 1e6:11.1f} µs {r:7.3f}x {added:>12}")
        previous = r


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.layers", description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="unary calls per row and repeat (default 300)")
    parser.add_argument("--repeats", type=int, default=16, help="repeats (default 16)")
    parser.add_argument("--chunks", type=int, default=1000, help="chunks per streamed reply (default 1000)")
    parser.add_argument("--streams", type=int, default=2, help="replies per row and repeat (default 2)")
    args = parser.parse_args(argv)

    with EmulatorProcess() as emulator:
        ours, raw = Ours(emulator.endpoint), RawStub(emulator.endpoint)
        # Streams compare with the raw stub in the streaming mode our transport uses.
        raw_streams = RawStub(emulator.endpoint, single_threaded=True)
        try:
            unary = _unary_layers(ours, raw)
            for op in unary.values():
                for _ in range(100):
                    op()
            samples = _reorder(interleaved(unary, args.calls, args.repeats), unary)
            _report("unary GenerateContent, per call", "/call", 1, samples)

            streams = _stream_layers(ours, raw_streams, args.chunks)
            for op in streams.values():
                op()
            samples = _reorder(interleaved(streams, args.streams, args.repeats), streams)
            _report(
                f"StreamGenerateContent, {args.chunks:,} chunks, per chunk", "/chunk", args.chunks, samples
            )
        finally:
            ours.close()
            raw.close()
            raw_streams.close()
    return 0


def _reorder(samples: dict[str, Sample], order: dict[str, Op]) -> dict[str, Sample]:
    return {name: samples[name] for name in order}


if __name__ == "__main__":
    sys.exit(main())
