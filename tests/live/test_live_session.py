"""Live sessions end to end against tests/live/server.py: both faces, both transports.

Every test runs four ways (sync on threads / asyncio on tasks, gRPC / WebSocket); leaving a session
must leave no thread or task of it running (tests/live/faces.py checks on every exit).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest

import genai
from genai.errors import (
    InvalidArgumentError,
    LiveResumeError,
    LiveSessionClosedError,
    LiveSetupError,
    PermissionDeniedError,
)
from genai.types import ReconnectPolicy
from tests.live.faces import open_session
from tests.live.server import Conn, Drop, LiveServer, Refuse, unknown_message_wire


async def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.01)


@pytest.fixture(params=["async", "sync"])
def face(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run(client: genai.Client, body: Callable[[], Awaitable[None]]) -> None:
    async def main() -> None:
        try:
            await asyncio.wait_for(body(), 30)
        finally:
            await client.aio.aclose()

    asyncio.run(main())


def text_of(message: dict[str, Any]) -> str:
    return str(message["client_content"]["turns"][0]["parts"][0]["text"])


async def echo(conn: Conn, *, handles: bool = True, until: int | None = None) -> None:
    """Answer each client turn with 'You said <text>' (two pieces); a resumption handle after each."""
    await conn.setup()
    while True:
        message = await conn.recv()
        if message is None:
            return
        if "client_content" in message:
            text = text_of(message)
            await conn.text_turn("You said ", text, handle=f"h{conn.index}-{text}" if handles else None)


# ---------------------------------------------------------------------------------------------------


def test_multi_turn_text(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    live_server.reset(echo)

    async def body() -> None:
        async with open_session(face, live_client, model="gemini-live-2.5-flash", transport=transport) as s:
            for word in ("one", "two", "three"):
                await s.send_client_content(turns=word)
                turn = await s.receive_turn()
                assert turn.text == f"You said {word}"
                assert turn.complete
            await eventually(lambda: s.resumption_handle == "h0-three")
            assert s.reconnects == []
        setup = live_server.connections[0].received[0]["setup"]
        assert setup["model"] == "models/gemini-live-2.5-flash"
        assert "session_resumption" in setup  # on by default

    run(live_client, body)
    assert live_server.headers[0]["x-goog-api-key"] == "live-test-key"
    if transport == "websocket":
        assert live_server.paths == [
            "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
        ]
        assert "live-test-key" not in live_server.paths[0]


def test_audio_out_and_usage(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    chunks = [bytes([i]) * 4800 for i in range(3)]

    async def script(conn: Conn) -> None:
        await conn.setup()
        for _ in range(2):
            await conn.expect("client_content")
            for chunk in chunks:
                await conn.send(
                    {
                        "server_content": {
                            "model_turn": {
                                "parts": [
                                    {
                                        "inline_data": {
                                            "mime_type": "audio/pcm;rate=24000",
                                            "data": _b64(chunk),
                                        }
                                    }
                                ]
                            },
                            "output_transcription": {"text": "la "},
                        },
                        "usage_metadata": {"total_token_count": 10, "response_token_count": 7},
                    }
                )
            await conn.send({"server_content": {"generation_complete": True, "turn_complete": True}})

    live_server.reset(script)

    async def body() -> None:
        config = {"response_modalities": ["AUDIO"], "output_audio_transcription": True}
        async with open_session(face, live_client, model="m", config=config, transport=transport) as s:
            for n in (1, 2):
                await s.send_client_content(turns="sing")
                turn = await s.receive_turn()
                assert turn.audio == b"".join(chunks)
                assert turn.audio_mime_type == "audio/pcm;rate=24000"
                assert turn.output_transcription == "la la la "
                assert turn.usage.total_token_count == 30
                assert s.usage.total_token_count == 30 * n
                assert s.last_turn is not None and s.last_turn.audio == turn.audio
        setup = live_server.connections[0].received[0]["setup"]
        assert setup["generation_config"]["response_modalities"] == ["AUDIO"]
        assert "output_audio_transcription" in setup

    run(live_client, body)


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def test_realtime_input_and_manual_activity(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        kinds = []
        while len(kinds) < 4:
            message = await conn.expect("realtime_input")
            kinds.append(message["realtime_input"])
        assert "activity_start" in kinds[0]
        assert kinds[1]["audio"]["mime_type"] == "audio/pcm;rate=16000"
        assert kinds[2]["video"]["mime_type"] == "image/png"
        assert "activity_end" in kinds[3]
        await conn.send({"server_content": {"input_transcription": {"text": "hello"}}})
        await conn.text_turn("Hi")

    live_server.reset(script)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16

    async def body() -> None:
        manual = {"realtime_input_config": {"automatic_activity_detection": {"disabled": True}}}
        async with open_session(face, live_client, model="m", config=manual, transport=transport) as s:
            await s.send_realtime_input(activity_start=True)
            await s.send_realtime_input(audio=b"\x00\x01" * 320)
            await s.send_realtime_input(video=png)
            await s.send_realtime_input(activity_end=True)
            turn = await s.receive_turn()
            assert (turn.input_transcription, turn.text) == ("hello", "Hi")
            with pytest.raises(ValueError, match="audio_stream_end"):
                await s.send_realtime_input(audio_stream_end=True)
            with pytest.raises(ValueError, match="exactly one"):
                await s.send_realtime_input(text="a", audio=b"\x00\x00")
            with pytest.raises(ValueError, match="mime type 'audio/mp3'"):
                await s.send_realtime_input(audio=b"\x00\x00", mime_type="audio/mp3")

    run(live_client, body)


def test_activity_markers_refused_with_automatic_detection(
    live_server: LiveServer, live_client: genai.Client
) -> None:
    live_server.reset(echo)

    async def body() -> None:
        async with open_session("async", live_client, model="m") as s:
            with pytest.raises(ValueError, match="automatic activity detection is off"):
                await s.send_realtime_input(activity_start=True)

    run(live_client, body)


# -- tools ------------------------------------------------------------------------------------------


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def broken(x: int) -> int:
    """Always fails."""
    raise RuntimeError("no luck")


def test_tool_calls_answered_automatically(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        setup = await conn.setup()
        names = sorted(d["name"] for t in setup["tools"] for d in t["function_declarations"])
        assert names == ["add", "broken", "get_weather"]
        await conn.expect("client_content")
        calls = [
            {"id": "c1", "name": "get_weather", "args": {"city": "Oslo"}},
            {"id": "c2", "name": "add", "args": {"a": 2, "b": 3}},
            {"id": "c3", "name": "broken", "args": {"x": 1}},
        ]
        await conn.send({"tool_call": {"function_calls": calls}})
        reply = await conn.expect("tool_response")
        responses = {r["id"]: r for r in reply["tool_response"]["function_responses"]}
        assert sorted(responses) == ["c1", "c2", "c3"]
        assert responses["c1"]["name"] == "get_weather"
        assert responses["c1"]["response"] == {"result": "sunny in Oslo"}
        assert responses["c2"]["response"] == {"result": 5.0}
        assert "no luck" in str(responses["c3"]["response"])
        await conn.text_turn("done")

    live_server.reset(script)

    async def body() -> None:
        config = {"tools": [get_weather, add, broken]}
        async with open_session(face, live_client, model="m", config=config, transport=transport) as s:
            await s.send_client_content(turns="weather?")
            turn = await s.receive_turn()
            assert [c.id for c in turn.tool_calls] == ["c1", "c2", "c3"]
            assert turn.text == "done"

    run(live_client, body)


def test_tool_calls_manual(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        await conn.send(
            {"tool_call": {"function_calls": [{"id": "k1", "name": "get_weather", "args": {"city": "Rome"}}]}}
        )
        reply = await conn.expect("tool_response")
        assert reply["tool_response"]["function_responses"] == [
            {"id": "k1", "name": "get_weather", "response": {"sky": "clear"}}
        ]
        await conn.text_turn("clear")

    live_server.reset(script)

    async def body() -> None:
        config = {"tools": [get_weather], "automatic_function_calling": {"disable": True}}
        async with open_session(face, live_client, model="m", config=config, transport=transport) as s:
            await s.send_client_content(turns="weather?")
            [message] = await s.receive_some(1)
            assert message.tool_call is not None
            call = message.tool_call.function_calls[0]
            await s.send_tool_response(
                function_responses={"id": call.id, "name": call.name, "response": {"sky": "clear"}}
            )
            turn = await s.receive_turn()
            assert turn.text == "clear"

    run(live_client, body)


def test_tool_call_cancellation(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    started: list[str] = []
    finished: list[str] = []

    def slow(x: int) -> int:
        """Takes a while."""
        started.append("slow")
        time.sleep(0.5)
        finished.append("slow")
        return x

    async def slow_async(x: int) -> int:
        """Takes a while, cancellable."""
        started.append("slow_async")
        await asyncio.sleep(5)
        finished.append("slow_async")
        return x

    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        fn = "slow" if face == "sync" else "slow_async"
        await conn.send({"tool_call": {"function_calls": [{"id": "t1", "name": fn, "args": {"x": 1}}]}})
        await asyncio.sleep(0.2)
        await conn.send({"tool_call_cancellation": {"ids": ["t1"]}})
        await conn.text_turn("never mind")
        nxt = await conn.recv()  # the next thing the client sends is its next turn, no tool response
        assert nxt is not None and "client_content" in nxt, nxt
        await conn.text_turn("ok")

    live_server.reset(script)

    async def body() -> None:
        config = {"tools": [slow, slow_async]}
        async with open_session(face, live_client, model="m", config=config, transport=transport) as s:
            await s.send_client_content(turns="go")
            turn = await s.receive_turn()
            assert turn.text == "never mind"
            await asyncio.sleep(0.6)  # the sync function has finished by now: its result was dropped
            await s.send_client_content(turns="next")
            assert (await s.receive_turn()).text == "ok"
        if face == "async":
            assert finished == []  # the task was cancelled
        else:
            assert finished == ["slow"]

    run(live_client, body)
    assert started


def test_interrupted(live_server: LiveServer, live_client: genai.Client, face: str, transport: str) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        await conn.send({"server_content": {"model_turn": {"parts": [{"text": "A long story"}]}}})
        await conn.expect("client_content")
        await conn.send({"server_content": {"interrupted": True}})
        await conn.send({"server_content": {"turn_complete": True}})
        await conn.text_turn("Sure")

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport) as s:
            await s.send_client_content(turns="tell me a story")
            await asyncio.sleep(0.2)
            await s.send_client_content(turns="stop")
            first = await s.receive_turn()
            assert first.interrupted and first.text == "A long story"
            second = await s.receive_turn()
            assert not second.interrupted and second.text == "Sure"

    run(live_client, body)


def test_unknown_server_messages_pass_through(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        await conn.send_raw(*unknown_message_wire())
        await conn.send({"usage_metadata": {"prompt_token_count": 2}})
        await conn.text_turn("fine")

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport) as s:
            await s.send_client_content(turns="hi")
            messages = await s.receive()
            assert [m.kind for m in messages] == [None, None, "server_content", "server_content"]
            assert (
                messages[0].usage_metadata is not None and messages[0].usage_metadata.total_token_count == 5
            )
            if transport == "grpc":  # the unknown field is kept (re-serialised as it came)
                assert messages[0].raw.SerializeToString().endswith(b"new")
                assert messages[0].unknown_json is None
            else:  # the JSON fields this version does not know, as they came
                assert messages[0].unknown_json == {"futureKind": {"x": 1}}
            assert messages[1].unknown_json is None  # only usage: nothing unknown
            assert s.usage.total_token_count == 5 and s.usage.prompt_token_count == 2

    run(live_client, body)


# -- setup ------------------------------------------------------------------------------------------


def test_setup_validated_locally(live_server: LiveServer, live_client: genai.Client) -> None:
    live_server.reset(echo)
    bad = [
        ({"response_modalities": ["TEXT", "AUDIO"]}, "not both"),
        ({"response_modalities": ["VIDEO"]}, r"response_modalities\[0\]"),
        (
            {"realtime_input_config": {"automatic_activity_detection": {"end_of_speech_sensitivity": "x"}}},
            "EndSens",
        ),
        ({"generation_config": {"response_mime_type": "application/json"}}, "response_mime_type"),
        ({"colour": 1}, "unknown key 'colour'"),
    ]
    for config, match in bad:
        with pytest.raises(ValueError, match=match):
            live_client.live.connect(model="m", config=config)
        with pytest.raises(ValueError, match=match):
            live_client.aio.live.connect(model="m", config=config)
    with pytest.raises(ValueError, match="transport"):
        live_client.live.connect(model="m", transport="smoke")
    assert live_server.connections == []


def test_setup_refused_or_unanswered(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def refuse(conn: Conn) -> None:
        await conn.expect("setup")
        raise Refuse(grpc.StatusCode.INVALID_ARGUMENT, 1007, "model 'm' does not support live sessions")

    async def deny(conn: Conn) -> None:
        await conn.expect("setup")
        raise Refuse(grpc.StatusCode.PERMISSION_DENIED, 1008, "API key not valid")

    async def close(conn: Conn) -> None:
        await conn.expect("setup")

    async def silent(conn: Conn) -> None:
        await conn.expect("setup")
        await asyncio.sleep(3)

    async def body() -> None:
        live_server.reset(refuse)
        with pytest.raises(InvalidArgumentError, match="does not support live"):
            async with open_session(face, live_client, model="m", transport=transport):
                pass
        live_server.reset(deny)
        with pytest.raises(PermissionDeniedError, match="API key not valid"):
            async with open_session(face, live_client, model="m", transport=transport):
                pass
        live_server.reset(close)
        with pytest.raises(LiveSetupError, match="closed the connection before"):
            async with open_session(face, live_client, model="m", transport=transport):
                pass
        live_server.reset(silent)
        policy = ReconnectPolicy(setup_timeout=0.3)
        with pytest.raises(LiveSetupError, match=r"within 0\.3 s"):
            async with open_session(face, live_client, model="m", transport=transport, reconnect=policy):
                pass

    run(live_client, body)


def test_server_error_mid_session_is_typed(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        raise Refuse(grpc.StatusCode.INVALID_ARGUMENT, 1007, "Request contains an invalid argument.")

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport) as s:
            await s.send_client_content(turns="hi")
            with pytest.raises(InvalidArgumentError, match="invalid argument"):
                await s.receive_all()
            with pytest.raises(LiveSessionClosedError, match="has ended"):
                await s.send_client_content(turns="again")

    run(live_client, body)


def test_normal_close_is_not_an_error(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        await conn.text_turn("bye")

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport) as s:
            await s.send_client_content(turns="hi")
            messages = await s.receive_all()
            assert [m.text for m in messages] == ["bye", None]
            assert await s.receive() == []

    run(live_client, body)


# -- resilience -------------------------------------------------------------------------------------


def _resilient_echo(trigger: str) -> Callable[[Conn], Awaitable[None]]:
    """Echo; on connection 0 the third turn is not answered: the connection drops (or goes away)."""

    async def script(conn: Conn) -> None:
        setup = await conn.setup()
        if conn.index > 0:
            assert setup["session_resumption"]["handle"] == "h0-t2", setup
        answered = 0
        while True:
            message = await conn.recv()
            if message is None:
                return
            if "client_content" not in message:
                continue
            text = text_of(message)
            if conn.index == 0 and answered == 2:
                if trigger == "drop":
                    await conn.send({"server_content": {"model_turn": {"parts": [{"text": "You said "}]}}})
                    raise Drop
                await conn.send({"go_away": {"time_left": "0.5s"}})
                # The server goes on a little, then closes: the reply to this turn never comes.
                await asyncio.sleep(0.1)
                raise Drop
            await conn.text_turn("You said ", text, handle=f"h{conn.index}-{text}")
            answered += 1

    return script


@pytest.mark.parametrize("trigger", ["drop", "go_away"])
def test_resumes_without_loss_or_duplicates(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str, trigger: str
) -> None:
    live_server.reset(_resilient_echo(trigger))
    events: list[Any] = []
    turns = [f"t{i}" for i in range(1, 11)]

    async def body() -> None:
        async with open_session(
            face, live_client, model="m", transport=transport, on_reconnect=events.append
        ) as s:
            # t1, t2 answered first: the handle after t2 covers them.
            for turn in turns[:2]:
                await s.send_client_content(turns=turn)
                assert (await s.receive_turn()).text == f"You said {turn}"

            async def sender() -> None:  # races the drop and the reconnection
                for turn in turns[2:]:
                    await s.send_client_content(turns=turn)
                    await asyncio.sleep(0.01)

            task = asyncio.create_task(sender())
            texts = []
            while len(texts) < 8:
                turn = await s.receive_turn()
                if turn.text and turn.complete:
                    texts.append(turn.text)
            await task
            assert texts == [f"You said {t}" for t in turns[2:]]
            assert len(s.reconnects) == 1 and s.reconnects[0].reason == (
                "dropped" if trigger == "drop" else "go_away"
            )
            assert s.reconnects[0].handle == "h0-t2"

    run(live_client, body)
    assert len(events) == 1
    # Every turn reached the server; the ones answered before the handle only once; the rest on
    # connection 1, each once, in order (the unanswered t3 again, as the rule says).
    first, second = live_server.connections
    sent_first = [text_of(m) for m in first.received if "client_content" in m]
    sent_second = [text_of(m) for m in second.received if "client_content" in m]
    assert sent_first[:3] == ["t1", "t2", "t3"]
    assert sent_second == turns[2:]
    # Server messages: every one the server sent (but setup_complete) was delivered once.


def test_delivers_each_server_message_once(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    live_server.reset(_resilient_echo("drop"))

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport) as s:
            got = []
            cut = 0
            for turn in ("t1", "t2", "t3", "t4"):
                await s.send_client_content(turns=turn)
                messages = await s.receive()
                got += messages
                if not messages[-1].turn_complete:  # cut by the drop: the re-sent turn's reply follows
                    cut += 1
                    got += await s.receive()
            assert cut == 1
            await asyncio.sleep(0.2)  # the last handle
            sent = sum(c.sent for c in live_server.connections) - len(
                live_server.connections
            )  # no setup_complete
            # What receive() has not taken yet: the trailing resumption update.
            rest = []
            while len(got) + len(rest) < sent:
                rest.append(await asyncio.wait_for(_next(s), 2))
            assert len(got) + len(rest) == sent
            assert [m.text for m in got if m.text] == [
                "You said ",
                "t1",
                "You said ",
                "t2",
                "You said ",
                "You said ",
                "t3",
                "You said ",
                "t4",
            ]

    run(live_client, body)


async def _next(face_session: Any) -> Any:
    if face_session.sync:
        return await asyncio.to_thread(lambda: next(iter(face_session.session.receive_all())))
    return await face_session.session.receive_all().__anext__()


@pytest.mark.parametrize("case", ["no_handle", "not_resumable", "refused", "attempts"])
def test_resume_that_fails_raises_clearly(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str, case: str
) -> None:
    async def script(conn: Conn) -> None:
        if conn.index > 0:
            await conn.expect("setup")
            if case == "refused":
                raise Refuse(grpc.StatusCode.INVALID_ARGUMENT, 1007, "the handle h1 is unknown")
            raise Drop
        await conn.setup()
        await conn.expect("client_content")
        if case == "not_resumable":
            await conn.send({"session_resumption_update": {"resumable": False}})
        elif case != "no_handle":
            await conn.send({"session_resumption_update": {"new_handle": "h1", "resumable": True}})
        await asyncio.sleep(0.1)
        raise Drop

    live_server.reset(script)
    expected = {
        "no_handle": "had not sent a session resumption handle",
        "not_resumable": "resumable=false",
        "refused": "refused to resume the session: INVALID_ARGUMENT: .*the handle h1 is unknown",
        "attempts": "3 attempt",
    }[case]

    async def body() -> None:
        policy = ReconnectPolicy(attempts=3, initial_delay=0.01)
        async with open_session(face, live_client, model="m", transport=transport, reconnect=policy) as s:
            await s.send_client_content(turns="hi")
            with pytest.raises(LiveResumeError, match=expected) as caught:
                await s.receive_all()
            assert caught.value.__cause__ is not None
            with pytest.raises(LiveSessionClosedError):
                await s.send_client_content(turns="again")

    run(live_client, body)
    if case == "attempts":
        assert len(live_server.connections) == 4


def test_resumption_off_is_reported(live_server: LiveServer, live_client: genai.Client) -> None:
    async def script(conn: Conn) -> None:
        setup = await conn.setup()
        assert "session_resumption" not in setup
        raise Drop

    live_server.reset(script)

    async def body() -> None:
        async with open_session("async", live_client, model="m", config={"session_resumption": False}) as s:
            with pytest.raises(LiveResumeError, match="session resumption is off"):
                await s.receive_all()

    run(live_client, body)


# -- backpressure and closing -----------------------------------------------------------------------


def test_full_queue_makes_the_sender_wait(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    release = asyncio.Event()
    loop_box: list[asyncio.AbstractEventLoop] = []
    count = 24
    chunk = b"\x01\x00" * (512 * 1024)  # 1 MiB of audio each

    async def script(conn: Conn) -> None:
        loop_box.append(asyncio.get_running_loop())
        await conn.setup()
        await release.wait()  # not reading meanwhile: flow control fills up, then the queue
        for _ in range(count):
            await conn.expect("realtime_input")
        await conn.text_turn("got them")

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport, queue_size=2) as s:
            sender = asyncio.create_task(_send_many(s, chunk, count))
            await asyncio.sleep(1.0)
            assert not sender.done(), "the sender should be waiting on the full queue"
            assert s.session._outbox.qsize() <= 2
            loop_box[0].call_soon_threadsafe(release.set)
            await sender
            assert (await s.receive_turn()).text == "got them"

    run(live_client, body)


async def _send_many(s: Any, chunk: bytes, count: int) -> None:
    for _ in range(count):
        await s.send_realtime_input(audio=chunk)


def test_close_stops_everything_while_busy(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        await conn.send({"tool_call": {"function_calls": [{"id": "z", "name": "slow", "args": {}}]}})
        await asyncio.sleep(5)

    def slow() -> str:
        """Slow."""
        time.sleep(0.3)
        return "late"

    live_server.reset(script)

    async def body() -> None:
        async with open_session(
            face, live_client, model="m", transport=transport, config={"tools": [slow]}
        ) as s:
            await s.send_client_content(turns="go")
            await asyncio.sleep(0.1)
        # open_session checked that no thread or task of the session is left.
        with pytest.raises(LiveSessionClosedError):
            await s.send_client_content(turns="after")

    run(live_client, body)


@pytest.mark.parametrize("finish", [True, False])
def test_go_away_mid_turn(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str, finish: bool
) -> None:
    """GoAway during a reply: the session waits for the turn to complete, or for time_left to run out."""

    async def script(conn: Conn) -> None:
        await conn.setup()
        if conn.index == 0:
            await conn.expect("client_content")
            await conn.text_turn("first", handle="h-first")
            await conn.expect("client_content")
            await conn.send({"server_content": {"model_turn": {"parts": [{"text": "sec"}]}}})
            await conn.send({"go_away": {"time_left": "1.2s"}})
            if finish:
                await asyncio.sleep(0.3)
                await conn.text_turn("ond", handle="h-second")
            await asyncio.sleep(10)  # never closes by itself: the client must leave in time
            return
        await echo_after_setup(conn)

    live_server.reset(script)
    policy = ReconnectPolicy(go_away_margin=0.5)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport, reconnect=policy) as s:
            await s.send_client_content(turns="one")
            assert (await s.receive_turn()).text == "first"
            await s.send_client_content(turns="two")
            started = time.monotonic()
            turn = await s.receive_turn()
            if finish:
                assert turn.complete and turn.text == "second"
                await eventually(lambda: len(s.reconnects) == 1)
                assert time.monotonic() - started < 0.6 + 0.4  # right after the turn, not at the deadline
            else:
                assert turn.reconnected and not turn.complete and turn.text == "sec"
                assert 0.5 <= time.monotonic() - started < 1.2  # time_left - margin
                assert (await s.receive_turn()).text == "You said two"
            assert s.reconnects[0].reason == "go_away"
            await s.send_client_content(turns="three")
            assert (await s.receive_turn()).text == "You said three"
        resumed = [m for m in live_server.connections[1].received if "client_content" in m]
        assert [text_of(m) for m in resumed] == (["three"] if finish else ["two", "three"])

    run(live_client, body)


async def echo_after_setup(conn: Conn) -> None:
    while True:
        message = await conn.recv()
        if message is None:
            return
        if "client_content" in message:
            text = text_of(message)
            await conn.text_turn("You said ", text, handle=f"h{conn.index}-{text}")


def test_sends_from_many_threads_and_tasks(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    got: list[str] = []

    async def script(conn: Conn) -> None:
        await conn.setup()
        while len(got) < 4 * 25:
            message = await conn.expect("realtime_input")
            got.append(message["realtime_input"]["text"])
        await conn.text_turn("all here")

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport, queue_size=4) as s:

            async def producer(name: str) -> None:
                for i in range(25):
                    await s.send_realtime_input(text=f"{name}{i}")

            await asyncio.gather(*(producer(name) for name in "abcd"))
            assert (await s.receive_turn()).text == "all here"

    run(live_client, body)
    for name in "abcd":  # each sender's messages arrive once, in its order
        assert [t for t in got if t[0] == name] == [f"{name}{i}" for i in range(25)]


def test_key_never_shown(
    live_server: LiveServer,
    live_client: genai.Client,
    face: str,
    transport: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def script(conn: Conn) -> None:
        await conn.setup()
        await conn.expect("client_content")
        raise Drop

    live_server.reset(script)
    seen: list[str] = []

    async def body() -> None:
        async with open_session(
            face, live_client, model="m", transport=transport, config={"session_resumption": False}
        ) as s:
            seen.append(repr(s.session))
            await s.send_client_content(turns="hi")
            with pytest.raises(LiveResumeError) as caught:
                await s.receive_all()
            seen.extend([str(caught.value), repr(caught.value), str(caught.value.__cause__)])

    with caplog.at_level("DEBUG"):
        run(live_client, body)
    ours = [r for r in caplog.records if not r.name.startswith("websockets.server")]  # the test server's
    assert any("x-goog-api-key" in r.getMessage() for r in ours) == (transport == "websocket")
    seen.extend(r.getMessage() for r in ours)
    assert not [text for text in seen if "live-test-key" in text]


def test_large_video_frames_fit(
    live_server: LiveServer, live_client: genai.Client, face: str, transport: str
) -> None:
    frame = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * (16 * 1024)  # 4 MiB

    async def script(conn: Conn) -> None:
        await conn.setup()
        message = await conn.expect("realtime_input")
        assert len(message["realtime_input"]["video"]["data"]) > 4 * 1024 * 1024  # base64 in the dict
        big = _b64(frame)
        await conn.send(
            {
                "server_content": {
                    "model_turn": {"parts": [{"inline_data": {"mime_type": "image/png", "data": big}}]}
                }
            }
        )
        await conn.send({"server_content": {"turn_complete": True}})

    live_server.reset(script)

    async def body() -> None:
        async with open_session(face, live_client, model="m", transport=transport) as s:
            await s.send_realtime_input(video=frame)
            assert (await s.receive_turn()).audio == frame

    run(live_client, body)
