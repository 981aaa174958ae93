"""The gRPC front end: one servicer module per service, the registration, the server."""

from __future__ import annotations

from .front import GrpcFrontEnd

__all__ = ["GrpcFrontEnd"]
