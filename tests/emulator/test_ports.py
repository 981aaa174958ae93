"""Ports outside 0..65535 are refused everywhere a port is taken (grpc would wrap 70000 to 4464)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from genai.emulator import EmulatorServer
from genai.testing import Emulator

BAD_PORTS = [70000, 65536, -1, True, 1.5, "50051"]


@pytest.mark.parametrize("port", BAD_PORTS)
def test_the_server_refuses_an_out_of_range_port(port: object) -> None:
    with pytest.raises(ValueError, match="port must be an integer between 0 and 65535"):
        EmulatorServer(port=port)  # type: ignore[arg-type]


@pytest.mark.parametrize("port", BAD_PORTS)
def test_the_test_helper_refuses_an_out_of_range_port_before_starting(port: object) -> None:
    with pytest.raises(ValueError, match="port must be an integer between 0 and 65535"):
        Emulator(port=port)  # type: ignore[arg-type]


def test_edge_ports_are_accepted() -> None:
    assert EmulatorServer(port=0).port == 0  # not bound until start()
    EmulatorServer(port=65535)


@pytest.mark.parametrize("port", ["70000", "65536", "-1", "http"])
def test_the_command_line_refuses_an_out_of_range_port(port: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "genai.emulator", "--port", port],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stdout == ""  # it never announced a listening port
    assert f"argument --port: expected an integer between 0 and 65535, got {port!r}" in done.stderr
