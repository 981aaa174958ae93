"""Live sessions (BidiGenerateContent): client CPU per realtime audio chunk sent and per server audio
chunk received, and the round trip of a short text turn; ``client.aio.live`` vs a raw grpc.aio stream.

Both sides run in one event loop against the same emulator (a child process, see _emulator.py),
each on a session opened once and warmed up; every repeat measures one block on each side, back
to back, who goes first alternating. CPU is ``time.process_time()`` of this process (gRPC's threads
included). The two sessions send the same setup message (checked against ours) and the same
metadata our client sends (``x-goog-api-key``, ``x-goog-api-client``).

* **send**: a block is ``chunks`` realtime audio chunks of 640 bytes (20 ms of 16 kHz 16-bit PCM),
  then a fence: one short text turn, read to its ``turn_complete``, which proves the server has read
  every chunk before it (one ordered stream), so the CPU of writing them is all in the block. The
  session uses manual activity detection and sends no ``activity_start``: the emulator ignores
  audio outside an activity, so nothing is answered during the block but the fence. ``ours`` is
  ``await session.send_realtime_input(audio=chunk)``; ``raw`` builds a
  ``BidiGenerateContentClientMessage(realtime_input=...(audio=Blob(mime_type=..., data=chunk)))``
  per chunk, as hand-written grpc code does, and ``await call.write(message)``.
* **receive**: a block is one turn of ``reply_chunks`` audio messages (``response_modalities``
  AUDIO; the emulator started with ``--reply-words N --chunks N --live-chunk-delay 0``: one word per
  message, 100 ms of 24 kHz PCM, 4,800 bytes); ``ours`` iterates ``session.receive()`` and reads
  ``message.data`` of each message; ``raw`` reads the call until ``turn_complete`` and takes
  ``part.inline_data.data`` of each part. The prompt's send is in the block (once per turn).
* **latency**: wall-clock from sending a short text turn to receiving its ``turn_complete``
  (``perf_counter``), the two sides alternating turn by turn; median and p90. Reported, no target.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import struct
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from benchmarks._emulator import EmulatorProcess
from benchmarks._sides import API_KEY, RAW_METADATA
from benchmarks._stats import Sample

LIVE_MODEL = "gemini-live-2.5-flash"
LIVE_MODEL_NAME = "models/gemini-live-2.5-flash"
AUDIO_MIME_TYPE = "audio/pcm;rate=16000"
FENCE_PROMPT = "Are you there?"
STORY_PROMPT = "Tell me a story."
# 20 ms of a 440 Hz tone at 16 kHz, 16-bit little-endian mono: 320 samples, 640 bytes.
CHUNK = struct.pack("<320h", *(int(8000 * math.sin(2 * math.pi * 440 * i / 16000)) for i in range(320)))
SEND_CONFIG: dict[str, Any] = {
    "response_modalities": ["TEXT"],
    "realtime_input_config": {"automatic_activity_detection": {"disabled": True}},
}
RECEIVE_CONFIG: dict[str, Any] = {"response_modalities": ["AUDIO"]}
# A short text reply (2 text messages) for the fence and the latency turns.
SHORT_REPLY_WORDS = 8


def emulator_argv(*flags: str) -> list[str]:
    return [sys.executable, "-m", "genai.emulator", "--host", "127.0.0.1", "--port", "0", *flags]


@dataclass(frozen=True)
class LiveResults:
    send: dict[str, Sample]  # CPU seconds per audio chunk sent
    receive: dict[str, Sample]  # CPU seconds per audio chunk received
    latency: dict[str, Sample]  # wall seconds per text turn (each value one turn)
    send_chunks: int
    send_repeats: int
    reply_chunks: int
    receive_repeats: int
    latency_turns: int


class CheckError(AssertionError):
    """A side did not do the work it is measured for."""


# ------------------------------------------------------------------------------------------- sides


class _Ours:
    """``client.aio.live.connect(...)``: the async face on the gRPC transport."""

    label = "ours"

    def __init__(self, endpoint: str, config: dict[str, Any]) -> None:
        import genai

        self._client = genai.Client(API_KEY, endpoint=endpoint, insecure=True)
        self._config = config
        self._session: Any = None

    async def open(self) -> None:
        connection = self._client.aio.live.connect(model=LIVE_MODEL, config=self._config)
        self._session = await connection.__aenter__()

    async def send_audio(self, chunks: int) -> None:
        send = self._session.send_realtime_input
        for _ in range(chunks):
            await send(audio=CHUNK)

    async def text_turn(self, prompt: str) -> int:
        """Send a text turn and read its reply to turn_complete; the number of messages read."""
        await self._session.send_client_content(turns=prompt)
        seen = 0
        async for message in self._session.receive():
            message.text  # noqa: B018  (what a caller printing the reply reads)
            seen += 1
        return seen

    async def audio_turn(self, prompt: str) -> tuple[int, int]:
        """Send a text turn and read the audio of its reply: (audio chunks, bytes)."""
        await self._session.send_client_content(turns=prompt)
        chunks = size = 0
        async for message in self._session.receive():
            data = message.data
            if data:
                chunks += 1
                size += len(data)
        return chunks, size

    async def close(self) -> None:
        if self._session is not None:
            await self._session.aclose()
        await self._client.aio.aclose()
        self._client.close()


class _Raw:
    """A ``grpc.aio`` stream_stream call from the generated stub, messages built by hand."""

    label = "raw"

    def __init__(self, endpoint: str, config: dict[str, Any]) -> None:
        import grpc.aio
        from genai_protos import generative_service_pb2_grpc

        self._pb = _raw_messages()
        self._setup = _raw_setup(config)
        self._channel = grpc.aio.insecure_channel(endpoint)
        self._stub = generative_service_pb2_grpc.GenerativeServiceStub(self._channel)
        self._call: Any = None

    @property
    def setup(self) -> Any:
        return self._setup

    async def open(self) -> None:
        self._call = self._stub.BidiGenerateContent(metadata=RAW_METADATA)  # type: ignore[call-arg]
        await self._call.write(self._pb.ClientMessage(setup=self._setup))
        first = await self._call.read()
        if not first.HasField("setup_complete"):
            raise CheckError(f"raw: expected setup_complete, got {first}")

    async def send_audio(self, chunks: int) -> None:
        write, pb = self._call.write, self._pb
        for _ in range(chunks):
            await write(
                pb.ClientMessage(
                    realtime_input=pb.RealtimeInput(audio=pb.Blob(mime_type=AUDIO_MIME_TYPE, data=CHUNK))
                )
            )

    def _turn(self, prompt: str) -> Any:
        pb = self._pb
        return pb.ClientMessage(
            client_content=pb.ClientContent(
                turns=[pb.Content(role="user", parts=[pb.Part(text=prompt)])], turn_complete=True
            )
        )

    async def text_turn(self, prompt: str) -> int:
        call = self._call
        await call.write(self._turn(prompt))
        seen = 0
        while True:
            message = await call.read()
            seen += 1
            content = message.server_content
            "".join(part.text for part in content.model_turn.parts)
            if content.turn_complete:
                return seen

    async def audio_turn(self, prompt: str) -> tuple[int, int]:
        call = self._call
        await call.write(self._turn(prompt))
        chunks = size = 0
        while True:
            message = await call.read()
            content = message.server_content
            for part in content.model_turn.parts:
                data = part.inline_data.data
                if data:
                    chunks += 1
                    size += len(data)
            if content.turn_complete:
                return chunks, size

    async def close(self) -> None:
        if self._call is not None:
            self._call.cancel()
        await self._channel.close(None)


class _RawMessages:
    def __init__(self) -> None:
        from genai_protos import content_pb2, generative_service_pb2

        self.ClientMessage = generative_service_pb2.BidiGenerateContentClientMessage
        self.RealtimeInput = generative_service_pb2.BidiGenerateContentRealtimeInput
        self.ClientContent = generative_service_pb2.BidiGenerateContentClientContent
        self.Setup = generative_service_pb2.BidiGenerateContentSetup
        self.Blob = content_pb2.Blob
        self.Content = content_pb2.Content
        self.Part = content_pb2.Part
        self.GenerationConfig = generative_service_pb2.GenerationConfig
        self.RealtimeInputConfig = generative_service_pb2.RealtimeInputConfig
        self.SessionResumptionConfig = generative_service_pb2.SessionResumptionConfig


def _raw_messages() -> _RawMessages:
    return _RawMessages()


def _raw_setup(config: dict[str, Any]) -> Any:
    """The setup our session sends for ``config``, written by hand (resumption on, as ours has it)."""
    pb = _raw_messages()
    modality = pb.GenerationConfig.Modality.Value(config["response_modalities"][0])
    setup = pb.Setup(
        model=LIVE_MODEL_NAME,
        generation_config=pb.GenerationConfig(response_modalities=[modality]),
        session_resumption=pb.SessionResumptionConfig(),
    )
    if "realtime_input_config" in config:
        setup.realtime_input_config.automatic_activity_detection.disabled = True
    return setup


def _check_same_setup(raw: _Raw, config: dict[str, Any]) -> None:
    from genai._live.config import build_setup

    ours = build_setup(LIVE_MODEL, config)
    if ours != raw.setup:
        raise CheckError(f"the raw side's setup differs from ours:\n{raw.setup}\nvs\n{ours}")


Side = _Ours | _Raw


@contextlib.asynccontextmanager
async def _pair(endpoint: str, config: dict[str, Any]) -> AsyncIterator[list[Side]]:
    sides: list[Side] = [_Ours(endpoint, config), _Raw(endpoint, config)]
    _check_same_setup(sides[1], config)  # type: ignore[arg-type]
    try:
        for side in sides:
            await side.open()
        yield sides
    finally:
        for side in sides:
            with contextlib.suppress(Exception):
                await side.close()


# ------------------------------------------------------------------------------------------ blocks


async def _cpu(op: Callable[[], Awaitable[object]]) -> float:
    gc.collect()
    start = time.process_time()
    await op()
    return time.process_time() - start


async def _paired(
    sides: list[Side], block: Callable[[Side], Callable[[], Awaitable[object]]], repeats: int, per: int
) -> dict[str, Sample]:
    values: dict[str, list[float]] = {side.label: [] for side in sides}
    for r in range(repeats):
        order = sides if r % 2 == 0 else sides[::-1]
        for side in order:
            values[side.label].append(await _cpu(block(side)) / per)
    return {label: Sample(tuple(v)) for label, v in values.items()}


async def _send(endpoint: str, chunks: int, repeats: int, limit: float) -> dict[str, Sample]:
    async with _pair(endpoint, SEND_CONFIG) as sides:

        def block(side: Side) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                await side.send_audio(chunks)
                if await side.text_turn(FENCE_PROMPT) < 3:
                    raise CheckError(f"{side.label}: the fence turn's reply was too short")

            return run

        for side in sides:  # warm-up (and a check that audio alone is not answered)
            await asyncio.wait_for(block(side)(), limit)
        return await asyncio.wait_for(_paired(sides, block, repeats, chunks), limit * repeats)


async def _receive(endpoint: str, reply_chunks: int, repeats: int, limit: float) -> dict[str, Sample]:
    async with _pair(endpoint, RECEIVE_CONFIG) as sides:
        for side in sides:  # warm-up and check
            chunks, size = await asyncio.wait_for(side.audio_turn(STORY_PROMPT), limit)
            if chunks != reply_chunks or size != reply_chunks * 4800:
                raise CheckError(
                    f"{side.label}: expected {reply_chunks} audio chunks of 4,800 bytes, "
                    f"got {chunks} ({size} bytes)"
                )

        def block(side: Side) -> Callable[[], Awaitable[object]]:
            async def run() -> None:
                await side.audio_turn(STORY_PROMPT)

            return run

        return await asyncio.wait_for(_paired(sides, block, repeats, reply_chunks), limit * repeats)


async def _latency(endpoint: str, turns: int, limit: float) -> dict[str, Sample]:
    async with _pair(endpoint, SEND_CONFIG) as sides:
        for side in sides:
            for _ in range(5):
                await asyncio.wait_for(side.text_turn(FENCE_PROMPT), limit)
        values: dict[str, list[float]] = {side.label: [] for side in sides}
        for t in range(turns):
            for side in sides if t % 2 == 0 else sides[::-1]:
                start = time.perf_counter()
                await asyncio.wait_for(side.text_turn(FENCE_PROMPT), limit)
                values[side.label].append(time.perf_counter() - start)
        return {label: Sample(tuple(v)) for label, v in values.items()}


def live_benchmarks(
    *,
    send_chunks: int,
    send_repeats: int,
    reply_chunks: int,
    receive_repeats: int,
    latency_turns: int,
    limit: float = 60.0,
) -> LiveResults:
    """Run the three live measurements on two emulator processes of their own (see the module doc).

    One emulator answers short text turns at once (``--live-chunk-delay 0 --reply-words 8``): the
    send side's fences and the latency turns; the other sends long audio replies at once
    (``--reply-words N --chunks N``). Both are started here and stopped on the way out.
    """
    short = emulator_argv("--live-chunk-delay", "0", "--reply-words", str(SHORT_REPLY_WORDS))
    long = emulator_argv(
        "--live-chunk-delay", "0", "--reply-words", str(reply_chunks), "--chunks", str(reply_chunks)
    )
    with EmulatorProcess(short) as quick, EmulatorProcess(long) as story:
        send = asyncio.run(_send(quick.endpoint, send_chunks, send_repeats, limit))
        receive = asyncio.run(_receive(story.endpoint, reply_chunks, receive_repeats, limit))
        latency = asyncio.run(_latency(quick.endpoint, latency_turns, limit))
    return LiveResults(
        send, receive, latency, send_chunks, send_repeats, reply_chunks, receive_repeats, latency_turns
    )


def p90(sample: Sample) -> float:
    ordered = sorted(sample.values)
    return ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)]


if __name__ == "__main__":
    from benchmarks._stats import ratio

    results = live_benchmarks(
        send_chunks=500, send_repeats=10, reply_chunks=200, receive_repeats=10, latency_turns=100
    )
    for name, samples in (("send", results.send), ("receive", results.receive)):
        r = ratio(samples["ours"], samples["raw"])
        print(
            f"{name}: ours {samples['ours'].median * 1e6:.1f} µs, "
            f"raw {samples['raw'].median * 1e6:.1f} µs per chunk, "
            f"ratio {r.median:.3f} ({r.low:.2f}..{r.high:.2f})"
        )
    for label, sample in results.latency.items():
        print(f"latency {label}: median {sample.median * 1e3:.2f} ms, p90 {p90(sample) * 1e3:.2f} ms")
