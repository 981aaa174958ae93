"""How a chat send waits for the turn in flight: a thread blocks on the chat's lock, a task awaits.

    >>> TurnWaiter.owner() == threading.get_ident()
    True

This is the one place where the two faces of a chat genuinely differ, so it is written by hand,
twice: the generated sync face (scripts/unasync.py) calls ``TurnWaiter`` where the asyncio source
calls ``AsyncTurnWaiter``. The bookkeeping itself (genai._chats.history) has no I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import weakref

from genai._chats.history import ChatCore, Turn

__all__ = ["TURN_POLL", "AsyncTurnWaiter", "TurnWaiter", "callers", "abandoned_by"]

# How often a send waiting for another thread's or task's turn looks again (a turn dropped by the
# garbage collector may end without waking it).
TURN_POLL = 0.05


class TurnWaiter:
    """Turns run by threads: a turn's owner is its thread; waiting blocks on the chat's condition."""

    @staticmethod
    def owner() -> object:
        """Who runs a turn begun here: this thread."""
        return threading.get_ident()

    @staticmethod
    def wait(core: ChatCore, turn: Turn) -> None:
        """Return once ``turn`` has ended, or after ``TURN_POLL`` seconds (callers look again)."""
        core.wait(turn, TURN_POLL)


class AsyncTurnWaiter:
    """Turns run by asyncio tasks: a turn's owner is its task (weakly); waiting suspends only that task."""

    @staticmethod
    def owner() -> object:
        """Who runs a turn begun here: the current task, held weakly.

        A finished task keeps its result. When that result is the turn's own stream (the task ran
        ``chat.send_message_stream(...)`` itself: ``asyncio.create_task``, ``gather``,
        ``run_until_complete``), a strong reference from the open turn would keep the stream alive,
        so dropping it would neither cancel its call nor end the turn.
        """
        task = asyncio.current_task()
        return None if task is None else weakref.ref(task)

    @staticmethod
    async def wait(core: ChatCore, turn: Turn) -> None:
        """Return once ``turn`` has ended, or after ``TURN_POLL`` seconds (callers look again)."""
        loop = asyncio.get_running_loop()
        ended: asyncio.Future[None] = loop.create_future()
        core.on_end(turn, functools.partial(_wake, loop, ended))
        await asyncio.wait({ended}, timeout=TURN_POLL)


def callers() -> tuple[object, ...]:
    """Who is calling, as turns record their owner: this thread, and this task if there is one."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running loop in this thread
        task = None
    return (threading.get_ident(), weakref.ref(task)) if task is not None else (threading.get_ident(),)


def abandoned_by(owner: object) -> bool:
    """Whether a turn begun by ``owner`` was left by the caller: it is this thread or task, or a
    thread or task that has since ended (nobody can still be reading that turn's stream for it)."""
    if owner in callers():  # a live task's weak references compare equal
        return True
    if isinstance(owner, weakref.ref):
        task = owner()
        return task is None or task.done()
    return all(thread.ident != owner for thread in threading.enumerate())


def _wake(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> None:
    """Resolve ``future`` on its loop, from any thread (a no-op once the loop has closed)."""

    def resolve() -> None:
        if not future.done():
            future.set_result(None)

    with contextlib.suppress(RuntimeError):  # the waiting loop is gone
        loop.call_soon_threadsafe(resolve)
