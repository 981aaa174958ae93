"""`genai.Client` and its asyncio twin `client.aio`.

With a key in GEMINI_API_KEY or GOOGLE_API_KEY, over TLS to the real API::

    client = genai.Client()
    client.models.generate_content(model="gemini-2.5-flash", contents="Hi").text

and against a local emulator:

    >>> local = genai.Client(endpoint=emulator.endpoint, insecure=True)
    >>> local.models.generate_content(model="gemini-2.5-flash", contents="Hi").text
    'You said: "Hi". ...'
    >>> local.close()

The client owns the transport (channels); both faces share the same settings and default call
options. Close it (or use it as a context manager) to release the connections.
"""

from __future__ import annotations

import functools
import os
import weakref
from types import TracebackType
from typing import TYPE_CHECKING, Any

from genai._aio.chats import AsyncChats
from genai._aio.live import AsyncLive
from genai._aio.models import AsyncModels
from genai._sync.chats import Chats
from genai._sync.live import Live
from genai._sync.models import Models
from genai._transport import AsyncTransport, ChannelSettings, Transport
from genai._transport.checks import check_retry, check_timeout
from genai._transport.http import AsyncFileHttp, FileHttp
from genai._transport.options import DEFAULT_TIMEOUT, CallOptions, RetryOptions
from genai._transport.pool import close_pools_soon
from genai._transport.settings import (
    DEFAULT_ENDPOINT,
    DEFAULT_MAX_MESSAGE_BYTES,
    DEFAULT_POOL_SIZE,
    DEFAULT_STREAMS_PER_CHANNEL,
    RedactedKey,
    redact_key,
)

if TYPE_CHECKING:
    from genai._aio.caches import AsyncCaches
    from genai._aio.files import AsyncFiles
    from genai._aio.operations import AsyncOperations
    from genai._aio.tunings import AsyncTunings
    from genai._sync.caches import Caches
    from genai._sync.files import Files
    from genai._sync.operations import Operations
    from genai._sync.tunings import Tunings

_KEY_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")


def _key_from_environment() -> RedactedKey | None:
    for name in _KEY_VARIABLES:
        if os.environ.get(name):
            return redact_key(os.environ[name])
    return None


class Client:
    """Entry point: ``client.models``, ``client.chats``, ``client.live``, ``client.caches``,
    ``client.tunings``, ``client.operations`` (sync); ``client.aio.*`` (asyncio).

    Args:
        api_key: the Gemini API key; default: ``GEMINI_API_KEY``, then ``GOOGLE_API_KEY``.
        endpoint: ``host:port``; default the Gemini API over TLS.
        http_endpoint: ``host:port`` of the HTTP side (live sessions over WebSocket); default the
            gRPC endpoint (the Gemini API serves both on ``generativelanguage.googleapis.com:443``);
            TLS unless ``insecure=True``.
        insecure: plaintext gRPC; only for loopback endpoints (the emulator) unless
            ``allow_insecure_remote=True``.
        timeout: default deadline of each attempt, seconds (None: no deadline).
        retry: default retry policy (``RetryOptions(attempts=1)`` disables retries).
        root_certificates: PEM roots for TLS to a private endpoint.
        tls_server_name: the name the server's certificate must be valid for (also sent as SNI),
            when it is not the endpoint's host (a proxy, a tunnel, an address): gRPC, WebSocket
            and HTTP (files, video downloads) alike.
        pool_size: at most this many connections in the asyncio channel pool.
        streams_per_channel: the asyncio pool opens another connection only when every open one
            carries this many calls (default 100, what Google's front ends allow per connection).
        max_message_bytes: the largest message sent or received, both ways (default 64 MiB, room
            for 20 MB of inline data); a larger one fails with MessageTooLargeError, never retried.
        channel_options: raw gRPC channel arguments, ``(("grpc.name", value), ...)``; they win.

    Every argument is checked here: a wrong value is a TypeError or ValueError naming it, never a
    failure at the first call.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        endpoint: str | None = None,
        http_endpoint: str | None = None,
        insecure: bool = False,
        allow_insecure_remote: bool = False,
        timeout: float | None = DEFAULT_TIMEOUT,
        retry: RetryOptions | None = None,
        root_certificates: bytes | None = None,
        tls_server_name: str | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        streams_per_channel: int = DEFAULT_STREAMS_PER_CHANNEL,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        channel_options: tuple[tuple[str, Any], ...] = (),
    ) -> None:
        # First of all, so that no frame of ours holds the key as a plain str (tracebacks with locals).
        api_key = redact_key(api_key)
        key = api_key if api_key is not None else _key_from_environment()
        if endpoint is None and not key:
            raise ValueError(
                "no API key: pass api_key=..., or set GEMINI_API_KEY or GOOGLE_API_KEY "
                "(for a local emulator pass endpoint= and insecure=True)"
            )
        defaults = CallOptions(
            timeout=check_timeout(timeout, "timeout"), retry=check_retry(retry, "retry") or RetryOptions()
        )
        self._settings = ChannelSettings(
            endpoint=DEFAULT_ENDPOINT if endpoint is None else endpoint,
            http_endpoint=http_endpoint,
            api_key=key or None,
            insecure=insecure,
            allow_insecure_remote=allow_insecure_remote,
            root_certificates=root_certificates,
            tls_server_name=tls_server_name,
            pool_size=pool_size,
            streams_per_channel=streams_per_channel,
            max_message_bytes=max_message_bytes,
            extra_options=channel_options,
        )
        self._defaults = defaults
        self._transport = Transport(self._settings)
        self._http = FileHttp(self._settings)  # files and video downloads; connects on first use
        self.models = Models(self._transport, self._defaults, self._http)
        self.chats = Chats(self.models)
        self.live = Live(self._transport, self._settings)
        self._aio: AsyncClient | None = None

    # The resource services load on first use (they stay out of `import genai`).
    @functools.cached_property
    def caches(self) -> Caches:
        """Cached contents: ``client.caches.create(...)`` (genai._sync.caches)."""
        from genai._sync.caches import Caches

        return Caches(self._transport, self._defaults)

    @functools.cached_property
    def files(self) -> Files:
        """Files: ``client.files.upload(file="talk.mp4")`` (genai._sync.files)."""
        from genai._sync.files import Files

        return Files(self._transport, self._defaults, self._settings, self._http)

    @functools.cached_property
    def operations(self) -> Operations:
        """Long-running operations: ``client.operations.get(name)`` (genai._sync.operations)."""
        from genai._sync.operations import Operations

        return Operations(self._transport, self._defaults)

    @functools.cached_property
    def tunings(self) -> Tunings:
        """Tuned models: ``client.tunings.create(...)`` (genai._sync.tunings)."""
        from genai._sync.tunings import Tunings

        return Tunings(self._transport, self._defaults, self.operations)

    @property
    def aio(self) -> AsyncClient:
        """The asyncio face, sharing this client's settings (its channels are its own)."""
        if self._aio is None:
            self._aio = AsyncClient(self._settings, self._defaults)
            if self._transport._closed:
                self._aio._transport.close_nowait()
        return self._aio

    @property
    def endpoint(self) -> str:
        return self._settings.endpoint

    def close(self) -> None:
        """Close the client for good, both faces: calls still running are cancelled. Idempotent.

        The asyncio connections of a loop that is running close on that loop; to release them
        sooner, or to keep using ``client.aio`` afterwards, use ``await client.aio.aclose()``.
        """
        self._transport.close()
        self._http.close()  # the HTTP connections of files and video downloads
        if self._aio is not None:
            self._aio._transport.close_nowait()

    def _retire(self) -> None:
        """Stop relying on this client without cutting its running calls short.

        Nothing is closed now: each transport closes its connections when it is collected, which is
        once the calls and streams still using it are done (they hold it).
        """
        weakref.finalize(self._transport, self._transport._channel.close)
        if self._aio is not None:
            weakref.finalize(self._aio._transport, close_pools_soon, self._aio._transport._pools)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return _repr(self)


