"""``client.aio.models``: generate, stream, count tokens, embed, list, get, predict, download videos.

What each method sends comes from the pure core (genai._requests.calls); here it is only sent,
through the transport's interface (unary, server_stream, gather).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from genai._aio.afc import AsyncFunctionRounds, AsyncFunctionRoundsStream
from genai._aio.downloads import fetch, is_video_uri
from genai._aio.file_wait import wait_all_active
from genai._aio.streams import AsyncGenerateContentStream
from genai._coercion.content import ContentsLike
from genai._functions.calling import function_calling, sent_contents
from genai._requests.calls import (
    BATCH_EMBED_CONTENTS,
    COUNT_TOKENS,
    EMBED_CONTENT,
    GENERATE_CONTENT,
    GET_MODEL,
    LIST_MODELS,
    STREAM_GENERATE_CONTENT,
    CallConfig,
    EmbedConfig,
    GenerateConfig,
    ModelsCore,
    OtherGenerateConfig,
    merge_embeddings,
    single_embedding,
)
from genai._requests.config import GenerateContentConfig
from genai._requests.predict import PREDICT, PREDICT_LONG_RUNNING, JsonLike, build_predict_request
from genai._requests.videos import VideosConfigLike, video_request
from genai._transport import AsyncTransport
from genai._transport.http import AsyncFileHttp
from genai._transport.http_download import download_url
from genai._transport.options import NO_RETRY, CallOptions, checked_call_options
from genai._views.predictions import GeneratedVideo, PredictResponse, Video
from genai._views.responses import GenerateContentResponse
from genai._views.stream_state import StreamHooks
from genai._wire import messages as pb

if TYPE_CHECKING:
    from genai._aio.operations import AsyncOperation
    from genai._requests.config import T

__all__ = ["AsyncModels"]


class AsyncModels(ModelsCore):
    """Model calls; reached as ``client.aio.models``."""

    def __init__(self, transport: AsyncTransport, defaults: CallOptions, http: AsyncFileHttp) -> None:
        super().__init__(defaults)
        self._transport = transport
        self._http = http  # the client's HTTP pool (video downloads), shared with its files

    @overload
    async def generate_content(
        self, *, model: str, contents: ContentsLike, config: GenerateContentConfig[T]
    ) -> GenerateContentResponse[T]: ...

    @overload
    async def generate_content(
        self, *, model: str, contents: ContentsLike, config: OtherGenerateConfig | None = None
    ) -> GenerateContentResponse[Any]: ...

    async def generate_content(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> GenerateContentResponse[Any]:
        """One reply for `contents`.

        >>> (await client.aio.models.generate_content(model="gemini-2.5-flash", contents="Hi")).text
        'You said: "Hi". ...'
        """
        request, options, schema, cfg, files = self._generate(model, contents, config)
        if files is not None:
            await wait_all_active(self._transport, options, files.names, files.timeout)
        calling = function_calling(cfg)
        if calling is not None:
            rounds = AsyncFunctionRounds(self._transport, request, options, calling, sent_contents(request))
            return await rounds.generate(schema)
        raw = await self._transport.unary(
            GENERATE_CONTENT,
            request,
            options=options,
            metadata=options.metadata,
        )
        return GenerateContentResponse(raw, schema=schema)

    @overload
    async def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: GenerateContentConfig[T]
    ) -> AsyncGenerateContentStream[T]: ...

    @overload
    async def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: OtherGenerateConfig | None = None
    ) -> AsyncGenerateContentStream[Any]: ...

    async def generate_content_stream(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> AsyncGenerateContentStream[Any]:
        """The reply as it is produced: iterate the chunks; `.response` afterwards holds them merged.

        >>> stream = await client.aio.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi")
        >>> (await stream.resolve()).text
        'You said: "Hi". ...'
        """
        request, options, schema, cfg, files = self._generate(model, contents, config)
        if files is not None:
            await wait_all_active(self._transport, options, files.names, files.timeout)
        return self._open_stream(request, options, schema, cfg, None)

    def _stream(
        self, model: str, contents: ContentsLike, config: GenerateConfig | None, hooks: StreamHooks | None
    ) -> AsyncGenerateContentStream[Any]:
        """The stream of a reply; the facade's path, whose configs never ask to wait for files."""
        request, options, schema, cfg, files = self._generate(model, contents, config)
        if files is not None:
            raise ValueError("config.wait_for_files: use generate_content_stream() to wait for files")
        return self._open_stream(request, options, schema, cfg, hooks)

    def _open_stream(
        self,
        request: Any,
        options: CallOptions,
        schema: Any,
        cfg: GenerateContentConfig[Any] | None,
        hooks: StreamHooks | None,
    ) -> AsyncGenerateContentStream[Any]:
        calling = function_calling(cfg)
        if calling is not None:
            rounds = AsyncFunctionRounds(self._transport, request, options, calling, sent_contents(request))
            return AsyncGenerateContentStream(AsyncFunctionRoundsStream(rounds), schema=schema, hooks=hooks)
        stream = self._transport.server_stream(
            STREAM_GENERATE_CONTENT,
            request,
            options=options,
            metadata=options.metadata,
        )
        return AsyncGenerateContentStream(stream, schema=schema, hooks=hooks)

    async def count_tokens(
        self, *, model: str, contents: ContentsLike, config: GenerateConfig | None = None
    ) -> pb.CountTokensResponse:
        """Tokens `contents` (plus the config's system instruction and tools) would use.

        >>> (await client.aio.models.count_tokens(model="gemini-2.5-flash", contents="Hi")).total_tokens
        1
        """
        request, options, files = self._count(model, contents, config)
        if files is not None:
            await wait_all_active(self._transport, options, files.names, files.timeout)
        return await self._transport.unary(COUNT_TOKENS, request, options=options, metadata=options.metadata)

    async def embed_content(
        self, *, model: str, contents: ContentsLike, config: EmbedConfig | None = None
    ) -> pb.BatchEmbedContentsResponse:
        """One embedding per content, in order; lists are sent in concurrent batches of 100.

        >>> reply = await client.aio.models.embed_content(model="gemini-embedding-001", contents=["a", "b"])
        >>> len(reply.embeddings)
        2
        """
        batches, options = self._embed(model, contents, config)
        if isinstance(batches, pb.EmbedContentRequest):
            single = await self._transport.unary(
                EMBED_CONTENT,
                batches,
                options=options,
                metadata=options.metadata,
            )
            return single_embedding(single)
        if len(batches) == 1:
            return await self._transport.unary(
                BATCH_EMBED_CONTENTS,
                batches[0],
                options=options,
                metadata=options.metadata,
            )
        calls = [
            functools.partial(
                self._transport.unary,
                BATCH_EMBED_CONTENTS,
                batch,
                options=options,
                metadata=options.metadata,
            )
            for batch in batches
        ]
        return merge_embeddings(await self._transport.gather(calls))

    def list(
        self, *, page_size: int | None = None, config: CallConfig | None = None
    ) -> AsyncIterator[pb.Model]:
        """Every model, fetched page by page as the iteration advances.

        >>> [model.name async for model in client.aio.models.list()][:2]
        ['models/gemini-2.5-pro', 'models/gemini-2.5-flash']
        """
        size, options = self._page_size(page_size), self._options(config)

        async def pages() -> AsyncIterator[pb.Model]:
            token = ""
            while True:
                request = pb.ListModelsRequest(page_size=size, page_token=token)
                page = await self._transport.unary(
                    LIST_MODELS,
                    request,
                    options=options,
                    metadata=options.metadata,
                )
                for model in page.models:
                    yield model
                token = page.next_page_token
                if not token:
                    return

        return pages()

    async def get(self, *, model: str, config: CallConfig | None = None) -> pb.Model:
        """A model's metadata; NotFoundError when it does not exist.

        >>> (await client.aio.models.get(model="gemini-2.5-flash")).input_token_limit
        1048576
        """
        request, options = self._get(model, config)
        return await self._transport.unary(GET_MODEL, request, options=options, metadata=options.metadata)

    async def predict(
        self,
        *,
        model: str,
        instances: Sequence[JsonLike],
        parameters: Mapping[str, JsonLike] | None = None,
        config: CallConfig | None = None,
    ) -> PredictResponse:
        """Run a prediction model (image generation: Imagen) on JSON-like `instances`.

        The answer's ``predictions`` are Python values; ``images`` decodes an image model's.

        >>> prompt = [{"prompt": "a cat"}]
        >>> reply = await client.aio.models.predict(model="imagen-3.0-generate-002", instances=prompt)
        >>> reply.images[0][:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
        """
        request = build_predict_request(model, instances, parameters, long_running=False)
        options = self._options(config)
        raw = await self._transport.unary(PREDICT, request, options=options, metadata=options.metadata)
        return PredictResponse(raw)

    async def predict_long_running(
        self,
        *,
        model: str,
        instances: Sequence[JsonLike],
        parameters: Mapping[str, JsonLike] | None = None,
        config: CallConfig | None = None,
    ) -> AsyncOperation:
        """Start a slow prediction (video generation: Veo); returns its operation to wait for.

        Sent once (not retried: a retry could start a second job). The finished operation's
        ``videos()`` gives the generated videos, and the count and reasons of filtered ones.

        >>> prompt = [{"prompt": "a cat"}]
        >>> op = await client.aio.models.predict_long_running(model="veo-2.0-generate-001", instances=prompt)
        >>> videos = (await op.wait(timeout=30)).videos()
        >>> len(videos), videos.filtered_count
        (1, 0)
        """
        request = build_predict_request(model, instances, parameters, long_running=True)
        polling = self._options(config)
        once = checked_call_options(polling.timeout, NO_RETRY, polling.metadata)
        raw = await self._transport.unary(PREDICT_LONG_RUNNING, request, options=once, metadata=once.metadata)
        from genai._aio.operations import AsyncOperations  # here: most programs never start a job

        return AsyncOperations(self._transport, self._defaults)._wrap(raw, polling)

    async def generate_videos(
        self,
        *,
        model: str,
        prompt: str | None = None,
        image: Any = None,
        config: VideosConfigLike | None = None,
    ) -> AsyncOperation:
        """Start a video job the way google-genai spells it: ``predict_long_running`` with the prompt
        (and an image to start from) as the instance and the config as the model's parameters.

        >>> op = await client.aio.models.generate_videos(model="veo-2.0-generate-001", prompt="a cat")
        >>> (await op.wait(timeout=30)).response.generated_videos[0].video.uri.endswith("alt=media")
        True

        Poll it as google-genai's code does (``op = client.operations.get(op)`` until ``op.done``)
        or with ``op.wait()``; ``client.files.download(file=video.video)`` fills in its bytes.
        """
        instances, parameters = video_request(prompt, image, config)
        return await self.predict_long_running(
            model=model, instances=instances, parameters=parameters or None
        )

    @overload
    async def download_video(self, video: GeneratedVideo | Video | str, path: None = None) -> bytes: ...

    @overload
    async def download_video(self, video: GeneratedVideo | Video | str, path: str | Path) -> Path: ...

    async def download_video(
        self, video: GeneratedVideo | Video | str, path: str | Path | None = None
    ) -> bytes | Path:
        """A generated video's bytes: written to `path` (streamed, returns the Path) or returned.

        `video` is a GeneratedVideo (from ``operation.videos()``), its ``.video``, or its uri. The
        key goes in the ``x-goog-api-key`` header, and only to the client's ``http_endpoint``; a
        video with inline bytes is returned (or written) as is. The download goes over the client's
        HTTP connections (httpx2: ``pip install 'genai[files]'``), written to ``path + ".part"`` and
        renamed once
        complete, so a failed download leaves no partial file.

        >>> prompt = [{"prompt": "a cat"}]
        >>> op = await client.aio.models.predict_long_running(model="veo-2.0-generate-001", instances=prompt)
        >>> video = (await op.wait(timeout=30)).videos()[0]
        >>> (await client.aio.models.download_video(video))[4:8]
        b'ftyp'
        """
        target = _download_path(path)
        if isinstance(video, Video):
            video = GeneratedVideo(uri=video.uri, data=video.video_bytes)
        if not isinstance(video, GeneratedVideo | str):
            raise TypeError(
                f"video: expected a GeneratedVideo (from operation.videos()) or its uri str; "
                f"got {type(video).__name__}"
            )
        if isinstance(video, str) and not is_video_uri(video):
            download_url(self._transport.settings, video)  # a file's uri: the same host rule applies
        got = await fetch(
            self._http, self._transport.settings, video, None if target is None else str(target)
        )
        if target is None:
            assert got is not None
            return got
        return target


def _download_path(path: object) -> Path | None:
    if path is None:
        return None
    if not isinstance(path, str | Path):
        raise TypeError(
            f"path: expected a str or Path to write the video to, or None; got {type(path).__name__}"
        )
    target = Path(path)
    if target.is_dir():
        raise ValueError(f"path: {str(target)!r} is a directory; name the file to write")
    return target
