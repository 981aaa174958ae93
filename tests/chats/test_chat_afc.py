"""Automatic function calling end to end, in chats and in models.generate_content(_stream), on both
faces: the emulator calls the declared functions a prompt names (docs/emulator.md, Function calling)
and answers from their responses, so every hop is real gRPC."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import threading
from typing import Any, Literal

import pytest

import genai
from genai.testing import Emulator
from tests.chats.conftest import AsyncFace, SyncFace, roles, sent_contents, texts

Face = SyncFace | AsyncFace


def kinds(contents: Any) -> list[list[str | None]]:
    return [[part.WhichOneof("data") for part in content.parts] for content in contents]


def responses(content: Any) -> list[dict[str, Any]]:
    return [dict(part.function_response.response) for part in content.parts]


class Sky(enum.Enum):
    CLEAR = "clear"
    CLOUDY = "cloudy"


@dataclasses.dataclass
class Place:
    city: str
    country: str = "NO"


class Weather:
    """A callable object and a bound method both serve as tools."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def get_weather(self, city: str, days: int = 1) -> dict[str, Any]:
        """The forecast for a city.

        Args:
            city: Where.
            days: How many days ahead.
        """
        self.calls.append((city, days))
        return {"city": city, "days": days, "sky": "clear"}


def test_a_chain_of_calls_is_one_turn_and_the_next_request_carries_it(face: Face, emulator: Emulator) -> None:
    weather = Weather()
    chat = face.create(config={"tools": [weather.get_weather]})
    reply = face.send(chat, "[[chain:2]] get_weather for Oslo")
    assert len(weather.calls) == 2
    assert all(isinstance(city, str) and isinstance(days, int) for city, days in weather.calls)
    assert reply.text.startswith("The function get_weather returned {")
    # One transaction: the prompt, two rounds of call + response, the answer.
    expected = [["text"], ["function_call"], ["function_response"], ["function_call"], ["function_response"]]
    assert kinds(chat.get_history()) == [*expected, ["text"]]
    assert chat.get_history(curated=True) == chat.get_history()
    assert roles(chat.get_history()) == ["user", "model", "user", "model", "user", "model"]
    assert kinds(reply.automatic_function_calling_history) == expected
    # The responses answer the calls of their round: same ids and names, in order.
    history = chat.get_history()
    for call_content, response_content in ((history[1], history[2]), (history[3], history[4])):
        calls = [(p.function_call.id, p.function_call.name) for p in call_content.parts]
        answers = [(p.function_response.id, p.function_response.name) for p in response_content.parts]
        assert calls == answers and calls[0][0].startswith("call-")
    face.send(chat, "thanks")
    assert sent_contents(emulator) == [*history, sent_contents(emulator)[-1]]
    assert texts(sent_contents(emulator)[-1:]) == ["thanks"]


def test_the_stream_shows_every_hop_and_commits_once(face: Face, emulator: Emulator) -> None:
    weather = Weather()
    chat = face.create(config={"tools": [weather.get_weather]})
    stream = face.stream(chat, "[[chain:2]] get_weather please", {"metadata": {"x-emulator-chunks": "4"}})
    chunks = face.read(stream)
    hops = [chunk for chunk in chunks if chunk.function_calls]
    assert len(hops) == 2  # each round's call chunk reaches the caller
    assert "".join(chunk.text or "" for chunk in chunks if not chunk.function_calls).startswith(
        "The function get_weather returned"
    )
    assert len(weather.calls) == 2
    assert kinds(chat.get_history())[-1] == ["text"]
    assert len(chat.get_history()) == 6
    assert kinds(stream.response.automatic_function_calling_history)[1:3] == [
        ["function_call"],
        ["function_response"],
    ]


def test_function_that_raises_unknown_function_and_bad_arguments_become_error_responses(
    face: Face, emulator: Emulator
) -> None:
    def explode(times: int) -> int:
        """Always fails."""
        raise RuntimeError(f"kaput x{times}")

    weather = Weather()
    chat = face.create(config={"tools": [weather.get_weather, explode]})
    reply = face.send(chat, "explode [[bad-args:get_weather]] [[call:teleport]]")
    answered = responses(chat.get_history()[2])
    times = int(sent_contents(emulator)[1].parts[0].function_call.args["times"])
    assert answered[0] == {"error": f"RuntimeError: kaput x{times}"}
    assert "invalid arguments for get_weather" in answered[1]["error"]
    assert "unknown function 'teleport'" in answered[2]["error"]
    assert "explode, get_weather" in answered[2]["error"]
    assert weather.calls == []  # arguments that do not fit never reach the function
    assert reply.text.startswith("The function explode returned {")
    assert len(chat.get_history(curated=True)) == 4
    assert face.send(chat, "next").text.startswith('You said: "next". ')