def _repr(client: Client | AsyncClient) -> str:
    # Also for a client whose constructor failed half-way (traceback renderers call repr on it).
    settings: ChannelSettings | None = getattr(client, "_settings", None)
    if settings is None:
        return f"{type(client).__name__}(<not initialised>)"
    key = "set" if settings.api_key else "unset"
    return f"{type(client).__name__}(endpoint={settings.endpoint!r}, api_key=<{key}>)"


class AsyncClient:
    """The asyncio face of a Client: ``client.aio.models``, ``client.aio.chats``, ``client.aio.caches``,
    ``client.aio.tunings``, ``client.aio.operations``.

    It works across event loops (each gets its own connections). ``await aclose()`` (or leaving
    ``async with client.aio:``) closes the running loop's connections and leaves the face usable: a
    later call reconnects. ``client.close()`` closes it for good.
    """

    def __init__(self, settings: ChannelSettings, defaults: CallOptions) -> None:
        self._settings = settings
        self._transport = AsyncTransport(settings)
        self._http = AsyncFileHttp(settings)  # files and video downloads; one pool per event loop
        self._defaults = defaults
        self.models = AsyncModels(self._transport, defaults, self._http)
        self.chats = AsyncChats(self.models)
        self.live = AsyncLive(self._transport, settings)

    @functools.cached_property
    def caches(self) -> AsyncCaches:
        """Cached contents: ``await client.aio.caches.create(...)`` (genai._aio.caches)."""
        from genai._aio.caches import AsyncCaches

        return AsyncCaches(self._transport, self._defaults)

    @functools.cached_property
    def operations(self) -> AsyncOperations:
        """Long-running operations: ``await client.aio.operations.get(name)`` (genai._aio.operations)."""
        from genai._aio.operations import AsyncOperations

        return AsyncOperations(self._transport, self._defaults)

    @functools.cached_property
    def tunings(self) -> AsyncTunings:
        """Tuned models: ``await client.aio.tunings.create(...)`` (genai._aio.tunings)."""
        from genai._aio.tunings import AsyncTunings

        return AsyncTunings(self._transport, self._defaults, self.operations)

    @functools.cached_property
    def files(self) -> AsyncFiles:
        """Files: ``await client.aio.files.upload(file="talk.mp4")`` (genai._aio.files)."""
        from genai._aio.files import AsyncFiles

        return AsyncFiles(self._transport, self._defaults, self._settings, self._http)

    async def aclose(self) -> None:
        """Close the running event loop's connections; calls on them are cancelled. Idempotent."""
        await self._transport.close_loop()
        await self._http.aclose()  # the HTTP connections of files and video downloads

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return _repr(self)
