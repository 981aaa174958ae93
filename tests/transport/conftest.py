"""Fixtures for the transport tests: a controllable loopback server, transports, a fake clock."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest

from genai._transport import AsyncTransport, ChannelSettings, Transport
from genai._transport.options import CallOptions, RetryOptions
from tests.transport.server import TestServer

KEY = "AIzaSECRET-do-not-leak-123"

# Every call in these tests has a deadline; backoffs are tiny and usually not even slept (FakeTime).
FAST_RETRY = RetryOptions(attempts=5, initial=0.01, maximum=0.05, multiplier=2.0, jitter=0.0, budget=10.0)
OPTIONS = CallOptions(timeout=5.0, retry=FAST_RETRY)
NO_RETRY_OPTIONS = CallOptions(timeout=5.0, retry=RetryOptions(attempts=1))


@dataclass
class FakeTime:
    """A clock that only moves when the transport "sleeps"; records every requested delay."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def install(self, transport: Transport | AsyncTransport) -> FakeTime:
        transport._clock = self.monotonic
        transport._sleep = self.async_sleep if isinstance(transport, AsyncTransport) else self.sleep
        return self


@pytest.fixture(scope="session")
def server() -> Iterator[TestServer]:
    srv = TestServer()
    yield srv
    srv.stop()


@pytest.fixture
def fresh(server: TestServer) -> TestServer:
    """The shared server with an empty record and the default plan."""
    server.reset()
    return server


@pytest.fixture
def settings(fresh: TestServer) -> ChannelSettings:
    return ChannelSettings(endpoint=fresh.address, insecure=True, api_key=KEY)


@pytest.fixture
def transport(settings: ChannelSettings) -> Iterator[Transport]:
    with Transport(settings) as t:
        yield t


@pytest.fixture
def fake_time(transport: Transport) -> FakeTime:
    return FakeTime().install(transport)


@dataclass
class Certificate:
    cert: bytes
    key: bytes


def _make_certificate(directory: Path, name: str, alt_names: str) -> Certificate:
    """A self-signed certificate for ``alt_names`` (subjectAltName syntax), made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl CLI is not installed: cannot make a certificate for the TLS tests")
    key, cert = directory / f"{name}.key.pem", directory / f"{name}.cert.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
            "-addext", f"subjectAltName={alt_names}",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    return Certificate(cert=cert.read_bytes(), key=key.read_bytes())


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for localhost / 127.0.0.1."""
    return _make_certificate(tmp_path_factory.mktemp("tls"), "localhost", "DNS:localhost,IP:127.0.0.1")


# The only name RENAMED_CERTIFICATE is valid for: never the host a test dials (127.0.0.1).
RENAMED_HOST = "genai-emulator.test"


@pytest.fixture(scope="session")
def renamed_certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for RENAMED_HOST only: dialling 127.0.0.1 needs tls_server_name."""
    return _make_certificate(tmp_path_factory.mktemp("tls-renamed"), RENAMED_HOST, f"DNS:{RENAMED_HOST}")


@pytest.fixture(scope="session")
def tls_server(certificate: Certificate) -> Iterator[TestServer]:
    credentials = grpc.ssl_server_credentials([(certificate.key, certificate.cert)])
    srv = TestServer(credentials)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def renamed_tls_server(renamed_certificate: Certificate) -> Iterator[TestServer]:
    credentials = grpc.ssl_server_credentials([(renamed_certificate.key, renamed_certificate.cert)])
    srv = TestServer(credentials)
    yield srv
    srv.stop()
