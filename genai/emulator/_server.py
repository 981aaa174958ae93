"""EmulatorServer: one Backend (state, store, prelude) and the front ends that serve it.

The gRPC front end owns the server's port. The HTTP front end, on a port of its own, serves live
sessions over WebSocket today (and resumable uploads later); it needs the optional `websockets`
package and is left out, quietly, when that is not installed. Both serve the same Backend and stop
with the same grace period and stop signal.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
from typing import Any, Protocol

from ._backend import Backend
from ._clock import Clock
from ._grpc import GrpcFrontEnd
from ._state import EmulatorOptions, ServerState
from ._store import Store

LAST_RESORT_SECONDS = 2.0  # after the grace period, before grpc cancels calls that did not end
MAX_PORT = 65535


class FrontEnd(Protocol):
    """A transport serving the backend: gRPC now; HTTP (uploads, downloads) and WebSocket (live) later.

    Each binds its own port with the same discipline (0 = a free one, OSError when it cannot
    bind), serves from the server's one Backend, and on `stop(timeout)` stops accepting and ends
    what still runs by `timeout`. The server's stop signal (`Backend.running`) tells running calls
    to end when the grace period is over, whatever carries them.
    """

    name: str

    async def start(self, address: str) -> int:
        """Bind "host:port" and serve; returns the bound port."""
        ...

    async def stop(self, timeout: float) -> None:
        """Stop accepting; everything still running has ended `timeout` seconds later."""
        ...

    async def wait_for_termination(self) -> None:
        """Wait until it stops."""
        ...


def check_port(port: object) -> int:
    """`port` if it is an int in 0..65535 (0 = any free port); ValueError otherwise.

    grpc would silently wrap 70000 to 4464, so out-of-range ports are refused before binding.
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= MAX_PORT:
        raise ValueError(f"port must be an integer between 0 and {MAX_PORT}, got {port!r}")
    return port


def quiet_stray_completions(loop: asyncio.AbstractEventLoop) -> None:
    """Drop grpc completions for event loops that are already closed, instead of logging a traceback.

    grpc.aio delivers every completion through the loop that first used grpc.aio in the process and
    forwards those of other loops with call_soon_threadsafe. When that first loop is the emulator's
    and a client's loop closes with calls still winding down (cancelled streams, say), forwarding
    fails with "Event loop is closed" and the emulator's loop printed the traceback. Nothing can
    receive those completions any more, so they are dropped; everything else goes to the handler
    that was there before.
    """
    previous = loop.get_exception_handler()

    def handle(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if _is_stray_completion(context):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handle)


def _is_stray_completion(context: dict[str, Any]) -> bool:
    error = context.get("exception")
    if not isinstance(error, RuntimeError) or str(error) != "Event loop is closed":
        return False
    callback = getattr(context.get("handle"), "_callback", None)
    while isinstance(callback, functools.partial):  # newer grpc binds the loop to the reader callback
        callback = callback.func
    return type(getattr(callback, "__self__", None)).__name__ == "PollerCompletionQueue"


def websockets_available() -> bool:
    """Whether the optional `websockets` package (the `live` extra) is installed."""
    return importlib.util.find_spec("websockets") is not None


def _http_front_end(backend: Backend) -> FrontEnd | None:
    if not websockets_available():
        return None
    from ._websocket import WebSocketFrontEnd  # here: websockets is optional

    return WebSocketFrontEnd(backend)


def format_endpoint(host: str, port: int) -> str:
    """host:port, with IPv6 literals in brackets."""
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


class EmulatorServer:
    """An in-memory Gemini API (v1beta gRPC) server; start it on a running asyncio loop.

    All state (options, call records, counters, the resource store) belongs to this object, so
    several servers can run side by side in one process. `clock` drives the store's expiry and
    long-running operations (default: the system clock; `_clock.ManualClock` in tests).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        options: EmulatorOptions | None = None,
        *,
        clock: Clock | None = None,
        http_port: int = 0,
    ) -> None:
        self.host = host
        self._requested_port = check_port(port)
        self._requested_http_port = check_port(http_port)
        self.backend = Backend(options if options is not None else EmulatorOptions(), clock)
        self._grpc = GrpcFrontEnd(self.backend)
        self._http = _http_front_end(self.backend)
        self._serving: list[FrontEnd] = []
        self._port = 0
        self._http_port = 0

    @property
    def options(self) -> EmulatorOptions:
        """The server-wide options."""
        return self.backend.options

    @property
    def state(self) -> ServerState:
        """Call records and counters (thread-safe)."""
        return self.backend.state

    @property
    def store(self) -> Store:
        """The resource store every front end serves from (thread-safe)."""
        return self.backend.store

    @property
    def port(self) -> int:
        """The bound gRPC port (0 before start)."""
        return self._port

    @property
    def endpoint(self) -> str:
        """The "host:port" to dial (raises before start)."""
        if not self._port:
            raise RuntimeError("the emulator server has not been started")
        return format_endpoint(self.host, self._port)

    @property
    def http_port(self) -> int:
        """The bound port of the HTTP / WebSocket front end (0 before start or without websockets)."""
        return self._http_port

    @property
    def http_endpoint(self) -> str:
        """The "host:port" of the HTTP / WebSocket front end: live sessions at
        ws://HOST:PORT/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent.

        Raises RuntimeError before start, or when the `websockets` package is not installed.
        """
        if not self._http_port:
            if self._port and self._http is None:
                raise RuntimeError(
                    "the emulator's WebSocket front end needs the websockets package: "
                    "pip install 'genai[live]'"
                )
            raise RuntimeError("the emulator server has not been started")
        return format_endpoint(self.host, self._http_port)

    async def start(self) -> str:
        """Bind, start serving, and return the gRPC endpoint (the WebSocket one is `http_endpoint`)."""
        if self._serving:
            raise RuntimeError("the emulator server is already started")
        self.backend.begin_run()  # fresh: a server may be started again after a stop
        port = await self._grpc.start(format_endpoint(self.host, self._requested_port))
        self._serving = [self._grpc]
        self._port = port
        if self._http is not None:
            try:
                self._http_port = await self._http.start(
                    format_endpoint(self.host, self._requested_http_port)
                )
            except BaseException:
                await self.stop(0)
                raise
            self._serving.append(self._http)
            self.backend.http_endpoint = format_endpoint(self.host, self._http_port)
        return self.endpoint

    async def stop(self, grace: float | None = 1.0) -> None:
        """Stop accepting calls; running calls get `grace` seconds, then end with UNAVAILABLE."""
        serving, self._serving = self._serving, []
        if not serving:
            return
        self.backend.http_endpoint = None
        wait = max(grace or 0.0, 0.0)
        shutdown = asyncio.gather(*(front.stop(wait + LAST_RESORT_SECONDS) for front in serving))
        await asyncio.wait({shutdown}, timeout=wait)
        if not shutdown.done():
            self.backend.running.interrupt()
        await shutdown
        self.backend.end_run()

    async def wait_for_termination(self) -> None:
        """Wait until the server stops."""
        for front in list(self._serving):
            await front.wait_for_termination()
