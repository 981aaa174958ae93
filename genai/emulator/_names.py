"""Resource names and ids, by the API's rules.

A resource name is `<collection>/<id>`, under a parent for nested collections
(`corpora/c1/documents/d1`). An id the API generates or accepts from a client is 1-40 characters,
lowercase letters, digits and dashes, and does not start or end with a dash. Generated ids are a
12-character suffix, after a slug of the display name when the collection derives ids from one
(`corpora/my-awesome-corpus-123a456b789c`).
"""

from __future__ import annotations

import re

from ._random import digest

MAX_ID = 40
SUFFIX = 12  # characters of a generated id's random part
_ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"


def id_problem(resource_id: str) -> str | None:
    """Why `resource_id` breaks the id rule, or None: `id_problem("ok-1") is None`."""
    if _ID.fullmatch(resource_id):
        return None
    if not resource_id:
        return "must not be empty"
    if len(resource_id) > MAX_ID:
        return f"must be at most {MAX_ID} characters, got {len(resource_id)}"
    return (
        f"{resource_id!r} must contain only lowercase letters, digits and dashes (-), "
        "and must not start or end with a dash"
    )


def slug(text: str, limit: int = MAX_ID - SUFFIX - 1) -> str:
    """`text` lowercased, runs of other characters turned into one dash: `slug("My Docs!") == "my-docs"`."""
    return _NOT_SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-")


def generated_id(seed: bytes, hint: str = "") -> str:
    """A valid id: 12 base-36 characters drawn from `seed`, after `slug(hint)` when it has one.

    `generated_id(b"x", "My corpus").startswith("my-corpus-")`
    """
    number = int.from_bytes(digest(seed)[:16], "big")  # 128 bits: about 24 base-36 digits
    digits = []
    for _ in range(SUFFIX):
        number, digit = divmod(number, 36)
        digits.append(_BASE36[digit])
    suffix = "".join(digits)
    prefix = slug(hint)
    return f"{prefix}-{suffix}" if prefix else suffix


def join(parent: str, segment: str, resource_id: str) -> str:
    """The full name: `join("corpora/c", "documents", "d") == "corpora/c/documents/d"`."""
    return f"{parent}/{segment}/{resource_id}" if parent else f"{segment}/{resource_id}"


def split(name: str) -> tuple[str, str, str] | None:
    """(parent, collection segment, id) of a name, or None when it has no `segment/id` tail.

    `split("corpora/c/documents/d") == ("corpora/c", "documents", "d")`
    """
    pieces = name.split("/")
    if len(pieces) < 2 or len(pieces) % 2 or not all(pieces):
        return None
    return "/".join(pieces[:-2]), pieces[-2], pieces[-1]


def matches(parent: str, pattern: str | None) -> bool:
    """Whether `parent` fits `pattern` ("" top level, "corpora/*" segment-wise, None anything).

    `matches("corpora/c1", "corpora/*")`
    """
    if pattern is None:
        return True
    if not pattern:
        return not parent
    want, got = pattern.split("/"), parent.split("/")
    return len(want) == len(got) and all(w == g or (w == "*" and g) for w, g in zip(want, got, strict=True))
