"""google-genai's ``models.generate_videos``, as a PredictLongRunning request (pure; no I/O).

    >>> instances, parameters = video_request("a cat", None, {"number_of_videos": 2, "aspect_ratio": "16:9"})
    >>> instances, parameters
    ([{'prompt': 'a cat'}], {'sampleCount': 2, 'aspectRatio': '16:9'})

The config's fields become the Veo model's camelCase parameters (``number_of_videos`` is
``sampleCount``); a field the Gemini API does not take (``output_gcs_uri``, ...) is a ValueError
rather than a silently dropped setting. An image to start from goes in the instance as base64.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from genai._coercion.base import SupportsModelDump, describe, is_genai_model
from genai._coercion.content import sniff_mime_type

__all__ = ["GenerateVideosConfig", "VideosConfigLike", "video_request"]


@dataclass(frozen=True, kw_only=True)
class GenerateVideosConfig:
    """What ``generate_videos`` asks the video model for (google-genai's GenerateVideosConfig).

    >>> GenerateVideosConfig(number_of_videos=1, duration_seconds=8).duration_seconds
    8
    """

    number_of_videos: int | None = None
    duration_seconds: int | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    person_generation: str | None = None
    negative_prompt: str | None = None
    enhance_prompt: bool | None = None
    generate_audio: bool | None = None
    seed: int | None = None
    fps: int | None = None


VideosConfigLike = GenerateVideosConfig | Mapping[str, Any] | SupportsModelDump
"""``config=`` of generate_videos: the dataclass, its dict, or google-genai's GenerateVideosConfig."""

# Field -> the parameter the API's video models take, and the Python types accepted.
_PARAMETERS: dict[str, tuple[str, tuple[type, ...]]] = {
    "number_of_videos": ("sampleCount", (int,)),
    "duration_seconds": ("durationSeconds", (int,)),
    "aspect_ratio": ("aspectRatio", (str,)),
    "resolution": ("resolution", (str,)),
    "person_generation": ("personGeneration", (str,)),
    "negative_prompt": ("negativePrompt", (str,)),
    "enhance_prompt": ("enhancePrompt", (bool,)),
    "generate_audio": ("generateAudio", (bool,)),
    "seed": ("seed", (int,)),
    "fps": ("fps", (int,)),
}
_IGNORED = frozenset({"http_options"})  # google-genai's HTTP transport settings: nothing to send


def video_request(
    prompt: object, image: object, config: VideosConfigLike | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(instances, parameters) of the PredictLongRunning call generate_videos makes."""
    if prompt is None and image is None:
        raise ValueError("generate_videos: give a prompt, an image, or both")
    instance: dict[str, Any] = {}
    if prompt is not None:
        if not isinstance(prompt, str) or not prompt.strip():
            raise TypeError(f"prompt: expected a non-empty str; got {describe(prompt)}")
        instance["prompt"] = prompt
    if image is not None:
        instance["image"] = _image(image)
    return [instance], _parameters(config)


def _parameters(config: VideosConfigLike | None) -> dict[str, Any]:
    if config is None:
        return {}
    if isinstance(config, GenerateVideosConfig):
        items = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    elif isinstance(config, Mapping):
        items = dict(config)
    elif is_genai_model(config):
        items = {k: v for k, v in config.model_dump(exclude_none=True).items() if k not in _IGNORED}
    else:
        raise TypeError(
            "config: expected a GenerateVideosConfig, a dict of its fields or google-genai's "
            f"GenerateVideosConfig; got {describe(config)}"
        )
    parameters: dict[str, Any] = {}
    for key, value in items.items():
        if value is None:
            continue
        known = _PARAMETERS.get(key) if isinstance(key, str) else None
        if known is None:
            raise ValueError(
                f"config.{key}: not a setting the Gemini API's video models take; valid: "
                + ", ".join(_PARAMETERS)
            )
        name, types = known
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise TypeError(f"config.{key}: expected {types[0].__name__}; got {describe(value)}")
        parameters[name] = value
    return parameters


def _image(image: object) -> dict[str, str]:
    """An image to start from: bytes, or google-genai's Image (image_bytes, mime_type)."""
    if isinstance(image, bytes | bytearray | memoryview):
        data, mime = bytes(image), None
    elif isinstance(held := getattr(image, "image_bytes", None), bytes):
        data, mime = held, getattr(image, "mime_type", None)
    else:
        raise TypeError(f"image: expected the image's bytes or google-genai's Image; got {describe(image)}")
    mime = mime or sniff_mime_type(data)
    if not mime or not mime.startswith("image/"):
        raise ValueError(
            "image: not an image genai can tell the type of (give google-genai's Image with mime_type)"
        )
    return {"bytesBase64Encoded": base64.b64encode(data).decode("ascii"), "mimeType": mime}
