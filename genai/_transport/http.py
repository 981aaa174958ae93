"""Plain HTTP (file uploads and downloads, generated videos): the hand-written thread / asyncio pair.

``FileHttp`` (threads) and ``AsyncFileHttp`` (asyncio) have the same methods, so the protocols are
written once (``genai._aio.files`` and ``genai._aio.models``, whose generated sync faces use
``FileHttp``); a client holds one of each, shared by its files and models (one pool):

    post(url, headers, content) -> HttpAnswer        a request; HttpTransportError when the
                                                     connection breaks or times out
    download(url, headers, path, what) -> bytes | None   a GET: the body streamed into `path`
                                                     (through `path.part`, renamed once complete)
                                                     or, with no path, returned; APIErrors for
                                                     an error answer or a failed connection
    run(function, *args)                            blocking work (file reads): a worker thread
                                                     on the asyncio face, never the loop
    sleep(seconds)

They use httpx2 (httpx's maintained successor: sync and async clients, connection reuse, TLS;
the optional `files` extra), with the gRPC channel's TLS settings: the client's
``root_certificates`` (else the system roots) and ``tls_server_name`` (the name the certificate
must be valid for, also sent as SNI, when it is not the endpoint's host); plaintext only with
``insecure=True`` (the same loopback rule). A certificate that fails verification raises
CertificateVerificationError at once: it is no transient failure to retry. The key travels in the
``x-goog-api-key`` header the caller passes, never in a URL; errors raised here never carry the
URL or the headers.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import grpc

from genai._transport.settings import ChannelSettings
from genai._transport.websocket import ssl_context
from genai.errors import APIError, CertificateVerificationError, UnavailableError, error_class

__all__ = [
    "CHUNK_BYTES",
    "AsyncFileHttp",
    "FileHttp",
    "HttpAnswer",
    "HttpTransportError",
    "base_url",
    "http_error",
]

T = TypeVar("T")
CONNECT_TIMEOUT = 20.0
IO_TIMEOUT = 120.0  # one chunk's write or one answer's read
CHUNK_BYTES = 1 << 20  # a download's piece: what memory holds at once

# HTTP statuses as the API maps its gRPC codes (google.rpc.Code); an error body's JSON status wins.
_CODE_OF_HTTP = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    408: grpc.StatusCode.DEADLINE_EXCEEDED,
    409: grpc.StatusCode.ALREADY_EXISTS,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    499: grpc.StatusCode.CANCELLED,
    500: grpc.StatusCode.INTERNAL,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}
# OpenSSL's verify codes for a certificate issued for another name (X509_V_ERR_HOSTNAME_MISMATCH,
# X509_V_ERR_IP_ADDRESS_MISMATCH); every other verify failure means the chain is not trusted.
_NAME_MISMATCH = (62, 64)


@dataclass(frozen=True)
class HttpAnswer:
    """A response: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class HttpTransportError(ConnectionError):
    """The connection broke, or timed out, before an answer came (the message names the kind of
    failure only: never the URL or a header)."""


def base_url(settings: ChannelSettings) -> str:
    """``https://host:port`` of the client's HTTP side (``http://`` with ``insecure=True``).

    >>> base_url(ChannelSettings(endpoint="127.0.0.1:1", http_endpoint="127.0.0.1:8080", insecure=True))
    'http://127.0.0.1:8080'
    """
    scheme = "http" if settings.insecure else "https"
    return f"{scheme}://{settings.http_target}"


def http_error(status: int, body: bytes, what: str) -> APIError:
    """The APIError for an HTTP error answer: the class of its status (or of the JSON error's
    ``status`` when the body has one), the JSON error's message, else the start of the body.

    >>> str(http_error(404, b'{"error": {"message": "no such file"}}', "downloading files/x"))
    'NOT_FOUND: downloading files/x failed: HTTP 404: no such file'
    """
    code = _CODE_OF_HTTP.get(status)
    if code is None:  # an unlisted 5xx (a proxy's 502, say) is transient; anything else unknown
        code = grpc.StatusCode.UNAVAILABLE if status >= 500 else grpc.StatusCode.UNKNOWN
    detail = body[:300].decode("utf-8", "replace").strip()
    try:
        error = json.loads(body).get("error", {})
        if isinstance(error.get("status"), str) and error["status"] in grpc.StatusCode.__members__:
            code = grpc.StatusCode[error["status"]]
        if isinstance(error.get("message"), str) and error["message"]:
            detail = error["message"]
    except (ValueError, AttributeError):
        pass
    message = f"{what} failed: HTTP {status}" + (f": {detail}" if detail else "")
    return error_class(code)(message, code=code)


