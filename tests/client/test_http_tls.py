"""Files and video downloads over real TLS, on both faces: the client's HTTP side applies the
channel's TLS settings (root_certificates, tls_server_name) and fails at once, with a clear error,
when the certificate is not trusted or not valid for the expected name.

A TLS-terminating proxy on loopback (its own thread and event loop) pipes bytes to the emulator's
plain HTTP port. Its certificate is for NAME only, never for 127.0.0.1, the host the clients dial:
only a client that checks the certificate against NAME (tls_server_name) and trusts it
(root_certificates) gets through. These clients need no gRPC: their `endpoint` is a port nobody
serves, and the video is made by a plaintext client of the emulator.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx2")

import genai
from genai.errors import CertificateVerificationError, UnavailableError
from genai.testing import Emulator
from tests.client.test_downloads import run
from tests.client.test_secrets_in_tracebacks import _render
from tests.transport.conftest import Certificate, _make_certificate

NAME = "files.genai.test"
KEY = "tls-files-secret-6161"
GRANULARITY = 64 * 1024
CHUNK = 128 * 1024
VEO = "veo-2.0-generate-001"


class TlsProxy:
    """TLS on 127.0.0.1:`port`, bytes piped to `upstream` (plain HTTP); `hellos` holds the SNI of
    every handshake the clients began (None when they sent none), failed handshakes included."""

    def __init__(self, upstream: str, certificate: Certificate, directory: Path) -> None:
        cert, key = directory / "proxy.cert.pem", directory / "proxy.key.pem"
        cert.write_bytes(certificate.cert)
        key.write_bytes(certificate.key)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = self._hello
        self.hellos: list[str | None] = []
        self._upstream = upstream
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop = asyncio.new_event_loop()
        # Failed handshakes are reported here; the clients' errors are what the tests look at.
        self._loop.set_exception_handler(lambda loop, context: None)
        self._thread = threading.Thread(target=self._loop.run_forever, name="tls-proxy", daemon=True)
        self._thread.start()
        start = asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        self._server = asyncio.run_coroutine_threadsafe(start, self._loop).result(timeout=10)
        self.port: int = self._server.sockets[0].getsockname()[1]

    def _hello(self, connection: Any, name: str | None, context: Any) -> None:
        self.hellos.append(name)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(task := asyncio.current_task())  # type: ignore[arg-type]
        host, port = self._upstream.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        try:
            await asyncio.gather(
                self._pipe(reader, up_writer), self._answer(up_reader, writer), return_exceptions=True
            )
        finally:
            for end in (writer, up_writer):
                end.close()
            self._tasks.discard(task)  # type: ignore[arg-type]

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1 << 16):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The emulator builds an upload's session URL from the Host header with its own scheme,
        # http: a TLS terminator puts its https in (as a reverse proxy rewrites Location). Answers
        # are framed by Content-Length, so each head is found whether or not the connection is kept.
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            lines = head.split(b"\r\n")
            length = 0
            for index, line in enumerate(lines):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"x-goog-upload-url":
                    lines[index] = name + b": " + value.strip().replace(b"http://", b"https://", 1)
                elif name.strip().lower() == b"content-length":
                    length = int(value)
            writer.write(b"\r\n".join(lines) + await reader.readexactly(length))
            await writer.drain()
        writer.close()

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(upload_granularity=GRANULARITY, api_keys=[KEY]) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return _make_certificate(tmp_path_factory.mktemp("files-tls"), NAME, f"DNS:{NAME}")


@pytest.fixture(scope="module")
def proxy(
    emu: Emulator, certificate: Certificate, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsProxy]:
    tls = TlsProxy(emu.http_endpoint, certificate, tmp_path_factory.mktemp("proxy"))
    yield tls
    tls.close()


@pytest.fixture(scope="module")
def video_path(emu: Emulator) -> str:
    """The path and query of a generated video (made over plaintext gRPC: the TLS clients have none)."""
    with emu.client(api_key=KEY) as plain:
        op = plain.models.predict_long_running(model=VEO, instances=[{"prompt": "a cat"}])
        uri = op.wait(timeout=10).videos()[0].uri
    assert uri is not None and uri.startswith(f"http://{emu.http_endpoint}/")
    return uri.split("/", 3)[3]


def tls_client(proxy: TlsProxy, **tls: Any) -> genai.Client:
    return genai.Client(api_key=KEY, endpoint="localhost:1", http_endpoint=f"127.0.0.1:{proxy.port}", **tls)


@pytest.mark.parametrize("face", ["sync", "async"])
def test_uploads_and_downloads_go_over_tls_checked_against_tls_server_name(
    face: str, emu: Emulator, proxy: TlsProxy, certificate: Certificate, video_path: str, tmp_path: Path
) -> None:
    data = os.urandom(CHUNK * 3 + 5)  # 4 chunks
    video_uri = f"https://127.0.0.1:{proxy.port}/{video_path}"  # the video, on this client's endpoint
    served = emu.server.backend.videos.get(video_path.split("/")[-1].split(":")[0])
    assert served is not None and served[4:8] == b"ftyp"
    before = len(proxy.hellos)
    with tls_client(proxy, root_certificates=certificate.cert, tls_server_name=NAME) as client:
        file = run(
            face,
            client,
            lambda c: c.files.upload(file=data, mime_type="application/octet-stream", chunk_size=CHUNK),
        )
        assert file.size_bytes == len(data)
        assert emu.server.backend.files.data(file.name) == data
        # Only generated files download (as on the API): one made on the server, of the same bytes.
        generated = genai.types.File(
            name=f"files/tls-out-{face}", mime_type="video/mp4", source=genai.types.File.Source.GENERATED
        )
        emu.server.backend.files.create(generated, data)
        copy = tmp_path / "copy.bin"
        assert run(face, client, lambda c: c.files.download(file=generated, path=copy)) == str(copy)
        assert copy.read_bytes() == data
        assert run(face, client, lambda c: c.models.download_video(video_uri, tmp_path / "v.mp4")) == (
            tmp_path / "v.mp4"
        )
        assert (tmp_path / "v.mp4").read_bytes() == served
        assert run(face, client, lambda c: c.models.download_video(video_uri)) == served
    assert not list(tmp_path.glob("*.part"))
    hellos = proxy.hellos[before:]
    assert hellos and set(hellos) == {NAME}  # every connection named NAME in its handshake


FAILURES = {
    # trusted, but the certificate is for NAME and the client checks it against 127.0.0.1
    "name mismatch": ({"root_certificates": True}, True, "not valid for the name '127.0.0.1'"),
    # the right name, but the certificate's issuer (itself) is not among the system roots
    "untrusted": ({"tls_server_name": NAME}, False, "certificate is not trusted"),
}


@pytest.mark.parametrize("face", ["sync", "async"])
@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_a_certificate_that_fails_verification_fails_at_once_with_a_clear_error(
    face: str, failure: str, proxy: TlsProxy, certificate: Certificate, video_path: str, tmp_path: Path
) -> None:
    settings, mismatch, says = FAILURES[failure]
    tls = {k: certificate.cert if v is True else v for k, v in settings.items()}
    video_uri = f"https://127.0.0.1:{proxy.port}/{video_path}"
    actions: list[Callable[[Any], Any]] = [
        lambda c: c.files.upload(file=os.urandom(CHUNK * 2), mime_type="video/mp4", chunk_size=CHUNK),
        lambda c: c.files.download(file="files/anything", path=tmp_path / "f.bin"),
        lambda c: c.models.download_video(video_uri, tmp_path / "v.mp4"),
        lambda c: c.models.download_video(video_uri),
    ]
    with tls_client(proxy, **tls) as client:
        for action in actions:
            before = len(proxy.hellos)
            with pytest.raises(CertificateVerificationError) as caught:
                run(face, client, action)
            assert len(proxy.hellos) == before + 1  # one handshake: not retried
            error = caught.value
            assert isinstance(error, UnavailableError) and not error.retryable
            assert error.name_mismatch is mismatch and says in str(error)
            assert KEY not in _render(error) and video_path not in str(error) and "https://" not in str(error)
    assert not list(tmp_path.iterdir())  # nothing written, not even a .part file
