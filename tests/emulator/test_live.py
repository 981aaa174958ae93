"""Live sessions (BidiGenerateContent) on both transports, driven by raw clients built from the
official descriptors: setup, text and audio turns, realtime input, activity detection, tool calls
and their cancellation, interruption, resumption, GoAway, faults, unknown messages."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import grpc
import pytest
from genai_protos import generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub

from genai.testing import Emulator
from tests.emulator._helpers import MODEL, request
from tests.emulator._helpers import text_of as unary_text
from tests.emulator._live_client import (
    LIVE_MODEL,
    TRANSPORTS,
    Ended,
    kinds,
    open_session,
    silence,
    text_of,
    tone,
)

gs = generative_service_pb2
pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)
COUNT = {"x-emulator-count-contents": "1"}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(live_chunk_delay=0.001) as emulator:
        yield emulator


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "parts": [{"text": text}]}


def ask(text: str) -> dict[str, Any]:
    return {"client_content": {"turns": [user(text)], "turn_complete": True}}


def expect(end: Ended, transport: str, grpc_code: str, ws_code: int, *words: str) -> None:
    assert end.code == (grpc_code if transport == "grpc" else ws_code), end
    for word in words:
        assert word in end.reason, end


# -- setup and text turns --------------------------------------------------------------------------


def test_multi_turn_text_matches_generate_content_and_accumulates_context(
    transport: str, emu: Emulator
) -> None:
    async def main() -> None:
        async with open_session(transport, emu, metadata=COUNT) as session:
            await session.send(**ask("Tell me about pineapples"))
            first = await session.turn()
            assert kinds(first)[-2:] == ["generation_complete", "turn_complete"]
            assert kinds(first).count("model_turn") >= 3  # streamed in several messages
            text = text_of(first)
            assert text.startswith('[1 contents: 1 user, 0 model] You said: "Tell me about pineapples". ')
            final = first[-1]
            assert final.usage_metadata.prompt_token_count == 4
            assert final.usage_metadata.response_token_count > 0
            assert final.usage_metadata.total_token_count == 4 + final.usage_metadata.response_token_count
            await session.send(**ask("And about kiwis?"))
            second = text_of(await session.turn())
            assert second.startswith('[3 contents: 2 user, 1 model] You said: "And about kiwis". ')
            # A turn without turn_complete only adds context.
            await session.send(client_content={"turns": [user("one more")], "turn_complete": False})
            await session.send(client_content={"turn_complete": True})
            assert text_of(await session.turn()).startswith(
                '[5 contents: 3 user, 2 model] You said: "one more".'
            )
        # The same contents give GenerateContent's text (the model is not part of the seed).
        async with grpc.aio.insecure_channel(emu.endpoint) as channel:
            unary = await GenerativeServiceStub(channel).GenerateContent(
                request("Tell me about pineapples", model=MODEL), metadata=tuple(COUNT.items())
            )
        assert unary_text(unary) == text

    run(main)


def test_setup_is_required_first_and_validated(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(transport, emu, wait_setup=False) as session:
            pass
        cases: list[tuple[dict[str, Any], str, int, str]] = [
            ({"model": "models/nope"}, "NOT_FOUND", 1008, "models/nope"),
            ({"model": MODEL}, "NOT_FOUND", 1008, "bidiGenerateContent"),
            (
                {"generation_config": {"response_modalities": ["TEXT", "AUDIO"]}},
                "INVALID_ARGUMENT",
                1007,
                "modality",
            ),
            ({"generation_config": {"response_modalities": ["IMAGE"]}}, "INVALID_ARGUMENT", 1007, "IMAGE"),
            (
                {"generation_config": {"response_mime_type": "application/json"}},
                "INVALID_ARGUMENT",
                1007,
                "mime",
            ),
            ({"generation_config": {"temperature": 9}}, "INVALID_ARGUMENT", 1007, "temperature"),
        ]
        for setup, code, ws_code, word in cases:
            async with open_session(transport, emu, setup=setup, wait_setup=False) as session:
                expect(await session.ended(), transport, code, ws_code, word)
        # A first message other than setup.
        async with open_session(transport, emu, wait_setup=False) as session:
            await session.recv()  # setup_complete
            await session.send(setup={"model": LIVE_MODEL})  # a second setup
            expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "only once")

    run(main)


def test_first_message_must_be_setup(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        if transport == "grpc":
            async with grpc.aio.insecure_channel(emu.endpoint) as channel:
                from tests.emulator._live_client import CM, PATH, SM, GrpcSession, client_message

                call = channel.stream_stream(PATH, CM.SerializeToString, SM.FromString)(timeout=10)
                session = GrpcSession(call)
                await session.send_message(client_message(**ask("hi")))
                expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "setup")
                await session.close()
        else:
            from websockets.asyncio.client import connect

            from tests.emulator._live_client import WebSocketSession, ws_url

            async with connect(ws_url(emu)) as connection:
                session = WebSocketSession(connection)
                await session.send(**ask("hi"))
                expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "setup")

    run(main)


# -- audio ------------------------------------------------------------------------------------------


def test_audio_out_is_deterministic_24khz_pcm_with_transcription(transport: str, emu: Emulator) -> None:
    setup = {"generation_config": {"response_modalities": ["AUDIO"]}, "output_audio_transcription": {}}

    async def one() -> tuple[bytes, str]:
        async with open_session(
            transport, emu, setup=setup, metadata={"x-emulator-reply-words": "12"}
        ) as session:
            await session.send(**ask("Say something"))
            messages = await session.turn()
        parts = [p for m in messages for p in m.server_content.model_turn.parts]
        assert parts and all(p.inline_data.mime_type == "audio/pcm;rate=24000" for p in parts)
        audio = b"".join(p.inline_data.data for p in parts)
        assert len(audio) == 12 * 4800  # 100 ms of 24 kHz 16-bit audio per word
        transcript = "".join(m.server_content.output_transcription.text for m in messages)
        assert len(transcript.split()) == 12
        assert messages[-1].usage_metadata.response_tokens_details[0].modality == 4  # AUDIO
        return audio, transcript

    async def main() -> None:
        first, second = await one(), await one()
        assert first == second
        assert first[1].startswith('You said: "Say something".')

    run(main)


def test_realtime_audio_in_is_transcribed_and_answered(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        setup = {"input_audio_transcription": {}}
        async with open_session(transport, emu, setup=setup) as session:
            audio = tone(1.0)
            for start in range(0, len(audio), 640):  # 20 ms chunks
                await session.send(
                    realtime_input={
                        "audio": {
                            "mime_type": "audio/pcm;rate=16000",
                            "data": _b64(audio[start : start + 640]),
                        }
                    }
                )
            await session.send(realtime_input={"audio_stream_end": True})
            messages = await session.turn()
            heard = "".join(m.server_content.input_transcription.text for m in messages)
            assert len(heard.split()) == 4  # one word per 250 ms of speech
            assert text_of(messages).startswith(f'You said: "{heard}". ')
            assert kinds(messages).index("input_transcription") < kinds(messages).index("model_turn")
            # Silence alone is no turn; speech followed by 500 ms of silence is one.
            await session.send(
                realtime_input={"audio": {"mime_type": "audio/pcm", "data": _b64(silence(1.0))}}
            )
            await session.send(realtime_input={"audio": {"mime_type": "audio/pcm", "data": _b64(tone(0.5))}})
            await session.send(
                realtime_input={"audio": {"mime_type": "audio/pcm", "data": _b64(silence(0.5))}}
            )
            again = await session.turn()
            assert len("".join(m.server_content.input_transcription.text for m in again).split()) == 2
            # Other audio formats are refused.
            await session.send(realtime_input={"audio": {"mime_type": "audio/wav", "data": _b64(tone(0.1))}})
            expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "audio/pcm;rate=16000")

    run(main)


def test_realtime_text_and_video_frames(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(transport, emu) as session:
            frame = {"mime_type": "image/jpeg", "data": _b64(b"\xff\xd8" + bytes(2_000_000))}  # 2 MB
            await session.send(realtime_input={"video": frame})
            await session.send(realtime_input={"video": frame})
            await session.send(realtime_input={"text": "What do you see?"})
            messages = await session.turn()
            assert text_of(messages).startswith('You said: "What do you see". ')
            usage = messages[-1].usage_metadata
            assert usage.prompt_token_count == 2 * 258 + 5
            await session.send(realtime_input={"video": {"mime_type": "video/mp4", "data": "AAAA"}})
            expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "image/jpeg")

    run(main)


def test_manual_activity_detection(transport: str, emu: Emulator) -> None:
    setup = {"realtime_input_config": {"automatic_activity_detection": {"disabled": True}}}

    async def main() -> None:
        async with open_session(transport, emu, setup=setup) as session:
            pcm = {"mime_type": "audio/pcm;rate=16000", "data": _b64(tone(0.75))}
            await session.send(realtime_input={"audio": pcm})  # outside an activity: ignored
            await session.send(realtime_input={"activity_start": {}})
            await session.send(realtime_input={"audio": pcm})
            await session.send(
                realtime_input={"audio": {"mime_type": "audio/pcm", "data": _b64(silence(2.0))}}
            )
            with pytest.raises(asyncio.TimeoutError):  # no reply before activity_end, whatever the silence
                await session.recv(timeout=0.3)
            await session.send(realtime_input={"activity_end": {}})
            messages = await session.turn()
            assert text_of(messages).startswith('You said: "')
            echo = text_of(messages).split('"')[1]
            assert len(echo.split()) == 3  # 750 ms of speech: three words
            await session.send(realtime_input={"audio_stream_end": True})
            expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "automatic activity detection")

    run(main)


def test_activity_markers_are_refused_with_automatic_detection(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(transport, emu) as session:
            await session.send(realtime_input={"activity_start": {}})
            expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "activity_start", "disabled")

    run(main)


# -- tools ------------------------------------------------------------------------------------------

TOOLS = {
    "tools": [
        {
            "function_declarations": [
                {
                    "name": "get_weather",
                    "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}},
                }
            ]
        }
    ]
}


def test_tool_call_and_response(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(transport, emu, setup=TOOLS) as session:
            await session.send(**ask("Call get_weather for Paris"))
            (call_message,) = await session.until(lambda m: m.WhichOneof("message_type") == "tool_call")
            (call,) = call_message.tool_call.function_calls
            assert call.name == "get_weather" and call.id.startswith("call-")
            await session.send(
                tool_response={
                    "function_responses": [{"id": call.id, "name": "get_weather", "response": {"temp": 21}}]
                }
            )
            text = text_of(await session.turn())
            assert text.startswith('The function get_weather returned {"temp": 21}. ')

    run(main)


def test_tool_call_cancellation_on_new_input(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(transport, emu, setup=TOOLS, metadata=COUNT) as session:
            await session.send(**ask("[[call:get_weather]] [[call:get_weather]]"))
            (message,) = await session.until(lambda m: m.WhichOneof("message_type") == "tool_call")
            ids = [call.id for call in message.tool_call.function_calls]
            assert len(set(ids)) == 2
            await session.send(**ask("Never mind"))
            cut = await session.turn()  # the calls' turn ends: cancellation, interrupted > turn_complete
            assert cut[0].tool_call_cancellation.ids == ids
            assert kinds(cut)[1:] == ["interrupted", "turn_complete"]
            messages = await session.turn()
            # The cancelled calls left no trace in the context; a late answer to them is ignored.
            assert text_of(messages).startswith('[2 contents: 2 user, 0 model] You said: "Never mind".')
            await session.send(
                tool_response={"function_responses": [{"id": ids[0], "name": "get_weather", "response": {}}]}
            )
            await session.send(**ask("Still there?"))
            assert text_of(await session.turn()).startswith("[4 contents: 3 user, 1 model]")

    run(main)


# -- interruption, resumption, GoAway --------------------------------------------------------------


def test_new_input_interrupts_a_turn(transport: str, emu: Emulator) -> None:
    slow = {**COUNT, "x-emulator-live-chunk-delay": "0.2", "x-emulator-reply-words": "40"}

    async def main() -> None:
        async with open_session(transport, emu, metadata=slow) as session:
            await session.send(**ask("Talk for a long time"))
            first = await session.recv()
            assert kinds([first]) == ["model_turn"]
            await session.send(**ask("Stop"))
            # "interrupted > turn_complete" (no generation_complete), as the API documents it.
            cut = await session.turn()
            assert kinds(cut) == ["interrupted", "turn_complete"]
            messages = await session.turn()
            # What was sent of the cut turn stays in the context.
            assert text_of(messages).startswith('[3 contents: 2 user, 1 model] You said: "Stop".')

    run(main)


def test_resumption_handles_restore_the_context(transport: str, emu: Emulator) -> None:
    setup = {"session_resumption": {}}

    def handle_of(messages: list[Any]) -> str:
        updates = [m.session_resumption_update for m in messages if m.HasField("session_resumption_update")]
        return [u.new_handle for u in updates if u.resumable][-1]

    async def main() -> None:
        async with open_session(transport, emu, setup=setup, metadata=COUNT) as session:
            initial = await session.recv()
            assert (
                initial.session_resumption_update.resumable and initial.session_resumption_update.new_handle
            )
            await session.send(**ask("Remember pineapples"))
            messages = await session.until(lambda m: m.session_resumption_update.resumable)
            busy = messages[0].session_resumption_update
            assert (busy.resumable, busy.new_handle) == (False, "")
            assert kinds(messages)[-2:] == ["turn_complete", "session_resumption_update"]
            handle = handle_of(messages)
        resumed = {"session_resumption": {"handle": handle}}
        async with open_session(transport, emu, setup=resumed, metadata=COUNT) as session:
            await session.recv()  # the resumed session's own first handle
            await session.send(**ask("What did I say?"))
            assert text_of(await session.turn()).startswith("[3 contents: 2 user, 1 model]")
        bad = {"session_resumption": {"handle": "resume-0000"}}
        async with open_session(transport, emu, setup=bad, wait_setup=False) as session:
            expect(await session.ended(), transport, "NOT_FOUND", 1008, "handle")
        # x-emulator-live-refuse-resume refuses the first resumption of the session, not the second.
        refuse = {"x-emulator-live-refuse-resume": "1", "x-emulator-session": f"refuse-{transport}"}
        async with open_session(transport, emu, setup=resumed, metadata=refuse, wait_setup=False) as session:
            expect(await session.ended(), transport, "NOT_FOUND", 1008, "expired")
        async with open_session(transport, emu, setup=resumed, metadata=refuse) as session:
            assert session.received[0].WhichOneof("message_type") == "setup_complete"

    run(main)


def test_goaway_then_close(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(
            transport, emu, metadata={"x-emulator-live-goaway-after": "0.1:0.3"}
        ) as session:
            (goaway,) = await session.until(lambda m: m.HasField("go_away"))
            assert goaway.go_away.time_left.ToNanoseconds() == 300_000_000
            expect(await session.ended(), transport, "UNAVAILABLE", 1001, "time limit")

    run(main)


# -- faults, unknown messages, records ------------------------------------------------------------


def test_fail_at_message_k_then_the_reconnect_works(transport: str, emu: Emulator) -> None:
    metadata = {"x-emulator-fail-message": "2:RESOURCE_EXHAUSTED", "x-emulator-session": f"fail-{transport}"}

    async def main() -> None:
        async with open_session(transport, emu, metadata=metadata) as session:
            await session.send(**ask("first"))
            expect(await session.ended(), transport, "RESOURCE_EXHAUSTED", 1011, "quota")
        async with open_session(transport, emu, metadata=metadata) as session:
            await session.send(**ask("first"))
            assert text_of(await session.turn()).startswith('You said: "first".')

    run(main)


def test_break_after_k_server_messages_drops_the_connection(transport: str, emu: Emulator) -> None:
    metadata = {"x-emulator-break-after": "3", "x-emulator-session": f"break-{transport}"}

    async def main() -> None:
        async with open_session(transport, emu, metadata=metadata) as session:
            await session.send(**ask("hello"))
            end = await session.ended()
            assert len(session.received) == 3  # setup_complete and two more
            expect(end, transport, "UNAVAILABLE", 1006)

    run(main)


def test_unknown_message_knob(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        async with open_session(transport, emu, metadata={"x-emulator-live-unknown": "1"}) as session:
            unknown = await session.recv()
            assert unknown.WhichOneof("message_type") is None
            if transport == "grpc":
                assert unknown.ListFields() == [] and unknown.SerializeToString()  # an unknown field only
            else:
                assert list(session.raw[-1]) == ["emulatorUnknownMessage"]
            await session.send(**ask("hi"))
            assert kinds(await session.turn())[-3:] == ["generation_complete", "unknown", "turn_complete"]

    run(main)


def test_sessions_are_recorded(transport: str, emu: Emulator) -> None:
    async def main() -> None:
        marker = f"recorded-{transport}"
        async with open_session(transport, emu, metadata={"x-emulator-session": marker}) as session:
            await session.send(**ask("hi"))
            await session.turn()
        record = next(r for r in emu.live_sessions if r.metadata.get("x-emulator-session") == marker)
        assert record.transport == transport
        assert record.setup.model == LIVE_MODEL
        assert [m.WhichOneof("message_type") for m in record.messages] == ["setup", "client_content"]
        call = next(c for c in reversed(emu.calls) if c.metadata.get("x-emulator-session") == marker)
        assert (call.method, call.request.model) == ("BidiGenerateContent", LIVE_MODEL)

    run(main)


def test_keys(transport: str) -> None:
    async def main() -> None:
        async with Emulator(api_keys={"good"}) as emu:
            async with open_session(transport, emu, key=None, wait_setup=False) as session:
                expect(await session.ended(), transport, "UNAUTHENTICATED", 1008)
            async with open_session(transport, emu, key="bad", wait_setup=False) as session:
                expect(await session.ended(), transport, "PERMISSION_DENIED", 1008, "API key not valid")
            async with open_session(transport, emu, key="good") as session:
                await session.send(**ask("hi"))
                await session.turn()

    run(main)


def test_shutdown_ends_sessions_and_leaves_no_task(transport: str) -> None:
    async def main() -> None:
        emu = Emulator(grace=0.1, live_chunk_delay=0.001)
        await asyncio.to_thread(emu.start)
        try:
            async with open_session(transport, emu) as session:
                await session.send(**ask("hi"))
                await session.turn()
                await asyncio.to_thread(emu.stop)
                expect(await session.ended(), transport, "UNAVAILABLE", 1001, "shutting down")
            assert emu.server.state.active_sessions == 0
        finally:
            await asyncio.to_thread(emu.stop)

    run(main)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_the_client_ending_its_side_finishes_the_turn_then_ends_normally(
    transport: str, emu: Emulator
) -> None:
    async def main() -> None:
        metadata = {"x-emulator-live-chunk-delay": "0.05", "x-emulator-chunks": "3"}
        async with open_session(transport, emu, metadata=metadata) as session:
            await session.send(**ask("one last thing"))
            await session.done_writing()
            if transport == "grpc":
                end = await session.ended()
                assert end.code == 0  # OK, after the whole turn
                assert kinds(session.received)[1:] == ["model_turn"] * 3 + [
                    "generation_complete",
                    "turn_complete",
                ]
            else:
                assert session.connection.close_code == 1000

    run(main)


def test_fail_when_the_session_opens_counts_attempts_per_session(transport: str, emu: Emulator) -> None:
    metadata = {"x-emulator-fail": "UNAVAILABLE", "x-emulator-session": f"open-{transport}"}

    async def main() -> None:
        async with open_session(transport, emu, metadata=metadata, wait_setup=False) as session:
            expect(await session.ended(), transport, "UNAVAILABLE", 1011)
        async with open_session(transport, emu, metadata=metadata) as session:  # the reconnect works
            await session.send(**ask("hi"))
            await session.turn()
        async with open_session(
            transport, emu, metadata={"x-emulator-live-goaway-after": "soon"}, wait_setup=False
        ) as session:
            expect(await session.ended(), transport, "INVALID_ARGUMENT", 1007, "x-emulator-live-goaway-after")

    run(main)


def test_a_reconnect_with_a_handle_is_the_next_attempt_of_the_same_session(
    transport: str, emu: Emulator
) -> None:
    # No x-emulator-session: the session is known by its setup, less the handle.
    instruction = {"parts": [{"text": f"Be brief ({transport}, {id(emu)})"}]}
    setup: dict[str, Any] = {"session_resumption": {}, "system_instruction": instruction}
    metadata = {"x-emulator-break-after": "4", **COUNT}

    async def main() -> None:
        async with open_session(transport, emu, setup=setup, metadata=metadata) as session:
            handle = (await session.recv()).session_resumption_update.new_handle
            await session.send(**ask("first"))
            end = await session.ended()
            assert len(session.received) == 4  # setup_complete, two updates, one model_turn
            expect(end, transport, "UNAVAILABLE", 1006)
        resumed = {**setup, "session_resumption": {"handle": handle}}
        async with open_session(transport, emu, setup=resumed, metadata=metadata) as session:
            await session.recv()
            await session.send(**ask("second"))
            assert text_of(await session.turn()).startswith(
                '[1 contents: 1 user, 0 model] You said: "second".'
            )

    run(main)
