"""Errors: one root, one class per gRPC status users catch, the google.rpc details parsed.

Every gRPC failure becomes an :class:`APIError` subclass in exactly one place, :func:`from_grpc_error`,
with the original ``grpc.RpcError`` chained as ``__cause__``. Misuse of the library raises
:class:`UsageError` subclasses (which are also ``ValueError`` or ``TypeError`` where that is the
familiar meaning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

__all__ = [
    "GenAIError",
    "APIError",
    "InvalidArgumentError",
    "FailedPreconditionError",
    "OutOfRangeError",
    "NotFoundError",
    "AlreadyExistsError",
    "PermissionDeniedError",
    "UnauthenticatedError",
    "ResourceExhaustedError",
    "DeadlineExceededError",
    "UnavailableError",
    "InternalError",
    "UnknownError",
    "CancelledError",
    "AbortedError",
    "UnimplementedError",
    "DataLossError",
    "MessageTooLargeError",
    "CertificateVerificationError",
    "OperationTimeoutError",
    "UsageError",
    "OperationNotDoneError",
    "NotSupportedError",
    "IncompleteIterationError",
    "StreamClosedError",
    "BlockedError",
    "BlockedPromptError",
    "BlockedCandidateError",
    "ResponseParseError",
    "VideosFilteredError",
    "LiveSessionError",
    "LiveSetupError",
    "LiveResumeError",
    "LiveSessionClosedError",
    "UploadInterruptedError",
    "FileFailedError",
    "FileNotActiveError",
    "FileWaitTimeoutError",
    "QuotaViolation",
    "FieldViolation",
    "from_grpc_error",
    "from_status",
]

_DETAILS_KEY = "grpc-status-details-bin"


class GenAIError(Exception):
    """Root of every error genai raises on purpose."""


@dataclass(frozen=True)
class QuotaViolation:
    """One google.rpc.QuotaFailure violation; ``quota_value == 0`` with a quota id means no quota at all."""

    subject: str
    description: str
    quota_metric: str
    quota_id: str
    quota_value: int

    @property
    def limit_is_zero(self) -> bool:
        return bool(self.quota_id or self.quota_metric) and self.quota_value == 0


@dataclass(frozen=True)
class FieldViolation:
    """One google.rpc.BadRequest field violation: which request field, and what is wrong with it."""

    field: str
    description: str


def _quota_violation(v: Any) -> QuotaViolation:
    # quota_metric/quota_id/quota_value are newer than the googleapis-common-protos stubs: read them
    # dynamically (the runtime messages have them).
    return QuotaViolation(
        v.subject,
        v.description,
        getattr(v, "quota_metric", ""),
        getattr(v, "quota_id", ""),
        int(getattr(v, "quota_value", 0)),
    )


class APIError(GenAIError):
    """The service (or the emulator) answered with a non-OK gRPC status.

    Attributes: ``code`` (grpc.StatusCode), ``message``, ``details`` (the google.rpc detail messages),
    and parsed conveniences ``reason``/``domain``/``error_metadata`` (ErrorInfo), ``retry_delay``
    (seconds, RetryInfo), ``quota_violations`` (QuotaFailure), ``field_violations`` (BadRequest).
    ``operation_name`` is the long-running operation's name when the error is that operation's
    outcome (``op.wait()``, ``op.result()``), else None.
    """

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN
    operation_name: str | None = None
    # False for failures that no retry can mend (the retry policy never repeats them).
    retryable: ClassVar[bool] = True

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        details: tuple[Any, ...] = (),
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.message = message
        self.details = details
        self.reason: str | None = None
        self.domain: str | None = None
        self.error_metadata: dict[str, str] = {}
        self.retry_delay: float | None = None
        self.quota_violations: tuple[QuotaViolation, ...] = ()
        self.field_violations: tuple[FieldViolation, ...] = ()
        for detail in details:
            self._absorb(detail)

    def _absorb(self, detail: Any) -> None:
        if isinstance(detail, error_details_pb2.ErrorInfo):
            self.reason, self.domain = detail.reason or None, detail.domain or None
            self.error_metadata = dict(detail.metadata)
        elif isinstance(detail, error_details_pb2.RetryInfo):
            self.retry_delay = detail.retry_delay.seconds + detail.retry_delay.nanos / 1e9
        elif isinstance(detail, error_details_pb2.QuotaFailure):
            self.quota_violations += tuple(_quota_violation(v) for v in detail.violations)
        elif isinstance(detail, error_details_pb2.BadRequest):
            self.field_violations += tuple(
                FieldViolation(v.field, v.description) for v in detail.field_violations
            )

    @property
    def status(self) -> str:
        """The status name, e.g. ``"RESOURCE_EXHAUSTED"``."""
        return str(self.code.name)

    def __str__(self) -> str:
        text = f"{self.status}: {self.message}"
        if self.reason:
            text += f" (reason: {self.reason})"
        # Servers often repeat the violations in the message: list only those it does not show yet.
        extra = [
            f"{v.field}: {v.description}"
            for v in self.field_violations
            if not (v.field in self.message and v.description in self.message)
        ]
        if extra:
            text += "; " + "; ".join(extra)
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status}, {self.message!r})"


class InvalidArgumentError(APIError):
    """The request is malformed."""

    code = grpc.StatusCode.INVALID_ARGUMENT


class FailedPreconditionError(APIError):
    """The request is not possible in the current state."""

    code = grpc.StatusCode.FAILED_PRECONDITION


class OutOfRangeError(APIError):
    """A value is out of range."""

    code = grpc.StatusCode.OUT_OF_RANGE


class NotFoundError(APIError):
    """The model or resource does not exist."""

    code = grpc.StatusCode.NOT_FOUND


class AlreadyExistsError(APIError):
    """The resource exists already."""

    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDeniedError(APIError):
    """The API key may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED


