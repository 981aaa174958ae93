"""FileService over gRPC: the metadata of files on the store's `files` collection (`_files`).

File bytes never travel over gRPC (the resumable upload is HTTP, `_http`): CreateFile makes a file
from metadata alone (no bytes, PROCESSING then ACTIVE like an upload); GetFile and ListFiles show
each file with its state settled on the store's clock; DeleteFile removes it and its bytes;
DownloadFile answers an empty response for a GENERATED file (its bytes come from the HTTP download
endpoint) and FAILED_PRECONDITION for an uploaded one, as the API does.
"""

from __future__ import annotations

import grpc
from genai_protos import file_pb2, file_service_pb2, file_service_pb2_grpc
from google.protobuf import empty_pb2

from .._backend import Backend
from .._status import RpcFailure
from .._store import answering
from .._validate import Violations, raise_if
from .registry import Context, call_of

fs = file_service_pb2
File = file_pb2.File
SERVICE = "FileService"


def _name_violations(name: str, field: str = "name") -> Violations:
    if not name:
        return [(field, "must not be empty")]
    parts = name.split("/")
    if len(parts) != 2 or parts[0] != "files" or not parts[1]:
        return [(field, f'expected a name like "files/abc123", got {name!r}')]
    return []


class FileServicer(file_service_pb2_grpc.FileServiceServicer):
    """Create (metadata only), get, list, delete and download files."""

    def __init__(self, backend: Backend) -> None:
        self._prelude = backend.prelude
        self._files = backend.files

    async def CreateFile(self, request: fs.CreateFileRequest, context: Context) -> fs.CreateFileResponse:
        await self._prelude.begin(call_of(SERVICE, "CreateFile", request, context))
        with answering("CreateFileRequest"):
            return fs.CreateFileResponse(file=self._files.create(request.file, b""))

    async def GetFile(self, request: fs.GetFileRequest, context: Context) -> File:
        await self._prelude.begin(call_of(SERVICE, "GetFile", request, context))
        raise_if("GetFileRequest", _name_violations(request.name))
        with answering("GetFileRequest"):
            return self._files.get(request.name)

    async def ListFiles(self, request: fs.ListFilesRequest, context: Context) -> fs.ListFilesResponse:
        await self._prelude.begin(call_of(SERVICE, "ListFiles", request, context))
        with answering("ListFilesRequest"):
            page = self._files.collection.list(page_size=request.page_size, page_token=request.page_token)
        files = self._files.settle_all(item for item in page.items if isinstance(item, File))
        return fs.ListFilesResponse(files=files, next_page_token=page.next_page_token)

    async def DeleteFile(self, request: fs.DeleteFileRequest, context: Context) -> empty_pb2.Empty:
        await self._prelude.begin(call_of(SERVICE, "DeleteFile", request, context))
        raise_if("DeleteFileRequest", _name_violations(request.name))
        with answering("DeleteFileRequest"):
            self._files.delete(request.name)
        return empty_pb2.Empty()

    async def DownloadFile(
        self, request: fs.DownloadFileRequest, context: Context
    ) -> fs.DownloadFileResponse:
        await self._prelude.begin(call_of(SERVICE, "DownloadFile", request, context))
        raise_if("DownloadFileRequest", _name_violations(request.name))
        with answering("DownloadFileRequest"):
            file = self._files.get(request.name)
        if file.source != File.Source.GENERATED:
            raise RpcFailure(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"Only generated files can be downloaded; {request.name} was uploaded.",
            )
        return fs.DownloadFileResponse()
