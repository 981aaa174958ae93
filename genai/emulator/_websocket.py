"""The WebSocket front end: live sessions (BidiGenerateContent) as JSON frames, on a port of its own.

It serves the path the real API uses, PATH. A connection whose first request is for another path
(or is not a GET) is handed to the plain HTTP endpoints of files (`_http`: resumable uploads,
downloads) on the same port: `SharedPortConnection` looks at the request line before websockets
parses it (websockets' parser refuses requests with a body) and feeds that connection's bytes,
the first ones included, to the HTTP service, which then serves it for as long as it lasts.

The key comes from the `x-goog-api-key` handshake header (or a `key` query parameter); the other
headers are the session's metadata, so `x-emulator-*` knobs work as on gRPC. Client frames (text
or binary) are the JSON form of BidiGenerateContentClientMessage, in camelCase or snake_case;
server frames are binary frames holding the UTF-8 camelCase JSON of
BidiGenerateContentServerMessage (bytes in base64), as the real service sends them.

A session that ends normally closes with 1000. A refused one closes with the code the real service
uses for the kind of error (`close_code`) and the status message as the reason (cut to the 123
bytes a close frame holds); a session broken by x-emulator-break-after is cut without a close
frame (the client sees 1006), and one ended by the server (GoAway's time limit, shutdown) closes
with 1001.

This module needs the optional `websockets` package (the `live` extra); `_server` imports it only
when that package is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import grpc
from genai_protos import generative_service_pb2
from google.protobuf import json_format
from google.rpc import error_details_pb2
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ._backend import Backend
from ._http import HttpService
from ._live import LiveSession
from ._live_messages import LiveClose, Unrecognized
from ._prelude import API_KEY_HEADER
from ._status import RpcFailure
from ._work import INLINE_BYTES

gs = generative_service_pb2
PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # as the gRPC front end: room for video frames
MAX_REASON_BYTES = 123  # a close frame's payload is at most 125 bytes, 2 of them the code
NORMAL, GOING_AWAY, INVALID_DATA, POLICY, INTERNAL = 1000, 1001, 1007, 1008, 1011
_INVALID = (
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE,
)
_POLICY = (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND)


def close_code(failure: RpcFailure, stopping: bool = False) -> int:
    """The WebSocket close code for a failed session: 1007 for invalid arguments, 1008 for keys,
    permissions and unknown models or handles, 1001 when the server ends it, 1011 otherwise."""
    if stopping or (isinstance(failure, LiveClose) and failure.going_away):
        return GOING_AWAY
    if failure.code in _INVALID:
        return INVALID_DATA
    if failure.code in _POLICY:
        return POLICY
    return INTERNAL


def close_reason(failure: RpcFailure) -> str:
    """The close frame's reason: the status message, or for a BadRequest its first violation
    (`field: description`), cut to fit (whole UTF-8 characters, `...` when cut)."""
    message = failure.message
    for detail in failure.details:
        if isinstance(detail, error_details_pb2.BadRequest) and detail.field_violations:
            violation = detail.field_violations[0]
            message = f"{violation.field}: {violation.description}"
            break
    data = message.encode()
    if len(data) <= MAX_REASON_BYTES:
        return message
    return data[: MAX_REASON_BYTES - 3].decode("utf-8", "ignore") + "..."


def parse_frame(frame: str | bytes) -> gs.BidiGenerateContentClientMessage:
    """A client frame as a message (RpcFailure INVALID_ARGUMENT when it is not one)."""
    message = gs.BidiGenerateContentClientMessage()
    try:
        text = frame.decode() if isinstance(frame, bytes) else frame
        json_format.Parse(text, message)
    except (json_format.ParseError, UnicodeDecodeError) as exc:
        raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, f"Invalid JSON payload received. {exc}") from None
    return message


def frame_of(message: gs.BidiGenerateContentServerMessage | Unrecognized) -> bytes:
    """A server message's frame: its JSON, UTF-8 encoded (sent as a binary frame)."""
    if isinstance(message, Unrecognized):
        return message.json.encode()
    return json.dumps(json_format.MessageToDict(message), separators=(",", ":")).encode()


MAX_REQUEST_LINE = 8192
OPEN_TIMEOUT = 10.0  # from accepting a connection to an open WebSocket (websockets' default)