class UnauthenticatedError(APIError):
    """No valid API key was sent."""

    code = grpc.StatusCode.UNAUTHENTICATED


class ResourceExhaustedError(APIError):
    """A quota or rate limit was reached."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class DeadlineExceededError(APIError):
    """The call ran out of time."""

    code = grpc.StatusCode.DEADLINE_EXCEEDED


class UnavailableError(APIError):
    """The service cannot be reached for now."""

    code = grpc.StatusCode.UNAVAILABLE


class InternalError(APIError):
    """The service failed internally."""

    code = grpc.StatusCode.INTERNAL


class UnknownError(APIError):
    """An error without a known status."""

    code = grpc.StatusCode.UNKNOWN


class CancelledError(APIError):
    """The call was cancelled."""

    code = grpc.StatusCode.CANCELLED


class AbortedError(APIError):
    """The operation was aborted."""

    code = grpc.StatusCode.ABORTED


class UnimplementedError(APIError):
    """The method is not implemented."""

    code = grpc.StatusCode.UNIMPLEMENTED


class DataLossError(APIError):
    """Unrecoverable data loss."""

    code = grpc.StatusCode.DATA_LOSS


_BY_CODE: dict[grpc.StatusCode, type[APIError]] = {
    cls.code: cls
    for cls in (
        InvalidArgumentError,
        FailedPreconditionError,
        OutOfRangeError,
        NotFoundError,
        AlreadyExistsError,
        PermissionDeniedError,
        UnauthenticatedError,
        ResourceExhaustedError,
        DeadlineExceededError,
        UnavailableError,
        InternalError,
        UnknownError,
        CancelledError,
        AbortedError,
        UnimplementedError,
        DataLossError,
    )
}

_DETAIL_TYPES: dict[str, type[Any]] = {
    cls.DESCRIPTOR.full_name: cls
    for cls in (
        error_details_pb2.ErrorInfo,
        error_details_pb2.RetryInfo,
        error_details_pb2.QuotaFailure,
        error_details_pb2.BadRequest,
        error_details_pb2.PreconditionFailure,
        error_details_pb2.ResourceInfo,
        error_details_pb2.Help,
        error_details_pb2.LocalizedMessage,
        error_details_pb2.DebugInfo,
        error_details_pb2.RequestInfo,
    )
}


def _unpack(detail: any_pb2.Any) -> Any:
    cls = _DETAIL_TYPES.get(detail.type_url.rpartition("/")[2])
    if cls is None:
        return detail
    try:
        return cls.FromString(detail.value)
    except DecodeError:
        return detail


def _details_from_trailers(trailers: Any) -> tuple[Any, ...]:
    for key, value in trailers or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            try:
                status = status_pb2.Status.FromString(value)
            except DecodeError:
                return ()
            return tuple(_unpack(d) for d in status.details)
    return ()


def error_class(code: grpc.StatusCode) -> type[APIError]:
    """The APIError subclass for a status code."""
    return _BY_CODE.get(code, APIError)


class CertificateVerificationError(UnavailableError):
    """TLS refused the server: its certificate is not trusted, or not valid for the expected name.

    An UnavailableError, as gRPC reports a failed TLS handshake, so one ``except`` serves both
    transports; but never retried (the same certificate fails the same way). Nothing was sent:
    the handshake comes first. ``name_mismatch`` is True when the certificate is trusted but
    issued for another name (see ``tls_server_name``), False when it is not trusted (see
    ``root_certificates``).
    """

    retryable = False

    def __init__(self, message: str, *, name_mismatch: bool) -> None:
        super().__init__(message)
        self.name_mismatch = name_mismatch


class MessageTooLargeError(APIError):
    """A message was over a gRPC size limit: a request too large to send, or a reply too large to take.

    gRPC reports it as RESOURCE_EXHAUSTED, but it is no quota: it is never retried (the same message
    fails the same way). ``size`` and ``limit`` are in bytes; ``direction`` is ``"request"`` or
    ``"reply"``; ``side`` says whose limit it was (``"client"`` or ``"server"``).
    """

    code = grpc.StatusCode.RESOURCE_EXHAUSTED
    retryable = False

    def __init__(
        self,
        message: str,
        *,
        size: int,
        limit: int,
        direction: str,
        side: str,
        code: grpc.StatusCode | None = None,
        details: tuple[Any, ...] = (),
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.size = size
        self.limit = limit
        self.direction = direction
        self.side = side


# gRPC's own wording when a message is over max_send/max_receive_message_length, on either side.
_SIZE_LIMIT = re.compile(
    r"(?:(CLIENT|SERVER): )?(Sent|Received) message larger than max \((\d+) vs\. (\d+)\)"
)


def _too_large(message: str, details: tuple[Any, ...]) -> MessageTooLargeError | None:
    found = _SIZE_LIMIT.search(message)
    if found is None:
        return None
    side = (found.group(1) or "CLIENT").lower()
    sent = found.group(2) == "Sent"
    size, limit = int(found.group(3)), int(found.group(4))
    # The client sends requests and receives replies; the server the other way round.
    direction = "request" if sent == (side == "client") else "reply"
    if side == "client":
        where = "this client's limit"
        remedy = "raise genai.Client(max_message_bytes=...)"
        if direction == "request":
            remedy += ", or upload large media with the Files API instead of inline data"
    else:
        where = "the server's limit"
        remedy = "send large media with the Files API instead of inline data"
    text = (
        f"the {direction} is {size:,} bytes, over {where} of {limit:,} bytes per message; "
        f"it was not {'sent' if direction == 'request' and side == 'client' else 'accepted'} and will not "
        f"be retried ({remedy})"
    )
    return MessageTooLargeError(text, size=size, limit=limit, direction=direction, side=side, details=details)


def from_grpc_error(error: grpc.RpcError) -> APIError:
    """Translate a grpc (sync or aio) error into genai's hierarchy; the only place this happens.

    The caller raises the result ``from error`` so the cause stays chained.
    """
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    trailers = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    details = _details_from_trailers(trailers)
    if code == grpc.StatusCode.RESOURCE_EXHAUSTED and message:
        too_large = _too_large(message, details)
        if too_large is not None:
            return too_large
    cls = error_class(code)
    return cls(message or code.name, code=code, details=details)


def from_status(status: Any, *, operation_name: str | None = None) -> APIError:
    """The APIError for a google.rpc.Status message (a long-running operation's ``error``).

    The status may come from any descriptor pool (it crosses over as bytes); its details are
    parsed like a failed call's, and details of unknown types are kept as ``Any``.
    """
    parsed = status_pb2.Status.FromString(status.SerializeToString())
    code = _CODE_BY_NUMBER.get(parsed.code, grpc.StatusCode.UNKNOWN)
    details = tuple(_unpack(d) for d in parsed.details)
    error = error_class(code)(parsed.message or code.name, code=code, details=details)
    error.operation_name = operation_name
    return error


_CODE_BY_NUMBER: dict[int, grpc.StatusCode] = {code.value[0]: code for code in grpc.StatusCode}


class OperationTimeoutError(GenAIError, TimeoutError):
    """A wait for a long-running operation ran out of time; the operation itself goes on.

    ``name`` is the operation's name (resume with ``client.operations.get(name)``); ``operation``
    is the operation as last seen (None when no poll succeeded); ``__cause__`` is the last polling
    error, if the last poll failed.
    """

    def __init__(self, message: str, *, name: str, operation: Any = None) -> None:
        super().__init__(message)
        self.name = name
        self.operation = operation


class UsageError(GenAIError):
    """The library was used in a way it does not support."""


class OperationNotDoneError(UsageError):
    """``result()`` of a long-running operation that has not finished (``wait()`` for it)."""


class NotSupportedError(UsageError, NotImplementedError):
    """The API does not offer this for the resource (for example cancelling a tuning operation)."""


class IncompleteIterationError(UsageError):
    """A streamed response's final value was read before the stream was iterated to the end."""


class StreamClosedError(UsageError):
    """The stream was closed or cancelled before its end: its reply is incomplete and was not kept."""


class LiveSessionError(GenAIError):
    """A live session failed for a reason of its own (the server's own refusals are APIErrors)."""


class LiveSetupError(LiveSessionError):
    """The server never confirmed a live session's setup: it closed the connection or did not answer."""


class LiveResumeError(LiveSessionError):
    """A dropped live session could not be resumed: the message says why; ``__cause__`` is the drop."""


class LiveSessionClosedError(UsageError):
    """A live session was used after it was closed (or after the server ended it)."""


class BlockedError(GenAIError, ValueError):
    """The prompt or the candidate was blocked, so there is no text to return."""


class BlockedPromptError(BlockedError):
    """The prompt was blocked (``prompt_feedback.block_reason`` says why)."""


class BlockedCandidateError(BlockedError):
    """The candidate stopped for a reason that withholds its content (SAFETY, RECITATION, ...)."""


class VideosFilteredError(BlockedError):
    """A video job's every sample was withheld by safety filtering (``filtered_count``, ``reasons``)."""

    def __init__(self, message: str, *, filtered_count: int, reasons: list[str]) -> None:
        super().__init__(message)
        self.filtered_count = filtered_count
        self.reasons = reasons


class ResponseParseError(GenAIError, ValueError):
    """``.parsed`` could not turn the response text into the requested type."""


class UploadInterruptedError(GenAIError):
    """A resumable upload gave up (its retry budget spent, or the server refused a chunk).

    ``session`` is the upload's `genai.UploadSession` (URL, size, offset, the source's digest):
    save it (``session.to_json()``) and pass it back as ``upload(..., resume=session)``, in this
    process or another, to go on from what the server has. ``__cause__`` is the last failure.
    """

    def __init__(self, message: str, *, session: Any) -> None:
        super().__init__(message)
        self.session = session


class FileFailedError(GenAIError):
    """A file's processing FAILED on the server: ``file`` is the file, ``error`` its error
    (an `APIError`, details of unknown types kept as ``Any``), also the ``__cause__``."""

    def __init__(self, message: str, *, file: Any, error: APIError) -> None:
        super().__init__(message)
        self.file = file
        self.error = error


class FileNotActiveError(UsageError, ValueError):
    """A file that is not ACTIVE yet (PROCESSING or FAILED) was used in a request's contents:
    wait for it first (``file.wait_active()`` or ``upload(..., wait=True)``)."""


class FileWaitTimeoutError(GenAIError, TimeoutError):
    """A wait for a file to become ACTIVE ran out of time; ``name`` is the file's name and
    ``file`` the file as last seen (processing goes on on the server)."""

    def __init__(self, message: str, *, name: str, file: Any = None) -> None:
        super().__init__(message)
        self.name = name
        self.file = file
