"""The official google-ai-generativelanguage FileServiceClient, over its own gRPC transport, against
our emulator: a file uploaded over the emulator's HTTP endpoint (by our client) is read, listed
(its pager) and deleted by the official client, which also creates one from metadata alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("google.ai.generativelanguage_v1beta")
pytest.importorskip("httpx2")

import grpc
from google.ai import generativelanguage_v1beta as official
from google.ai.generativelanguage_v1beta.services.file_service import transports as file_transports
from google.api_core import exceptions as api_exceptions

from genai.testing import Emulator

TIMEOUT = 5.0
METADATA = (("x-goog-api-key", "interop-key"),)


@pytest.fixture(scope="module")
def peers() -> Iterator[tuple[Emulator, official.FileServiceClient]]:
    with Emulator() as emulator, grpc.insecure_channel(emulator.endpoint) as channel:
        yield (
            emulator,
            official.FileServiceClient(transport=file_transports.FileServiceGrpcTransport(channel=channel)),
        )


def test_the_official_file_client_reads_lists_and_deletes(
    peers: tuple[Emulator, official.FileServiceClient],
) -> None:
    emulator, files = peers
    with emulator.client() as ours:
        uploaded = ours.files.upload(file=b"col1,col2\n1,2\n", mime_type="text/csv", display_name="table")
    got = files.get_file(name=uploaded.name, metadata=METADATA, timeout=TIMEOUT)
    assert (got.display_name, got.mime_type, got.size_bytes) == ("table", "text/csv", 14)
    assert got.state == official.File.State.ACTIVE and got.uri == uploaded.uri

    made = files.create_file(
        request=official.CreateFileRequest(
            file=official.File(name="files/official-1", mime_type="text/plain")
        ),
        metadata=METADATA,
        timeout=TIMEOUT,
    ).file
    assert made.name == "files/official-1" and made.size_bytes == 0

    pager = files.list_files(
        request=official.ListFilesRequest(page_size=1), metadata=METADATA, timeout=TIMEOUT
    )
    names = [file.name for file in pager]  # the pager follows next_page_token
    assert {uploaded.name, "files/official-1"} <= set(names)

    files.delete_file(name=uploaded.name, metadata=METADATA, timeout=TIMEOUT)
    with pytest.raises(api_exceptions.NotFound):
        files.get_file(name=uploaded.name, metadata=METADATA, timeout=TIMEOUT)
    with pytest.raises(api_exceptions.FailedPrecondition):
        files.download_file(name="files/official-1", metadata=METADATA, timeout=TIMEOUT)
