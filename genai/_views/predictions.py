"""Prediction results, I/O-free: Predict's answer as Python values, and a video job's result typed.

    >>> raw = pb.PredictLongRunningResponse()
    >>> raw.generate_video_response.generated_samples.add().video.uri = "https://h/v1beta/files/v:download"
    >>> GeneratedVideos(raw)[0].uri
    'https://h/v1beta/files/v:download'

A video job may withhold samples (responsible-AI filtering): ``filtered_count`` and
``filtered_reasons`` say so. When it withheld every sample, reading the samples raises
VideosFilteredError with the reasons: there is no empty list to index by mistake.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from genai._requests.predict import from_value
from genai._wire import messages as pb
from genai.errors import VideosFilteredError

__all__ = ["GeneratedVideo", "GeneratedVideos", "PredictResponse", "Video"]


class PredictResponse:
    """What Predict returned: ``predictions`` as Python values (dicts, lists, str, numbers), ``raw``.

    >>> raw = pb.PredictResponse()
    >>> raw.predictions.add().string_value = "x"
    >>> PredictResponse(raw).predictions
    ['x']
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._predictions: list[Any] | None = None

    @property
    def raw(self) -> Any:
        """The PredictResponse message."""
        return self._raw

    @property
    def predictions(self) -> list[Any]:
        """One Python value per prediction, in order."""
        if self._predictions is None:
            self._predictions = [from_value(item) for item in self._raw.predictions]
        return self._predictions

    @property
    def images(self) -> list[bytes]:
        """The images among the predictions (an image model's ``bytesBase64Encoded``), decoded."""
        images = []
        for i, item in enumerate(self.predictions):
            if isinstance(item, dict) and isinstance(item.get("bytesBase64Encoded"), str):
                try:
                    images.append(base64.b64decode(item["bytesBase64Encoded"], validate=True))
                except binascii.Error as err:
                    raise ValueError(f"predictions[{i}].bytesBase64Encoded: not base64 ({err})") from None
        return images

    def __repr__(self) -> str:
        return f"PredictResponse({len(self._raw.predictions)} predictions)"


class Video:
    """A generated video as google-genai holds it: ``uri``, ``video_bytes`` (inline, or filled in by
    ``client.files.download(file=video)``), ``mime_type``; ``save(path)`` writes the bytes.

    >>> video = Video(uri=None, video_bytes=b"....ftyp", mime_type="video/mp4")
    >>> video.video_bytes[4:]
    b'ftyp'
    """

    __slots__ = ("mime_type", "uri", "video_bytes")

    def __init__(self, *, uri: str | None, video_bytes: bytes | None, mime_type: str | None) -> None:
        self.uri = uri
        self.video_bytes = video_bytes
        self.mime_type = mime_type

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the video's bytes to `path` (download it first when it came as a uri)."""
        if self.video_bytes is None:
            raise ValueError(
                "this video is a uri whose bytes are not downloaded yet: call "
                "client.files.download(file=video) first, or client.models.download_video(video, path)"
            )
        with open(path, "wb") as out:
            out.write(self.video_bytes)

    def __repr__(self) -> str:
        held = f"<{len(self.video_bytes)} bytes>" if self.video_bytes is not None else "None"
        return f"Video(uri={self.uri!r}, video_bytes={held}, mime_type={self.mime_type!r})"


@dataclass(frozen=True)
class GeneratedVideo:
    """One generated video: its ``uri`` (download it with ``client.models.download_video``) or its
    inline ``data``; one of the two is set. ``video`` is the same video in google-genai's shape."""

    uri: str | None
    data: bytes | None
    video: Video = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "video", Video(uri=self.uri, video_bytes=self.data, mime_type="video/mp4"))

    @classmethod
    def from_message(cls, video: Any) -> GeneratedVideo:
        """From a Video message."""
        kind = video.WhichOneof("content")
        return cls(uri=video.uri if kind == "uri" else None, data=video.video if kind == "video" else None)

    def __repr__(self) -> str:
        if self.uri is not None:
            return f"GeneratedVideo(uri={self.uri!r})"
        return f"GeneratedVideo(data=<{len(self.data or b'')} bytes>)"


class GeneratedVideos:
    """A video job's result (a PredictLongRunningResponse, or a finished operation's ``result()``):
    the generated videos (index and iterate it, or read ``samples``), ``filtered_count`` and
    ``filtered_reasons``. Reading the samples when every one was filtered raises VideosFilteredError.
    """

    def __init__(self, result: Any) -> None:
        if not isinstance(result, pb.PredictLongRunningResponse):
            raise TypeError(
                "GeneratedVideos: expected a PredictLongRunningResponse (a video operation's result()); "
                f"got {type(result).__name__}"
            )
        self._raw = result
        self._response = result.generate_video_response
        self._samples = [
            GeneratedVideo.from_message(media.video) for media in self._response.generated_samples
        ]

    @property
    def raw(self) -> Any:
        """The PredictLongRunningResponse message."""
        return self._raw

    @property
    def filtered_count(self) -> int:
        """How many videos responsible-AI filtering withheld."""
        return int(self._response.rai_media_filtered_count)

    @property
    def filtered_reasons(self) -> list[str]:
        """Why videos were withheld, as the service says it."""
        return list(self._response.rai_media_filtered_reasons)

    @property
    def samples(self) -> list[GeneratedVideo]:
        """The generated videos; VideosFilteredError when filtering withheld all of them (or the
        result holds none at all, which the error says too)."""
        if not self._samples:
            if self.filtered_count or self.filtered_reasons:
                reasons = "; ".join(self.filtered_reasons) or "no reason given"
                raise VideosFilteredError(
                    f"every generated video was withheld by safety filtering ({self.filtered_count} "
                    f"filtered): {reasons}",
                    filtered_count=self.filtered_count,
                    reasons=self.filtered_reasons,
                )
            raise VideosFilteredError(
                "the video job's result holds no generated video (and reports none filtered)",
                filtered_count=0,
                reasons=[],
            )
        return list(self._samples)

    @property
    def generated_videos(self) -> list[GeneratedVideo]:
        """The samples under google-genai's name (``operation.response.generated_videos``); each
        has ``.video`` in google-genai's shape. Raises as ``samples`` does when all were filtered."""
        return self.samples

    @property
    def rai_media_filtered_count(self) -> int:
        """``filtered_count`` under google-genai's name."""
        return self.filtered_count

    @property
    def rai_media_filtered_reasons(self) -> list[str]:
        """``filtered_reasons`` under google-genai's name."""
        return self.filtered_reasons

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[GeneratedVideo]:
        return iter(self.samples)

    def __getitem__(self, index: int) -> GeneratedVideo:
        return self.samples[index]

    def __repr__(self) -> str:
        return f"GeneratedVideos({len(self._samples)} samples, {self.filtered_count} filtered)"
