"""The synchronous WebSocket backend of live sessions: ``WebSocketStream`` (``websockets.sync.client``).

    >>> WebSocketStream(ChannelSettings(endpoint="127.0.0.1:1", insecure=True))
    WebSocketStream(ws://127.0.0.1:1/ws/..., not connected)

Shaped like the gRPC ``BidiStream``: ``write(message)``, ``read()`` (None at a normal close or
after ``cancel()``), ``done_writing()``, ``cancel()``/``close()``. It connects on first use. One
thread may write while another reads (the library's connections allow it). genai.errors' classes
stand for the close codes (genai._transport.websocket.error_for_close).
"""

from __future__ import annotations

import contextlib
import threading
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

__all__ = ["WebSocketStream"]


class WebSocketStream:
    """One live-session WebSocket, driven like a bidi stream from threads."""

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
        self._opening = threading.Lock()
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

    def _ensure(self) -> Any:
        conn = self._conn
        if conn is not None:
            return conn
        with self._opening:
            if self._conn is None:
                if self._cancelled:
                    raise UsageError("the stream was cancelled before it started")
                client = import_websockets("sync.client")
                settings = self._settings
                try:
                    conn = client.connect(
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
                # Held as a context manager would hold it (websockets 17 warns otherwise); cancel() exits.
                self._conn = conn.__enter__()
                if self._cancelled:
                    self._conn.close()
            return self._conn

    def write(self, message: Message | bytes) -> None:
        """Send one message (a JSON text frame)."""
        if self._cancelled:
            raise UsageError("cannot write to a cancelled stream")
        if self._error is not None:
            raise self._error
        conn = self._ensure()
        closed = import_websockets("exceptions").ConnectionClosed
        try:
            conn.send(encode_client_message(message))
        except closed as err:
            error = closed_error(err)
            if error is None:
                raise UsageError("cannot write: the server closed the connection") from None
            self._error = error
            raise error from None

    def read(self) -> pb.BidiGenerateContentServerMessage | None:
        """The next message; None at a normal close or after ``cancel()``; a typed error for another close."""
        if self._error is not None:
            raise self._error
        if self._cancelled:
            return None
        conn = self._ensure()
        closed = import_websockets("exceptions").ConnectionClosed
        try:
            frame = conn.recv()
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

    def done_writing(self) -> None:
        """Nothing to do: a WebSocket has no half-close (the session closes it as a whole)."""

    def cancel(self) -> None:
        """Close the connection (code 1000); reads then end quietly. Idempotent; from any thread."""
        self._cancelled = True
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection: nothing more to do
                conn.close()

    def close(self) -> None:
        """Same as ``cancel()``."""
        self.cancel()
