"""The emulator's PredictionService through plain generated stubs, and its HTTP downloads of
generated videos through urllib: the engine's answers, the store's clock, the key checks."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request

import grpc
import pytest
from genai_protos import prediction_service_pb2, prediction_service_pb2_grpc
from google.protobuf import json_format

from genai.emulator._clock import ManualClock
from genai.emulator._predict import png, video
from genai.testing import Emulator

ps = prediction_service_pb2


def _request(cls: type, model: str, **parameters: object) -> object:
    request = cls(model=model)
    json_format.ParseDict({"prompt": "a cat"}, request.instances.add())
    if parameters:
        json_format.ParseDict(parameters, request.parameters)
    return request


def _get(url: str, **headers: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()


def test_the_engine_makes_valid_deterministic_media() -> None:
    assert png(b"a") == png(b"a") != png(b"b")
    assert png(b"a").startswith(b"\x89PNG\r\n\x1a\n") and png(b"a").endswith(b"IEND\xaeB`\x82")
    assert video(b"a") == video(b"a") != video(b"b")
    assert video(b"a")[4:12] == b"ftypisom" and len(video(b"a")) == 2080


def test_predict_answers_with_base64_pngs(channel: grpc.Channel) -> None:
    stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
    reply = stub.Predict(_request(ps.PredictRequest, "models/imagen-3.0-generate-002", sampleCount=3))
    assert len(reply.predictions) == 3
    first = json_format.MessageToDict(reply.predictions[0])
    assert first["mimeType"] == "image/png"
    assert base64.b64decode(first["bytesBase64Encoded"]).startswith(b"\x89PNG")
    with pytest.raises(grpc.RpcError) as caught:
        stub.Predict(_request(ps.PredictRequest, "models/imagen-3.0-generate-002", sampleCount=5))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "parameters.sampleCount" in caught.value.details()


def test_a_video_job_runs_on_the_store_clock_and_its_video_downloads_with_a_key() -> None:
    clock = ManualClock()
    with Emulator(clock=clock, api_keys=["k"]) as emulator, grpc.insecure_channel(emulator.endpoint) as chan:
        stub = prediction_service_pb2_grpc.PredictionServiceStub(chan)
        key = (("x-goog-api-key", "k"),)
        request = _request(ps.PredictLongRunningRequest, "models/veo-2.0-generate-001")
        operation = stub.PredictLongRunning(request, metadata=(*key, ("x-emulator-predict-seconds", "10")))
        assert operation.name.startswith("models/veo-2.0-generate-001/operations/") and not operation.done
        assert emulator.server.store.operations.get(operation.name).done is False
        clock.advance(9.9)
        assert not emulator.server.store.operations.get(operation.name).done
        clock.advance(0.2)
        done = emulator.server.store.operations.get(operation.name)
        assert done.done
        result = ps.PredictLongRunningResponse.FromString(done.response.value)
        uri = result.generate_video_response.generated_samples[0].video.uri
        assert uri.startswith(f"http://{emulator.http_endpoint}/v1beta/generatedVideos/")
        assert _get(uri)[0] == 401
        assert _get(uri, **{"x-goog-api-key": "wrong"})[0] == 403
        status, body = _get(uri, **{"x-goog-api-key": "k"})
        assert status == 200 and body == video(b"models/veo-2.0-generate-001\na cat\n0")
        assert _get(uri.replace("generatedVideos/", "generatedVideos/x"), **{"x-goog-api-key": "k"})[0] == 404
        assert _get(f"http://{emulator.http_endpoint}/v1beta/other")[0] == 404