def test_the_maximum_returns_the_last_reply_with_its_calls_pending(face: Face, emulator: Emulator) -> None:
    weather = Weather()
    config = {
        "tools": [weather.get_weather],
        "tool_config": {"function_calling_config": {"mode": "ANY"}},  # the emulator calls every time
        "automatic_function_calling": {"maximum_remote_calls": 3},
    }
    reply = face.generate(contents="get_weather", config=config)
    assert len(weather.calls) == 2  # three model calls: two answered, the third returned
    assert [call.name for call in reply.function_calls] == ["get_weather"]
    assert len(reply.automatic_function_calling_history) == 5
    generate_calls = [c for c in emulator.calls if c.method == "GenerateContent"]
    assert len(generate_calls) == 3


def test_the_maximum_in_a_chat_records_the_turn_and_the_next_turn_works(
    face: Face, emulator: Emulator
) -> None:
    weather = Weather()
    chat = face.create(
        config={
            "tools": [weather.get_weather],
            "tool_config": {"function_calling_config": {"mode": "ANY"}},
            "automatic_function_calling": {"maximum_remote_calls": 2},
        }
    )
    reply = face.send(chat, "get_weather")
    assert reply.function_calls
    assert kinds(chat.get_history()) == [
        ["text"],
        ["function_call"],
        ["function_response"],
        ["function_call"],
    ]
    face.send(
        chat, "[[call:get_weather]] again", {"tool_config": {"function_calling_config": {"mode": "AUTO"}}}
    )
    assert len(chat.get_history()) > 4


def test_parallel_calls_run_concurrently_with_ids_matched(face: Face, emulator: Emulator) -> None:
    barrier = threading.Barrier(2, timeout=5)
    seen: list[int] = []

    def meet(name: str) -> str:
        """Waits until the other call has started too."""
        barrier.wait()  # one call at a time would break the barrier after 5 s
        seen.append(threading.get_ident())
        return f"met {name}"

    chat = face.create(config={"tools": [meet]})
    reply = face.send(chat, "meet and meet")
    calls, answers = chat.get_history()[1], chat.get_history()[2]
    assert len(calls.parts) == 2
    assert [p.function_call.id for p in calls.parts] == [p.function_response.id for p in answers.parts]
    assert len(set(p.function_call.id for p in calls.parts)) == 2
    assert [r["result"] for r in responses(answers)] == [
        f"met {p.function_call.args['name']}" for p in calls.parts
    ]
    assert len(set(seen)) == 2
    assert "unknown id" not in reply.text


def test_async_callables_are_awaited_concurrently_on_the_loop(chat_client: genai.Client) -> None:
    async def main() -> None:
        arrived = 0
        both = asyncio.Event()
        loop = asyncio.get_running_loop()

        async def meet(name: str) -> str:
            """Waits for the other call, on the caller's loop."""
            nonlocal arrived
            assert asyncio.get_running_loop() is loop
            arrived += 1
            if arrived == 2:
                both.set()
            await asyncio.wait_for(both.wait(), 5)
            return name

        def blocking(seconds: float) -> str:
            """A sync callable runs off the loop."""
            assert threading.current_thread() is not threading.main_thread()
            return "done"

        chat = chat_client.aio.chats.create(model="gemini-2.5-flash", config={"tools": [meet, blocking]})
        await chat.send_message("meet meet blocking")
        answers = chat.get_history()[2]
        assert [("error" in r) for r in responses(answers)] == [False, False, False]
        await chat_client.aio.aclose()

    asyncio.run(main())


def test_plain_declarations_end_the_loop_and_nothing_runs(face: Face) -> None:
    weather = Weather()
    book = {
        "name": "book_table",
        "description": "Book a table.",
        "parameters": {"type": "OBJECT", "properties": {"seats": {"type": "INTEGER"}}},
    }
    chat = face.create(config={"tools": [weather.get_weather, book]})
    reply = face.send(chat, "get_weather then book_table")
    assert sorted(call.name for call in reply.function_calls) == ["book_table", "get_weather"]
    assert weather.calls == []
    assert kinds(chat.get_history()) == [["text"], ["function_call", "function_call"]]


