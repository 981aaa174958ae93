"""The facade's ChatSession never loses, duplicates or truncates a turn: concurrency, broken streams.

Sends on one chat are serialised: from several threads, or asyncio.gather of several tasks, every
exchange lands in the history, in order, each request carrying all the turns committed before it.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

import pytest

import genai
from genai.errors import StreamClosedError, UnavailableError, UsageError
from genai.testing import Emulator

MODEL = "gemini-2.5-flash"
BROKEN = {"metadata": [("x-emulator-break-after", "2:always"), ("x-emulator-chunks", "6")]}
SLOW = {"metadata": [("x-emulator-chunks", "10"), ("x-emulator-chunk-delay", "0.03")]}


@pytest.fixture
def model(client: genai.Client) -> genai.GenerativeModel:
    return genai.GenerativeModel(MODEL, client=client)


def _texts(chat: genai.ChatSession) -> list[str]:
    return [content.parts[0].text for content in chat.history]


def _assert_whole(chat: genai.ChatSession, sent: set[str]) -> None:
    """Every message once, each followed by the model's reply to it (the emulator quotes the prompt)."""
    history = chat.history
    assert [c.role for c in history] == ["user", "model"] * len(sent)
    users = [c.parts[0].text for c in history[::2]]
    assert sorted(users) == sorted(sent)
    for user, reply in zip(history[::2], history[1::2], strict=True):
        assert reply.parts[0].text.startswith(f'You said: "{user.parts[0].text}')


def _requests_grew_one_turn_at_a_time(emulator: Emulator, marker: str) -> None:
    sizes = sorted(
        len(call.request.contents)  # type: ignore[attr-defined]
        for call in emulator.calls
        if call.method == "GenerateContent" and marker in str(call.request)
    )
    assert sizes == list(range(1, 2 * len(sizes), 2))


def test_sends_from_two_threads_are_serialised(model: genai.GenerativeModel, emulator: Emulator) -> None:
    chat = model.start_chat()
    marker = uuid.uuid4().hex[:8]
    sent: set[str] = set()
    errors: list[BaseException] = []

    def talk(name: str) -> None:
        try:
            for i in range(20):
                text = f"{marker} {name} {i}"
                sent.add(text)
                assert chat.send_message(text).text
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=talk, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(chat.history) == 80
    _assert_whole(chat, sent)
    _requests_grew_one_turn_at_a_time(emulator, marker)


def test_gathered_async_sends_are_serialised(model: genai.GenerativeModel, emulator: Emulator) -> None:
    chat = model.start_chat()
    marker = uuid.uuid4().hex[:8]
    sent = {f"{marker} task {i}" for i in range(10)}

    async def main() -> None:
        replies = await asyncio.gather(*(chat.send_message_async(text) for text in sorted(sent)))
        assert all(reply.text for reply in replies)
        await model.client.aio.aclose()

    asyncio.run(main())
    assert len(chat.history) == 20
    _assert_whole(chat, sent)
    _requests_grew_one_turn_at_a_time(emulator, marker)


