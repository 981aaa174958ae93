"""One download, whatever names it: a generated video (inline or by uri), a video uri, or a
file (its name, or a File); shared by ``files.download`` and ``models.download_video``.

    >>> prompt = [{"prompt": "a cat"}]
    >>> op = await client.aio.models.predict_long_running(model="veo-2.0-generate-001", instances=prompt)
    >>> video = (await op.wait(timeout=30)).videos()[0]
    >>> (await fetch(client.aio.files._http, client.aio.files._settings, video, None))[4:8]
    b'ftyp'

A uri that is not a file's goes through ``download_url`` (the key only to the client's own
``http_endpoint``); a file's goes to the API's ``files/<id>:download`` route on that endpoint, and
an uploaded File is refused before anything is sent (only generated files download).
"""

from __future__ import annotations

from genai._transport.http import AsyncFileHttp
from genai._transport.http_download import download_url
from genai._transport.settings import ChannelSettings
from genai._views.predictions import GeneratedVideo

__all__ = ["fetch", "is_video_uri"]


def is_video_uri(source: object) -> bool:
    """Whether `source` is a download uri that names no file (a generated video's own route)."""
    return (
        isinstance(source, str)
        and source.startswith(("https://", "http://"))
        and "/v1beta/files/" not in source
    )


async def fetch(
    http: AsyncFileHttp, settings: ChannelSettings, source: object, target: str | None
) -> bytes | None:
    """The bytes of `source`, streamed into `target` (returns None) or, with no target, returned."""
    if isinstance(source, GeneratedVideo):
        if source.uri is None:  # a video the job returned inline
            data = source.data or b""
            if target is None:
                return data
            await http.run(_write, target, data)
            return None
        source = source.uri
    if is_video_uri(source):
        url, what = download_url(settings, source), "downloading the video"
    else:  # a file: its name, a File, or its uri (which names it)
        from genai._requests.files import check_downloadable, to_file_name  # here: files load lazily

        check_downloadable(source)
        name = to_file_name(source)
        url, what = f"{http.base_url()}/v1beta/{name}:download?alt=media", f"downloading {name}"
    key = settings.api_key  # the RedactedKey itself: frames holding the headers show '<redacted>'
    return await http.download(url, {"x-goog-api-key": key} if key else {}, target, what)


def _write(path: str, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
