"""The transport layer: settings, call options, retry decisions, and the two gRPC backends.

The backends share one interface that the service layer calls unchanged: ``unary``,
``server_stream``, ``bidi``, ``close``; ``Transport`` (sync, ``sync``) and ``AsyncTransport``
(asyncio, ``aio``). They are the only modules that issue RPCs.
"""

from genai._transport.aio import AsyncBidiStream, AsyncServerStream, AsyncTransport
from genai._transport.settings import ChannelSettings
from genai._transport.sync import BidiStream, ServerStream, Transport

__all__ = [
    "AsyncBidiStream",
    "AsyncServerStream",
    "AsyncTransport",
    "BidiStream",
    "ChannelSettings",
    "ServerStream",
    "Transport",
]
