"""One test body for both faces: the asyncio session as it is, the sync session driven from threads.

``open_session(face, client, **kwargs)`` gives an object with awaitable methods. For the sync face
every call runs the generated ``Session``'s method on a worker thread (as a threaded program would),
so the same scenario checks ``AsyncSession`` on tasks and ``Session`` on threads.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import genai
from genai._live.messages import LiveServerMessage, LiveTurn


class Face:
    def __init__(self, session: Any, sync: bool) -> None:
        self.session = session
        self.sync = sync

    async def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self.session, name)
        if self.sync:
            return await asyncio.to_thread(method, *args, **kwargs)
        return await method(*args, **kwargs)

    async def send_client_content(self, **kwargs: Any) -> None:
        await self._call("send_client_content", **kwargs)

    async def send_realtime_input(self, **kwargs: Any) -> None:
        await self._call("send_realtime_input", **kwargs)

    async def send_tool_response(self, **kwargs: Any) -> None:
        await self._call("send_tool_response", **kwargs)

    async def receive(self) -> list[LiveServerMessage]:
        if self.sync:
            return await asyncio.to_thread(lambda: list(self.session.receive()))
        return [message async for message in self.session.receive()]

    async def receive_all(self) -> list[LiveServerMessage]:
        if self.sync:
            return await asyncio.to_thread(lambda: list(self.session.receive_all()))
        return [message async for message in self.session.receive_all()]

    async def receive_all_until_turn_complete(self) -> list[LiveServerMessage]:
        """receive_all() up to and including the first message with turn_complete."""

        def upto(messages: Any) -> list[LiveServerMessage]:
            out = []
            for message in messages:
                out.append(message)
                if message.turn_complete:
                    break
            return out

        if self.sync:
            return await asyncio.to_thread(lambda: upto(self.session.receive_all()))
        out = []
        async for message in self.session.receive_all():
            out.append(message)
            if message.turn_complete:
                break
        return out

    async def receive_some(self, count: int) -> list[LiveServerMessage]:
        """The first ``count`` messages of the turn (the rest stay for the next receive)."""
        if self.sync:
            return await asyncio.to_thread(lambda: list(itertools.islice(self.session.receive(), count)))
        out = []
        async for message in self.session.receive():
            out.append(message)
            if len(out) == count:
                break
        return out

    async def receive_turn(self) -> LiveTurn:
        turn: LiveTurn = await self._call("receive_turn")
        return turn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


def live_threads() -> list[threading.Thread]:
    """The client's threads (the in-process emulator's own, ``genai-emulator*``, are not ours)."""
    return [
        t
        for t in threading.enumerate()
        if t.name.startswith("genai-") and not t.name.startswith("genai-emulator")
    ]


def live_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("genai-live")]


@asynccontextmanager
async def open_session(face: str, client: genai.Client, **kwargs: Any) -> AsyncIterator[Face]:
    """Enter a session of ``face`` ("sync"/"async"); on exit, check it left no thread or task."""
    threads_before = set(live_threads())
    tasks_before = set(asyncio.all_tasks())
    if face == "sync":
        sync_session = client.live.connect(**kwargs)
        await asyncio.to_thread(sync_session.__enter__)
        try:
            yield Face(sync_session, True)
        finally:
            await asyncio.to_thread(sync_session.__exit__, None, None, None)
    else:
        async_session = client.aio.live.connect(**kwargs)
        await async_session.__aenter__()
        try:
            yield Face(async_session, False)
        finally:
            await async_session.__aexit__(None, None, None)
    await asyncio.sleep(0)
    left = [t for t in live_threads() if t not in threads_before and t.is_alive()]
    assert not left, f"threads left running: {left}"
    tasks = [
        t
        for t in asyncio.all_tasks()
        if t not in tasks_before and not t.done() and t is not asyncio.current_task()
    ]
    assert not [t for t in tasks if t.get_name().startswith("genai-live")], f"tasks left running: {tasks}"
