"""The life of the calls in progress, whatever front end carries them: the server's stop signal.

`Running` tells the calls in progress when the grace period of a stop has run out; they then
answer UNAVAILABLE themselves at their next wait or chunk, and the front ends' shutdowns complete
once they have. (grpc's own way, cancelling every call, left their tasks unwinding after stop()
returned, and a loop closed right then cancelled them again: grpc printed a CancelledError
traceback for each, and each client logged a GOAWAY line. Cancelling the handler tasks instead
would hit some inside grpc's sending code, which then never sends a status.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from ._status import RpcFailure

T = TypeVar("T")
SHUTTING_DOWN = "The genai emulator is shutting down."
Offload = Callable[[Callable[[], Any]], Awaitable[Any]]  # runs work on a worker thread


def shutting_down() -> RpcFailure:
    """How a call still running when the grace period ends is answered."""
    return RpcFailure(grpc.StatusCode.UNAVAILABLE, SHUTTING_DOWN)


class Running:
    """Whether the calls in progress should end now; their waits end early when they should."""

    def __init__(self) -> None:
        self._stop = asyncio.Event()

    @property
    def stopping(self) -> bool:
        """Whether running calls should end now (with `shutting_down()`)."""
        return self._stop.is_set()

    async def wait(self) -> None:
        """Return once running calls should end."""
        await self._stop.wait()

    def interrupt(self) -> None:
        """Tell every running call to end; waits in `sleep` and `until` end at once."""
        self._stop.set()

    async def sleep(self, seconds: float) -> None:
        """asyncio.sleep, cut short (RpcFailure) when the server stops."""
        if seconds > 0:
            try:
                await asyncio.wait_for(self._stop.wait(), seconds)
            except asyncio.TimeoutError:
                return
        if self.stopping:
            raise shutting_down()

    async def until(self, future: asyncio.Future[T]) -> T:
        """The result of `future`, or RpcFailure when the server stops first; it is cancelled if
        the call ends without it."""
        waiter = asyncio.ensure_future(self._stop.wait())
        either: list[asyncio.Future[Any]] = [future, waiter]
        try:
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            if not future.done():
                future.cancel()  # work still queued is dropped
        if future.cancelled() and self.stopping:
            raise shutting_down()
        return future.result()