def _httpx() -> Any:
    try:
        import httpx2
    except ImportError:
        raise ImportError(
            "uploads and downloads of files, and downloads of generated videos, need the httpx2 "
            "package: pip install 'genai[files]'"
        ) from None
    return httpx2


def _client_options(settings: ChannelSettings) -> dict[str, Any]:
    """httpx2's client options. Blocking (an SSL context loads the roots): the asyncio face builds
    its client on a worker thread."""
    httpx = _httpx()
    context = ssl_context(settings)
    return {
        # Plaintext (insecure=True, loopback only) needs no context; TLS uses the channel's roots.
        "verify": context if context is not None else False,
        "timeout": httpx.Timeout(IO_TIMEOUT, connect=CONNECT_TIMEOUT),
        "follow_redirects": False,
        "trust_env": False,  # no proxies or netrc credentials picked up behind the caller's back
    }


def _extensions(settings: ChannelSettings) -> dict[str, Any]:
    """Per-request options. httpcore2 takes the TLS name per request, and uses it both as the SNI
    and as the name the certificate is checked against (it is the handshake's server_hostname)."""
    if settings.insecure or settings.tls_server_name is None:
        return {}
    return {"sni_hostname": settings.tls_server_name}


def _answer(response: Any) -> HttpAnswer:
    return HttpAnswer(
        response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.content
    )


def _verification_failure(exc: BaseException) -> Any:
    """The ssl.SSLCertVerificationError under httpx2's and httpcore2's wrappers, if that is the cause."""
    import ssl  # loaded already: httpx2 uses it

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _broken(exc: BaseException, settings: ChannelSettings) -> Exception:
    """What a transport failure raises: CertificateVerificationError when TLS refused the server's
    certificate (never retried), else HttpTransportError (the callers' retries decide)."""
    found = _verification_failure(exc)
    if found is None:
        return HttpTransportError(f"the connection failed: {type(exc).__name__}")
    if getattr(found, "verify_code", None) in _NAME_MISMATCH:
        name = settings.tls_server_name or urlsplit(f"//{settings.http_target}").hostname
        return CertificateVerificationError(
            f"TLS: the HTTPS server's certificate is not valid for the name {name!r}, so nothing was "
            "sent (set tls_server_name= to the name the certificate was issued for)",
            name_mismatch=True,
        )
    reason = getattr(found, "verify_message", "") or "verification failed"
    return CertificateVerificationError(
        f"TLS: the HTTPS server's certificate is not trusted ({reason}), so nothing was sent "
        "(pass root_certificates= with the PEM of the authority that issued it)",
        name_mismatch=False,
    )


def _download_failed(exc: BaseException, settings: ChannelSettings, what: str) -> Exception:
    broken = _broken(exc, settings)
    if isinstance(broken, CertificateVerificationError):
        return broken
    return UnavailableError(f"{what} failed: {broken}", code=grpc.StatusCode.UNAVAILABLE)


def _part(path: str) -> str:
    """Where a download is written until it is complete (then renamed to `path`)."""
    return path + ".part"


def _finish(out: Any, part: str, path: str) -> None:
    out.close()
    os.replace(part, path)


def _abandon(out: Any, part: str) -> None:
    """A failed download leaves no partial file."""
    out.close()
    Path(part).unlink(missing_ok=True)


def _timeout(seconds: float | None) -> dict[str, Any]:
    """httpx2's per-request timeout for a call's own ``timeout`` (each phase; connecting at most
    CONNECT_TIMEOUT); nothing when the call set none (the client's IO_TIMEOUT then)."""
    if seconds is None:
        return {}
    return {"timeout": _httpx().Timeout(seconds, connect=min(seconds, CONNECT_TIMEOUT))}


