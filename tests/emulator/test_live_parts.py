"""The pure parts of live sessions: audio in and out, message grouping, knobs, setup validation,
resumption handles; and what only one transport has (WebSocket frames, paths and close codes;
the server without the websockets package; a client that vanishes)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
import websockets
from genai_protos import generative_service_pb2
from google.protobuf import json_format
from websockets.asyncio.client import connect

from genai.emulator import _server
from genai.emulator._clock import ManualClock
from genai.emulator._faults import AttemptCounter
from genai.emulator._live_audio import (
    WORD_BYTES,
    RealtimeTurn,
    accepts_input,
    has_speech,
    heard_word,
    spoken,
)
from genai.emulator._live_knobs import GoAwaySpec, LiveKnobs, parse_goaway, with_metadata
from genai.emulator._live_messages import LiveClose, pieces, unrecognized
from genai.emulator._live_resume import HANDLE_TTL, Resumptions, snapshot
from genai.emulator._live_setup import validate
from genai.emulator._status import RpcFailure
from genai.emulator._websocket import close_code, close_reason, parse_frame
from genai.testing import Emulator
from tests.emulator._helpers import user
from tests.emulator._live_client import (
    CM,
    LIVE_MODEL,
    SM,
    WebSocketSession,
    client_message,
    open_session,
    silence,
    text_of,
    tone,
    ws_url,
)

gs = generative_service_pb2


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(live_chunk_delay=0.001) as emulator:
        yield emulator


# -- pure parts -----------------------------------------------------------------------------------


def test_audio_in_speech_words_and_formats() -> None:
    assert has_speech(tone(0.01)) and not has_speech(silence(0.01)) and not has_speech(b"")
    assert (
        accepts_input("audio/pcm")
        and accepts_input("audio/pcm; rate=16000")
        and accepts_input("AUDIO/PCM;rate=16000")
    )
    assert not any(
        accepts_input(m) for m in ("audio/pcm;rate=24000", "audio/wav", "audio/pcm;rate=16000;x=1")
    )
    turn = RealtimeTurn()
    turn.active = True
    heard = turn.hear(tone(0.6))  # two full windows, then 100 ms left over
    assert heard == [heard_word(tone(0.6)[:WORD_BYTES]), heard_word(tone(0.6)[WORD_BYTES : 2 * WORD_BYTES])]
    assert len(turn.hear(silence(0.25))) == 1  # a window with the tone's tail and silence is speech
    assert turn.hear(silence(0.25)) == []  # one of silence alone is not
    assert len(turn.words) == 3
    assert turn.finish() == []
    content = turn.content()
    assert content.parts[0].inline_data.mime_type == "audio/pcm;rate=16000"
    assert content.parts[1].text == " ".join(turn.words)


def test_audio_out_is_a_tone_per_word() -> None:
    assert spoken(["amber"]) == spoken(["amber"])
    assert len(spoken(["amber", "anchor"])) == 2 * 4800
    assert spoken(["amber"]) != spoken(["zephyr"]) or spoken(["amber"]) != spoken(["quill"])


def test_pieces_keep_every_word_once() -> None:
    words = [str(i) for i in range(10)]
    assert [len(p) for p in pieces(words, None)] == [4, 4, 2]
    assert [len(p) for p in pieces(words, 3)] == [4, 3, 3]
    assert [len(p) for p in pieces(words, 50)] == [1] * 10
    assert pieces([], None) == []


def test_knobs() -> None:
    defaults = LiveKnobs()
    assert with_metadata(defaults, {}) is defaults
    knobs = with_metadata(
        defaults,
        {
            "x-emulator-live-chunk-delay": "0.5",
            "x-emulator-live-goaway-after": "3",
            "x-emulator-live-unknown": b"on",
            "x-emulator-live-refuse-resume": "always",
        },
    )
    assert knobs == LiveKnobs(0.5, GoAwaySpec(3.0, 1.0), True, None)
    assert parse_goaway("off") is None and parse_goaway("1:0.25") == GoAwaySpec(1.0, 0.25)
    for header, value in (("x-emulator-live-chunk-delay", "-1"), ("x-emulator-live-goaway-after", "x")):
        with pytest.raises(ValueError, match=header):
            with_metadata(defaults, {header: value})
    with pytest.raises(ValueError, match="seconds must be between"):
        Emulator(live_chunk_delay=-1)


def test_setup_validation_names_fields() -> None:
    def problems(**fields: Any) -> dict[str, str]:
        with pytest.raises(RpcFailure) as caught:
            validate(gs.BidiGenerateContentSetup(model=LIVE_MODEL, **fields))
        return {
            v.field: v.description for d in caught.value.details for v in getattr(d, "field_violations", [])
        }

    config = gs.GenerationConfig
    assert "setup.generation_config.response_modalities" in problems(
        generation_config=config(response_modalities=[config.Modality.TEXT, config.Modality.AUDIO])
    )
    assert set(problems(generation_config=config(candidate_count=2, stop_sequences=["x"]))) == {
        "setup.generation_config.candidate_count",
        "setup.generation_config.stop_sequences",
    }
    bad_tool = gs.BidiGenerateContentSetup(model=LIVE_MODEL).tools.add()
    bad_tool.function_declarations.add(name="1 bad name")
    assert "setup.tools[0].function_declarations[0].name" in problems(tools=[bad_tool])
    assert "setup.system_instruction.parts[0]" in problems(
        system_instruction={"parts": [{"inline_data": {"mime_type": "image/png", "data": b"x"}}]}
    )
    settings = validate(gs.BidiGenerateContentSetup(model=LIVE_MODEL))
    assert (settings.audio, settings.automatic, settings.interrupts, settings.resumable) == (
        False,
        True,
        True,
        False,
    )


def test_resumption_handles_expire_and_are_bounded() -> None:
    clock = ManualClock()
    handles = Resumptions(clock, limit=2)
    first = handles.issue(snapshot(LIVE_MODEL, [user("a")], 1))
    assert first.startswith("resume-") and handles.find(first) is not None
    assert handles.find(first).restore()[0].parts[0].text == "a"  # type: ignore[union-attr]
    clock.advance(HANDLE_TTL)
    assert handles.find(first) is None
    a, b, c = (handles.issue(snapshot(LIVE_MODEL, [], 0)) for _ in range(3))
    assert handles.find(a) is None and handles.find(b) is not None and handles.find(c) is not None
    assert len({a, b, c}) == 3
    setup = gs.BidiGenerateContentSetup(model="models/other")
    setup.session_resumption.handle = c
    with pytest.raises(RpcFailure, match="belongs to a session of"):
        handles.resume(setup, 0, b"key", AttemptCounter())


def test_unknown_message_and_close_codes() -> None:
    message = unrecognized()
    assert message.wire.WhichOneof("message_type") is None and message.wire.ByteSize() > 0
    assert list(json.loads(message.json)) == ["emulatorUnknownMessage"]
    codes = grpc.StatusCode
    assert close_code(RpcFailure(codes.INVALID_ARGUMENT, "x")) == 1007
    assert close_code(RpcFailure(codes.PERMISSION_DENIED, "x")) == 1008
    assert close_code(RpcFailure(codes.NOT_FOUND, "x")) == 1008
    assert close_code(RpcFailure(codes.RESOURCE_EXHAUSTED, "x")) == 1011
    assert close_code(LiveClose(RpcFailure(codes.UNAVAILABLE, "x"), going_away=True)) == 1001
    assert close_code(RpcFailure(codes.UNAVAILABLE, "x"), stopping=True) == 1001
    reason = close_reason(RpcFailure(codes.INTERNAL, "é" * 200))
    assert len(reason.encode()) <= 123 and reason.endswith("...")
    assert parse_frame(b'{"clientContent": {"turnComplete": true}}').client_content.turn_complete
    assert parse_frame('{"client_content": {"turn_complete": true}}').client_content.turn_complete
    for bad in ("not json", '{"nope": 1}', b"\xff"):
        with pytest.raises(RpcFailure, match="Invalid JSON payload"):
            parse_frame(bad)


# -- WebSocket specifics ----------------------------------------------------------------------------


def test_websocket_frames_text_and_binary_both_spellings(emu: Emulator) -> None:
    async def main() -> None:
        headers = {"x-emulator-reply-words": "6"}
        async with connect(ws_url(emu) + "?key=emulator-key", additional_headers=headers) as connection:
            session = WebSocketSession(connection)
            await session.send_text(json.dumps({"setup": {"model": LIVE_MODEL}}).encode())  # binary frame
            assert isinstance(await connection.recv(), bytes)  # binary frames out, like the real API
            await session.send_text(json.dumps({"setup": {"model": LIVE_MODEL}}))  # a second setup: refused
            assert (await session.ended()).code == 1007
        async with connect(ws_url(emu) + "?key=emulator-key", additional_headers=headers) as connection:
            session = WebSocketSession(connection)
            await session.send_text(json.dumps({"setup": {"model": LIVE_MODEL}}))  # a text frame
            assert (await session.recv()).WhichOneof("message_type") == "setup_complete"
            assert session.raw[-1] == {"setupComplete": {}}
            snake = {
                "client_content": {
                    "turns": [{"role": "user", "parts": [{"text": "hi"}]}],
                    "turn_complete": True,
                }
            }
            await session.send_text(json.dumps(snake))
            messages = await session.turn()
            assert text_of(messages).startswith('You said: "hi".')
            assert "modelTurn" in session.raw[1]["serverContent"]  # camelCase out
            assert session.raw[-1]["serverContent"] == {"turnComplete": True}
            assert "promptTokenCount" in session.raw[-1]["usageMetadata"]
            await session.send_text("{not json")
            end = await session.ended()
            assert (end.code, end.reason.startswith("Invalid JSON payload")) == (1007, True)

    asyncio.run(asyncio.wait_for(main(), 30))


def test_websocket_other_paths_are_not_found(emu: Emulator) -> None:
    async def main() -> None:
        with pytest.raises(websockets.InvalidStatus) as caught:
            async with connect(ws_url(emu, "/ws/elsewhere")):
                pass
        assert caught.value.response.status_code == 404

    asyncio.run(asyncio.wait_for(main(), 30))


def test_websocket_audio_round_trip_in_base64(emu: Emulator) -> None:
    async def main() -> None:
        setup = {"generation_config": {"response_modalities": ["AUDIO"]}}
        async with open_session(
            "websocket", emu, setup=setup, metadata={"x-emulator-reply-words": "2"}
        ) as session:
            await session.send(
                client_content={"turns": [{"role": "user", "parts": [{"text": "x"}]}], "turn_complete": True}
            )
            messages = await session.turn()
            raw = session.raw[1]["serverContent"]["modelTurn"]["parts"][0]["inlineData"]
            assert raw["mimeType"] == "audio/pcm;rate=24000"
            assert messages[0].server_content.model_turn.parts[0].inline_data.data == spoken(["You", "said:"])

    asyncio.run(asyncio.wait_for(main(), 30))


def test_without_websockets_the_server_starts_without_the_front_end(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_server, "websockets_available", lambda: False)
    with Emulator() as emu:
        with pytest.raises(RuntimeError, match="websockets"):
            _ = emu.http_endpoint
        assert emu.server.http_port == 0
        with grpc.insecure_channel(emu.endpoint) as channel:
            grpc.channel_ready_future(channel).result(timeout=5)


# -- sessions that end badly ----------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["grpc", "websocket"])
def test_a_client_that_vanishes_mid_turn_leaves_no_task(emu: Emulator, transport: str) -> None:
    loop = emu._loop
    assert loop is not None

    def tasks() -> int:
        async def count() -> int:
            return len(asyncio.all_tasks())

        return asyncio.run_coroutine_threadsafe(count(), loop).result(5)

    async def main() -> None:
        slow = {"x-emulator-live-chunk-delay": "0.2", "x-emulator-reply-words": "50"}
        async with open_session(transport, emu, metadata=slow, setup={"session_resumption": {}}) as session:
            await session.send(
                client_content={"turns": [{"role": "user", "parts": [{"text": "x"}]}], "turn_complete": True}
            )
            await session.until(lambda m: m.server_content.HasField("model_turn"))
        # leaving the block cancels the call / closes the socket mid-turn

    before = tasks()
    asyncio.run(asyncio.wait_for(main(), 30))
    assert emu.wait_for(lambda: emu.server.state.active_sessions == 0)
    assert emu.wait_for(lambda: tasks() <= before)
    assert threading.active_count() < 50


@pytest.mark.parametrize("transport", ["grpc", "websocket"])
def test_activity_handling_no_interruption(emu: Emulator, transport: str) -> None:
    setup = {"realtime_input_config": {"activity_handling": "NO_INTERRUPTION"}}

    async def main() -> None:
        slow = {"x-emulator-live-chunk-delay": "0.05", "x-emulator-reply-words": "12"}
        async with open_session(transport, emu, setup=setup, metadata=slow) as session:
            await session.send(
                client_content={
                    "turns": [{"role": "user", "parts": [{"text": "first"}]}],
                    "turn_complete": True,
                }
            )
            started = await session.recv()
            await session.send(realtime_input={"text": "second"})  # queued behind the first turn
            first = [started, *await session.turn()]
            second = await session.turn()
            assert "interrupted" not in str(first)
            assert text_of(first).startswith('You said: "first".')
            assert text_of(second).startswith('You said: "second".')

    asyncio.run(asyncio.wait_for(main(), 30))


def test_official_message_classes_round_trip(emu: Emulator) -> None:
    # The raw clients use the official package's classes: its messages and ours share the wire.
    message = client_message(setup={"model": LIVE_MODEL, "session_resumption": {"handle": "h"}})
    ours = gs.BidiGenerateContentClientMessage.FromString(message.SerializeToString())
    assert ours.setup.session_resumption.handle == "h"
    assert SM.FromString(gs.BidiGenerateContentServerMessage(go_away={}).SerializeToString()).HasField(
        "go_away"
    )
    assert json_format.MessageToDict(CM(setup={"model": "m"})) == {"setup": {"model": "m"}}


def test_command_line_live_flags_are_checked() -> None:
    from genai.emulator.__main__ import main

    assert main(["--live-goaway-after", "soon"]) == 2
    assert main(["--live-chunk-delay", "-1"]) == 2


def test_session_records_are_bounded() -> None:
    from genai.emulator._state import MAX_SESSION_BYTES, LiveRecord, ServerState

    record = LiveRecord("grpc", {}, gs.BidiGenerateContentSetup())
    frame = gs.BidiGenerateContentClientMessage()
    frame.realtime_input.video.data = bytes(300_000)
    for _ in range(10):
        record.add(frame)
    assert record.received == 10 and len(record.messages) == 3
    assert record.kept_bytes <= MAX_SESSION_BYTES
    state = ServerState()
    records = [LiveRecord("grpc", {}, gs.BidiGenerateContentSetup()) for _ in range(150)]
    for one in records:
        state.record_session(one)
    assert len(state.live_sessions) == 100 and state.active_sessions == 150
    state.session_ended(records[0])
    assert state.active_sessions == 149 and records[0].ended
