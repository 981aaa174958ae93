"""Raw live-session clients for the emulator tests, built only from the official descriptors
(google-ai-generativelanguage) and the transports' own libraries: grpc.aio with a raw
stream_stream, and a plain `websockets` client sending json_format JSON. Nothing of genai's client.

Both give the same small interface, so a test runs on both transports:

    async with open_session("grpc", emulator, setup={...}, metadata={...}) as session:
        await session.send(client_content={...})
        messages = await session.until(lambda m: m.server_content.turn_complete)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import struct
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import grpc
import websockets
from google.ai import generativelanguage_v1beta as official
from google.protobuf import json_format
from websockets.asyncio.client import ClientConnection, connect

from genai.testing import Emulator

CM = official.BidiGenerateContentClientMessage.pb()
SM = official.BidiGenerateContentServerMessage.pb()
PATH = "/google.ai.generativelanguage.v1beta.GenerativeService/BidiGenerateContent"
WS_PATH = "/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent"
LIVE_MODEL = "models/gemini-live-2.5-flash"
TIMEOUT = 5.0
TRANSPORTS = ("grpc", "websocket")


class Ended(Exception):
    """The session ended: `code` is the gRPC status name or the WebSocket close code (0: a normal
    end of a gRPC call), `reason` the status details or the close reason."""

    def __init__(self, code: str | int, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


def client_message(**fields: Any) -> Any:
    """A BidiGenerateContentClientMessage (official class) from keyword fields in dict form."""
    return json_format.ParseDict(fields, CM())


def tone(seconds: float, level: int = 8000, rate: int = 16_000) -> bytes:
    """16-bit little-endian mono PCM of a 440 Hz tone (speech, for the emulator)."""
    count = int(rate * seconds)
    return struct.pack(
        f"<{count}h", *(int(level * math.sin(2 * math.pi * 440 * i / rate)) for i in range(count))
    )


def silence(seconds: float, rate: int = 16_000) -> bytes:
    return bytes(int(rate * seconds) * 2)


class _Session:
    transport = ""

    def __init__(self) -> None:
        self.received: list[Any] = []
        self.raw: list[Any] = []  # WebSocket: each frame as parsed JSON

    async def send(self, **fields: Any) -> None:
        await self.send_message(client_message(**fields))

    async def send_message(self, message: Any) -> None:
        raise NotImplementedError

    async def recv(self, timeout: float = TIMEOUT) -> Any:
        raise NotImplementedError

    async def until(self, done: Callable[[Any], bool], timeout: float = TIMEOUT) -> list[Any]:
        """Messages up to and including the first for which `done` holds."""
        out = []
        while True:
            message = await self.recv(timeout)
            out.append(message)
            if done(message):
                return out

    async def turn(self, timeout: float = TIMEOUT) -> list[Any]:
        """Messages up to and including turn_complete."""
        return await self.until(lambda m: m.server_content.turn_complete, timeout)

    async def ended(self, timeout: float = TIMEOUT) -> Ended:
        """Read until the session ends; the Ended it ends with (messages before it are kept)."""
        try:
            while True:
                await self.recv(timeout)
        except Ended as end:
            return end


class GrpcSession(_Session):
    transport = "grpc"

    def __init__(self, call: Any) -> None:
        super().__init__()
        self._call = call
        # Cancelling a grpc.aio read cancels the whole call, so one task reads and recv waits on it.
        self._inbox: asyncio.Queue[Any] = asyncio.Queue()
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        try:
            while True:
                message = await self._call.read()
                if message is grpc.aio.EOF:
                    code = await self._call.code()
                    details = await self._call.details() or ""
                    await self._inbox.put(Ended(0 if code == grpc.StatusCode.OK else code.name, details))
                    return
                await self._inbox.put(message)
        except grpc.aio.AioRpcError as error:
            await self._inbox.put(Ended(error.code().name, error.details() or ""))

    async def send_message(self, message: Any) -> None:
        with contextlib.suppress(asyncio.InvalidStateError, grpc.aio.AioRpcError):
            await self._call.write(message)  # fails when the call already ended: recv says how

    async def done_writing(self) -> None:
        await self._call.done_writing()

    async def recv(self, timeout: float = TIMEOUT) -> Any:
        item = await asyncio.wait_for(self._inbox.get(), timeout)
        if isinstance(item, Ended):
            self._inbox.put_nowait(item)  # every later recv ends the same way
            raise item
        self.received.append(item)
        return item

    async def close(self) -> None:
        self._call.cancel()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader


class WebSocketSession(_Session):
    transport = "websocket"

    def __init__(self, connection: ClientConnection) -> None:
        super().__init__()
        self.connection = connection

    async def send_message(self, message: Any) -> None:
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.connection.send(json_format.MessageToJson(message))  # recv says why it failed

    async def send_text(self, text: str | bytes) -> None:
        await self.connection.send(text)

    async def done_writing(self) -> None:
        await self.connection.close()

    async def recv(self, timeout: float = TIMEOUT) -> Any:
        try:
            frame = await asyncio.wait_for(self.connection.recv(), timeout)
        except websockets.ConnectionClosed as closed:
            received = closed.rcvd
            raise Ended(received.code if received else 1006, received.reason if received else "") from None
        data = json.loads(frame)
        self.raw.append(data)
        message = json_format.ParseDict(data, SM(), ignore_unknown_fields=True)
        self.received.append(message)
        return message


def ws_url(emulator: Emulator, path: str = WS_PATH) -> str:
    return f"ws://{emulator.http_endpoint}{path}"


@asynccontextmanager
async def open_session(
    transport: str,
    emulator: Emulator,
    setup: Mapping[str, Any] | None = None,
    metadata: Mapping[str, str] | None = None,
    key: str | None = "emulator-key",
    wait_setup: bool = True,
) -> AsyncIterator[Any]:
    """A session with `setup` sent (model defaults to LIVE_MODEL) and, with `wait_setup`, its
    setup_complete read."""
    headers = dict(metadata or {})
    if key is not None:
        headers["x-goog-api-key"] = key
    setup = {"model": LIVE_MODEL, **(setup or {})}
    if transport == "grpc":
        async with grpc.aio.insecure_channel(emulator.endpoint) as channel:
            method = channel.stream_stream(
                PATH, request_serializer=CM.SerializeToString, response_deserializer=SM.FromString
            )
            call = method(metadata=tuple(headers.items()), timeout=30)
            grpc_session = GrpcSession(call)
            session: _Session = grpc_session
            try:
                await session.send(setup=setup)
                if wait_setup:
                    first = await session.recv()
                    assert first.WhichOneof("message_type") == "setup_complete", first
                yield session
            finally:
                await grpc_session.close()
    else:
        async with connect(ws_url(emulator), additional_headers=headers, max_size=None) as connection:
            session = WebSocketSession(connection)
            await session.send(setup=setup)
            if wait_setup:
                first = await session.recv()
                assert first.WhichOneof("message_type") == "setup_complete", first
            yield session


def text_of(messages: list[Any]) -> str:
    """The model_turn text of messages, joined."""
    return "".join(
        part.text
        for m in messages
        for part in m.server_content.model_turn.parts
        if part.text and not part.thought
    )


def kinds(messages: list[Any]) -> list[str]:
    """A short name per message: its oneof, or the server_content flag / field it carries."""
    out = []
    for m in messages:
        kind = m.WhichOneof("message_type")
        if kind == "server_content":
            content = m.server_content
            for flag in ("interrupted", "generation_complete", "turn_complete"):
                if getattr(content, flag):
                    kind = flag
            if content.HasField("input_transcription"):
                kind = "input_transcription"
            elif content.HasField("model_turn"):
                kind = "model_turn"
        out.append(kind or "unknown")
    return out


def ended_as(end: Ended, transport: str, grpc_code: str, ws_code: int) -> bool:
    return end.code == (grpc_code if transport == "grpc" else ws_code)