class FileHttp:
    """HTTP on the calling thread, one connection pool per client (created on first use)."""

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._extensions = _extensions(settings)
        self._lock = threading.Lock()
        self._client: Any = None

    def _http(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = _httpx().Client(**_client_options(self._settings))
            return self._client

    def base_url(self) -> str:
        return base_url(self._settings)

    def post(
        self, url: str, headers: Mapping[str, str], content: bytes, timeout: float | None = None
    ) -> HttpAnswer:
        client = self._http()
        httpx = _httpx()
        try:
            response = client.post(
                url, headers=dict(headers), content=content, extensions=self._extensions, **_timeout(timeout)
            )
            return _answer(response)
        except httpx.TransportError as exc:
            raise _broken(exc, self._settings) from None

    def download(
        self, url: str, headers: Mapping[str, str], path: str | None, what: str, block: int = CHUNK_BYTES
    ) -> bytes | None:
        """GET `url`: the body streamed into `path` (returns None) or, with no path, returned."""
        client = self._http()
        httpx = _httpx()
        try:
            with client.stream("GET", url, headers=dict(headers), extensions=self._extensions) as response:
                if response.status_code != 200:
                    raise http_error(response.status_code, response.read(), what)
                if path is None:
                    return bytes(response.read())
                part = _part(path)
                out = open(part, "wb")  # noqa: SIM115 (closed by _finish or _abandon)
                try:
                    for piece in response.iter_bytes(block):
                        out.write(piece)
                    _finish(out, part, path)
                except BaseException:
                    _abandon(out, part)
                    raise
                return None
        except httpx.TransportError as exc:
            raise _download_failed(exc, self._settings, what) from None

    def run(self, function: Callable[..., T], *args: Any) -> T:
        return function(*args)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class AsyncFileHttp:
    """HTTP on the running event loop (one pool per loop); blocking work on worker threads."""

    def __init__(self, settings: ChannelSettings) -> None:
        self._settings = settings
        self._extensions = _extensions(settings)
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()

    async def _http(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            options = await asyncio.to_thread(_client_options, self._settings)  # loads TLS roots
            client = self._clients.get(loop)  # another task of this loop may have made one meanwhile
            if client is None:
                client = _httpx().AsyncClient(**options)
                self._clients[loop] = client
        return client

    def base_url(self) -> str:
        return base_url(self._settings)

    async def post(
        self, url: str, headers: Mapping[str, str], content: bytes, timeout: float | None = None
    ) -> HttpAnswer:
        client = await self._http()  # first: it imports httpx2 on a worker thread
        httpx = _httpx()
        try:
            response = await client.post(
                url, headers=dict(headers), content=content, extensions=self._extensions, **_timeout(timeout)
            )
            return _answer(response)
        except httpx.TransportError as exc:
            raise _broken(exc, self._settings) from None

    async def download(
        self, url: str, headers: Mapping[str, str], path: str | None, what: str, block: int = CHUNK_BYTES
    ) -> bytes | None:
        """GET `url`: the body streamed into `path` (returns None) or, with no path, returned; the
        file is opened, written and renamed on worker threads."""
        client = await self._http()
        httpx = _httpx()
        try:
            async with client.stream(
                "GET", url, headers=dict(headers), extensions=self._extensions
            ) as response:
                if response.status_code != 200:
                    raise http_error(response.status_code, await response.aread(), what)
                if path is None:
                    return bytes(await response.aread())
                part = _part(path)
                out = await asyncio.to_thread(open, part, "wb")
                try:
                    async for piece in response.aiter_bytes(block):
                        await asyncio.to_thread(out.write, piece)
                    await asyncio.to_thread(_finish, out, part, path)
                except BaseException:
                    # On the loop, not a thread: a cancelled task must not skip the clean-up.
                    _abandon(out, part)
                    raise
                return None
        except httpx.TransportError as exc:
            raise _download_failed(exc, self._settings, what) from None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(function, *args)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    async def aclose(self) -> None:
        """Close the running loop's pool."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()
