"""Errors the emulator returns, with google.rpc status details built by hand.

grpcio-status is not a dependency, so the rich error model is produced the way the real API sends
it: a serialized google.rpc.Status in the `grpc-status-details-bin` trailer, whose code and message
equal the call's own status.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

DETAILS_KEY = "grpc-status-details-bin"
DOMAIN = "googleapis.com"


class RpcFailure(Exception):
    """An RPC outcome other than OK, carried up to the servicer, which aborts the call with it."""

    def __init__(self, code: grpc.StatusCode, message: str, details: Sequence[Message] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)

    def status(self) -> status_pb2.Status:
        """The failure as a google.rpc.Status: what an HTTP error body or an Operation's error holds."""
        status = status_pb2.Status(code=self.code.value[0], message=self.message)
        for detail in self.details:
            packed = any_pb2.Any()
            packed.Pack(detail)
            status.details.append(packed)
        return status

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:
        """The gRPC trailer carrying the serialized google.rpc.Status (empty without details)."""
        if not self.details:
            return ()
        return ((DETAILS_KEY, self.status().SerializeToString()),)


def error_info(reason: str, metadata: Mapping[str, str] | None = None) -> error_details_pb2.ErrorInfo:
    """A google.rpc.ErrorInfo in the googleapis.com domain."""
    return error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=dict(metadata or {}))


def invalid_argument(request_type: str, violations: Iterable[tuple[str, str]]) -> RpcFailure:
    """INVALID_ARGUMENT with a google.rpc.BadRequest listing (field path, description) pairs.

    The message follows the real API's layout: one "* Type.field: description" line per violation.
    """
    pairs = list(violations)
    message = "\n".join(f"* {request_type}.{field}: {description}" for field, description in pairs)
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=field, description=description)
            for field, description in pairs
        ]
    )
    return RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, message, [bad_request])


def unimplemented(service: str, method: str) -> RpcFailure:
    """UNIMPLEMENTED for a method the emulator does not serve."""
    return RpcFailure(
        grpc.StatusCode.UNIMPLEMENTED,
        f"{service}.{method} is not implemented by the genai emulator",
    )
