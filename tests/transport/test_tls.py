"""TLS for real: a self-signed certificate made with openssl, served by grpc.ssl_server_credentials."""

from __future__ import annotations

import asyncio

import pytest
from genai_protos import generative_service_pb2

from genai import errors
from genai._options import CallOptions
from genai._transport import AsyncTransport, ChannelSettings, Transport
from tests.transport.conftest import KEY, NO_RETRY_OPTIONS, Certificate
from tests.transport.server import GENERATE, TestServer, request

Response = generative_service_pb2.GenerateContentResponse


def test_tls_with_private_root(tls_server: TestServer, certificate: Certificate) -> None:
    tls_server.reset()
    settings = ChannelSettings(
        endpoint=f"localhost:{tls_server.port}", api_key=KEY, root_certificates=certificate.cert
    )
    with Transport(settings) as transport:
        response = transport.unary(GENERATE, request("secure"), Response, options=NO_RETRY_OPTIONS)
    assert response.candidates[0].content.parts[0].text == "echo: secure"
    assert tls_server.record.metadata[0]["x-goog-api-key"] == KEY


def test_tls_server_name_override(tls_server: TestServer, certificate: Certificate) -> None:
    settings = ChannelSettings(
        endpoint=f"127.0.0.1:{tls_server.port}",
        root_certificates=certificate.cert,
        tls_server_name="localhost",
    )
    with Transport(settings) as transport:
        transport.unary(GENERATE, request(), Response, options=NO_RETRY_OPTIONS)


def test_async_tls(tls_server: TestServer, certificate: Certificate) -> None:
    settings = ChannelSettings(endpoint=f"localhost:{tls_server.port}", root_certificates=certificate.cert)

    async def main() -> Response:
        async with AsyncTransport(settings) as transport:
            return await transport.unary(GENERATE, request("aio"), Response, options=NO_RETRY_OPTIONS)

    response = asyncio.run(asyncio.wait_for(main(), 10))
    assert response.candidates[0].content.parts[0].text == "echo: aio"


def test_untrusted_certificate_is_refused(tls_server: TestServer) -> None:
    # No private root: the system roots do not know this self-signed certificate.
    with (
        Transport(ChannelSettings(endpoint=f"localhost:{tls_server.port}")) as transport,
        pytest.raises(errors.UnavailableError),
    ):
        transport.unary(GENERATE, request(), Response, options=NO_RETRY_OPTIONS)


def test_tls_is_the_default_so_a_plaintext_server_fails(server: TestServer) -> None:
    settings = ChannelSettings(endpoint=server.address, api_key=KEY)  # insecure not set
    with Transport(settings) as transport, pytest.raises(errors.UnavailableError) as info:
        transport.unary(GENERATE, request(), Response, options=CallOptions(timeout=5.0))
    assert KEY not in str(info.value)
