"""The asyncio WebSocket backend of live sessions: ``AsyncWebSocketStream`` (``websockets.asyncio.client``).

    >>> AsyncWebSocketStream(ChannelSettings(endpoint="127.0.0.1:1", insecure=True))
    AsyncWebSocketStream(ws://127.0.0.1:1/ws/..., not connected)

Shaped like the gRPC ``AsyncBidiStream``: ``await write(message)``, ``await read()`` (None at a
normal close or after ``cancel()``), ``await done_writing()``, ``cancel()``, ``await aclose()``.
It connects on first use, on the running loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from google.protobuf.message import Message

from genai._transport.settings import ChannelSettings
from genai._transport.websocket import (
    CLOSE_TIMEOUT,
    LOGGER,
    closed_error,
    decode_server_frame,
    encode_client_message,
    handshake_error,
    handshake_headers,
    import_websockets,
    ssl_context,
    websocket_url,
)
from genai._wire import messages as pb
from genai.errors import APIError, UsageError

__all__ = ["AsyncWebSocketStream"]

# Closing handshakes started by cancel() (a plain function): held until they finish.
_CLOSING: set[asyncio.Task[None]] = set()


class AsyncWebSocketStream:
    """One live-session WebSocket, driven like a bidi stream from tasks of one event loop."""

    def __init__(
        self,
        settings: ChannelSettings,
        *,
        open_timeout: float | None = 30.0,
        metadata: Sequence[tuple[str, str | bytes]] = (),
    ) -> None:
        self._settings = settings
        self._metadata = tuple(metadata)  # extra handshake headers (checked gRPC metadata)
        self._open_timeout = open_timeout
        self._conn: Any = None
        self._opening: asyncio.Lock | None = None
        self._cancelled = False
        self._error: APIError | None = None
        # The top-level JSON fields of the last message read that this version does not know.
        self.unknown_json: dict[str, Any] | None = None

    def __repr__(self) -> str:
        url = websocket_url(self._settings).replace(
            "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent", "/ws/..."
        )
        state = "cancelled" if self._cancelled else "connected" if self._conn is not None else "not connected"
        return f"{type(self).__name__}({url}, {state})"

    async def _ensure(self) -> Any:
        conn = self._conn
        if conn is not None:
            return conn
        if self._opening is None:
            self._opening = asyncio.Lock()
        async with self._opening:
            if self._conn is None:
                if self._cancelled:
                    raise UsageError("the stream was cancelled before it started")
                client = import_websockets("asyncio.client")
                settings = self._settings
                try:
                    self._conn = await client.connect(
                        websocket_url(settings),
                        ssl=ssl_context(settings),
                        server_hostname=settings.tls_server_name,
                        additional_headers=handshake_headers(settings, self._metadata),
                        user_agent_header=settings.user_agent,
                        max_size=settings.max_message_bytes,
                        open_timeout=self._open_timeout,
                        close_timeout=CLOSE_TIMEOUT,
                        compression=None,
                        proxy=None,
                        logger=LOGGER,
                    )
                except Exception as err:
                    raise handshake_error(err) from None
                if self._cancelled:
                    await self._conn.close()
            return self._conn

    async def write(self, message: Message | bytes) -> None:
        """Send one message (a JSON text frame)."""
        if self._cancelled:
            raise UsageError("cannot write to a cancelled stream")
        if self._error is not None:
            raise self._error
        conn = await self._ensure()
        closed = import_websockets("exceptions").ConnectionClosed
        try:
            await conn.send(encode_client_message(message))
        except closed as err:
            error = closed_error(err)
            if error is None:
                raise UsageError("cannot write: the server closed the connection") from None
            self._error = error
            raise error from None

    async def read(self) -> pb.BidiGenerateContentServerMessage | None:
        """The next message; None at a normal close or after ``cancel()``; a typed error for another close."""
        if self._error is not None:
            raise self._error
        if self._cancelled:
            return None
        conn = await self._ensure()
        closed = import_websockets("exceptions").ConnectionClosed
        try:
            frame = await conn.recv()
        except closed as err:
            if self._cancelled:
                return None
            error = closed_error(err)
            if error is None:
                return None
            self._error = error
            raise error from None
        message, self.unknown_json = decode_server_frame(frame)
        return message

    async def done_writing(self) -> None:
        """Nothing to do: a WebSocket has no half-close (the session closes it as a whole)."""

    def cancel(self) -> None:
        """Start closing the connection (code 1000); reads then end quietly. Idempotent."""
        if self._cancelled:
            return
        self._cancelled = True
        conn = self._conn
        if conn is not None:
            task = asyncio.get_running_loop().create_task(conn.close())
            _CLOSING.add(task)
            task.add_done_callback(_CLOSING.discard)

    async def aclose(self) -> None:
        """Close the connection and wait for the closing handshake."""
        self._cancelled = True
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing more to do
                await conn.close()
