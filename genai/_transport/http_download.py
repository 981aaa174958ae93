"""Where a generated video's download may go: the rule that keeps the key on the client's own host.

    >>> local = ChannelSettings(endpoint="127.0.0.1:1", http_endpoint="127.0.0.1:8080", insecure=True)
    >>> download_url(local, "http://127.0.0.1:8080/v1beta/generatedVideos/v:download?alt=media")
    'http://127.0.0.1:8080/v1beta/generatedVideos/v:download?alt=media'

The key goes only to the client's own ``http_endpoint`` (its scheme: https, or http when
``insecure=True``): a URI naming another host, or carrying a ``key`` parameter, is refused before
anything is sent. A URI on the API's own host (``generativelanguage.googleapis.com``, as the
real service writes them) is taken to this client's ``http_endpoint`` instead:

    >>> download_url(local, "https://generativelanguage.googleapis.com/v1beta/files/v:download?alt=media")
    'http://127.0.0.1:8080/v1beta/files/v:download?alt=media'

The download itself goes through the client's HTTP pair (``genai._transport.http``).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from genai._transport.settings import DEFAULT_HTTP_ENDPOINT, ChannelSettings

__all__ = ["download_url"]


def download_url(settings: ChannelSettings, uri: object) -> str:
    """`uri` checked: on the client's http_endpoint, with its scheme, and no key in it (ValueError)."""
    if not isinstance(uri, str):
        raise TypeError(f"uri: expected a str; got {type(uri).__name__}")
    parts = urlsplit(uri)
    scheme = "http" if settings.insecure else "https"
    target = settings.http_target
    if parts.scheme == "https" and _host_port(parts.netloc, "https") == _API_HOST:
        # The API's own host: this client's http_endpoint stands in for it (an emulator, a gateway).
        parts = parts._replace(scheme=scheme, netloc=target)
        uri = parts.geturl()
    if parts.scheme != scheme or _host_port(parts.netloc, scheme) != _host_port(target, scheme):
        shown = f"{parts.scheme}://{parts.netloc}" if parts.scheme else repr(uri[:60])
        raise ValueError(
            f"uri: {shown} is not this client's HTTP endpoint ({scheme}://{target}); the API key is "
            "only sent there (set http_endpoint= on the client to download from another host)"
        )
    if "key" in parse_qs(parts.query):
        raise ValueError("uri: carries a 'key' parameter; the key is sent only in the x-goog-api-key header")
    return uri


def _host_port(netloc: str, scheme: str) -> tuple[str, int]:
    """("host", port) of a "host[:port]" (the scheme's default port when none), lowercased."""
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    return (parts.hostname or "").lower(), port if port is not None else (80 if scheme == "http" else 443)


_API_HOST = _host_port(DEFAULT_HTTP_ENDPOINT, "https")
