"""Predictions, transport-neutral: Predict's deterministic answers and PredictLongRunning's video jobs.

    predict(request)                                  # PredictResponse, or RpcFailure
    job = plan_video(request, metadata)               # the knobs read, the samples decided
    job.complete(videos, http_endpoint)               # the operation's PredictLongRunningResponse

Predict serves the catalog's image models (`predict` among their methods): every instance
(`{"prompt": str}`) gives `parameters.sampleCount` (default 1) predictions
`{"bytesBase64Encoded": <a small valid PNG>, "mimeType": "image/png"}`, the same for the same
prompt. PredictLongRunning serves the video models (`predictLongRunning`): the operation,
`models/<model>/operations/<id>`, finishes after VIDEO_SECONDS of the store's clock (or the
`x-emulator-predict-seconds` header) with a GenerateVideoResponse of `sampleCount` samples, each a
small deterministic MP4 served at `http://<http endpoint>/v1beta/generatedVideos/<id>:download?alt=media`
(inline bytes when the emulator has no HTTP front end). Knobs on the create call:
`x-emulator-predict-filter: N` withholds N samples (rai_media_filtered_count / _reasons), and
`x-emulator-predict-fail: CODE` ends the operation with that status.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from genai_protos import prediction_service_pb2
from google.protobuf import json_format, struct_pb2

from . import _catalog
from ._knobs import parse_seconds
from ._status import RpcFailure, error_info, invalid_argument

ps = prediction_service_pb2
PREDICT_SECONDS = "x-emulator-predict-seconds"
PREDICT_FAIL = "x-emulator-predict-fail"
PREDICT_FILTER = "x-emulator-predict-filter"
VIDEO_SECONDS = 0.05
MAX_SAMPLES = 4
DOWNLOAD_PREFIX = "/v1beta/generatedVideos/"
DOWNLOAD_SUFFIX = ":download"
FILTER_REASON = (
    "The video was withheld by the emulator's safety filter (injected with x-emulator-predict-filter)."
)
FAILED_REASON = "EMULATOR_PREDICTION_FAILED"


def _header(metadata: Mapping[str, str | bytes], name: str) -> str | None:
    value = metadata.get(name)
    if value is None:
        return None
    return (value.decode("utf-8", "replace") if isinstance(value, bytes) else value).strip()


def png(seed: bytes, size: int = 8) -> bytes:
    """A valid `size` x `size` RGB PNG of one colour chosen by `seed` (deterministic)."""
    r, g, b = hashlib.sha256(seed).digest()[:3]
    row = b"\x00" + bytes((r, g, b)) * size
    raw = zlib.compress(row * size, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def video(seed: bytes) -> bytes:
    """A small deterministic file shaped like an MP4 (an `ftyp` box, then a `free` box of filler)."""
    ftyp = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2"
    filler = b"".join(hashlib.sha256(seed + bytes([i])).digest() for i in range(64))
    return ftyp + struct.pack(">I", 8 + len(filler)) + b"free" + filler


def _entry(model: str, method: str, request_type: str) -> _catalog.CatalogEntry:
    if not model.startswith("models/") or model == "models/":
        raise invalid_argument(
            request_type, [("model", 'expected a model name like "models/imagen-3.0-generate-002"')]
        )
    entry = _catalog.find(model)
    if entry is None:
        raise RpcFailure(grpc.StatusCode.NOT_FOUND, f"Model is not found: {model} for api version v1beta")
    if not entry.supports(method):
        methods = ", ".join(entry.model.supported_generation_methods)
        raise RpcFailure(
            grpc.StatusCode.NOT_FOUND,
            f"{model} does not support {method}. Its methods: {methods}.",
        )
    return entry


def _prompts(instances: list[struct_pb2.Value], request_type: str, *, image_alone: bool = False) -> list[str]:
    """Each instance's prompt; with `image_alone` (videos) an instance may bring an image instead."""
    if not instances:
        raise invalid_argument(request_type, [("instances", "at least one instance is required")])
    prompts: list[str] = []
    violations: list[tuple[str, str]] = []
    for i, instance in enumerate(instances):
        fields = instance.struct_value.fields if instance.HasField("struct_value") else None
        prompt = fields.get("prompt") if fields is not None else None
        image = fields.get("image") if fields is not None else None
        if image_alone and prompt is None and image is not None:
            if not _is_image(image):
                where = f"instances[{i}].image"
                violations.append((where, "an image is {bytesBase64Encoded: base64 str, mimeType: image/*}"))
            else:
                prompts.append("")
        elif prompt is None or not prompt.HasField("string_value") or not prompt.string_value:
            violations.append((f"instances[{i}].prompt", "a non-empty prompt string is required"))
        else:
            prompts.append(prompt.string_value)
    if violations:
        raise invalid_argument(request_type, violations)
    return prompts


