"""Client CPU of one chat turn (``chat.send_message``) sent with a long history, against the floor.

Three sides, each sending the same GenerateContentRequest (the history plus one short user message)
with the same metadata and deadline, and each reading the reply text:

* ``ours``          ``chat.send_message(MESSAGE).text`` on a sync ``client.chats`` chat created once
                    from the history; after each call (outside the measured time) ``chat.rewind()``,
                    so that every call is sent with the same N turns (rewind's cost is reported apart);
* ``raw``           the floor: a grpcio multicallable with an identity request serialiser, sending
                    the request bytes the chat sent (captured from it once), and parsing the reply
                    with ``GenerateContentResponse.FromString`` as our transport does;
* ``re-serialise``  the generated stub, building a GenerateContentRequest from the history kept as
                    Content messages on every call (so protobuf serialises the whole history each
                    turn): what a client that does not keep the history's bytes pays.

CPU is ``time.process_time()`` of this process (gRPC's threads included), read around every call;
the emulator runs in another process. The sides take turns call by call (``alternated``). ``make
bench`` runs this with everything else; on its own (prints only, nothing is written):

    python -m benchmarks.chat_cpu [--quick] [--turns 10 100 1000] [--repeats N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks._sides import API_KEY, MODEL, MODEL_NAME, RAW_METADATA, TIMEOUT
from benchmarks._stats import Sample
from benchmarks.sync_cpu import CheckError

Op = Callable[[], object]

MESSAGE = "What should I plant by the fence next spring?"
GENERATE_CONTENT = "/google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent"
# Words for the history's texts; each text is cut to TEXT_BYTES, so a turn is about 300 request bytes.
_WORDS = [
    "amber",
    "anchor",
    "aurora",
    "basil",
    "beacon",
    "birch",
    "cedar",
    "cobalt",
    "coral",
    "crimson",
    "delta",
    "ember",
    "fern",
    "flint",
    "garnet",
    "harbor",
    "indigo",
    "juniper",
    "kestrel",
    "lagoon",
    "maple",
    "meadow",
    "nectar",
    "onyx",
    "orchid",
    "pebble",
    "quartz",
    "river",
    "saffron",
    "sierra",
    "tidal",
    "umber",
    "violet",
    "willow",
    "yarrow",
    "zephyr",
]
TEXT_BYTES = 138


@dataclass(frozen=True)
class ChatResult:
    """One history size: the per-side samples, what was sent and received, and rewind's own cost."""

    turns: int
    request_bytes: int
    reply_bytes: int
    samples: dict[str, Sample]
    rewind: float  # seconds of CPU per chat.rewind(), measured apart (no I/O)

    def added(self) -> float:
        """Median over the repeats of ours minus the floor, per call (seconds)."""
        ours, raw = self.samples["ours"].values, self.samples["raw"].values
        return statistics.median(a - b for a, b in zip(ours, raw, strict=True))


def _text(seed: int) -> str:
    words: list[str] = []
    length = -1
    index = seed
    while length < TEXT_BYTES:
        word = _WORDS[index % len(_WORDS)]
        words.append(word)
        length += len(word) + 1
        index = index * 31 + 7
    return " ".join(words)[:TEXT_BYTES].rstrip() + "."


def history(turns: int) -> list[dict[str, Any]]:
    """``turns`` exchanges (a user text, then a model text, each about TEXT_BYTES), as plain dicts."""
    out: list[dict[str, Any]] = []
    for i in range(turns):
        out.append({"role": "user", "parts": [{"text": _text(2 * i)}]})
        out.append({"role": "model", "parts": [{"text": _text(2 * i + 1)}]})
    return out


