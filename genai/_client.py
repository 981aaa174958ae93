"""`genai.Client` and its asyncio twin `client.aio`.

    >>> client = genai.Client()                      # key from GEMINI_API_KEY / GOOGLE_API_KEY, TLS
    >>> client.models.generate_content(model="gemini-2.5-flash", contents="Hi").text

The client owns the transport (channels); both faces share the same settings and default call
options. Close it (or use it as a context manager) to release the connections.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from genai._models import AsyncModels, Models
from genai._options import DEFAULT_TIMEOUT, CallOptions, RetryOptions
from genai._transport import AsyncTransport, ChannelSettings, Transport

DEFAULT_ENDPOINT = "generativelanguage.googleapis.com:443"
_KEY_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


def _key_from_environment() -> str | None:
    for name in _KEY_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    return None


class Client:
    """Entry point: ``client.models`` (sync) and ``client.aio.models`` (asyncio).

    Args:
        api_key: the Gemini API key; default: ``GEMINI_API_KEY``, then ``GOOGLE_API_KEY``.
        endpoint: ``host:port``; default the Gemini API over TLS.
        insecure: plaintext gRPC; only for loopback endpoints (the emulator) unless
            ``allow_insecure_remote=True``.
        timeout: default deadline of each attempt, seconds (None: no deadline).
        retry: default retry policy (``RetryOptions(attempts=1)`` disables retries).
        root_certificates: PEM roots for TLS to a private endpoint.
        pool_size: at most this many connections in the asyncio channel pool.
        streams_per_channel: the asyncio pool opens another connection only when every open one
            carries this many calls (default 100, what Google's front ends allow per connection).
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        endpoint: str | None = None,
        insecure: bool = False,
        allow_insecure_remote: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryOptions | None = None,
        root_certificates: bytes | None = None,
        pool_size: int = 4,
        streams_per_channel: int = 100,
        channel_options: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        key = api_key if api_key is not None else _key_from_environment()
        if endpoint is None and not key:
            raise ValueError(
                "no API key: pass api_key=..., or set GEMINI_API_KEY or GOOGLE_API_KEY "
                "(for a local emulator pass endpoint= and insecure=True)"
            )
        self._settings = ChannelSettings(
            endpoint=endpoint or DEFAULT_ENDPOINT,
            api_key=key or None,
            insecure=insecure,
            allow_insecure_remote=allow_insecure_remote,
            root_certificates=root_certificates,
            pool_size=pool_size,
            streams_per_channel=streams_per_channel,
            extra_options=channel_options,
        )
        self._defaults = CallOptions(timeout=timeout, retry=retry or RetryOptions())
        self._transport = Transport(self._settings)
        self.models = Models(self._transport, self._defaults)
        self._aio: AsyncClient | None = None

    @property
    def aio(self) -> AsyncClient:
        """The asyncio face, sharing this client's settings (its channels are its own)."""
        if self._aio is None:
            self._aio = AsyncClient(self._settings, self._defaults)
        return self._aio

    @property
    def endpoint(self) -> str:
        return self._settings.endpoint

    def close(self) -> None:
        """Close the sync channel. Close ``client.aio`` from its event loop with ``await aclose()``."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        key = "set" if self._settings.api_key else "unset"
        return f"Client(endpoint={self._settings.endpoint!r}, api_key=<{key}>)"


class AsyncClient:
    """The asyncio face of a Client: ``client.aio.models``."""

    def __init__(self, settings: ChannelSettings, defaults: CallOptions) -> None:
        self._settings = settings
        self._transport = AsyncTransport(settings)
        self.models = AsyncModels(self._transport, defaults)

    async def aclose(self) -> None:
        """Close the channels of the current event loop's pool."""
        await self._transport.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        key = "set" if self._settings.api_key else "unset"
        return f"AsyncClient(endpoint={self._settings.endpoint!r}, api_key=<{key}>)"
