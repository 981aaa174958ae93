"""The emulator's structure: one servicer per service, a prelude and store that no transport owns,
the store behind the gRPC front end, small modules."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import genai_protos
import grpc
import pytest
from genai_protos import _pool, model_service_pb2
from genai_protos.model_service_pb2_grpc import ModelServiceStub

import genai.emulator
from genai.emulator import EmulatorServer
from genai.emulator._clock import ManualClock
from genai.emulator._grpc.front import GrpcFrontEnd
from genai.emulator._grpc.services import PACKAGE, SERVICERS
from genai.testing import Emulator
from tests.emulator._helpers import TIMEOUT

ROOT = Path(genai.emulator.__file__).parent
SOURCES = sorted(ROOT.rglob("*.py"))
GRPC_FRONT = ROOT / "_grpc"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_servicer_table_names_every_service_of_the_api() -> None:
    services: set[str] = set()
    for info in pkgutil.iter_modules(genai_protos.__path__):
        if info.name.endswith("_pb2"):
            descriptor = importlib.import_module(f"genai_protos.{info.name}").DESCRIPTOR
            if descriptor.package == PACKAGE:
                services.update(descriptor.services_by_name)
    assert len(services) == 9
    assert set(SERVICERS) == services


@pytest.mark.parametrize("service", [name for name, servicer in SERVICERS.items() if servicer is not None])
def test_each_servicer_answers_every_method_itself(service: str) -> None:
    servicer = SERVICERS[service]
    assert isinstance(servicer, type)
    for method in _pool.POOL.FindServiceByName(f"{PACKAGE}.{service}").methods:
        assert method.name in vars(servicer), f"{service}.{method.name} falls through to grpc's default"


def test_only_the_grpc_front_end_knows_grpc_calls() -> None:
    for path in SOURCES:
        if GRPC_FRONT in path.parents or path.name in ("_server.py", "__init__.py", "__main__.py"):
            continue
        text = path.read_text()
        for word in ("grpc.aio", "ServicerContext", "invocation_metadata", "add_insecure_port"):
            assert word not in text, f"{path.name} uses {word}: it belongs to the gRPC front end"


def test_the_emulator_imports_nothing_of_the_client() -> None:
    for path in SOURCES:
        for name in _imports(path):
            assert not name.startswith("genai.") or name.startswith("genai.emulator"), (path.name, name)
            assert name != "genai", path.name


def test_modules_stay_small() -> None:
    for path in SOURCES:
        assert len(path.read_text().splitlines()) <= 500, path.name


def test_a_server_takes_a_clock_and_keeps_its_own_store() -> None:
    clock = ManualClock()
    first, second = EmulatorServer(clock=clock), EmulatorServer()
    assert first.store.clock is clock
    assert first.store is not second.store
    assert first.store.collection("models").names() == second.store.collection("models").names()
    assert "models/gemini-2.5-flash" in first.store.collection("models").names()
    assert isinstance(first._grpc, GrpcFrontEnd)


def test_get_and_list_models_are_served_from_the_store() -> None:
    with Emulator() as emulator, grpc.insecure_channel(emulator.endpoint) as channel:
        stub = ModelServiceStub(channel)
        name = "models/gemini-pro-vision"
        assert stub.GetModel(model_service_pb2.GetModelRequest(name=name), timeout=TIMEOUT).name == name
        emulator.server.store.collection("models").delete(name)
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetModel(model_service_pb2.GetModelRequest(name=name), timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # type: ignore[attr-defined]
        listed = stub.ListModels(model_service_pb2.ListModelsRequest(), timeout=TIMEOUT)
        assert name not in [m.name for m in listed.models]
        assert len(listed.models) == len(emulator.server.store.collection("models"))
