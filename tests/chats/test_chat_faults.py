"""Whatever happens to a turn, both histories are exactly as documented and the next turn works.

Documented (genai._chats.validity): a failed call, a stream closed, broken, cancelled or dropped
before its end records nothing in either history; a blocked prompt or blocked reply is a finished
but invalid turn (comprehensive history only).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from typing import Any

import pytest

import genai
from genai.testing import Emulator
from tests.chats.conftest import AsyncFace, SyncFace, roles, sent_contents, texts

Face = SyncFace | AsyncFace
FAIL_INVALID = {"metadata": {"x-emulator-fail": "INVALID_ARGUMENT"}}
FAIL_UNAVAILABLE = {"metadata": {"x-emulator-fail": "UNAVAILABLE"}}
BREAK_AFTER_2 = {"metadata": {"x-emulator-break-after": "2", "x-emulator-chunks": "6"}}


def _started(face: Face) -> tuple[Any, list[Any], list[Any]]:
    chat = face.create()
    face.send(chat, "first")
    return chat, chat.get_history(), chat.get_history(curated=True)


def _unchanged_and_usable(
    face: Face, chat: Any, before: list[Any], curated: list[Any], emulator: Emulator
) -> None:
    assert chat.get_history() == before
    assert chat.get_history(curated=True) == curated
    reply = face.send(chat, "after")
    assert reply.text.startswith('You said: "after". ')
    assert texts(sent_contents(emulator)) == [*texts(curated), "after"]
    assert chat.get_history(curated=True) == [*curated, *chat.get_history(curated=True)[-2:]]


@pytest.mark.parametrize("config", [FAIL_INVALID, FAIL_UNAVAILABLE], ids=["invalid", "unavailable"])
def test_error_before_the_reply(face: Face, emulator: Emulator, config: dict[str, Any]) -> None:
    chat, before, curated = _started(face)
    with pytest.raises(genai.errors.APIError):
        face.send(chat, "fails", config)
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_error_before_the_first_chunk(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    stream = face.stream(chat, "fails", FAIL_INVALID)
    with pytest.raises(genai.errors.InvalidArgumentError):
        face.read(stream)
    with pytest.raises(genai.errors.InvalidArgumentError):  # read again: the same error, not a quiet end
        face.read(stream)
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_error_mid_stream(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    stream = face.stream(chat, "breaks", BREAK_AFTER_2)
    assert face.read_one(stream).text
    with pytest.raises(genai.errors.UnavailableError):
        face.read(stream)
    with pytest.raises(genai.errors.UnavailableError):
        _ = stream.response
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_break_after_the_first_chunk(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    stream = face.stream(chat, "left early", {"metadata": {"x-emulator-chunks": "20"}})
    face.read_one(stream)
    face.close(stream)
    with pytest.raises(genai.errors.StreamClosedError):
        face.read(stream)
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_close_before_reading(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    face.close(face.stream(chat, "never read"))
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_next_send_abandons_the_callers_own_unread_stream(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    stream = face.stream(chat, "left unread", {"metadata": {"x-emulator-chunks": "20"}})
    face.read_one(stream)
    _unchanged_and_usable(face, chat, before, curated, emulator)
    with pytest.raises(genai.errors.StreamClosedError):
        face.read(stream)


def test_garbage_collected_stream(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    stream = face.stream(chat, "dropped", {"metadata": {"x-emulator-chunks": "20"}})
    face.read_one(stream)
    del stream
    gc.collect()
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_blocked_prompt_is_an_invalid_turn(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    reply = face.send(chat, "[[block-prompt]] no")
    with pytest.raises(genai.errors.BlockedPromptError):
        _ = reply.text
    assert roles(chat.get_history()[len(before) :]) == ["user", "model"]
    assert chat.get_history()[-1].parts == []
    assert chat.get_history(curated=True) == curated
    face.send(chat, "after")
    assert texts(sent_contents(emulator)) == [*texts(curated), "after"]


def test_blocked_stream_is_an_invalid_turn(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    face.read(face.stream(chat, "[[block-candidate]] no"))
    assert len(chat.get_history()) == len(before) + 2 and chat.get_history(curated=True) == curated


def test_deadline_exceeded(face: Face, emulator: Emulator) -> None:
    chat, before, curated = _started(face)
    slow = {"timeout": 0.2, "metadata": {"x-emulator-delay": "5"}}
    with pytest.raises(genai.errors.DeadlineExceededError):
        face.send(chat, "slow", slow)
    with pytest.raises(genai.errors.DeadlineExceededError):
        face.read(face.stream(chat, "slow stream", slow))
    _unchanged_and_usable(face, chat, before, curated, emulator)


def test_dropped_stream_returned_by_its_own_task_is_collected(
    chat_client: genai.Client, emulator: Emulator
) -> None:
    # The task that opens the stream returns it, and a finished task keeps its result: the chat's open
    # turn must not hold that task strongly, or the dropped stream stays alive and its call runs on.
    async def main() -> None:
        chat = chat_client.aio.chats.create(model="gemini-2.5-flash")
        await chat.send_message("first")
        before = chat.get_history()
        slow = {"metadata": {"x-emulator-chunks": "50", "x-emulator-chunk-delay": "0.05"}}
        stream = await asyncio.create_task(chat.send_message_stream("dropped", slow))
        await anext(stream)
        dropped = weakref.ref(stream)
        del stream
        gc.collect()
        assert dropped() is None
        assert await asyncio.to_thread(emulator.wait_for, lambda: emulator.cancelled_streams >= 1)
        assert chat.get_history() == before
        reply = await chat.send_message("after")
        assert reply.text.startswith('You said: "after". ') and len(chat.get_history()) == 4
        await chat_client.aio.aclose()

    asyncio.run(main())


def test_cancelled_task(chat_client: genai.Client, emulator: Emulator) -> None:
    async def main() -> None:
        chat = chat_client.aio.chats.create(model="gemini-2.5-flash")
        await chat.send_message("first")
        before = chat.get_history()
        slow = {"metadata": {"x-emulator-delay": "5"}}
        task = asyncio.create_task(chat.send_message("slow", slow))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        stream = await chat.send_message_stream("slow stream", {"metadata": {"x-emulator-chunk-delay": "1"}})

        async def read() -> None:
            async for _ in stream:
                pass

        reading = asyncio.create_task(read())
        await asyncio.sleep(0.2)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading
        assert chat.get_history() == before
        reply = await chat.send_message("after")
        assert reply.text.startswith('You said: "after". ') and len(chat.get_history()) == 4
        await chat_client.aio.aclose()

    asyncio.run(main())


def test_two_concurrent_sends_from_threads(chat_client: genai.Client, emulator: Emulator) -> None:
    chat = chat_client.chats.create(model="gemini-2.5-flash")
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def send(i: int) -> None:
        try:
            barrier.wait(5)
            if i % 2:
                list(chat.send_message_stream(f"stream {i}"))
            else:
                chat.send_message(f"message {i}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    history = chat.get_history()
    assert roles(history) == ["user", "model"] * 8
    assert sorted(texts(history)[::2]) == sorted(
        [f"message {i}" for i in range(0, 8, 2)] + [f"stream {i}" for i in range(1, 8, 2)]
    )
    for user, model in zip(history[::2], history[1::2], strict=True):  # each reply answers its own message
        assert texts([model])[0].startswith(f'You said: "{texts([user])[0]}". ')


def test_two_concurrent_sends_from_tasks(chat_client: genai.Client) -> None:
    async def main() -> None:
        chat = chat_client.aio.chats.create(model="gemini-2.5-flash")

        async def stream(text: str) -> None:
            async for _ in await chat.send_message_stream(text):
                pass

        await asyncio.gather(
            *(chat.send_message(f"m{i}") for i in range(5)), *(stream(f"s{i}") for i in range(5))
        )
        history = chat.get_history()
        assert roles(history) == ["user", "model"] * 10
        assert sorted(texts(history)[::2]) == sorted(
            [f"m{i}" for i in range(5)] + [f"s{i}" for i in range(5)]
        )
        for user, model in zip(history[::2], history[1::2], strict=True):
            assert texts([model])[0].startswith(f'You said: "{texts([user])[0]}". ')
        await chat_client.aio.aclose()

    asyncio.run(main())