def _is_image(value: struct_pb2.Value) -> bool:
    if not value.HasField("struct_value"):
        return False
    fields = value.struct_value.fields
    data, mime = fields.get("bytesBase64Encoded"), fields.get("mimeType")
    return (
        data is not None
        and bool(data.string_value)
        and mime is not None
        and mime.string_value.startswith("image/")
    )


def _sample_count(parameters: struct_pb2.Value, request_type: str) -> int:
    if not parameters.HasField("struct_value"):
        return 1
    count = parameters.struct_value.fields.get("sampleCount")
    if count is None:
        return 1
    value = count.number_value if count.HasField("number_value") else -1.0
    if value != int(value) or not 1 <= value <= MAX_SAMPLES:
        raise invalid_argument(
            request_type, [("parameters.sampleCount", f"an integer between 1 and {MAX_SAMPLES}")]
        )
    return int(value)


def predict(request: ps.PredictRequest) -> ps.PredictResponse:
    """Deterministic predictions for an image model (RpcFailure for a request the API would refuse)."""
    _entry(request.model, "predict", "PredictRequest")
    prompts = _prompts(list(request.instances), "PredictRequest")
    count = _sample_count(request.parameters, "PredictRequest")
    response = ps.PredictResponse()
    for prompt in prompts:
        for n in range(count):
            image = png(f"{request.model}\n{prompt}\n{n}".encode())
            encoded = base64.b64encode(image).decode("ascii")
            json_format.ParseDict(
                {"bytesBase64Encoded": encoded, "mimeType": "image/png"}, response.predictions.add()
            )
    return response


@dataclass(frozen=True)
class VideoJob:
    """One PredictLongRunning: how long it runs, its samples, how many are filtered, whether it fails."""

    model: str
    seeds: tuple[bytes, ...]
    seconds: float
    filtered: int
    fail: grpc.StatusCode | None

    def complete(self, videos: Videos, http_endpoint: str | None) -> ps.PredictLongRunningResponse:
        """The finished operation's response (raises the injected failure instead, if any)."""
        if self.fail is not None:
            raise RpcFailure(
                self.fail,
                f"Video generation with {self.model} failed "
                f"(injected by the genai emulator: {PREDICT_FAIL}).",
                [error_info(FAILED_REASON, {"model": self.model, "code": self.fail.name})],
            )
        result = ps.PredictLongRunningResponse()
        out = result.generate_video_response
        kept = self.seeds[: max(len(self.seeds) - self.filtered, 0)]
        for seed in kept:
            data = video(seed)
            sample = out.generated_samples.add()
            if http_endpoint is None:
                sample.video.video = data
            else:
                video_id = videos.put(data)
                sample.video.uri = (
                    f"http://{http_endpoint}{DOWNLOAD_PREFIX}{video_id}{DOWNLOAD_SUFFIX}?alt=media"
                )
        withheld = len(self.seeds) - len(kept)
        out.rai_media_filtered_count = withheld
        out.rai_media_filtered_reasons.extend([FILTER_REASON] * min(withheld, 1))
        return result


def plan_video(request: ps.PredictLongRunningRequest, metadata: Mapping[str, str | bytes]) -> VideoJob:
    """The checked request's job, its timing, filtering and failure read from the call's headers."""
    name = "PredictLongRunningRequest"
    _entry(request.model, "predictLongRunning", name)
    prompts = _prompts(list(request.instances), name, image_alone=True)
    count = _sample_count(request.parameters, name)
    seconds, filtered, fail = VIDEO_SECONDS, 0, None
    try:
        text = _header(metadata, PREDICT_SECONDS)
        if text is not None:
            seconds = parse_seconds(text)
        text = _header(metadata, PREDICT_FILTER)
        if text is not None:
            filtered = int(text)
            if filtered < 0:
                raise ValueError(f"{PREDICT_FILTER} must be a count >= 0, got {text!r}")
        text = _header(metadata, PREDICT_FAIL)
        if text is not None:
            fail = grpc.StatusCode.__members__.get(text.upper())
            if fail is None or fail is grpc.StatusCode.OK:
                raise ValueError(f"unknown or non-error status code {text!r}")
    except ValueError as exc:
        raise RpcFailure(grpc.StatusCode.INVALID_ARGUMENT, f"invalid prediction knob: {exc}") from None
    seeds = tuple(f"{request.model}\n{prompt}\n{n}".encode() for prompt in prompts for n in range(count))
    return VideoJob(request.model, seeds, seconds, filtered, fail)


class Videos:
    """The generated videos the HTTP front end serves, by id (thread-safe); downloads are recorded
    with every HTTP request in the server state (`ServerState.http_requests`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._data: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        video_id = hashlib.sha256(data).hexdigest()[:16]
        with self._lock:
            self._data[video_id] = data
        return video_id

    def get(self, video_id: str) -> bytes | None:
        with self._lock:
            return self._data.get(video_id)