def test_a_send_waits_for_another_threads_stream(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()
    streamed = chat.send_message("first, streamed", stream=True, request_options=SLOW)
    reader = threading.Thread(target=streamed.resolve)
    reply: list[str] = []
    sender = threading.Thread(target=lambda: reply.append(chat.send_message("second").text))
    reader.start()
    sender.start()
    reader.join(timeout=30)
    sender.join(timeout=30)
    assert streamed.text.startswith('You said: "first, streamed". ')
    assert len(reply) == 1 and reply[0].startswith('You said: "second". ')
    # The second waited for the first: its request carried the whole first exchange.
    assert _texts(chat) == ["first, streamed", streamed.text, "second", reply[0]]


def test_a_broken_stream_is_never_committed(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()
    chat.send_message("hello")
    broken = chat.send_message("break", stream=True, request_options=BROKEN)
    with pytest.raises(UnavailableError):
        broken.resolve()
    with pytest.raises(UnavailableError):
        broken.resolve()  # resolving again does not commit the truncated reply either
    with pytest.raises(UnavailableError):
        _ = broken.text
    assert _texts(chat)[::2] == ["hello"]
    chat.send_message("again")
    assert _texts(chat)[::2] == ["hello", "again"]


def test_async_broken_stream_is_never_committed(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()

    async def main() -> None:
        broken = await chat.send_message_async("break", stream=True, request_options=BROKEN)
        with pytest.raises(UnavailableError):
            await broken.resolve_async()
        with pytest.raises(UnavailableError):
            await broken.resolve_async()
        assert len(chat.history) == 0
        await chat.send_message_async("after")
        await model.client.aio.aclose()

    asyncio.run(main())
    assert _texts(chat)[::2] == ["after"]


def test_an_unread_stream_is_abandoned_by_the_next_send_and_says_so(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()
    unread = chat.send_message("never read", stream=True)
    chat.send_message("next")
    assert _texts(chat)[::2] == ["next"]
    with pytest.raises(StreamClosedError):
        unread.resolve()


def test_history_is_read_only_and_replaceable(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()
    chat.send_message("one")
    for mutate in (
        lambda h: h.clear(),
        lambda h: h.pop(),
        lambda h: h.append(h[0]),
        lambda h: h.__setitem__(0, h[0]),
        lambda h: h.__delitem__(0),
    ):
        with pytest.raises(UsageError, match="read-only"):
            mutate(chat.history)
    assert len(chat.history) == 2
    assert chat.history == list(chat.history) and chat.history[-1].role == "model"
    chat.history = []
    assert chat.history == []
    chat.history = [{"role": "user", "parts": ["hi"]}, {"role": "model", "parts": ["hello"]}]
    assert _texts(chat) == ["hi", "hello"]


def test_rewind_is_refused_while_another_threads_turn_is_open(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()
    chat.send_message("one")
    started, release = threading.Event(), threading.Event()
    streamed = chat.send_message("slow", stream=True, request_options=SLOW)

    def read() -> None:
        started.set()
        release.wait(10)
        streamed.resolve()

    reader = threading.Thread(target=read)
    reader.start()
    assert started.wait(10)
    # This thread started the stream; handing it to another thread does not make rewind take it.
    errors: list[BaseException] = []

    def rewind() -> None:
        try:
            chat.rewind()
        except BaseException as exc:
            errors.append(exc)

    other = threading.Thread(target=rewind)
    other.start()
    other.join(10)
    release.set()
    reader.join(10)
    assert errors and isinstance(errors[0], UsageError)
    assert _texts(chat)[::2] == ["one", "slow"]


@pytest.mark.usefixtures("configured")
def test_history_works_as_contents_everywhere() -> None:
    model = genai.GenerativeModel(MODEL)
    chat = model.start_chat()
    chat.send_message("count me")
    turns = _texts(chat)
    counted = model.count_tokens(chat.history).total_tokens
    assert counted == sum(model.count_tokens(text).total_tokens for text in turns)
    vectors = genai.embed_content(model="models/embedding-001", content=chat.history)["embedding"]
    assert vectors == [
        genai.embed_content(model="models/embedding-001", content=text)["embedding"] for text in turns
    ]


def test_an_async_task_replaces_history_over_its_own_unread_stream(model: genai.GenerativeModel) -> None:
    chat = model.start_chat()

    async def main() -> None:
        unread = await chat.send_message_async("never read", stream=True)
        chat.history = [{"role": "user", "parts": ["hi"]}, {"role": "model", "parts": ["hello"]}]
        with pytest.raises(StreamClosedError):
            await unread.resolve_async()
        await chat.send_message_async("after")
        await model.client.aio.aclose()

    asyncio.run(main())
    assert _texts(chat)[::2] == ["hi", "after"]
