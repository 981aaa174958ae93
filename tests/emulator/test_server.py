"""Running the emulator: the command line, `with` / `async with`, several at once, call records."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time

import grpc
import pytest
from genai_protos import model_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from genai_protos.model_service_pb2_grpc import ModelServiceStub

from genai.testing import Emulator
from tests.emulator._helpers import TIMEOUT, joined, request, text_of

LINE = re.compile(r"genai emulator listening on 127\.0\.0\.1:(\d+)\n")
HTTP_LINE = re.compile(r"genai emulator http on 127\.0\.0\.1:(\d+)\n")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_command_line_prints_its_endpoints_serves_and_exits_cleanly(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "genai.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"},  # the line must be flushed
    )
    watchdog = threading.Timer(30, proc.kill)  # bounds readline() if the line never comes
    watchdog.start()
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the line is flushed, so this returns as soon as it is listening
        match = LINE.fullmatch(line)
        assert match, line
        http_line = proc.stdout.readline()  # then the WebSocket front end's (websockets is installed)
        assert HTTP_LINE.fullmatch(http_line), http_line
        with grpc.insecure_channel(f"127.0.0.1:{match.group(1)}") as channel:
            reply = GenerativeServiceStub(channel).GenerateContent(
                request("over the command line"), timeout=TIMEOUT
            )
            assert text_of(reply).startswith('You said: "over the command line". ')
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        watchdog.cancel()
        proc.kill()
        proc.wait(timeout=10)
    assert proc.returncode == 0, err
    assert out == ""  # nothing after the two lines


def test_async_with_and_concurrent_async_calls() -> None:
    async def main() -> None:
        async with Emulator() as emu:
            async with grpc.aio.insecure_channel(emu.endpoint) as channel:
                stub = GenerativeServiceStub(channel)
                calls = [
                    stub.GenerateContent(request(f"question {i % 8}"), timeout=TIMEOUT) for i in range(64)
                ]
                stream = stub.StreamGenerateContent(request("question 0"), timeout=TIMEOUT)
                chunks = [chunk async for chunk in stream]
                replies = await asyncio.gather(*calls)
            assert [text_of(r) for r in replies[8:16]] == [text_of(r) for r in replies[:8]]
            assert joined(chunks) == text_of(replies[0])
            assert len(emu.calls) == 65
            assert emu.completed_streams == 1

    asyncio.run(main())


def test_several_emulators_keep_separate_state() -> None:
    with Emulator() as first, Emulator(max_recorded_calls=3) as second:
        assert first.endpoint != second.endpoint
        with grpc.insecure_channel(second.endpoint) as channel:
            stub = ModelServiceStub(channel)
            for i in range(5):
                stub.GetModel(
                    model_service_pb2.GetModelRequest(name="models/gemini-2.0-flash"),
                    metadata=[("x-call", str(i))],
                    timeout=TIMEOUT,
                )
        assert first.calls == []
        records = second.calls
        assert [r.metadata["x-call"] for r in records] == ["2", "3", "4"]
        assert (records[-1].service, records[-1].method) == ("ModelService", "GetModel")
        assert records[-1].request == model_service_pb2.GetModelRequest(name="models/gemini-2.0-flash")
        second.reset()
        assert second.calls == []


def test_lifecycle_errors() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError):
        _ = emulator.endpoint
    with emulator:
        taken = emulator.port
        with pytest.raises(OSError, match="bind"):
            Emulator(port=taken).start()
    started = time.monotonic()
    emulator.stop()  # stopping twice is harmless
    assert time.monotonic() - started < 1
