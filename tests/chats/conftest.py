"""Chat tests run on both faces: one adapter drives ``client.chats`` or ``client.aio.chats``.

The async face runs on one event loop per test (a stream is read on the loop that opened it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from typing import Any, TypeVar

import pytest

import genai
from genai.testing import Emulator

R = TypeVar("R")
MODEL = "gemini-2.5-flash"


class SyncFace:
    name = "sync"

    def __init__(self, client: genai.Client) -> None:
        self.client = client

    def create(self, **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        return self.client.chats.create(**kwargs)

    def send(self, chat: Any, message: Any, config: Any = None) -> Any:
        return chat.send_message(message, config)

    def stream(self, chat: Any, message: Any, config: Any = None) -> Any:
        return chat.send_message_stream(message, config)

    def read(self, stream: Any) -> list[Any]:
        return list(stream)

    def read_one(self, stream: Any) -> Any:
        return next(stream)

    def resolve(self, stream: Any) -> Any:
        return stream.resolve()

    def close(self, stream: Any) -> None:
        stream.close()

    def generate(self, **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        return self.client.models.generate_content(**kwargs)

    def generate_stream(self, **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        return self.client.models.generate_content_stream(**kwargs)


class AsyncFace:
    name = "async"

    def __init__(self, client: genai.Client, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop

    def run(self, awaitable: Awaitable[R]) -> R:
        return self.loop.run_until_complete(awaitable)

    def create(self, **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        return self.client.aio.chats.create(**kwargs)

    def send(self, chat: Any, message: Any, config: Any = None) -> Any:
        return self.run(chat.send_message(message, config))

    def stream(self, chat: Any, message: Any, config: Any = None) -> Any:
        return self.run(chat.send_message_stream(message, config))

    def read(self, stream: Any) -> list[Any]:
        async def collect() -> list[Any]:
            return [chunk async for chunk in stream]

        return self.run(collect())

    def read_one(self, stream: Any) -> Any:
        return self.run(anext(stream))

    def resolve(self, stream: Any) -> Any:
        return self.run(stream.resolve())

    def close(self, stream: Any) -> None:
        self.run(stream.aclose())

    def generate(self, **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        return self.run(self.client.aio.models.generate_content(**kwargs))

    def generate_stream(self, **kwargs: Any) -> Any:
        kwargs.setdefault("model", MODEL)
        return self.run(self.client.aio.models.generate_content_stream(**kwargs))


@pytest.fixture
def chat_client(emulator: Emulator) -> Iterator[genai.Client]:
    emulator.reset()  # the emulator is shared: each test starts with no recorded calls or fault counts
    retry = genai.RetryOptions(attempts=1)  # faults must reach the chat, not be retried away
    with emulator.client(timeout=10, retry=retry) as client:
        yield client


@pytest.fixture(params=["sync", "async"])
def face(request: pytest.FixtureRequest, chat_client: genai.Client) -> Iterator[SyncFace | AsyncFace]:
    if request.param == "sync":
        yield SyncFace(chat_client)
        return
    loop = asyncio.new_event_loop()
    try:
        yield AsyncFace(chat_client, loop)
    finally:
        loop.run_until_complete(chat_client.aio.aclose())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def roles(contents: Any) -> list[str]:
    return [content.role for content in contents]


def texts(contents: Any) -> list[str]:
    return ["".join(part.text for part in content.parts) for content in contents]


def sent_contents(emulator: Emulator) -> list[Any]:
    """The contents of the last GenerateContent/StreamGenerateContent request the emulator received."""
    for call in reversed(emulator.calls):
        if call.method in ("GenerateContent", "StreamGenerateContent"):
            return list(call.request.contents)  # type: ignore[attr-defined]
    raise AssertionError("no generate call was recorded")
