"""client.models.predict / predict_long_running / download_video (and their asyncio twins) against the
emulator over real gRPC and HTTP: Imagen PNGs, Veo jobs resumed by name and waited, filtered samples,
the all-filtered error, the authenticated download (key only in a header), bad inputs."""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
import threading
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import genai
from genai.errors import (
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    UnavailableError,
    VideosFilteredError,
)
from genai.testing import Emulator

IMAGEN = "imagen-3.0-generate-002"
VEO = "veo-2.0-generate-001"
FAST = genai.RetryOptions(initial=0.01, maximum=0.02, jitter=0.0)
CAT = [{"prompt": "a cat"}]


@pytest.fixture
def fast(emulator: Emulator) -> Iterator[genai.Client]:
    with emulator.client(retry=FAST, timeout=10) as client:
        yield client


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, raw scanlines) of a PNG, its chunks' CRCs checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    return width, height, zlib.decompress(chunks[b"IDAT"])


def _downloads(emulator: Emulator) -> list[tuple[str, Mapping[str, str]]]:
    """(target, headers) of each generated-video download the emulator received."""
    return [(r.target, r.headers) for r in emulator.http_requests if "/generatedVideos/" in r.target]


def _video(client: genai.Client, *, samples: int = 1, **metadata: str) -> genai.Operation:
    config = {"metadata": metadata} if metadata else None
    return client.models.predict_long_running(
        model=VEO,
        instances=CAT,
        parameters={"sampleCount": samples},
        config=config,  # type: ignore[arg-type]
    )


def test_predict_returns_python_values_and_valid_deterministic_pngs(fast: genai.Client) -> None:
    reply = fast.models.predict(model=IMAGEN, instances=CAT, parameters={"sampleCount": 2})
    assert len(reply.raw.predictions) == 2
    assert all(p["mimeType"] == "image/png" for p in reply.predictions)
    first, second = reply.images
    width, height, pixels = _png_pixels(first)
    assert (width, height) == (8, 8) and len(pixels) == 8 * (1 + 3 * 8)
    assert first != second  # one image per sample
    again = fast.models.predict(model=f"models/{IMAGEN}", instances=CAT, parameters={"sampleCount": 2})
    assert again.images == [first, second]
    other = fast.models.predict(model=IMAGEN, instances=[{"prompt": "a dog"}])
    assert other.images[0] != first and len(other.images) == 1


def test_predict_on_the_async_face(emulator: Emulator) -> None:
    async def main() -> list[bytes]:
        async with emulator.client(retry=FAST).aio as aio:
            reply = await aio.models.predict(model=IMAGEN, instances=CAT)
            return reply.images

    images = asyncio.run(main())
    with emulator.client() as client:
        assert images == client.models.predict(model=IMAGEN, instances=CAT).images


def test_a_video_job_resumes_from_its_name_in_a_new_client_and_is_waited(
    emulator: Emulator, fast: genai.Client
) -> None:
    op = _video(fast, **{"x-emulator-predict-seconds": "0.3"})
    assert op.name.startswith(f"models/{VEO}/operations/") and not op.done
    assert isinstance(op.metadata, genai.types.PredictLongRunningMetadata)
    with emulator.client(retry=FAST) as other:
        resumed = other.operations.get(op.name)
        assert not resumed.done
        done = resumed.wait(timeout=10)
        assert done.done
        result = done.result()
        assert isinstance(result, genai.types.PredictLongRunningResponse)
        videos = done.videos()
        assert len(videos) == 1 and videos.filtered_count == 0 and videos.filtered_reasons == []
        assert videos[0].uri is not None and videos[0].uri.startswith(f"http://{emulator.http_endpoint}/")
        assert other.operations.wait(op.name, timeout=10).videos()[0] == videos[0]


def test_filtered_samples_are_surfaced_and_the_rest_kept(fast: genai.Client) -> None:
    videos = _video(fast, samples=3, **{"x-emulator-predict-filter": "2"}).wait(timeout=10).videos()
    assert len(videos) == 1 and len(list(videos)) == 1
    assert videos.filtered_count == 2
    assert videos.filtered_reasons and "safety filter" in videos.filtered_reasons[0]