def test_disable_gives_manual_mode(face: Face) -> None:
    weather = Weather()
    reply = face.generate(
        contents="get_weather",
        config={"tools": [weather.get_weather], "automatic_function_calling": {"disable": True}},
    )
    assert [call.name for call in reply.function_calls] == ["get_weather"]
    assert weather.calls == [] and reply.automatic_function_calling_history == []


def test_models_generate_content_stream_runs_functions(face: Face) -> None:
    weather = Weather()
    stream = face.generate_stream(contents="get_weather in Bergen", config={"tools": [weather.get_weather]})
    chunks = face.read(stream)
    assert chunks[0].function_calls and len(weather.calls) == 1
    assert stream.response.text.startswith("The function get_weather returned")
    assert len(stream.response.automatic_function_calling_history) == 3


def test_arguments_arrive_as_the_annotated_types(face: Face) -> None:
    got: list[tuple[Any, ...]] = []

    def plan_trip(
        place: Place, sky: Sky, mode: Literal["car", "train"], stops: list[int], note: str | None = None
    ) -> str:
        """Plans a trip."""
        got.append((place, sky, mode, stops, note))
        return "planned"

    callable_object = Weather()
    face.generate(contents="plan_trip", config={"tools": [plan_trip, callable_object.get_weather]})
    ((place, sky, mode, stops, note),) = got
    assert isinstance(place, Place) and isinstance(place.city, str)
    assert isinstance(sky, Sky) and mode in ("car", "train")
    assert all(isinstance(stop, int) for stop in stops)
    assert note is None or isinstance(note, str)


def test_an_abandoned_function_stream_leaves_the_history(face: Face, emulator: Emulator) -> None:
    weather = Weather()
    chat = face.create(config={"tools": [weather.get_weather]})
    face.send(chat, "hello")
    before = chat.get_history()
    stream = face.stream(chat, "[[chain:2]] get_weather", {"metadata": {"x-emulator-chunks": "5"}})
    assert face.read_one(stream).function_calls
    face.close(stream)
    assert chat.get_history() == before == chat.get_history(curated=True)
    assert face.send(chat, "after").text.startswith('You said: "after". ')
    assert texts(sent_contents(emulator)) == [*texts(before), "after"]


def test_an_interrupt_inside_a_function_drops_the_whole_turn(
    chat_client: genai.Client, emulator: Emulator
) -> None:
    def interrupted(city: str) -> str:
        """Ctrl-C arrives while the function runs (on this thread: one call runs on the caller's)."""
        raise KeyboardInterrupt

    face = SyncFace(chat_client)
    chat = face.create(config={"tools": [interrupted]})
    face.send(chat, "hello")
    before = chat.get_history()
    with pytest.raises(KeyboardInterrupt):  # not an Exception: never turned into a function response
        face.send(chat, "interrupted")
    stream = face.stream(chat, "[[chain:2]] interrupted")
    with pytest.raises(KeyboardInterrupt):
        face.read(stream)
    assert chat.get_history() == before == chat.get_history(curated=True)
    assert face.send(chat, "after").text.startswith('You said: "after". ')
    assert texts(sent_contents(emulator)) == [*texts(before), "after"]


def test_a_task_cancelled_while_its_function_runs_drops_the_whole_turn(
    chat_client: genai.Client, emulator: Emulator
) -> None:
    async def main() -> None:
        started = asyncio.Event()
        cancelled = asyncio.Event()

        async def slow(city: str) -> str:
            """Waits until cancelled."""
            started.set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                cancelled.set()
                raise
            return city

        chat = chat_client.aio.chats.create(model="gemini-2.5-flash", config={"tools": [slow]})
        await chat.send_message("hello")
        before = chat.get_history()
        for send in (chat.send_message, _read_stream(chat)):
            started.clear()
            cancelled.clear()
            task = asyncio.ensure_future(send("slow please"))
            await asyncio.wait_for(started.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert cancelled.is_set()  # the running function was cancelled too, not left behind
            assert chat.get_history() == before == chat.get_history(curated=True)
        reply = await chat.send_message("after")
        assert reply.text.startswith('You said: "after". ')
        assert texts(sent_contents(emulator)) == [*texts(before), "after"]
        await chat_client.aio.aclose()

    asyncio.run(main())


def _read_stream(chat: Any) -> Any:
    async def send(message: str) -> None:
        async for _ in await chat.send_message_stream(message):
            pass

    return send
