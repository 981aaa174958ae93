"""genai.emulator: an in-memory, deterministic Gemini API (v1beta gRPC) server for tests and offline work.

Run it with `python -m genai.emulator`, or in-process with `genai.testing.Emulator`. The reply
rules and the `x-emulator-*` metadata knobs are documented in docs/emulator.md.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable

from ._server import EmulatorServer, format_endpoint, quiet_stray_completions
from ._state import CallRecord, EmulatorOptions, HttpRecord, LiveRecord

__all__ = [
    "CallRecord",
    "EmulatorOptions",
    "EmulatorServer",
    "HttpRecord",
    "LiveRecord",
    "format_endpoint",
    "serve",
]


def _announce(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    options: EmulatorOptions | None = None,
    *,
    announce: Callable[[str], None] = _announce,
    grace: float = 1.0,
    http_port: int = 0,
) -> None:
    """Serve until SIGINT or SIGTERM, after announcing "genai emulator listening on HOST:PORT" (gRPC)
    and, when the websockets package is installed, "genai emulator http on HOST:HTTP_PORT" (the
    WebSocket front end of live sessions)."""
    loop = asyncio.get_running_loop()
    quiet_stray_completions(loop)
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    server = EmulatorServer(host, port, options, http_port=http_port)
    try:
        endpoint = await server.start()
        announce(f"genai emulator listening on {endpoint}")
        if server.http_port:
            announce(f"genai emulator http on {server.http_endpoint}")
        await stop.wait()
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await server.stop(grace)
