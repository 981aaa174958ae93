"""One in-process emulator and plain generated stubs for the emulator tests."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from genai_protos import generative_service_pb2_grpc, model_service_pb2_grpc

from genai.testing import Emulator


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def channel(emu: Emulator) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(emu.endpoint) as chan:
        yield chan


@pytest.fixture
def gen(channel: grpc.Channel) -> generative_service_pb2_grpc.GenerativeServiceStub:
    return generative_service_pb2_grpc.GenerativeServiceStub(channel)


@pytest.fixture
def models(channel: grpc.Channel) -> model_service_pb2_grpc.ModelServiceStub:
    return model_service_pb2_grpc.ModelServiceStub(channel)
