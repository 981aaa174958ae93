"""Shared helpers for the emulator tests: request builders and status-detail parsing."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar

import grpc
from genai_protos import content_pb2, generative_service_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

gs = generative_service_pb2
TIMEOUT = 5.0
MODEL = "models/gemini-2.5-flash"
D = TypeVar("D", bound=Message)


def user(*texts: str) -> content_pb2.Content:
    return content_pb2.Content(role="user", parts=[content_pb2.Part(text=t) for t in texts])


def model_turn(text: str) -> content_pb2.Content:
    return content_pb2.Content(role="model", parts=[content_pb2.Part(text=text)])


def request(text: str = "Tell me about pineapples", **fields: Any) -> gs.GenerateContentRequest:
    fields.setdefault("model", MODEL)
    fields.setdefault("contents", [user(text)])
    return gs.GenerateContentRequest(**fields)


def unique(prefix: str = "marker") -> str:
    """Text that no other test sends (fault attempts are counted per request)."""
    return f"{prefix}-{uuid.uuid4().hex}"


def text_of(response: gs.GenerateContentResponse, index: int = 0) -> str:
    """The non-thought text of candidate `index` (by position)."""
    if len(response.candidates) <= index:
        return ""
    parts = response.candidates[index].content.parts
    return "".join(p.text for p in parts if p.WhichOneof("data") == "text" and not p.thought)


def joined(chunks: list[gs.GenerateContentResponse], index: int = 0) -> str:
    """Concatenated non-thought text of the candidate with `index` across stream chunks."""
    out = []
    for chunk in chunks:
        for candidate in chunk.candidates:
            if candidate.index == index:
                out += [
                    p.text
                    for p in candidate.content.parts
                    if not p.thought and p.WhichOneof("data") == "text"
                ]
    return "".join(out)


def status_of(error: grpc.RpcError) -> status_pb2.Status:
    """The google.rpc.Status from the grpc-status-details-bin trailer (checked against the call)."""
    trailers = dict(error.trailing_metadata() or ())  # type: ignore[attr-defined]
    status = status_pb2.Status.FromString(trailers["grpc-status-details-bin"])
    assert status.code == error.code().value[0]  # type: ignore[attr-defined]
    assert status.message == error.details()  # type: ignore[attr-defined]
    return status


def details_of(error: grpc.RpcError, kind: type[D]) -> list[D]:
    """Every status detail of type `kind`."""
    found = []
    for packed in status_of(error).details:
        message = kind()
        if packed.Unpack(message):
            found.append(message)
    return found


def violations(error: grpc.RpcError) -> dict[str, str]:
    """BadRequest field violations as {field: description}."""
    (bad_request,) = details_of(error, error_details_pb2.BadRequest)
    return {v.field: v.description for v in bad_request.field_violations}
