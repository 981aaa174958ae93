"""Assertion helpers shared by the coercion tests."""

from __future__ import annotations

from typing import Any

import pytest


def error(
    exc_type: type[Exception], fn: Any, *args: Any, at: str, mentions: tuple[str, ...] = (), **kw: Any
) -> str:
    """Call fn(*args, **kw), expect exc_type whose message starts with `at:` and contains every mention."""
    with pytest.raises(exc_type) as info:
        fn(*args, **kw)
    assert type(info.value) is exc_type, info.value
    message = str(info.value)
    assert message.startswith(f"{at}: "), message
    for mention in mentions:
        assert mention in message, (mention, message)
    return message
