"""Test helpers: run the genai emulator in-process.

    with Emulator() as emulator:
        client = emulator.client()
        ...

The server runs on its own event loop in a daemon thread, so synchronous and asynchronous clients in
the test (and `async with Emulator()`) all talk to it over real gRPC on loopback.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from genai.emulator import CallRecord, EmulatorOptions, EmulatorServer, HttpRecord, LiveRecord
from genai.emulator._clock import Clock, ManualClock
from genai.emulator._server import check_port, quiet_stray_completions

if TYPE_CHECKING:
    from genai._client import Client

__all__ = ["CallRecord", "Emulator", "HttpRecord", "LiveRecord", "ManualClock"]

API_KEY = "emulator-key"
_START_TIMEOUT = 30.0


class Emulator:
    """An emulator server for the duration of a `with` / `async with` block.

    Options (all keyword-only): `host`, `port` (0 = any free port), `http_port` (the WebSocket
    front end's, for live sessions), `grace` (seconds running calls get at exit), `api_keys`, and
    the defaults for the x-emulator-* knobs: `fail`, `delay`, `break_after`, `chunk_delay`,
    `chunks`, `reply_words`, `count_contents`, and for live sessions `live_chunk_delay`,
    `live_goaway_after`, `live_unknown` (request metadata wins over these). `clock` drives the
    store (cache expiry, long-running operations): pass a `genai.testing.ManualClock` and
    `advance()` it instead of sleeping. Prompts steer the
    model: a declared function's name calls it, `[[call:NAME]]`, `[[bad-args:NAME]]`,
    `[[missing-args:NAME]]` and `[[chain:N]]` shape function calls, `[[block-prompt]]` /
    `[[block-candidate]]` block (docs/emulator.md has every rule).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        http_port: int = 0,
        grace: float = 0.5,
        api_keys: Iterable[str] | None = None,
        clock: Clock | None = None,
        **options: Any,
    ) -> None:
        self.options = EmulatorOptions.create(api_keys=api_keys, **options)
        self._host = host
        self._port = check_port(port)  # here, not in the server thread, so the caller sees the error
        self._http_port = check_port(http_port)
        self._grace = grace
        self._clock = clock
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> Emulator:
        """Start serving (idempotent while running); returns self."""
        with self._lock:
            if self._thread is not None:
                return self
            ready: concurrent.futures.Future[None] = concurrent.futures.Future()
            thread = threading.Thread(target=self._run, args=(ready,), name="genai-emulator", daemon=True)
            thread.start()
            try:
                ready.result(timeout=_START_TIMEOUT)
            except BaseException:
                thread.join(timeout=_START_TIMEOUT)
                raise
            self._thread = thread
            return self

    def stop(self) -> None:
        """Stop serving: running calls get `grace` seconds, then are cancelled."""
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            loop, stopping = self._loop, self._stopping
            if loop is not None and stopping is not None:
                loop.call_soon_threadsafe(stopping.set)
            thread.join(timeout=self._grace + _START_TIMEOUT)

    def _run(self, ready: concurrent.futures.Future[None]) -> None:
        asyncio.run(self._serve(ready))

    async def _serve(self, ready: concurrent.futures.Future[None]) -> None:
        quiet_stray_completions(asyncio.get_running_loop())
        server = EmulatorServer(
            self._host, self._port, self.options, clock=self._clock, http_port=self._http_port
        )
        try:
            await server.start()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        self._server = server
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        ready.set_result(None)
        try:
            await self._stopping.wait()
        finally:
            await server.stop(self._grace)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Emulator:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # -- connection ------------------------------------------------------------------------------

    @property
    def server(self) -> EmulatorServer:
        """The underlying server (raises before the first start)."""
        if self._server is None:
            raise RuntimeError("the emulator has not been started")
        return self._server

    @property
    def endpoint(self) -> str:
        """The "127.0.0.1:PORT" of the running server."""
        return self.server.endpoint

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def http_endpoint(self) -> str:
        """The "127.0.0.1:PORT" of the HTTP / WebSocket front end (live sessions at
        ws://HOST:PORT/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent).

        RuntimeError when the optional `websockets` package is not installed.

        >>> host, port = emulator.http_endpoint.rsplit(":", 1)
        >>> host, port.isdigit(), emulator.http_endpoint != emulator.endpoint
        ('127.0.0.1', True, True)
        """
        return self.server.http_endpoint

    def client(self, **kwargs: Any) -> Client:
        """A `genai.Client` connected to this emulator over plaintext gRPC.

        The key is "emulator-key" (or, when `api_keys` excludes it, the smallest accepted key);
        keyword arguments go to `genai.Client` and may override it. When the emulator serves HTTP
        (live sessions over WebSocket) the client's `http_endpoint` is set to it.
        """
        from genai._client import Client  # here, not at the top: the emulator must not need the client

        keys = self.options.api_keys
        kwargs.setdefault(
            "api_key", API_KEY if keys is None or API_KEY in keys else min(keys, default=API_KEY)
        )
        http_endpoint = getattr(self, "http_endpoint", None)  # live sessions over WebSocket
        if http_endpoint is not None:
            kwargs.setdefault("http_endpoint", http_endpoint)
        return Client(endpoint=self.endpoint, insecure=True, **kwargs)

    # -- observability ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        """The most recent calls (oldest first): service, method, metadata dict, request message."""
        return self.server.state.calls

    @property
    def live_sessions(self) -> list[LiveRecord]:
        """The most recent live sessions (oldest first): transport, metadata, setup, and the client
        messages received (`messages`, the setup first)."""
        return self.server.state.live_sessions

    @property
    def http_requests(self) -> list[HttpRecord]:
        """The most recent requests to the HTTP endpoints (uploads, downloads), oldest first:
        `method`, `target` (path and query as sent), `headers` (lower-case names), `status` (None
        when a fault knob cut the connection instead), `body_length`, `connection` (its number)."""
        return self.server.state.http_requests

    @property
    def http_connections(self) -> int:
        """Connections the HTTP endpoints accepted (since start or `reset()`); keep-alive
        connections carry many requests each."""
        return self.server.state.http_connections

    @property
    def active_streams(self) -> int:
        """StreamGenerateContent calls running right now."""
        return self.server.state.active_streams

    @property
    def cancelled_streams(self) -> int:
        """Streams that ended because the client cancelled, hit its deadline or went away."""
        return self.server.state.cancelled_streams

    @property
    def completed_streams(self) -> int:
        """Streams that sent every chunk and finished with OK."""
        return self.server.state.completed_streams

    def reset(self) -> None:
        """Forget recorded calls, HTTP requests, finished live sessions, finished-stream and HTTP
        connection counters, and fault attempt counts."""
        self.server.state.reset()

    def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0, interval: float = 0.005) -> bool:
        """Poll `condition` until it holds or `timeout` passes; returns its last value."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() >= deadline:
                return condition()
            time.sleep(interval)
        return True
