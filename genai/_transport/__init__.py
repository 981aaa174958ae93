"""The transport layer: settings, call options, retry decisions, and the two gRPC backends.

The backends are hand-written and share one interface, which the service layer (written once in
genai._aio, generated into genai._sync) calls unchanged; the sync one blocks, the asyncio one is
awaited:

* ``unary(rpc, request, *, options, metadata=()) -> M``
* ``server_stream(rpc, request, *, options, metadata=()) -> ServerStream[M]`` (iterate it)
* ``bidi(rpc, *, timeout=None, metadata=()) -> BidiStream[M]`` (``write``, ``done_writing``, ``read``)
* ``sleep(seconds)``, ``gather(thunks) -> list`` (zero-argument callables, run concurrently: threads
  or tasks)
* ``close()`` (sync) / ``aclose()`` (asyncio)

``Transport`` (sync, ``sync``) and ``AsyncTransport`` (asyncio, ``aio``); their streams live in
``sync_streams`` and ``aio_streams``. They are the only modules that issue RPCs. Live sessions
over WebSocket have a backend pair of their own, shaped like the bidi streams: ``WebSocketStream``
(``ws_sync``) and ``AsyncWebSocketStream`` (``ws_aio``), over ``websocket``'s URL, headers and codec.
"""

from genai._transport.aio import AsyncBidiStream, AsyncServerStream, AsyncTransport
from genai._transport.settings import ChannelSettings
from genai._transport.sync import BidiStream, ServerStream, Transport
from genai._transport.ws_aio import AsyncWebSocketStream
from genai._transport.ws_sync import WebSocketStream

__all__ = [
    "AsyncBidiStream",
    "AsyncServerStream",
    "AsyncTransport",
    "AsyncWebSocketStream",
    "BidiStream",
    "ChannelSettings",
    "ServerStream",
    "Transport",
    "WebSocketStream",
]
