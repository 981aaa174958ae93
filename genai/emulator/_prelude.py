"""What every served call does first, whatever carries it: record, authenticate, resolve the
`x-emulator-*` knobs, delay, inject faults.

A front end describes the call as a plain `Call` (service and method short names, the metadata or
headers as a mapping with lowercase keys, the request message, optionally the identity that makes
two calls "the same" for fault attempts) and awaits `Prelude.begin(call)`, which returns the knobs
or raises RpcFailure. RpcFailure is the transport-neutral way to fail: a status code, a message and
google.rpc details, which the gRPC front end sends as a status and trailer, an HTTP front end as a
JSON error body (`RpcFailure.status()`), a WebSocket as a close. The same applies to everything a
service raises after the prelude.

    knobs = await backend.prelude.begin(Call("FileService", "CreateFile", headers, request))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import grpc
from google.protobuf.message import Message

from . import _knobs
from ._faults import attempt_key, broken_stream, fails, injected_failure
from ._random import digest
from ._state import CallRecord
from ._status import RpcFailure, error_info

if TYPE_CHECKING:
    from ._backend import Backend

API_KEY_HEADER = "x-goog-api-key"
_MISSING_KEY = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
_BAD_KEY = "API key not valid. Please pass a valid API key."


@dataclass(slots=True)
class Call:
    """One call as the prelude sees it, whatever the transport.

    service, method: short names ("GenerativeService", "GenerateContent"), as recorded.
    metadata: gRPC metadata or HTTP headers, keys lowercase (an HTTP front end maps a `key` query
        parameter to x-goog-api-key).
    request: the request message (recorded, and its `model` named in quota failures).
    identity: what makes two calls the same call for fault attempts; None means the request's
        bytes. A live session passes its session key, an upload its session.
    """

    service: str
    method: str
    metadata: Mapping[str, str | bytes]
    request: Message
    identity: bytes | None = None

    def attempt_key(self, header: str, value: str) -> bytes:
        """The key this call's attempts for knob `header` = `value` are counted under."""
        if self.identity is None:
            return attempt_key(self.method, self.request, header, value)
        return digest(self.method.encode(), self.identity, header.encode(), value.encode())


@dataclass(slots=True)
class StreamBreak:
    """An x-emulator-break-after that hits this attempt: stop after `after` messages, then `failure`."""

    spec: _knobs.BreakSpec
    attempt: int

    @property
    def after(self) -> int:
        return self.spec.after

    def failure(self, sent: int) -> RpcFailure:
        """UNAVAILABLE once `sent` messages went out."""
        return broken_stream(self.spec, sent, self.attempt)


def _check_key(keys: frozenset[str], metadata: Mapping[str, str | bytes]) -> None:
    key = metadata.get(API_KEY_HEADER)
    if not key:
        raise RpcFailure(grpc.StatusCode.UNAUTHENTICATED, _MISSING_KEY, [error_info("CREDENTIALS_MISSING")])
    if key not in keys:
        raise RpcFailure(
            grpc.StatusCode.PERMISSION_DENIED,
            _BAD_KEY,
            [error_info("API_KEY_INVALID", {"service": "generativelanguage.googleapis.com"})],
        )


class Prelude:
    """The per-call prelude of one server; `await prelude.begin(call)` returns the call's knobs."""

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    def authenticate(self, metadata: Mapping[str, str | bytes]) -> None:
        """Check the key alone (RpcFailure as `begin` would): what a session does before its setup."""
        keys = self._backend.options.api_keys
        if keys is not None:
            _check_key(keys, metadata)

    async def begin(self, call: Call) -> _knobs.Knobs:
        """Record the call, check its key, resolve its knobs, wait its delay, inject its failure.

        Raises RpcFailure (UNAUTHENTICATED, PERMISSION_DENIED, INVALID_ARGUMENT for a bad knob,
        UNAVAILABLE when the server stops during the delay, or the injected code).
        """
        backend = self._backend
        options = backend.options
        metadata = call.metadata
        backend.state.record(CallRecord(call.service, call.method, metadata, call.request))
        if options.api_keys is not None:
            _check_key(options.api_keys, metadata)
        try:
            knobs = _knobs.with_metadata(options.knobs, metadata)
        except ValueError as exc:
            raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, str(exc)) from None
        if knobs.delay:
            await backend.running.sleep(knobs.delay)
        spec = knobs.fail
        if spec is not None and spec.times != 0:
            attempt = backend.state.attempts.next(call.attempt_key(_knobs.FAIL, spec.raw))
            if fails(spec.times, attempt):
                raise injected_failure(spec, attempt, str(getattr(call.request, "model", "")))
        return knobs

    def stream_break(self, call: Call, knobs: _knobs.Knobs) -> StreamBreak | None:
        """Count a stream's attempt for its x-emulator-break-after; the break when this attempt has one."""
        spec = knobs.break_after
        if spec is None or spec.times == 0:
            return None
        attempt = self._backend.state.attempts.next(call.attempt_key(_knobs.BREAK_AFTER, spec.raw))
        return StreamBreak(spec, attempt) if fails(spec.times, attempt) else None
