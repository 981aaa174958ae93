"""TLS for real: a self-signed certificate made with openssl, served by grpc.ssl_server_credentials."""

from __future__ import annotations

import asyncio

import pytest
from genai_protos import generative_service_pb2

from genai import errors
from genai._transport import AsyncTransport, ChannelSettings, Transport
from genai._transport.options import CallOptions
from tests.transport.conftest import KEY, NO_RETRY_OPTIONS, RENAMED_HOST, Certificate
from tests.transport.server import GENERATE, GENERATE_RPC, TestServer, request

Response = generative_service_pb2.GenerateContentResponse


def text_of(response: Response) -> str:
    return response.candidates[0].content.parts[0].text


def test_tls_with_private_root(tls_server: TestServer, certificate: Certificate) -> None:
    tls_server.reset()
    settings = ChannelSettings(
        endpoint=f"localhost:{tls_server.port}", api_key=KEY, root_certificates=certificate.cert
    )
    with Transport(settings) as transport:
        response = transport.unary(GENERATE_RPC, request("secure"), options=NO_RETRY_OPTIONS)
    assert response.candidates[0].content.parts[0].text == "echo: secure"
    assert tls_server.record.metadata[0]["x-goog-api-key"] == KEY


def _call_both_faces(settings: ChannelSettings, text: str) -> tuple[Response, Response]:
    """One GenerateContent through a Transport, then one through an AsyncTransport."""
    with Transport(settings) as transport:
        sync = transport.unary(GENERATE_RPC, request(text), options=NO_RETRY_OPTIONS)

    async def main() -> Response:
        async with AsyncTransport(settings) as transport:
            return await transport.unary(GENERATE_RPC, request(text), options=NO_RETRY_OPTIONS)

    return sync, asyncio.run(asyncio.wait_for(main(), 10))


def _refused_by_both_faces(settings: ChannelSettings) -> None:
    with Transport(settings) as transport, pytest.raises(errors.UnavailableError):
        transport.unary(GENERATE_RPC, request(), options=NO_RETRY_OPTIONS)

    async def main() -> None:
        async with AsyncTransport(settings) as transport:
            with pytest.raises(errors.UnavailableError):
                await transport.unary(GENERATE_RPC, request(), options=NO_RETRY_OPTIONS)

    asyncio.run(asyncio.wait_for(main(), 10))


def test_tls_server_name_override(renamed_tls_server: TestServer, renamed_certificate: Certificate) -> None:
    # The certificate names RENAMED_HOST only; the client dials 127.0.0.1. It connects only when
    # tls_server_name makes it check the certificate against RENAMED_HOST instead of the dialled host.
    server = renamed_tls_server
    server.reset()

    def dialling_127(tls_server_name: str | None) -> ChannelSettings:
        return ChannelSettings(
            endpoint=f"127.0.0.1:{server.port}",
            root_certificates=renamed_certificate.cert,
            tls_server_name=tls_server_name,
        )

    _refused_by_both_faces(dialling_127(None))
    _refused_by_both_faces(dialling_127("other.test"))
    assert server.record.calls[GENERATE] == 0  # no handshake got as far as a call

    sync, aio = _call_both_faces(dialling_127(RENAMED_HOST), "renamed")
    assert text_of(sync) == text_of(aio) == "echo: renamed"
    assert server.record.calls[GENERATE] == 2


def test_async_tls(tls_server: TestServer, certificate: Certificate) -> None:
    settings = ChannelSettings(endpoint=f"localhost:{tls_server.port}", root_certificates=certificate.cert)

    async def main() -> Response:
        async with AsyncTransport(settings) as transport:
            return await transport.unary(GENERATE_RPC, request("aio"), options=NO_RETRY_OPTIONS)

    response = asyncio.run(asyncio.wait_for(main(), 10))
    assert response.candidates[0].content.parts[0].text == "echo: aio"


def test_untrusted_certificate_is_refused(tls_server: TestServer) -> None:
    # No private root: the system roots do not know this self-signed certificate.
    with (
        Transport(ChannelSettings(endpoint=f"localhost:{tls_server.port}")) as transport,
        pytest.raises(errors.UnavailableError),
    ):
        transport.unary(GENERATE_RPC, request(), options=NO_RETRY_OPTIONS)


def test_tls_is_the_default_so_a_plaintext_server_fails(server: TestServer) -> None:
    settings = ChannelSettings(endpoint=server.address, api_key=KEY)  # insecure not set
    with Transport(settings) as transport, pytest.raises(errors.UnavailableError) as info:
        transport.unary(GENERATE_RPC, request(), options=CallOptions(timeout=5.0))
    assert KEY not in str(info.value)
