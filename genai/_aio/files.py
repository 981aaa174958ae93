"""``client.aio.files``: resumable uploads, metadata (get, list, delete), waits and downloads.

Metadata goes over gRPC (FileService); bytes go over HTTP, to the client's ``http_endpoint``
(``genai._transport.http``), with the API's resumable protocol:

    file = await client.aio.files.upload(file="talk.mp4", wait=True, on_progress=print)

* The source (a path, bytes or a binary file object) is read one chunk at a time, on a worker
  thread on the asyncio face, so memory stays bounded by the chunk size and the loop never waits.
* After a broken connection, a timeout or a 5xx the upload asks the server what it has
  (``query``) and goes on from there, after a backoff with jitter; it gives up only when
  ``max_failures`` attempts in a row made no progress, with an UploadInterruptedError whose
  ``session`` (saved as JSON) resumes it later, in any process: ``upload(path, resume=session)``.
* ``on_progress(sent, total)`` is called with what the server confirmed: never backwards, and
  last with ``(total, total)``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any, overload

from genai._aio.downloads import fetch
from genai._aio.file_wait import POLL_CAP, POLL_INITIAL, wait_active
from genai._requests import files as core
from genai._requests.calls import CallConfig
from genai._requests.files import FileSource, Progress, UploadConfig, UploadSession
from genai._transport import AsyncTransport
from genai._transport.http import AsyncFileHttp, HttpAnswer, HttpTransportError, http_error
from genai._transport.options import NO_RETRY, CallOptions, checked_call_options
from genai._transport.settings import ChannelSettings
from genai._views.files import FileView
from genai._views.predictions import GeneratedVideo, Video
from genai._wire import messages as pb
from genai.errors import (
    APIError,
    UnavailableError,
    UploadInterruptedError,
)

__all__ = ["AsyncFile", "AsyncFiles"]


def _ok(status: int) -> bool:
    """Any 2xx: the API answers 200, and a server that says 201 for the same has not failed."""
    return 200 <= status < 300


def _retryable(status: int) -> bool:
    return status >= 500 or status in (408, 429)


def _http_error(answer: HttpAnswer, what: str) -> APIError:
    return http_error(answer.status, answer.body, what)


def _gave_up(failures: int, offset: int, total: int) -> str:
    return (
        f"the upload gave up after {failures} failed attempts in a row at byte {offset} of {total}; "
        "resume it with upload(..., resume=error.session)"
    )


class AsyncFile(FileView):
    """A file's metadata (``name``, ``uri``, ``mime_type``, ``state``, ...), ``wait_active()`` and
    ``delete()``. Pass it in contents anywhere: it becomes a ``file_data`` part."""

    __slots__ = ("_files",)

    def __init__(self, raw: pb.File, files: AsyncFiles) -> None:
        super().__init__(raw)
        self._files = files

    async def wait_active(self, *, timeout: float | None = None) -> AsyncFile:
        """This file once ACTIVE (polled with backoff); FileFailedError if it FAILED,
        FileWaitTimeoutError after `timeout` seconds."""
        return await self._files.wait(self, timeout=timeout)

    async def delete(self) -> None:
        await self._files.delete(name=self.name)


class AsyncFiles:
    """Files; reached as ``client.aio.files``."""

    # Retry tuning of uploads (class attributes: tests shorten them on an instance).
    max_failures = 8  # attempts in a row without progress before giving up
    backoff_base = 0.5
    backoff_cap = 10.0
    poll_initial = POLL_INITIAL  # wait(): the first pause between polls, growing by half each time
    poll_cap = POLL_CAP

    def __init__(
        self, transport: AsyncTransport, defaults: CallOptions, settings: ChannelSettings, http: AsyncFileHttp
    ) -> None:
        self._transport = transport
        self._defaults = defaults
        self._settings = settings
        self._http = http  # the client's HTTP pool, shared with its models (video downloads)

    def _call(self, config: Any) -> CallOptions:
        override = core.call_options(config)
        return self._defaults if override is None else self._defaults.merged(override)

    def _file(self, raw: pb.File) -> AsyncFile:
        return AsyncFile(raw, self)

    def _key(self) -> str | None:
        # The RedactedKey itself, not str() of it: frames holding the headers show '<redacted>'.
        return self._settings.api_key or None

    # -- metadata over gRPC --------------------------------------------------------------------

    async def get(self, name: Any, *, config: CallConfig | None = None) -> AsyncFile:
        """A file's metadata by name (``files/x``, ``x``, or a File); NotFoundError once it is gone.

        >>> file = await client.aio.files.upload(file=b"hello", mime_type="text/plain")
        >>> (await client.aio.files.get(name=file.name)).size_bytes
        5
        """
        options = self._call(config)
        raw = await self._transport.unary(
            core.GET_FILE,
            pb.GetFileRequest(name=core.to_file_name(name)),
            options=options,
            metadata=options.metadata,
        )
        return self._file(raw)

    async def create(
        self,
        *,
        display_name: str | None = None,
        mime_type: str | None = None,
        name: str | None = None,
        config: CallConfig | None = None,
    ) -> AsyncFile:
        """A file made from metadata alone over gRPC (FileService.CreateFile): no bytes travel that
        way; ``upload`` is how content goes up. Sent once unless it has a ``name`` (a retry could
        otherwise make a second file).

        >>> (await client.aio.files.create(display_name="notes", mime_type="text/plain")).display_name
        'notes'
        """
        raw = pb.File()
        for key, value in (("display_name", display_name), ("mime_type", mime_type)):
            if value is not None:
                if not isinstance(value, str):
                    raise TypeError(f"{key}: expected a str; got {type(value).__name__}")
                setattr(raw, key, value)
        if name is not None:
            raw.name = core.to_file_name(name)
        options = self._call(config)
        if not raw.name:  # a retry could make a second file; with a name it cannot
            options = checked_call_options(options.timeout, NO_RETRY, options.metadata)
        answer = await self._transport.unary(
            core.CREATE_FILE, pb.CreateFileRequest(file=raw), options=options, metadata=options.metadata
        )
        return self._file(answer.file)

    def list(self, *, config: dict[str, Any] | None = None) -> AsyncIterator[AsyncFile]:
        """Every file, fetched page by page as the iteration advances (``page_size`` per page).

        >>> names = [f.name async for f in client.aio.files.list(config={"page_size": 2})]
        >>> all(name.startswith("files/") for name in names)
        True
        """
        cfg = dict(config or {})
        size = cfg.pop("page_size", 0) or 0
        token = cfg.pop("page_token", "") or ""
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise TypeError(f"config.page_size: expected a non-negative int, got {size!r}")
        options = self._call(cfg)

        async def pages() -> AsyncIterator[AsyncFile]:
            page_token = token
            while True:
                request = pb.ListFilesRequest(page_size=size, page_token=page_token)
                page = await self._transport.unary(
                    core.LIST_FILES, request, options=options, metadata=options.metadata
                )
                for raw in page.files:
                    yield self._file(raw)
                page_token = page.next_page_token
                if not page_token:
                    return

        return pages()

    async def delete(self, name: Any, *, config: CallConfig | None = None) -> None:
        """Delete a file (``files/x``, ``x`` or a File); NotFoundError when there is none."""
        options = self._call(config)
        await self._transport.unary(
            core.DELETE_FILE,
            pb.DeleteFileRequest(name=core.to_file_name(name)),
            options=options,
            metadata=options.metadata,
        )

    async def wait(self, name: Any, *, timeout: float | None = None) -> AsyncFile:
        """The file once ACTIVE, polling PROCESSING with backoff (``poll_initial`` growing to
        ``poll_cap``); FileFailedError with the file's error if it FAILED; FileWaitTimeoutError
        after `timeout` seconds (the file goes on processing)."""
        raw = await wait_active(
            self._transport,
            self._defaults,
            core.to_file_name(name),
            timeout,
            poll_initial=self.poll_initial,
            poll_cap=self.poll_cap,
            view=self._file,
        )
        return self._file(raw)

    # -- bytes over HTTP -----------------------------------------------------------------------

    async def upload(
        self,
        file: FileSource,
        *,
        mime_type: str | None = None,
        display_name: str | None = None,
        name: str | None = None,
        chunk_size: int = core.DEFAULT_CHUNK_SIZE,
        on_progress: Progress | None = None,
        wait: bool = False,
        wait_timeout: float | None = None,
        resume: UploadSession | dict[str, Any] | str | None = None,
        on_session: Any = None,
        config: UploadConfig | None = None,
    ) -> AsyncFile:
        """Upload `file` (a path, bytes or a binary file object) with the resumable protocol.

        >>> file = await client.aio.files.upload(file=b"%PDF-1.7 ...", display_name="report")
        >>> file.mime_type, file.state
        ('application/pdf', 'ACTIVE')

        The mime type is `mime_type`, else the name's extension, else the content's magic bytes
        (ValueError when none tells). ``resume`` (an UploadSession, its dict or JSON) goes on with
        an upload an earlier process started; ``on_session(session)`` is called once the server
        has opened the session (save it to resume after a crash). ``wait=True`` returns the file
        once ACTIVE (``wait_timeout`` seconds at most). ``config`` (google-genai's shape) may carry
        ``display_name``, ``mime_type`` and ``name`` instead of the keywords, and ``metadata``, sent
        as headers of the upload's first request.
        """
        given = core.upload_settings(config, mime_type, display_name, name)
        mime_type, display_name, name = given.mime_type, given.display_name, given.name
        override = core.call_options(given.call)
        timeout = override.timeout if override is not None else None  # per HTTP request
        chunk = core.chunk_size_for(chunk_size, 1)
        source = await self._http.run(core.open_source, file)
        try:
            core.check_size(source.size)
            source_name = source.name if isinstance(source.name, str) else None
            saved = core.to_session(resume) if resume is not None else None
            if saved is not None and saved.mime_type and mime_type is None:
                mime = saved.mime_type  # what the session was started with
            else:
                head = await self._http.run(source.read, 0, core.SNIFF_BYTES)
                mime = core.choose_mime_type(mime_type, source_name, head)
            digest = await self._http.run(source.sha256)
            if saved is not None:
                session = saved
                if (session.size, session.sha256) != (source.size, digest):
                    raise ValueError(
                        "resume: the source is not the one this session was uploading "
                        f"(size {source.size} vs {session.size}, or its SHA-256 differs)"
                    )
            else:
                label = display_name or (os.path.basename(source_name) if source_name else None)
                session = await self._start(source.size, mime, label, name, digest, given.call, timeout)
                if on_session is not None:
                    on_session(session)
            core.check_session_url(session.url, self._settings.insecure)
            raw = await self._send(source, session, chunk, on_progress, timeout, ask_first=resume is not None)
        finally:
            await self._http.run(source.close)
        uploaded = self._file(raw)
        if wait:
            return await self.wait(uploaded, timeout=wait_timeout)
        return uploaded

    async def _start(
        self,
        size: int,
        mime: str,
        display_name: str | None,
        name: str | None,
        digest: str,
        config: Any,
        timeout: float | None,
    ) -> UploadSession:
        headers = core.start_headers(self._key(), size, mime)
        for key, value in self._call(config).metadata:
            if isinstance(value, str):
                headers[key] = value
        body = core.start_body(mime, display_name, name)
        url = self._http.base_url() + core.UPLOAD_PATH
        failures = 0
        broken: HttpTransportError | None = None
        while True:
            try:
                answer = await self._http.post(url, headers, body, timeout)
            except HttpTransportError as exc:
                answer, broken = None, exc
            if answer is not None and _ok(answer.status) and "x-goog-upload-url" in answer.headers:
                granularity = int(answer.headers.get("x-goog-upload-chunk-granularity", "1") or 1)
                return UploadSession(
                    url=answer.headers["x-goog-upload-url"],
                    size=size,
                    sha256=digest,
                    granularity=granularity,
                    mime_type=mime,
                    display_name=display_name or "",
                )
            if answer is not None and not _retryable(answer.status):
                raise _http_error(answer, "starting the upload")
            failures += 1
            if failures >= self.max_failures:
                if answer is not None:
                    raise _http_error(answer, "starting the upload")
                raise UnavailableError(
                    f"starting the upload failed {failures} times in a row: {broken}"
                ) from broken
            await self._http.sleep(core.backoff(failures, self.backoff_base, self.backoff_cap))

    async def _query(self, session: UploadSession, timeout: float | None) -> HttpAnswer:
        return await self._http.post(session.url, core.chunk_headers(self._key(), "query", 0), b"", timeout)

    async def _send(
        self,
        source: core.Source,
        session: UploadSession,
        chunk_size: int,
        on_progress: Progress | None,
        timeout: float | None,
        *,
        ask_first: bool,
    ) -> pb.File:
        total = session.size
        chunk = core.chunk_size_for(chunk_size, session.granularity)
        reported = -1

        def report(sent: int) -> None:
            nonlocal reported
            if on_progress is not None and sent > reported:
                reported = sent
                on_progress(sent, total)

        failures = 0
        last_error: BaseException | None = None
        offset = session.offset
        must_ask = ask_first  # a fresh session starts at 0; a resumed one asks the server first
        while True:
            if must_ask:
                try:
                    asked = await self._query(session, timeout)
                except HttpTransportError as exc:
                    asked, last_error = None, exc
                if asked is not None and _ok(asked.status):
                    status = asked.headers.get("x-goog-upload-status", "active")
                    if status == "final":
                        report(total)
                        return core.file_from_json(asked.body)
                    if status != "active":
                        raise UploadInterruptedError(
                            f"the upload session is {status}: start a new upload", session=session.at(offset)
                        )
                    offset = int(asked.headers.get("x-goog-upload-size-received", offset))
                    must_ask = False
                    report(offset)
                elif asked is not None and not _retryable(asked.status):
                    error = _http_error(asked, "resuming the upload")
                    raise UploadInterruptedError(
                        f"the upload cannot resume: {error}", session=session.at(offset)
                    ) from error
                else:
                    if asked is not None:
                        last_error = _http_error(asked, "asking the server how much it has")
                    failures += 1
                    if failures >= self.max_failures:
                        raise UploadInterruptedError(
                            _gave_up(failures, offset, total), session=session.at(offset)
                        ) from last_error
                    await self._http.sleep(core.backoff(failures, self.backoff_base, self.backoff_cap))
                    continue
            size = min(chunk, total - offset)
            final = offset + size >= total
            data = await self._http.run(source.read, offset, size)
            if len(data) != size:
                raise ValueError(
                    f"the source changed while uploading: {len(data)} bytes at {offset}, expected {size}"
                )
            command = "upload, finalize" if final else "upload"
            try:
                answer: HttpAnswer | None = await self._http.post(
                    session.url, core.chunk_headers(self._key(), command, offset), data, timeout
                )
            except HttpTransportError as exc:
                answer, last_error = None, exc
            del data
            if answer is not None and (_ok(answer.status) or (answer.status == 308 and not final)):
                if final:
                    report(total)
                    return core.file_from_json(answer.body)
                received = answer.headers.get("x-goog-upload-size-received")
                offset = int(received) if received is not None else offset + size
                failures = 0
                report(offset)
                continue
            if answer is not None and not _retryable(answer.status) and answer.status != 400:
                error = _http_error(answer, "uploading a chunk")
                raise UploadInterruptedError(
                    f"the server refused the upload: {error}", session=session.at(offset)
                ) from error
            if answer is not None:
                last_error = _http_error(answer, "uploading a chunk")
            failures += 1
            if failures >= self.max_failures:
                raise UploadInterruptedError(
                    _gave_up(failures, offset, total), session=session.at(offset)
                ) from last_error
            if answer is None or answer.status != 400:
                await self._http.sleep(core.backoff(failures, self.backoff_base, self.backoff_cap))
            must_ask = True  # never re-send blindly: the server says where to go on from

    @overload
    async def download(self, file: Any, path: None = None) -> bytes: ...

    @overload
    async def download(self, file: Any, path: str | os.PathLike[str]) -> str: ...

    async def download(self, file: Any, path: str | os.PathLike[str] | None = None) -> bytes | str:
        """A (generated) file's bytes: streamed into `path` (returns the path) or, without one,
        returned, as google-genai's ``download(file=...)`` does.

        `file` is a File, its name (``files/abc`` or ``abc``), or a generated video (a GeneratedVideo,
        or a download uri on the client's ``http_endpoint``). The key goes in a header; a file goes
        to ``path + ".part"``, renamed once complete (a failed download leaves no partial file).

        >>> prompt = [{"prompt": "a cat"}]
        >>> op = await client.aio.models.predict_long_running(model="veo-2.0-generate-001", instances=prompt)
        >>> (await client.aio.files.download((await op.wait(timeout=30)).videos()[0]))[4:8]
        b'ftyp'

        Only generated files can be downloaded (the API never gives uploaded bytes back): a File
        known to be uploaded is a ValueError here; a name of one is the server's FailedPreconditionError.
        """
        target = None if path is None else _target(path)
        if isinstance(file, Video):  # google-genai's shape: the bytes are kept on the video too
            if file.uri is None or target is not None:
                file = GeneratedVideo(uri=file.uri, data=file.video_bytes)
            else:
                file.video_bytes = await self.download(file.uri)
                return file.video_bytes
        got = await fetch(self._http, self._settings, file, target)
        if target is None:
            assert got is not None
            return got
        return target

    async def aclose(self) -> None:
        """Close the running loop's HTTP connections (the client's, shared with its models; they
        reopen on the next use)."""
        await self._http.aclose()


def _target(path: object) -> str:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path: expected a str or path to write to, or None; got {type(path).__name__}")
    return os.fspath(path)
