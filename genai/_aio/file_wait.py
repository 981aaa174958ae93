"""Waiting for uploaded files to leave PROCESSING: the one polling loop behind ``files.wait``,
``file.wait_active()`` and ``wait_for_files`` in a generate config.

    >>> file = await client.aio.files.upload(file=b"hello", mime_type="text/plain")
    >>> models = client.aio.models
    >>> (await wait_active(models._transport, models._defaults, file.name)).state == types.File.State.ACTIVE
    True

It polls FileService.GetFile on the client's channel, the pause growing by half from
``POLL_INITIAL`` to ``POLL_CAP`` seconds (never past the deadline); FAILED raises FileFailedError
with the file's own error, and running out of time FileWaitTimeoutError (the file goes on
processing on the server).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from genai._transport import AsyncTransport
from genai._transport.options import CallOptions
from genai._views.files import FileView
from genai._wire import messages as pb
from genai._wire import rpcs
from genai.errors import FileFailedError, FileWaitTimeoutError, from_status

__all__ = ["POLL_CAP", "POLL_INITIAL", "wait_active", "wait_all_active"]

GET_FILE = rpcs.FileService.GetFile  # here, not from _requests.files: generate calls import this module
POLL_INITIAL = 0.25
POLL_CAP = 5.0


async def wait_active(
    transport: AsyncTransport,
    options: CallOptions,
    name: str,
    timeout: float | None = None,
    *,
    poll_initial: float = POLL_INITIAL,
    poll_cap: float = POLL_CAP,
    view: Callable[[pb.File], Any] = FileView,
) -> pb.File:
    """The file `name` once ACTIVE; ``view`` makes the ``file`` the errors carry."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = poll_initial
    while True:
        raw = await transport.unary(
            GET_FILE, pb.GetFileRequest(name=name), options=options, metadata=options.metadata
        )
        if raw.state == pb.File.State.ACTIVE:
            return raw
        if raw.state == pb.File.State.FAILED:
            error = from_status(raw.error)
            raise FileFailedError(
                f"the file {name} FAILED to process: {error}", file=view(raw), error=error
            ) from error
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                state = pb.File.State.Name(raw.state)
                raise FileWaitTimeoutError(
                    f"the file {name} is still {state} after {timeout} s", name=name, file=view(raw)
                )
            pause = min(pause, left)
        await transport.sleep(pause)
        pause = min(pause * 1.5, poll_cap)


async def wait_all_active(
    transport: AsyncTransport, options: CallOptions, names: Sequence[str], timeout: float
) -> None:
    """Wait for every file of `names` to be ACTIVE, all within `timeout` seconds in total."""
    deadline = time.monotonic() + timeout
    for name in names:
        await wait_active(transport, options, name, max(deadline - time.monotonic(), 0.0))