def test_every_sample_filtered_is_an_error_that_says_why(fast: genai.Client) -> None:
    videos = _video(fast, samples=2, **{"x-emulator-predict-filter": "2"}).wait(timeout=10).videos()
    assert videos.filtered_count == 2  # still readable
    with pytest.raises(VideosFilteredError) as caught:
        videos[0]
    assert caught.value.filtered_count == 2
    assert "withheld by safety filtering (2 filtered)" in str(caught.value)
    assert "safety filter" in caught.value.reasons[0]
    assert isinstance(caught.value, genai.errors.BlockedError)
    for read in (lambda: len(videos), lambda: list(videos), lambda: videos.samples):
        with pytest.raises(VideosFilteredError):
            read()


def test_a_failed_video_job_raises_its_error(fast: genai.Client) -> None:
    op = _video(fast, **{"x-emulator-predict-fail": "internal"})
    with pytest.raises(InternalError) as caught:
        op.wait(timeout=10)
    assert caught.value.operation_name == op.name
    assert caught.value.reason == "EMULATOR_PREDICTION_FAILED"
    with pytest.raises(InternalError):
        op.videos()
    assert op.done and op.response is None  # google-genai's reading: no response, the error instead


def test_google_genai_shapes_of_a_video_job(fast: genai.Client, tmp_path: Path) -> None:
    op = _video(fast, **{"x-emulator-predict-seconds": "0.3"})
    assert not op.done and op.response is None
    video = op.wait(timeout=10).response.generated_videos[0].video
    assert video.uri and video.video_bytes is None
    with pytest.raises(ValueError, match=r"not downloaded yet: call client\.files\.download"):
        video.save(tmp_path / "early.mp4")
    data = fast.files.download(file=video)
    assert video.video_bytes == data and data[4:8] == b"ftyp"
    video.save(tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == data
    tuned = fast.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
    assert tuned.wait(timeout=10).response.name == tuned.result().name  # other jobs: result()


def test_the_download_streams_the_video_with_the_key_only_in_a_header(
    emulator: Emulator, fast: genai.Client, tmp_path: Path
) -> None:
    video = _video(fast).wait(timeout=10).videos()[0]
    assert video.uri is not None
    served = emulator.server.backend.videos.get(video.uri.rsplit("/", 1)[1].split(":")[0])
    assert served is not None and served[4:8] == b"ftyp"
    before = len(_downloads(emulator))
    target = fast.models.download_video(video, tmp_path / "cat.mp4")
    assert target == tmp_path / "cat.mp4"
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(served).digest()
    assert not list(tmp_path.glob("*.part"))
    assert fast.models.download_video(video.uri) == served
    downloads = _downloads(emulator)[before:]
    assert len(downloads) == 2
    for path, headers in downloads:
        assert "emulator-key" not in path and "key=" not in path
        assert headers["x-goog-api-key"] == "emulator-key"


def test_the_async_download_writes_the_file_off_the_loop(
    emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request runs on the loop; each write to disk asks the loop to run a callback and waits
    for it, on its worker thread: a write on the loop's thread would wait in vain (and fail)."""
    import genai._transport.http as http

    loops: list[asyncio.AbstractEventLoop] = []
    writes: list[tuple[threading.Thread, bool]] = []

    class Disk(io.FileIO):
        def write(self, data: Any) -> int:
            loop_ran = threading.Event()
            loops[0].call_soon_threadsafe(loop_ran.set)
            writes.append((threading.current_thread(), loop_ran.wait(timeout=5)))
            return super().write(data)

    monkeypatch.setattr(http, "open", lambda path, mode: Disk(path, mode), raising=False)

    async def main() -> tuple[Path | bytes, Path | bytes]:
        loops.append(asyncio.get_running_loop())
        async with emulator.client(retry=FAST).aio as aio:
            op = await aio.models.predict_long_running(model=VEO, instances=CAT)
            video = (await op.wait(timeout=10)).videos()[0]
            target = await aio.models.download_video(video, str(tmp_path / "v.mp4"))
            data = await aio.models.download_video(video)
            return target, data

    target, data = asyncio.run(main())
    assert isinstance(target, Path) and isinstance(data, bytes)
    assert target.read_bytes() == data and data[4:8] == b"ftyp"
    assert writes and all(ok for _, ok in writes), "a write to disk held the event loop"
    assert threading.main_thread() not in [thread for thread, _ in writes]  # the loop's thread
    assert not list(tmp_path.glob("*.part"))


def test_a_download_with_a_bad_key_is_refused(tmp_path: Path) -> None:
    with Emulator(api_keys=["good"]) as emulator, emulator.client(api_key="good", retry=FAST) as good:
        video = good.models.predict_long_running(model=VEO, instances=CAT).wait(timeout=10).videos()[0]
        with emulator.client(api_key="bad") as bad, pytest.raises(PermissionDeniedError, match="HTTP 403"):
            bad.models.download_video(video, tmp_path / "v.mp4")
        assert not (tmp_path / "v.mp4").exists() and not list(tmp_path.iterdir())


def test_the_files_service_downloads_videos_too(
    emulator: Emulator, fast: genai.Client, tmp_path: Path
) -> None:
    video = _video(fast).wait(timeout=10).videos()[0]
    data = fast.models.download_video(video)
    assert fast.files.download(video) == data  # google-genai's client.files.download(file=video)
    assert fast.files.download(file=video.uri, path=tmp_path / "v.mp4") == str(tmp_path / "v.mp4")
    assert (tmp_path / "v.mp4").read_bytes() == data
    # The API's own host in a uri stands for this client's endpoint; the key never leaves it.
    official = "https://generativelanguage.googleapis.com/" + (video.uri or "").split("/", 3)[3]
    assert fast.models.download_video(official) == data
    with pytest.raises(ValueError, match=r"is not this client's HTTP endpoint"):
        fast.files.download("https://example.com/" + (video.uri or "").split("/", 3)[3])


def test_the_key_is_never_sent_to_another_host(emulator: Emulator, fast: genai.Client) -> None:
    video = _video(fast).wait(timeout=10).videos()[0]
    assert video.uri is not None
    before = len(_downloads(emulator))
    path = video.uri.split("/", 3)[3]
    for uri in (f"http://example.com/{path}", f"https://{emulator.http_endpoint}/{path}"):
        with pytest.raises(ValueError, match=r"uri: .* is not this client's HTTP endpoint"):
            fast.models.download_video(uri)
    with pytest.raises(ValueError, match="'key' parameter"):
        fast.models.download_video(video.uri + "&key=emulator-key")
    assert len(_downloads(emulator)) == before


def test_bad_inputs_name_where(fast: genai.Client, tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"instances: expected a list of instances; got dict"):
        fast.models.predict(model=IMAGEN, instances={"prompt": "x"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="instances: got an empty list"):
        fast.models.predict(model=IMAGEN, instances=[])
    with pytest.raises(TypeError, match=r"instances\[1\]\.prompt: expected a JSON-like value"):
        fast.models.predict(model=IMAGEN, instances=[{"prompt": "a"}, {"prompt": object()}])
    with pytest.raises(ValueError, match=r"parameters\.scale: nan is not a JSON number"):
        fast.models.predict(model=IMAGEN, instances=CAT, parameters={"scale": float("nan")})
    with pytest.raises(TypeError, match="parameters: expected a dict"):
        fast.models.predict_long_running(model=VEO, instances=CAT, parameters="fast")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="model: expected a model name"):
        fast.models.predict(model=3, instances=CAT)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"instances\[0\]\.prompt"):
        fast.models.predict(model=IMAGEN, instances=[{"text": "no prompt"}])
    with pytest.raises(NotFoundError, match="does not support predict"):
        fast.models.predict(model="gemini-2.5-flash", instances=CAT)
    with pytest.raises(NotFoundError):
        fast.models.predict_long_running(model="veo-0", instances=CAT)
    with pytest.raises(TypeError, match="video: expected a GeneratedVideo"):
        fast.models.download_video(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"path: .* is a directory"):
        fast.models.download_video("http://x/y", tmp_path)
    with pytest.raises(InvalidArgumentError, match="invalid prediction knob"):
        _video(fast, **{"x-emulator-predict-filter": "-1"})
    tuning = fast.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
    with pytest.raises(TypeError, match="is not a video job"):
        tuning.wait(timeout=10).videos()


def test_a_video_job_is_started_once_but_predict_is_retried(emulator: Emulator, fast: genai.Client) -> None:
    flaky = {"metadata": {"x-emulator-fail": "unavailable:1"}}
    assert fast.models.predict(model=IMAGEN, instances=CAT, config=flaky).images  # type: ignore[arg-type]
    before = emulator.server.store.operations.pending()
    with pytest.raises(UnavailableError):
        fast.models.predict_long_running(model=VEO, instances=[{"prompt": "once"}], config=flaky)  # type: ignore[arg-type]
    starts = [c for c in emulator.calls if c.method == "PredictLongRunning" and "once" in str(c.request)]
    assert len(starts) == 1 and emulator.server.store.operations.pending() == before
