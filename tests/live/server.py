"""A minimal live server built only from the official descriptors, on loopback, scriptable per test.

It serves ``/google.ai.generativelanguage.v1beta.GenerativeService/BidiGenerateContent`` over gRPC
(a grpc.aio generic handler) and the JSON form over WebSocket (``websockets``), with the message
classes of google-ai-generativelanguage (``BidiGenerateContentClientMessage.pb()`` ...). Nothing
of genai is imported. Each connection runs the test's ``script(conn)`` coroutine on the server's own
event loop thread; ``conn`` reads client messages (as dicts) and sends server messages (dicts, or
raw bytes / JSON for messages the client does not know), and can drop the connection or close it
with a status / close code.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import grpc.aio
from google.ai.generativelanguage_v1beta import types as official
from google.protobuf import json_format

PATH = "/google.ai.generativelanguage.v1beta.GenerativeService/BidiGenerateContent"
WS_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
ClientMessage = official.BidiGenerateContentClientMessage.pb()
ServerMessage = official.BidiGenerateContentServerMessage.pb()
KEY = "live-test-key"


class Drop(Exception):
    """Raised inside a script to drop the connection abruptly (gRPC UNAVAILABLE / WebSocket 1006)."""


class Refuse(Exception):
    """Raised inside a script to close with a status (gRPC) / close code (WebSocket) and a reason."""

    def __init__(self, code: grpc.StatusCode, ws_code: int, reason: str) -> None:
        super().__init__(reason)
        self.code, self.ws_code, self.reason = code, ws_code, reason


@dataclass
class Conn:
    """One connection as a script sees it."""

    index: int
    transport: str
    received: list[dict[str, Any]] = field(default_factory=list)
    sent: int = 0
    _recv: Callable[[], Awaitable[dict[str, Any] | None]] | None = None
    _send: Callable[[bytes, str], Awaitable[None]] | None = None

    async def recv(self) -> dict[str, Any] | None:
        """The next client message as a snake_case dict (None when the client stopped sending)."""
        assert self._recv is not None
        message = await self._recv()
        if message is not None:
            self.received.append(message)
        return message

    async def expect(self, kind: str) -> dict[str, Any]:
        message = await self.recv()
        assert message is not None and kind in message, (kind, message)
        return message

    async def send(self, message: dict[str, Any]) -> None:
        """Send a server message given as a snake_case dict of BidiGenerateContentServerMessage."""
        pb = json_format.ParseDict(message, ServerMessage())
        assert self._send is not None
        self.sent += 1
        await self._send(pb.SerializeToString(), json_format.MessageToJson(pb))

    async def send_raw(self, wire: bytes, text: str) -> None:
        """Send exact bytes (gRPC) or JSON text (WebSocket): for messages the client does not know."""
        assert self._send is not None
        self.sent += 1
        await self._send(wire, text)

    async def setup(self, handle: str | None = None) -> dict[str, Any]:
        """Take the setup message and confirm it."""
        message = await self.expect("setup")
        await self.send({"setup_complete": {}})
        return message["setup"]

    async def text_turn(self, *pieces: str, handle: str | None = None) -> None:
        for piece in pieces:
            await self.send({"server_content": {"model_turn": {"role": "model", "parts": [{"text": piece}]}}})
        await self.send({"server_content": {"turn_complete": True}})
        if handle is not None:
            await self.send({"session_resumption_update": {"new_handle": handle, "resumable": True}})


Script = Callable[[Conn], Awaitable[None]]


def _dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


class LiveServer:
    """Both front ends on one background event loop; ``script`` is set per test."""

    def __init__(self) -> None:
        self.script: Script | None = None
        self.connections: list[Conn] = []
        self.headers: list[dict[str, str]] = []
        self.paths: list[str] = []
        self._tls_servers: list[Any] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="live-test-server", daemon=True)
        self._thread.start()
        self.grpc_port, self.ws_port = self._run(self._start())

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    async def _start(self) -> tuple[int, int]:
        import websockets.asyncio.server as ws_server

        self._grpc = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", 64 << 20),
                ("grpc.max_send_message_length", 64 << 20),
            ]
        )
        handler = grpc.stream_stream_rpc_method_handler(
            self._grpc_call,
            request_deserializer=ClientMessage.FromString,
            response_serializer=lambda b: b,
        )
        self._grpc.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    "google.ai.generativelanguage.v1beta.GenerativeService", {"BidiGenerateContent": handler}
                ),
            )
        )
        grpc_port = self._grpc.add_insecure_port("127.0.0.1:0")
        await self._grpc.start()
        # Small, fixed socket buffers (inherited by accepted connections; no autotuning up to tens of
        # MB on loopback), so that a client writing faster than a script reads meets backpressure.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)
        sock.bind(("127.0.0.1", 0))
        self._ws = await ws_server.serve(
            self._ws_call, sock=sock, max_size=64 << 20, max_queue=2, compression=None
        )
        ws_port = sock.getsockname()[1]
        return grpc_port, ws_port

    def serve_tls(self, cert: bytes, key: bytes, directory: Any) -> int:
        """Also serve the WebSocket over TLS with this certificate; returns the port."""
        import ssl

        import websockets.asyncio.server as ws_server

        (directory / "c.pem").write_bytes(cert)
        (directory / "k.pem").write_bytes(key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(directory / "c.pem", directory / "k.pem")

        async def start() -> int:
            server = await ws_server.serve(self._ws_call, "127.0.0.1", 0, ssl=context, compression=None)
            self._tls_servers.append(server)
            return int(next(iter(server.sockets)).getsockname()[1])

        port: int = self._run(start())
        return port

    def reset(self, script: Script) -> None:
        self.script = script
        self.connections = []
        self.headers = []
        self.paths = []

    def stop(self) -> None:
        async def stop() -> None:
            await self._grpc.stop(0)
            for ws in [self._ws, *self._tls_servers]:
                ws.close()
                await ws.wait_closed()

        self._run(stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _conn(self, transport: str) -> Conn:
        conn = Conn(len(self.connections), transport)
        self.connections.append(conn)
        return conn

    async def _grpc_call(self, request_iterator: Any, context: grpc.aio.ServicerContext) -> None:
        self.headers.append({k: v for k, v in context.invocation_metadata() or ()})
        conn = self._conn("grpc")

        async def recv() -> dict[str, Any] | None:
            message = await context.read()
            if message is grpc.aio.EOF:  # type: ignore[attr-defined]
                return None
            return _dict(message)

        async def send(wire: bytes, text: str) -> None:
            await context.write(wire)

        conn._recv, conn._send = recv, send
        assert self.script is not None
        try:
            await self.script(conn)
        except Drop:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "connection reset by the test")
        except Refuse as refuse:
            await context.abort(refuse.code, refuse.reason)
        except asyncio.CancelledError:
            raise

    async def _ws_call(self, ws: Any) -> None:
        self.headers.append({k.lower(): v for k, v in ws.request.headers.raw_items()})
        self.paths.append(ws.request.path)
        conn = self._conn("websocket")
        import websockets.exceptions

        async def recv() -> dict[str, Any] | None:
            try:
                frame = await ws.recv()
            except websockets.exceptions.ConnectionClosed:
                return None
            message = json_format.Parse(frame, ClientMessage())
            return _dict(message)

        async def send(wire: bytes, text: str) -> None:
            await ws.send(text)

        conn._recv, conn._send = recv, send
        assert self.script is not None
        try:
            await self.script(conn)
        except Drop:
            ws.transport.abort()
            return
        except Refuse as refuse:
            await ws.close(refuse.ws_code, refuse.reason)
            return
        except websockets.exceptions.ConnectionClosed:
            return
        await ws.close(1000, "bye")


def unknown_message_wire() -> tuple[bytes, str]:
    """A server message of a kind nobody knows yet: field 42 (not in any oneof), plus usage."""
    usage = ServerMessage(usage_metadata={"total_token_count": 5})
    wire = usage.SerializeToString() + bytes([0xD2, 0x02, 0x03]) + b"new"  # field 42, length-delimited
    text = json.dumps({"usageMetadata": {"totalTokenCount": 5}, "futureKind": {"x": 1}})
    return wire, text
