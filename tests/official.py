"""The official google-ai-generativelanguage package as a test oracle: its descriptors and RPC tables."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from google.ai.generativelanguage_v1beta import types as official_types
from google.protobuf import descriptor as d

SERVICES = [
    "generative_service",
    "model_service",
    "cache_service",
    "file_service",
    "retriever_service",
    "permission_service",
    "text_service",
    "discuss_service",
    "prediction_service",
]


def official_messages() -> dict[str, d.Descriptor]:
    """Full name -> descriptor for every official message, nested ones included (map entries too)."""
    out: dict[str, d.Descriptor] = {}

    def walk(desc: d.Descriptor) -> None:
        out[desc.full_name] = desc
        for nested in desc.nested_types:
            walk(nested)

    for name in dir(official_types):
        pb = getattr(getattr(official_types, name), "pb", None)
        if pb is not None:
            walk(pb().DESCRIPTOR)
    return out


def official_enums() -> dict[str, d.EnumDescriptor]:
    out: dict[str, d.EnumDescriptor] = {}
    files = {m.file for m in official_messages().values()}
    for f in files:
        for e in f.enum_types_by_name.values():
            out[e.full_name] = e
    for m in official_messages().values():
        for e in m.enum_types:
            out[e.full_name] = e
    return out


def official_pb_class(full_name: str) -> type[Any]:
    """The raw protobuf class behind an official proto-plus type (default descriptor pool)."""
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(official_messages()[full_name])


@dataclass(frozen=True)
class Method:
    service: str
    name: str
    kind: str  # unary_unary, unary_stream, stream_stream
    input: str
    output: str


class _Recorder:
    """Stands in for a grpc channel and records the method table a transport builds."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any, Any]] = []

    def _make(kind: str) -> Callable[..., Any]:  # type: ignore[misc]
        def record(
            self: _Recorder,
            path: str,
            request_serializer: Any = None,
            response_deserializer: Any = None,
            **_: Any,
        ) -> Callable[..., None]:
            self.calls.append((kind, path, request_serializer, response_deserializer))
            return lambda *a, **k: None

        return record

    unary_unary = _make("unary_unary")
    unary_stream = _make("unary_stream")
    stream_unary = _make("stream_unary")
    stream_stream = _make("stream_stream")


def _type_name(fn: Any) -> str:
    owner = fn.__self__
    return owner.pb().DESCRIPTOR.full_name if hasattr(owner, "pb") else owner.DESCRIPTOR.full_name


def official_methods() -> Iterator[Method]:
    for service in SERVICES:
        module = importlib.import_module(
            f"google.ai.generativelanguage_v1beta.services.{service}.transports.grpc"
        )
        transport_cls = next(getattr(module, n) for n in dir(module) if n.endswith("GrpcTransport"))
        recorder = _Recorder()
        transport = transport_cls.__new__(transport_cls)
        transport._stubs = {}
        transport._logged_channel = recorder
        transport._grpc_channel = recorder
        for attr in dir(transport_cls):
            if not attr.startswith("_") and isinstance(getattr(transport_cls, attr), property):
                # Properties unrelated to RPCs (host, operations client, ...) may fail here.
                with contextlib.suppress(Exception):
                    getattr(transport, attr)
        for kind, path, req, resp in recorder.calls:
            svc, name = path.strip("/").rsplit("/", 1)
            if svc.startswith("google.ai.generativelanguage.v1beta."):
                yield Method(svc, name, kind, _type_name(req), _type_name(resp))
