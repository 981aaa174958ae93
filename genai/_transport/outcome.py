"""How a transport stream ended, shared by the sync and asyncio stream wrappers.

>>> StreamOutcome().completed
False
"""

from __future__ import annotations

from genai.errors import APIError

__all__ = ["StreamOutcome"]


class StreamOutcome:
    """How a transport stream ended, for the sync and asyncio stream wrappers alike.

    ``completed``: the server finished with OK and every message was read. ``error``: the APIError it
    failed with (reading again raises it again). ``cancelled``: ``cancel()``/``close()`` ended it first.
    """

    _cancelled: bool = False
    _completed: bool = False
    _error: APIError | None = None

    @property
    def completed(self) -> bool:
        """True once the server ended the stream with OK and every message was read."""
        return self._completed

    @property
    def cancelled(self) -> bool:
        """True once the stream was cancelled before it completed or failed."""
        return self._cancelled and not self._completed and self._error is None

    @property
    def error(self) -> APIError | None:
        """The error the stream failed with, if it did."""
        return self._error
