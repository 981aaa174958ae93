"""Issue 10's acceptance, end to end: our live sessions against our emulator (docs/emulator.md).

Every test runs four ways: the asyncio session on tasks and the generated sync session on threads
(tests/live/faces.py), over gRPC and over WebSocket. The emulator's knobs go in as the session's
own metadata (``config={"metadata": ...}``: gRPC metadata, WebSocket handshake headers), so each
session names itself (``x-emulator-session``) and its faults count per session.
"""

from __future__ import annotations

import asyncio
import math
import struct
import textwrap
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import genai
from genai.errors import (
    APIError,
    InvalidArgumentError,
    LiveResumeError,
    LiveSessionClosedError,
    NotFoundError,
    ResourceExhaustedError,
)
from genai.testing import Emulator
from tests.live.faces import Face, open_session

MODEL = "gemini-live-2.5-flash"
FAST = {"x-emulator-live-chunk-delay": "0.002"}
COUNT = {**FAST, "x-emulator-count-contents": "1"}
MANUAL = {"automatic_activity_detection": {"disabled": True}}


@pytest.fixture(params=["async", "sync"])
def face(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["grpc", "websocket"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def live(emulator: Emulator) -> Iterator[genai.Client]:
    client = emulator.client(timeout=10)
    yield client
    client.close()


def run(client: genai.Client, body: Callable[[], Awaitable[None]], seconds: float = 20) -> None:
    async def main() -> None:
        try:
            await asyncio.wait_for(body(), seconds)
        finally:
            await client.aio.aclose()

    asyncio.run(main())


def named(**metadata: str) -> dict[str, str]:
    """Knobs for one session, named so that its faults and records are its own."""
    return {**metadata, "x-emulator-session": f"it-{uuid.uuid4().hex[:12]}"}


def record_of(emulator: Emulator, metadata: dict[str, str]) -> list[Any]:
    """The emulator's records of the connections of the session named in ``metadata``."""
    name = metadata["x-emulator-session"]
    return [r for r in emulator.live_sessions if r.metadata.get("x-emulator-session") == name]


def client_kinds(records: list[Any]) -> list[str]:
    return [m.WhichOneof("message_type") for r in records for m in r.messages]


def tone(seconds: float, level: int = 8000) -> bytes:
    """16 kHz 16-bit PCM the emulator hears as speech (samples reach 1,000)."""
    count = int(16_000 * seconds)
    return struct.pack(
        f"<{count}h", *(int(level * math.sin(2 * math.pi * 440 * i / 16_000)) for i in range(count))
    )


def chunks(data: bytes, size: int = 640) -> list[bytes]:
    """20 ms pieces of 16 kHz PCM, as a microphone sends them."""
    return [data[i : i + size] for i in range(0, len(data), size)]


async def receive_until(s: Face, kind: str) -> list[Any]:
    """Messages one at a time until one of ``kind`` (the rest of the turn stays for later)."""
    seen: list[Any] = []
    while not seen or seen[-1].kind != kind:
        seen += await s.receive_some(1)
    return seen


# -- 1. text --------------------------------------------------------------------------------------


def test_multi_turn_text_carries_the_context(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    metadata = named(**COUNT)

    async def body() -> None:
        config = {"metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            totals = 0
            for n, word in enumerate(("apples", "pears", "plums")):
                await s.send_client_content(turns=word)
                turn = await s.receive_turn()
                assert turn.complete and not turn.interrupted
                assert turn.text.startswith(
                    f'[{2 * n + 1} contents: {n + 1} user, {n} model] You said: "{word}"'
                )
                totals += turn.usage.total_token_count
            assert s.usage.total_token_count == totals > 0
            assert s.last_turn is not None and s.last_turn.text == turn.text

    run(live, body)
    (record,) = record_of(emulator, metadata)
    assert record.transport == transport
    assert client_kinds([record]) == ["setup"] + ["client_content"] * 3


# -- 2. audio out ---------------------------------------------------------------------------------


def test_audio_out_with_output_transcription(live: genai.Client, face: str, transport: str) -> None:
    async def body() -> None:
        config = {"response_modalities": ["AUDIO"], "output_audio_transcription": True, "metadata": FAST}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="Sing me something")
            turn = await s.receive_turn()
            assert turn.complete and turn.text == ""
            assert turn.audio_mime_type == "audio/pcm;rate=24000"
            words = turn.output_transcription.split()
            assert words[:3] == ["You", "said:", '"Sing']
            assert len(turn.audio) == 4800 * len(words)  # 100 ms of 24 kHz 16-bit PCM per word
            assert turn.messages > 3

    run(live, body)


# -- 3. realtime audio in -------------------------------------------------------------------------


def test_realtime_audio_in_with_input_transcription(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    metadata = named(**FAST)

    async def body() -> None:
        config = {"input_audio_transcription": True, "metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            # Silence before speech is dropped; 0.75 s of speech is three 250 ms windows: 3 words.
            for piece in chunks(bytes(3200) + tone(0.75)):
                await s.send_realtime_input(audio=piece)
            await s.send_realtime_input(audio_stream_end=True)
            turn = await s.receive_turn()
            heard = turn.input_transcription
            assert len(heard.split()) == 3, heard
            assert turn.complete and turn.text.startswith(f'You said: "{heard}"')

    run(live, body)
    records = record_of(emulator, metadata)
    audio = [m.realtime_input.audio for r in records for m in r.messages if m.HasField("realtime_input")]
    assert {a.mime_type for a in audio if a.data} == {"audio/pcm;rate=16000"}


# -- 4. activity detection ------------------------------------------------------------------------


def test_manual_activity_detection(live: genai.Client, face: str, transport: str) -> None:
    async def body() -> None:
        config = {"realtime_input_config": MANUAL, "input_audio_transcription": True, "metadata": FAST}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            with pytest.raises(ValueError, match="audio_stream_end"):
                await s.send_realtime_input(audio_stream_end=True)
            await s.send_realtime_input(audio=tone(0.25))  # outside an activity: ignored
            await s.send_realtime_input(activity_start=True)
            for piece in chunks(tone(0.5)):
                await s.send_realtime_input(audio=piece)
            await s.send_realtime_input(activity_end=True)
            turn = await s.receive_turn()
            assert len(turn.input_transcription.split()) == 2
            assert turn.text.startswith(f'You said: "{turn.input_transcription}"')

    run(live, body)


def test_activity_markers_refused_locally_in_automatic_mode(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    metadata = named(**FAST)

    async def body() -> None:
        config = {"metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            for marker in ("activity_start", "activity_end"):
                with pytest.raises(ValueError, match="automatic activity detection is off"):
                    await s.send_realtime_input(**{marker: True})
            await s.send_client_content(turns="still here?")  # the session goes on
            assert (await s.receive_turn()).text.startswith('You said: "still here"')

    run(live, body)
    assert client_kinds(record_of(emulator, metadata)) == ["setup", "client_content"]  # nothing else sent


# -- 5. tool calls --------------------------------------------------------------------------------


def test_tool_calls_answered_automatically(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    metadata = named(**FAST)
    calls: list[str] = []

    def get_weather(city: str) -> dict[str, Any]:
        """The weather in a city."""
        calls.append(city)
        return {"city": city, "celsius": 21}

    async def body() -> None:
        config = {"tools": [get_weather], "metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="What does get_weather say?")
            turn = await s.receive_turn()  # the tool call and, once answered, the model's reply
            (call,) = turn.tool_calls
            assert call.name == "get_weather" and call.id
            assert turn.text.startswith("The function get_weather returned")
            assert turn.complete

    run(live, body)
    assert len(calls) == 1
    responses = [
        m.tool_response
        for r in record_of(emulator, metadata)
        for m in r.messages
        if m.HasField("tool_response")
    ]
    (response,) = responses
    (answer,) = response.function_responses
    assert answer.name == "get_weather" and answer.id.startswith("call-")
    assert answer.response["celsius"] == 21


def test_tool_calls_answered_manually(live: genai.Client, face: str, transport: str) -> None:
    declaration = {
        "name": "lookup",
        "description": "Looks a word up.",
        "parameters": {"type": "OBJECT", "properties": {"word": {"type": "STRING"}}},
    }

    async def body() -> None:
        config = {"tools": [{"function_declarations": [declaration]}], "metadata": FAST}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="[[call:lookup]]")
            (call,) = (await receive_until(s, "tool_call"))[-1].tool_call.function_calls
            assert call.name == "lookup"
            await s.send_tool_response(
                function_responses={"id": call.id, "name": "lookup", "response": {"meaning": "x"}}
            )
            turn = await s.receive_turn()
            assert turn.text.startswith("The function lookup returned")

    run(live, body)


# -- 6. tool-call cancellation ----------------------------------------------------------------------


def test_tool_call_cancellation_automatic(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    metadata = named(**COUNT)
    started = threading.Event()
    release = threading.Event()
    outcome: list[str] = []

    async def slow_async(topic: str) -> str:
        """Takes its time."""
        started.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            outcome.append("cancelled")
            raise
        return "late"

    def slow_sync(topic: str) -> str:
        """Takes its time."""
        started.set()
        release.wait(10)
        outcome.append("returned")
        return "late"

    tool = slow_async if face == "async" else slow_sync
    tool.__name__ = "slow"

    async def body() -> None:
        config = {"tools": [tool], "metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="Ask slow about it")
            (call,) = (await receive_until(s, "tool_call"))[-1].tool_call.function_calls
            await asyncio.to_thread(started.wait, 5)
            await s.send_client_content(turns="Never mind")  # new input while the call runs
            cut = await s.receive_turn()  # the calls' turn: cancelled, interrupted > turn_complete
            assert cut.interrupted and cut.complete and cut.text == ""
            turn = await s.receive_turn()
            assert turn.text.startswith('[2 contents: 2 user, 0 model] You said: "Never mind"')
            if face == "async":
                assert outcome == ["cancelled"]
            else:  # a thread cannot be stopped: it runs on and its result is dropped
                release.set()
                await asyncio.sleep(0.2)
                assert outcome == ["returned"]
            await s.send_client_content(turns="ok")  # a later message is not held up behind it
            await s.receive_turn()
        kinds = client_kinds(record_of(emulator, metadata))
        assert "tool_response" not in kinds
        assert call.id

    run(live, body)


def test_tool_call_cancellation_manual(live: genai.Client, face: str, transport: str) -> None:
    declaration = {"name": "lookup", "description": "Looks a word up."}

    async def body() -> None:
        config = {"tools": [{"function_declarations": [declaration]}], "metadata": FAST}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="[[call:lookup]]")
            (call,) = (await receive_until(s, "tool_call"))[-1].tool_call.function_calls
            await s.send_client_content(turns="Forget it")
            seen = await receive_until(s, "tool_call_cancellation")
            assert list(seen[-1].tool_call_cancellation.ids) == [call.id]
            assert (await s.receive_turn()).interrupted  # the rest of the cut turn
            assert (await s.receive_turn()).text.startswith('You said: "Forget it"')

    run(live, body)


def test_a_drop_after_a_cancellation_resends_only_the_unanswered_turn(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    # Server messages: setup_complete, handle; the calls' turn: update, tool_call; "B": cancellation,
    # interrupted, turn_complete, handle, then B's reply in six; "C": update, first chunk (16) - cut.
    metadata = named(**COUNT, **{"x-emulator-chunks": "2", "x-emulator-break-after": "16"})
    declaration = {"name": "lookup", "description": "Looks a word up."}

    async def body() -> None:
        config = {"tools": [{"function_declarations": [declaration]}], "metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="[[call:lookup]]")
            await receive_until(s, "tool_call")
            await s.send_client_content(turns="B")
            assert (await s.receive_turn()).interrupted
            assert 'You said: "B"' in (await s.receive_turn()).text
            await s.send_client_content(turns="C")
            turn = await s.receive_turn()
            while not turn.complete:  # cut by the drop; C is sent again
                assert turn.reconnected
                turn = await s.receive_turn()
            assert turn.text.startswith('[4 contents: 3 user, 1 model] You said: "C"')
            assert [e.resent for e in s.reconnects] == [1]

    run(live, body)
    _, second = record_of(emulator, metadata)
    assert [m.client_content.turns[0].parts[0].text for m in second.messages[1:]] == ["C"]


# -- 7. interruption --------------------------------------------------------------------------------


def test_interruption(live: genai.Client, face: str, transport: str) -> None:
    slow = {**COUNT, "x-emulator-live-chunk-delay": "0.05", "x-emulator-reply-words": "60"}

    async def body() -> None:
        config = {"metadata": slow}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            await s.send_client_content(turns="Talk for a long time")
            first = (await receive_until(s, "server_content"))[-1]
            assert first.text
            await s.send_client_content(turns="Stop")
            cut = await s.receive_turn()
            assert cut.interrupted and cut.complete
            assert len(cut.text.split()) < 60
            after = await s.receive_turn()
            assert not after.interrupted
            assert after.text.startswith('[3 contents: 2 user, 1 model] You said: "Stop"')

    run(live, body)


# -- 8. GoAway and drops, with sends racing the reconnect ------------------------------------------


async def converse(s: Face, words: list[str]) -> list[Any]:
    """Send each word as a turn from a second task (a second thread on the sync face) as soon as
    the previous reply completes, while this task receives; the turns received, in order."""
    answered = asyncio.Queue[int]()
    received: list[Any] = []

    async def sender() -> None:
        for n, word in enumerate(words):
            if n:
                await answered.get()
            await s.send_client_content(turns=word)

    async def receiver() -> None:
        while sum(t.complete for t in received) < len(words):
            turn = await s.receive_turn()
            received.append(turn)
            if turn.complete:
                answered.put_nowait(1)

    await asyncio.gather(sender(), receiver())
    return received


def check_conversation(turns: list[Any], words: list[str]) -> None:
    """Every word answered exactly once, in order, and the server's context holds each turn once."""
    complete = [t for t in turns if t.complete]
    said = [t.text.split('You said: "')[1].split('"')[0] for t in complete]
    assert said == words
    n = len(words)
    assert complete[-1].text.startswith(f"[{2 * n - 1} contents: {n} user, {n - 1} model]")
    for partial in (t for t in turns if not t.complete):  # cut by a drop; the turn was sent again
        assert partial.reconnected and not partial.interrupted


@pytest.mark.parametrize(
    "fault",
    [
        "8:3",  # three drops, each right after a turn's handle: the next send races the reconnect
        "5:2",  # two drops in the middle of a reply: the turn is sent again after resuming
    ],
)
def test_dropped_connections_resume_without_loss_or_duplicates(
    emulator: Emulator, live: genai.Client, face: str, transport: str, fault: str
) -> None:
    metadata = named(**COUNT, **{"x-emulator-break-after": fault, "x-emulator-chunks": "2"})
    words = [f"w{i}" for i in range(6)]
    events: list[Any] = []

    async def body() -> None:
        config = {"metadata": metadata}
        async with open_session(
            face, live, model=MODEL, config=config, transport=transport, on_reconnect=events.append
        ) as s:
            turns = await converse(s, words)
            check_conversation(turns, words)
            drops = int(fault.split(":")[1])
            assert len(s.reconnects) == drops and events == s.reconnects
            assert {e.reason for e in events} == {"dropped"}
            assert s.usage.total_token_count == sum(t.usage.total_token_count for t in turns)

    run(live, body)
    records = record_of(emulator, metadata)
    assert len(records) == int(fault.split(":")[1]) + 1
    assert all(r.setup.session_resumption.handle for r in records[1:])  # resumed, never re-seeded
    turns_sent = [m.client_content.turns[0].parts[0].text for r in records for m in r.messages[1:]]
    assert sorted(set(turns_sent)) == words  # nothing lost; a re-sent turn was one the server lost


def test_go_away_moves_to_a_new_connection(
    emulator: Emulator, live: genai.Client, face: str, transport: str
) -> None:
    metadata = named(**COUNT, **{"x-emulator-live-goaway-after": "0.15:3"})
    words = [f"g{i}" for i in range(5)]
    resent = []

    async def body() -> None:
        config = {"metadata": metadata}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            turns = []
            for word in words:
                turns.append(await _ask(s, word))
                await asyncio.sleep(0.1)
            complete = [t for t in turns if t.complete]
            assert [t.text.split('"')[1] for t in complete] == words
            assert complete[-1].text.startswith("[9 contents: 5 user, 4 model]")
            assert s.reconnects and {e.reason for e in s.reconnects} == {"go_away"}
            # It waits for a handle covering the turn in flight, up to time_left minus the margin; on a
            # loaded machine a turn can outlast that and is re-sent once (never answered twice: above).
            assert all(e.resent <= 1 for e in s.reconnects)
            resent.extend(e.resent for e in s.reconnects)

    run(live, body)
    sent = [
        m.client_content.turns[0].parts[0].text for r in record_of(emulator, metadata) for m in r.messages[1:]
    ]
    # Each turn reached the server in order, once, plus the re-sends the session reported (a turn
    # cut off by the move goes again, on the new connection, right after itself).
    assert [w for i, w in enumerate(sent) if i == 0 or w != sent[i - 1]] == words
    assert len(sent) == len(words) + sum(resent)


async def _ask(s: Face, word: str) -> Any:
    await s.send_client_content(turns=word)
    turn = await s.receive_turn()
    assert turn.complete
    return turn


# -- 9. a resume that fails -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("knobs", "config", "why"),
    [
        ({"x-emulator-live-refuse-resume": "always", "x-emulator-break-after": "4"}, {}, "refused"),
        ({"x-emulator-break-after": "1"}, {}, "had not sent a session resumption handle"),
        ({"x-emulator-break-after": "3"}, {"session_resumption": False}, "session resumption is off"),
    ],
    ids=["refused", "no-handle-yet", "resumption-off"],
)
def test_a_resume_that_fails_raises_clearly(
    live: genai.Client, face: str, transport: str, knobs: dict[str, str], config: dict[str, Any], why: str
) -> None:
    metadata = named(**FAST, **knobs)

    async def body() -> None:
        async with open_session(
            face, live, model=MODEL, config={**config, "metadata": metadata}, transport=transport
        ) as s:
            # The drop may come before the send (then the send says the session ended, and why).
            async def talk() -> None:
                await s.send_client_content(turns="hello")
                while True:
                    await s.receive_turn()

            with pytest.raises((LiveResumeError, LiveSessionClosedError)) as caught:
                await talk()
            error = caught.value
            if isinstance(error, LiveSessionClosedError):
                error = error.__cause__
            assert isinstance(error, LiveResumeError), repr(error)
            assert why in str(error) and "dropped" in str(error)
            if why == "refused":
                assert "unknown or has expired" in str(error)  # the server's reason
            with pytest.raises(LiveSessionClosedError):
                await s.send_client_content(turns="again")

    run(live, body)


# -- 10. unknown server messages ------------------------------------------------------------------


def test_unknown_server_messages_pass_through(live: genai.Client, face: str, transport: str) -> None:
    async def body() -> None:
        config = {"metadata": {**FAST, "x-emulator-live-unknown": "1"}}
        async with open_session(face, live, model=MODEL, config=config, transport=transport) as s:
            for word in ("one", "two"):
                await s.send_client_content(turns=word)
                messages = await s.receive()
                assert messages[-1].turn_complete
                unknown = [m for m in messages if m.kind is None and m.usage_metadata is None]
                assert unknown, [m.kind for m in messages]
                if transport == "grpc":  # the unknown field is kept in the raw message
                    assert all(m.raw.ByteSize() > 0 for m in unknown)
                assert "".join(m.text or "" for m in messages).startswith(f'You said: "{word}"')

    run(live, body)


# -- 11. leaving leaves nothing running -----------------------------------------------------------


def _threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if not t.name.startswith("genai-emulator")}


def _settled(before: set[threading.Thread]) -> list[threading.Thread]:
    deadline = time.monotonic() + 3
    while True:
        extra = [t for t in _threads() - before if t.is_alive()]
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.02)


@pytest.mark.parametrize("how", ["mid-turn", "after-error", "mid-tool-call"])
def test_leaving_leaves_no_thread_or_task(emulator: Emulator, face: str, transport: str, how: str) -> None:
    client = emulator.client(timeout=10)
    knobs = {**FAST, "x-emulator-live-chunk-delay": "0.05", "x-emulator-reply-words": "40"}
    if how == "after-error":
        knobs["x-emulator-fail-message"] = "2:INVALID_ARGUMENT"
    metadata = named(**knobs)
    release = threading.Event()

    def wait_a_while(topic: str) -> str:
        """Takes a while (a thread cannot be stopped: leaving the session waits for it)."""
        release.wait(0.3)
        return "done"

    async def wait_long(topic: str) -> str:
        """Blocks until cancelled."""
        await asyncio.sleep(30)
        return "done"

    tool = wait_a_while if face == "sync" else wait_long
    tool.__name__ = "wait"
    config = {"metadata": metadata, "tools": [tool]}
    prompt = "Ask wait about it" if how == "mid-tool-call" else "Talk a while"
    before = _threads()
    try:
        if face == "sync":
            with client.live.connect(model=MODEL, config=config, transport=transport) as s:
                s.send_client_content(turns=prompt)
                if how == "after-error":
                    with pytest.raises(InvalidArgumentError):
                        list(s.receive_all())
                else:
                    for message in s.receive():
                        if message.kind == ("tool_call" if how == "mid-tool-call" else "server_content"):
                            break
            release.set()
        else:

            async def main() -> None:
                tasks = asyncio.all_tasks()
                async with client.aio.live.connect(model=MODEL, config=config, transport=transport) as s:
                    await s.send_client_content(turns=prompt)
                    if how == "after-error":
                        with pytest.raises(InvalidArgumentError):
                            async for _ in s.receive_all():
                                pass
                    else:
                        async for message in s.receive():
                            if message.kind == ("tool_call" if how == "mid-tool-call" else "server_content"):
                                break
                # gRPC's own task that takes a cancelled call's status may take a moment to end.
                deadline = time.monotonic() + 3
                while left := [t for t in asyncio.all_tasks() - tasks if not t.done()]:
                    assert time.monotonic() < deadline, left
                    await asyncio.sleep(0.01)
                await client.aio.aclose()

            asyncio.run(asyncio.wait_for(main(), 20))
    finally:
        release.set()
        client.close()
    assert not _settled(before)


# -- 12. typed errors -----------------------------------------------------------------------------


def test_invalid_setup_refused_by_the_server_carries_its_reason(
    live: genai.Client, face: str, transport: str
) -> None:
    async def body() -> None:
        with pytest.raises(APIError) as caught:
            async with open_session(face, live, model="gemini-2.5-flash", transport=transport):
                pass
        error = caught.value
        assert "not supported for bidiGenerateContent" in str(error)
        assert isinstance(error, NotFoundError)  # on both transports
        if transport == "websocket":
            assert getattr(error, "websocket_close_code", None) == 1008

    run(live, body)


def test_a_normal_close_is_not_an_error(live: genai.Client, face: str, transport: str) -> None:
    async def body() -> None:
        async with open_session(face, live, model=MODEL, config={"metadata": FAST}, transport=transport) as s:
            await s.send_client_content(turns="hi")
            await s.receive_turn()
            everything = asyncio.ensure_future(s.receive_all())
            await asyncio.sleep(0.05)
        rest = await everything  # ended with the session, without an error
        assert all(m.kind == "session_resumption_update" for m in rest)

    run(live, body)


# -- the session's metadata -------------------------------------------------------------------------


def test_config_metadata_is_checked_and_sent_on_both_transports(emulator: Emulator) -> None:
    client = emulator.client(timeout=10)
    try:
        with pytest.raises(ValueError, match=r"config\.metadata"):
            client.live.connect(model=MODEL, config={"metadata": {"Not A Key": "x"}})
        for transport, binary in (("grpc", b"\x01\x02"), ("websocket", "AQI=")):
            metadata = named(**FAST)
            config = {"metadata": {**metadata, "x-trace-bin": b"\x01\x02"}}
            with client.live.connect(model=MODEL, config=config, transport=transport):
                pass
            (record,) = record_of(emulator, metadata)
            assert record.metadata["x-trace-bin"] == binary  # WebSocket headers carry it in base64
            assert record.metadata["x-emulator-live-chunk-delay"] == "0.002"
    finally:
        client.close()


# -- the README's live tour -----------------------------------------------------------------------


def test_the_readme_live_tour_runs_as_written(emulator: Emulator) -> None:
    """README.md's live example, with the helpers it leaves to the reader, against the emulator."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("### Live sessions", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    asynchronous, synchronous = block.split("\nwith client.live", 1)
    played: list[int] = []

    class Player:
        written = 0
        flushed = 0

        def write(self, data: bytes) -> None:
            self.written += len(data)

        def flush(self) -> None:
            self.flushed += 1

    def get_weather(city: str) -> dict[str, Any]:
        """The weather in a city."""
        return {"city": city, "celsius": 12}

    async def microphone() -> Any:
        for piece in chunks(tone(0.5) + bytes(32_000)):  # speech, then a second of silence
            yield piece

    client = emulator.client(timeout=10)
    names: dict[str, Any] = {
        "client": client,
        "get_weather": get_weather,
        "play": lambda audio: played.append(len(audio)),
        "player": Player(),
        "microphone": microphone,
    }
    try:
        exec("async def tour():\n" + textwrap.indent(asynchronous, "    "), names)
        run(client, names["tour"])
        assert played and played[0] > 0 and names["player"].written > 0
        exec("with client.live" + synchronous, names)
    finally:
        client.close()


def test_a_receive_cancelled_mid_turn_loses_nothing(emulator: Emulator, transport: str) -> None:
    """A receive given up on (a timeout) while the reply streams in: the same connection goes on and
    the next receive gets every message of the turn the cancelled one did not, in order."""
    client = emulator.client(timeout=10)
    metadata = named(**{**FAST, "x-emulator-live-chunk-delay": "0.02", "x-emulator-reply-words": "12"})

    async def body() -> None:
        async with client.aio.live.connect(
            model=MODEL, config={"metadata": metadata}, transport=transport
        ) as s:
            await s.send_client_content(turns="Count for me")
            got: list[str] = []
            timeouts = 0
            while not (got and got[-1] == "<end>"):
                try:
                    message = await asyncio.wait_for(_next_message(s), 0.015)
                except asyncio.TimeoutError:
                    timeouts += 1
                    continue
                got.append("<end>" if message.turn_complete else message.text or "")
            assert timeouts > 0  # the test did cancel receives while the reader waited
            assert s.reconnects == []
            assert "".join(got[:-1]) == s.last_turn.text
            assert len(s.last_turn.text.split()) == 12
            await s.send_client_content(turns="Again")  # the connection is the same and works
            assert (await asyncio.wait_for(s.receive_turn(), 5)).complete

    run(client, body)


async def _next_message(session: Any) -> Any:
    async for message in session.receive_all():
        return message
    raise AssertionError("the session ended")


def test_a_send_cancelled_mid_write_leaves_the_session_working(emulator: Emulator, transport: str) -> None:
    """grpc.aio cancels the whole call when a task is cancelled inside a write: the session's
    write goes on apart, so the connection stays, and what the server got came once, in order."""
    client = emulator.client(timeout=10)
    metadata = named(**FAST)

    async def body() -> None:
        async with client.aio.live.connect(
            model=MODEL, config={"metadata": metadata}, transport=transport
        ) as s:
            for k in range(6):  # cancelled at different points: before, during and after the write
                task = asyncio.create_task(s.send_client_content(turns=f"word{k}"))
                for _ in range(k):
                    await asyncio.sleep(0)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            await s.send_client_content(turns="final")
            while "final" not in (await asyncio.wait_for(s.receive_turn(), 5)).text:
                pass
            assert s.reconnects == [] and "open" in repr(s)

    run(client, body)
    records = record_of(emulator, metadata)
    assert len(records) == 1  # one connection throughout
    said = [
        m.client_content.turns[0].parts[0].text for m in records[0].messages if m.HasField("client_content")
    ]
    assert said[-1] == "final"
    assert said[:-1] == sorted(set(said[:-1]))  # each once, in order


def test_tool_calls_of_a_lost_connection_are_cancelled_not_answered_on_the_next(
    emulator: Emulator, transport: str
) -> None:
    """The connection drops while an automatic call runs: that call is cancelled, and only the
    re-sent turn's call is answered, once, on the new connection."""
    client = emulator.client(timeout=10)
    # Server messages: setup_complete, handle, update, tool_call; the connection drops after the 4th.
    metadata = named(**{**FAST, "x-emulator-break-after": "4:1"})
    outcomes: list[str] = []

    async def lookup(word: str = "x") -> dict[str, int]:
        """Looks a word up."""
        try:
            await asyncio.sleep(0.3)
        except asyncio.CancelledError:
            outcomes.append("cancelled")
            raise
        outcomes.append("answered")
        return {"ok": 1}

    async def body() -> None:
        async with client.aio.live.connect(
            model=MODEL, config={"metadata": metadata, "tools": [lookup]}, transport=transport
        ) as s:
            await s.send_client_content(turns="[[call:lookup]]")
            async for message in s.receive_all():
                if message.turn_complete:
                    break
            assert [e.reason for e in s.reconnects] == ["dropped"]
            await asyncio.sleep(0.4)  # a stale answer would have been sent by now

    run(client, body)
    # The lost connection's call was cancelled while it ran, or never began (the drop came first).
    assert outcomes in (["cancelled", "answered"], ["answered"])
    first, second = record_of(emulator, metadata)
    assert client_kinds([first]) == ["setup", "client_content"]
    assert client_kinds([second]) == ["setup", "client_content", "tool_response"]


def test_receive_all_marks_a_turn_a_drop_cut_short(emulator: Emulator, face: str, transport: str) -> None:
    """The connection drops in the middle of a reply: receive_all gives what came of it, then an
    `interrupted` message made by the session (`reconnect` set), then the re-sent turn's whole reply."""
    client = emulator.client(timeout=10)
    metadata = named(**{**FAST, "x-emulator-break-after": "6:1"})

    async def body() -> None:
        async with open_session(
            face, client, model=MODEL, config={"metadata": metadata}, transport=transport
        ) as s:
            await s.send_client_content(turns="tell me")
            seen: list[Any] = []
            for message in await s.receive_all_until_turn_complete():
                seen.append(message)
            marks = [i for i, m in enumerate(seen) if m.reconnect is not None]
            assert len(marks) == 1
            mark = seen[marks[0]]
            assert mark.interrupted and not mark.turn_complete and mark.reconnect.reason == "dropped"
            before = "".join(m.text or "" for m in seen[: marks[0]])
            after = "".join(m.text or "" for m in seen[marks[0] + 1 :])
            assert before and after.startswith(before) and after.endswith(".")  # cut short, then whole
            assert all(m.reconnect is None for i, m in enumerate(seen) if i != marks[0])

    run(client, body)


def test_a_quota_refusal_is_the_same_error_on_both_transports(
    emulator: Emulator, face: str, transport: str
) -> None:
    """Over WebSocket the refusal comes as close 1011 (shared with internal errors): it is a
    ResourceExhaustedError there too, not a dropped connection to resume."""
    client = emulator.client(timeout=10)
    metadata = named(**{**FAST, "x-emulator-fail-message": "3:RESOURCE_EXHAUSTED:1"})

    async def two_turns() -> None:
        async with open_session(
            face, client, model=MODEL, config={"metadata": metadata}, transport=transport
        ) as s:
            await s.send_client_content(turns="one")
            await s.receive_turn()
            await s.send_client_content(turns="two")
            await s.receive_turn()

    async def body() -> None:
        with pytest.raises(ResourceExhaustedError, match="quota"):
            await two_turns()
        assert len(record_of(emulator, metadata)) == 1  # no reconnection was tried

    run(client, body)