class ChatSides:
    """The three sides for one history size, on their own channels to the same emulator."""

    def __init__(self, endpoint: str, turns: int) -> None:
        import grpc
        from genai_protos import content_pb2, generative_service_pb2, generative_service_pb2_grpc

        import genai

        self.turns = turns
        given = history(turns)
        self._client = genai.Client(API_KEY, endpoint=endpoint, insecure=True, timeout=TIMEOUT)
        self._chat = self._client.chats.create(model=MODEL, history=given)
        # The raw sides keep the history as messages, as hand-written stub code would.
        self._contents = [
            content_pb2.Content(role=item["role"], parts=[content_pb2.Part(text=item["parts"][0]["text"])])
            for item in given
        ]
        self._contents.append(content_pb2.Content(role="user", parts=[content_pb2.Part(text=MESSAGE)]))
        self._request_class = generative_service_pb2.GenerateContentRequest
        self._channel = grpc.insecure_channel(endpoint)
        self._floor = self._channel.unary_unary(
            GENERATE_CONTENT,
            request_serializer=_identity,
            response_deserializer=generative_service_pb2.GenerateContentResponse.FromString,
            _registered_method=True,  # type: ignore[call-arg]  # as the generated stubs and our transport
        )
        self._stub = generative_service_pb2_grpc.GenerativeServiceStub(self._channel)
        self.request = self._capture_request()

    def _capture_request(self) -> bytes:
        """The bytes our chat sends for MESSAGE with the N turns (read off its transport once)."""
        transport = self._chat._models._transport
        sent: list[object] = []
        unary = transport.unary

        def recording(rpc: Any, request: Any, **kwargs: Any) -> Any:
            sent.append(request)
            return unary(rpc, request, **kwargs)

        transport.unary = recording  # type: ignore[method-assign]
        try:
            self._chat.send_message(MESSAGE)
        finally:
            del transport.unary
        self._chat.rewind()
        if len(sent) != 1 or not isinstance(sent[0], bytes):
            raise CheckError(f"ours: expected one request sent as bytes, saw {sent!r:.80}")
        return sent[0]

    def ours(self) -> str:
        text: str = self._chat.send_message(MESSAGE).text
        return text

    def rewind(self) -> None:
        self._chat.rewind()

    def raw(self) -> str:
        response = self._floor(self.request, metadata=RAW_METADATA, timeout=TIMEOUT)
        text: str = response.candidates[0].content.parts[0].text
        return text

    def reserialise(self) -> str:
        request = self._request_class(model=MODEL_NAME, contents=self._contents)
        response = self._stub.GenerateContent(request, metadata=RAW_METADATA, timeout=TIMEOUT)
        text: str = response.candidates[0].content.parts[0].text
        return text

    def check(self) -> int:
        """Every side sends the same request and gets the same reply; returns the reply's size."""
        rebuilt = self._request_class(model=MODEL_NAME, contents=self._contents).SerializeToString()
        if rebuilt != self.request:
            raise CheckError(f"{self.turns} turns: the chat's request differs from the one built by hand")
        if len(self._chat.history) != 2 * self.turns:
            raise CheckError(f"{self.turns} turns: the chat does not hold the history it was given")
        texts = {self.ours(), self.raw(), self.reserialise()}
        self.rewind()
        if len(texts) != 1 or not next(iter(texts)):
            raise CheckError(f"{self.turns} turns: the sides got different (or empty) replies: {texts}")
        if len(self._chat.history) != 2 * self.turns:
            raise CheckError(f"{self.turns} turns: send + rewind did not leave the history as it was")
        return len(next(iter(texts)).encode())

    def rewind_cost(self, count: int) -> float:
        """CPU per ``chat.rewind()``: ``count`` sends grow the history, then ``count`` rewinds are timed."""
        for _ in range(count):
            self._chat.send_message(MESSAGE)
        gc.collect()
        start = time.process_time()
        for _ in range(count):
            self._chat.rewind()
        cost = (time.process_time() - start) / count
        if len(self._chat.history) != 2 * self.turns:
            raise CheckError(f"{self.turns} turns: rewinding did not return to the given history")
        return cost

    def ops(self) -> dict[str, tuple[Op, Op | None]]:
        """Per side: the measured call, and what runs after it, unmeasured (ours rewinds)."""
        return {
            "ours": (self.ours, self.rewind),
            "raw": (self.raw, None),
            "re-serialise": (self.reserialise, None),
        }

    def close(self) -> None:
        self._channel.close()
        self._client.close()


def _identity(data: bytes) -> bytes:
    return data


def alternated(sides: dict[str, tuple[Op, Op | None]], calls: int, repeats: int) -> dict[str, Sample]:
    """Seconds of CPU per call, per side: one value per repeat (the mean over ``calls`` calls).

    In a repeat, every side makes one call per round, ``calls`` rounds: ``ours`` and ``raw`` back to
    back (who goes first alternates from round to round), then the others. Each call's CPU is read
    on its own, so calls of the two sides of the pair are milliseconds apart (a busy neighbour or a
    cache left cold by the emulator hits both alike) and what runs between calls (the chat's rewind)
    is not counted.
    """
    names = list(sides)
    pair = [name for name in ("ours", "raw") if name in sides]
    others = [name for name in names if name not in pair]
    clock = time.process_time
    values: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        totals = dict.fromkeys(names, 0.0)
        gc.collect()
        for i in range(calls):
            first = pair if (r * calls + i) % 2 == 0 else pair[::-1]
            for name in first + others:
                op, after = sides[name]
                start = clock()
                op()
                totals[name] += clock() - start
                if after is not None:
                    after()
        for name in names:
            values[name].append(totals[name] / calls)
    return {name: Sample(tuple(v)) for name, v in values.items()}


def chat_cpu(endpoint: str, *, turns: int, calls: int, warmup: int, repeats: int, rewinds: int) -> ChatResult:
    """Seconds of client CPU per chat turn sent with a ``turns``-turn history, per side."""
    sides = ChatSides(endpoint, turns)
    try:
        reply = sides.check()
        ops = sides.ops()
        for op, after in ops.values():
            for _ in range(warmup):
                op()
                if after is not None:
                    after()
        samples = alternated(ops, calls, repeats)
        rewind = sides.rewind_cost(rewinds)
        return ChatResult(turns, len(sides.request), reply, samples, rewind)
    finally:
        sides.close()


def main(argv: list[str] | None = None) -> int:
    from benchmarks import report
    from benchmarks.__main__ import FULL, QUICK
    from benchmarks._emulator import EmulatorProcess

    parser = argparse.ArgumentParser(prog="python -m benchmarks.chat_cpu", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the smoke run's counts")
    parser.add_argument("--turns", type=int, nargs="+", help="history sizes (default: the run's)")
    parser.add_argument("--repeats", type=int, help="repeats (default: the run's)")
    args = parser.parse_args(argv)
    params = QUICK if args.quick else FULL
    turns = tuple(args.turns) if args.turns else params.chat_turns
    repeats = args.repeats or params.chat_repeats
    results = report.Results(params)
    with EmulatorProcess() as emulator:
        for n in turns:
            calls = params.chat_calls.get(n, 10)
            results.chats[n] = chat_cpu(
                emulator.endpoint,
                turns=n,
                calls=calls,
                warmup=max(5, calls // 2),
                repeats=repeats,
                rewinds=params.chat_rewinds,
            )
    print(
        report._text_table(
            report.VERDICT_HEADER,
            [
                [
                    v.name,
                    v.ours,
                    v.baseline,
                    v.ratio,
                    v.ratio_range,
                    v.target,
                    report._mark(v.passed),
                    v.spread,
                ]
                for v in report._chat_verdicts(results)
            ],
        )
    )
    print()
    print(report._text_table(report.CHAT_HEADER, report._chat_rows(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
