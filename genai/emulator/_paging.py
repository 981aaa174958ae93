"""Opaque page tokens and page sizes for every List method.

A token names where the next page starts (the store's sequence number of the first item not yet
returned, so deletions between pages skip nothing) and carries a MAC over that position, the
collection and the query (parent, filter, ...: the API requires every parameter but the page size
to match the call that issued the token). A token that does not verify, or that another query
issued, is refused. The MAC is deterministic, so tokens are stable across runs like everything
else the emulator answers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

_KEY = b"genai-emulator page token v1"


class BadPageToken(ValueError):
    """The token was not issued by this collection for this query."""


def page_size(requested: int, default: int, maximum: int) -> int:
    """The size to use: `default` for 0, at most `maximum`; ValueError when negative.

    `page_size(0, 10, 100) == 10` and `page_size(500, 10, 100) == 100`
    """
    if requested < 0:
        raise ValueError("must not be negative")
    return default if requested == 0 else min(requested, maximum)


def _mac(kind: str, query: bytes, position: int) -> str:
    material = b"\0".join((_KEY, kind.encode(), query, str(position).encode()))
    return hashlib.sha256(material).hexdigest()[:12]


def issue(kind: str, query: bytes, position: int) -> str:
    """The token for the page that starts at `position`: `issue("files", b"", 10)` is opaque text."""
    raw = f"{kind}:{position}:{_mac(kind, query, position)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def position(token: str, kind: str, query: bytes) -> int:
    """Where the page of `token` starts; BadPageToken unless `issue(kind, query, ...)` made it.

    `position(issue("files", b"", 10), "files", b"") == 10`
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        got_kind, number, mac = raw.split(":")
        start = int(number)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise BadPageToken(token) from exc
    if got_kind != kind or start < 0 or mac != _mac(kind, query, start) or issue(kind, query, start) != token:
        raise BadPageToken(token)
    return start
