"""Faults for bidirectional sessions, keyed by session and by message index (no I/O).

A unary call or a server stream is "the same call" when its request bytes are the same
(`_faults.attempt_key`). A live session has no single request: it is identified by a session key,
and its faults target message numbers within it.

    x-emulator-session: NAME            names the session; a reconnect with the same name is the
                                        next attempt of that session. Without it the key is the
                                        setup message, less its resumption handle
                                        (`session_identity`).
    x-emulator-fail-message: K:CODE[:N][;retry_delay=S][;quota_limit=V]
                                        the session fails with CODE when client message K arrives
                                        (1-based; the setup is message 1), for the first N attempts
    x-emulator-break-after: K[:N]       the session breaks (UNAVAILABLE) right after the server
                                        sent K messages (0: at once), for the first N attempts

`x-emulator-fail` and `x-emulator-delay` apply when the session opens, through the prelude, with
the session key as the call's identity. A front end feeds `SessionFaults` the session's events in
order and ends the session with the RpcFailure it returns:

    faults = SessionFaults(key, state.attempts, fail_message=parse(...), break_after=knobs.break_after)
    failure = faults.on_open() or faults.on_client_message()   # the setup message
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from google.protobuf.message import Message

from ._faults import INJECTED_REASON, AttemptCounter, fails, injected_failure
from ._knobs import BREAK_AFTER, BreakSpec, FailSpec, parse_fail
from ._random import digest
from ._status import RpcFailure, error_info

SESSION = "x-emulator-session"
FAIL_MESSAGE = "x-emulator-fail-message"
_RESUMPTION = "session_resumption"  # BidiGenerateContentSetup's field carrying the resumption handle


@dataclass(frozen=True)
class MessageFault:
    """Fail the session when client message `index` (1-based) arrives, as `fail` says."""

    index: int
    fail: FailSpec
    raw: str


def _text(value: str | bytes) -> str:
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


def parse_message_fault(text: str) -> MessageFault:
    """Parse `K:CODE[:N][;...]`: `parse_message_fault("2:UNAVAILABLE").index == 2`."""
    head, sep, rest = text.partition(":")
    if not sep:
        raise ValueError(f"expected K:CODE, got {text!r}")
    index = int(head)
    if index < 1:
        raise ValueError(f"message number must be >= 1, got {head!r}")
    return MessageFault(index, parse_fail(rest), text)


def message_fault(metadata: Mapping[str, str | bytes]) -> MessageFault | None:
    """The x-emulator-fail-message of a call, if any; ValueError names the header."""
    value = metadata.get(FAIL_MESSAGE)
    if value is None:
        return None
    text = _text(value)
    try:
        return parse_message_fault(text)
    except ValueError as exc:
        raise ValueError(f"invalid {FAIL_MESSAGE} metadata {text!r}: {exc}") from None


def session_identity(setup: Message) -> bytes:
    """The setup message's bytes without its resumption handle: what a reconnect repeats.

    `session_identity(setup) == session_identity(setup_with_a_handle)`
    """
    if _RESUMPTION in setup.DESCRIPTOR.fields_by_name and setup.HasField(_RESUMPTION):
        setup = type(setup).FromString(setup.SerializeToString())
        setup.ClearField(_RESUMPTION)
    return setup.SerializeToString(deterministic=True)


def session_key(method: str, metadata: Mapping[str, str | bytes], setup: Message) -> bytes:
    """The key a session's attempts are counted under: its x-emulator-session name, else its setup."""
    name = metadata.get(SESSION)
    if name is not None:
        return digest(method.encode(), b"name", _text(name).encode())
    return digest(method.encode(), b"setup", session_identity(setup))


def broken_session(spec: BreakSpec, sent: int, attempt: int) -> RpcFailure:
    """UNAVAILABLE for a session cut by x-emulator-break-after."""
    times = "every attempt" if spec.times is None else str(spec.times)
    return RpcFailure(
        grpc.StatusCode.UNAVAILABLE,
        f"session broken by the genai emulator after {sent} server messages (attempt {attempt} of {times})",
        [
            error_info(
                INJECTED_REASON, {"code": "UNAVAILABLE", "attempt": str(attempt), "messages_sent": str(sent)}
            )
        ],
    )


class SessionFaults:
    """Where one attempt of one session fails. Not thread-safe: one session, one task."""

    def __init__(
        self,
        key: bytes,
        attempts: AttemptCounter,
        *,
        fail_message: MessageFault | None = None,
        break_after: BreakSpec | None = None,
        model: str = "",
    ) -> None:
        self._model = model
        self._received = 0
        self._sent = 0
        self._fail: MessageFault | None = None
        self._fail_attempt = 0
        self._break: BreakSpec | None = None
        self._break_attempt = 0
        # Each fault counts its own attempts, like x-emulator-fail does for unary calls.
        if fail_message is not None and fail_message.fail.times != 0:
            self._fail_attempt = attempts.next(digest(key, FAIL_MESSAGE.encode(), fail_message.raw.encode()))
            if fails(fail_message.fail.times, self._fail_attempt):
                self._fail = fail_message
        if break_after is not None and break_after.times != 0:
            self._break_attempt = attempts.next(digest(key, BREAK_AFTER.encode(), break_after.raw.encode()))
            if fails(break_after.times, self._break_attempt):
                self._break = break_after

    @property
    def received(self) -> int:
        """Client messages seen so far."""
        return self._received

    @property
    def sent(self) -> int:
        """Server messages sent so far."""
        return self._sent

    def on_open(self) -> RpcFailure | None:
        """The failure for a session that must break before any server message (break-after 0)."""
        if self._break is not None and self._break.after == 0:
            return broken_session(self._break, 0, self._break_attempt)
        return None

    def on_client_message(self) -> RpcFailure | None:
        """Count one client message; the failure when it is the targeted one."""
        self._received += 1
        if self._fail is not None and self._received == self._fail.index:
            return injected_failure(self._fail.fail, self._fail_attempt, self._model)
        return None

    def on_server_message(self) -> RpcFailure | None:
        """Count one server message sent; the failure when the session must break now."""
        self._sent += 1
        if self._break is not None and self._sent == self._break.after:
            return broken_session(self._break, self._sent, self._break_attempt)
        return None