class SharedPortConnection(ServerConnection):
    """A connection of the HTTP port: a live session (WebSocket) or plain HTTP requests.

    The first request line decides: a GET of the live path goes on as websockets' connection;
    anything else is fed to `http` (an `HttpService`) as a stream, which answers requests on it
    until the connection ends.
    """

    http: HttpService  # set by the factory
    undecided: set[SharedPortConnection]  # connections whose first request line has not come

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._head = bytearray()
        self._http_reader: asyncio.StreamReader | None = None
        self._decided: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.undecided.add(self)

    def _decide(self, is_http: bool) -> None:
        self.undecided.discard(self)
        if not self._decided.done():
            self._decided.set_result(is_http)

    def data_received(self, data: bytes) -> None:
        if self._http_reader is not None:
            self._http_reader.feed_data(data)
            return
        if self._decided.done():
            super().data_received(data)
            return
        self._head += data
        if b"\r\n" not in self._head and len(self._head) < MAX_REQUEST_LINE:
            return
        head, self._head = bytes(self._head), bytearray()
        parts = head.split(b"\r\n", 1)[0].split(b" ")
        live = len(parts) == 3 and parts[0] == b"GET" and urlsplit(parts[1].decode("latin-1")).path == PATH
        if live:
            self._decide(False)
            super().data_received(head)
            return
        self._http_reader = asyncio.StreamReader(limit=MAX_REQUEST_LINE * 8)
        self._http_reader.feed_data(head)
        self._decide(True)

    def eof_received(self) -> None:
        if self._http_reader is not None:
            self._http_reader.feed_eof()
            return
        super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._http_reader is not None:
            self._http_reader.feed_eof()
        self._decide(False)
        super().connection_lost(exc)

    async def handshake(self, *args: Any, **kwargs: Any) -> None:
        # The server runs without websockets' open_timeout, which would also end a plain HTTP
        # connection (served inside this method) that long after it opened: the opening is
        # bounded here instead, as websockets bounds it (the transport aborted).
        timer = asyncio.get_running_loop().call_later(OPEN_TIMEOUT, self.transport.abort)
        try:
            if not await self._decided:
                await super().handshake(*args, **kwargs)
                return
        finally:
            timer.cancel()
        assert self._http_reader is not None
        self.transport.set_write_buffer_limits(high=0)  # so that drain() waits for an empty buffer
        with contextlib.suppress(ConnectionError):
            await self.http.serve(self._http_reader, self.transport, self.drain)
        # The handshake never opened a WebSocket: websockets aborts the transport now.


def _connection_factory(http: HttpService, undecided: set[SharedPortConnection]) -> type[ServerConnection]:
    class Connection(SharedPortConnection):
        pass

    Connection.http = http
    Connection.undecided = undecided
    return Connection


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


class WebSocketFrontEnd:
    """Serves live sessions over plaintext WebSocket (ws://host:port/ws/...BidiGenerateContent)."""

    name = "websocket"

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._server: Server | None = None
        self._http = HttpService(backend)
        self._undecided: set[SharedPortConnection] = set()

    async def start(self, address: str) -> int:
        """Bind `address` ("host:port", port 0 = a free one), serve, return the bound port."""
        host, port = _split(address)
        self._http = HttpService(self._backend)  # fresh at each start: the last stop closed the old
        server = await serve(
            self._session,
            host,
            port,
            process_request=functools.partial(_route, self._backend),
            max_size=MAX_MESSAGE_BYTES,
            compression=None,
            open_timeout=None,  # SharedPortConnection bounds the opening itself
            create_connection=_connection_factory(self._http, self._undecided),
        )
        self._server = server
        return int(next(iter(server.sockets)).getsockname()[1])

    async def stop(self, timeout: float) -> None:
        """Stop accepting; idle HTTP connections close at once, HTTP requests in progress get their
        answer; sessions and requests still open `timeout` seconds later are closed (1001) or cut."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close(close_connections=False)
        # websockets waits for every connection's handler, and knows nothing of HTTP keep-alive.
        self._http.close_idle()
        self._abort_undecided()
        try:
            await asyncio.wait_for(asyncio.shield(server.wait_closed()), timeout)
        except asyncio.TimeoutError:
            self._http.abort()
            self._abort_undecided()
            server.close(close_connections=True)
            await server.wait_closed()

    def _abort_undecided(self) -> None:
        for connection in list(self._undecided):  # nothing asked yet: nothing to answer
            connection.transport.abort()

    async def wait_for_termination(self) -> None:
        """Wait until the server stops."""
        if self._server is not None:
            await self._server.wait_closed()

    async def _inbox(
        self, connection: ServerConnection
    ) -> AsyncIterator[gs.BidiGenerateContentClientMessage]:
        try:
            async for frame in connection:
                if len(frame) > INLINE_BYTES:
                    yield await self._backend.offload(lambda frame=frame: parse_frame(frame))  # type: ignore[misc]
                else:
                    yield parse_frame(frame)
        except ConnectionClosed:
            return  # the client went away: the session ends

    async def _session(self, connection: ServerConnection) -> None:
        request = connection.request
        metadata: dict[str, str | bytes] = {}
        if request is not None:
            metadata = {name.lower(): value for name, value in request.headers.raw_items()}
            key = parse_qs(urlsplit(request.path).query).get("key")
            if key and API_KEY_HEADER not in metadata:
                metadata[API_KEY_HEADER] = key[0]
        session = LiveSession(self._backend, "websocket", metadata)
        messages = session.run(self._inbox(connection))
        try:
            try:
                async for message in messages:
                    await connection.send(frame_of(message))
            finally:
                await messages.aclose()
        except ConnectionClosed:
            return
        except LiveClose as failure:
            if failure.abrupt:
                connection.transport.abort()
                return
            await connection.close(close_code(failure), close_reason(failure))
            return
        except RpcFailure as failure:
            code = close_code(failure, self._backend.running.stopping)
            await connection.close(code, close_reason(failure))
            return
        await connection.close(NORMAL)


def _route(backend: Backend, connection: ServerConnection, request: Request) -> Response | None:
    """Live sessions at PATH (every other request went to `_http` before the handshake)."""
    if urlsplit(request.path).path != PATH:
        return connection.respond(HTTPStatus.NOT_FOUND, f"Not found: the live endpoint is {PATH}\n")
    return None
