"""One client's expensive requests must not stop the emulator from answering everyone else."""

from __future__ import annotations

import threading
from typing import Any

import grpc
from genai_protos import content_pb2, generative_service_pb2
from genai_protos.generative_service_pb2_grpc import GenerativeServiceStub
from google.protobuf import json_format

from genai.testing import Emulator
from tests.emulator._helpers import request, text_of, unique

gs = generative_service_pb2
Schema = content_pb2.Schema
T = content_pb2.Type
PATIENT = 60.0  # the expensive calls may take their time
PROMPT = 10.0  # generous: a simple call normally takes a few milliseconds


def _expensive() -> list[tuple[gs.GenerateContentRequest, list[tuple[str, str]]]]:
    deep = Schema(type=T.STRING)
    for _ in range(29):
        deep = Schema(type=T.ARRAY, items=deep)  # 1-3 items per level made the old emulator freeze
    lists = request("lists", generation_config=gs.GenerationConfig(response_mime_type="application/json"))
    lists.generation_config.response_schema.CopyFrom(deep)
    tree = request("tree", generation_config=gs.GenerationConfig(response_mime_type="application/json"))
    json_format.ParseDict(
        {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#"}}}},
        tree.generation_config.response_json_schema,
    )
    call = request("call lookup")
    call.tools.add().function_declarations.add(name="lookup", parameters=deep)
    eight = request("eight", generation_config=gs.GenerationConfig(candidate_count=8))
    many_words = [("x-emulator-reply-words", "1000000")]
    return [(lists, []), (tree, []), (call, []), (eight, many_words)]


def test_simple_calls_are_answered_while_another_client_sends_expensive_ones() -> None:
    with Emulator() as emu:  # its own server: the old emulator froze for good
        stop = threading.Event()
        started = threading.Event()
        outcomes: list[Any] = []
        kinds = len(_expensive())

        def expensive_client() -> None:
            with grpc.insecure_channel(emu.endpoint) as channel:
                stub = GenerativeServiceStub(channel)
                while not stop.is_set():
                    for req, metadata in _expensive():
                        started.set()
                        try:
                            stub.GenerateContent(req, metadata=metadata, timeout=PATIENT)
                            outcomes.append("OK")
                        except grpc.RpcError as exc:
                            outcomes.append(exc.code())  # type: ignore[attr-defined]

        thread = threading.Thread(target=expensive_client, daemon=True)
        thread.start()
        try:
            assert started.wait(PROMPT)
            with grpc.insecure_channel(emu.endpoint) as channel:
                stub = GenerativeServiceStub(channel)
                calls = 0
                # Until every kind of expensive request has been through the server at least once.
                while len(outcomes) < kinds + 1 and thread.is_alive():
                    text = unique(f"simple {calls}")
                    reply = stub.GenerateContent(request(text), timeout=PROMPT)
                    assert text_of(reply).startswith(f'You said: "{text}".')
                    calls += 1
        finally:
            stop.set()
            thread.join(PATIENT * len(_expensive()))
        assert not thread.is_alive()
        allowed = {"OK", grpc.StatusCode.INVALID_ARGUMENT}
        assert outcomes
        assert set(outcomes) <= allowed, outcomes


def test_long_replies_are_made_off_the_event_loop() -> None:
    with Emulator() as emu, grpc.insecure_channel(emu.endpoint) as channel:
        stub = GenerativeServiceStub(channel)
        metadata = [("x-emulator-reply-words", "1000000")]  # about a second of work each
        count = 24
        pending = [
            stub.GenerateContent.future(request(f"long {i}"), metadata=metadata, timeout=PATIENT)
            for i in range(count)
        ]
        try:
            # Each call is recorded on arrival, before its reply is made.
            emu.wait_for(lambda: len(emu.calls) >= count, timeout=PROMPT)
            # The old emulator made those replies on its event loop first: far longer than PROMPT.
            reply = stub.GenerateContent(request("short"), timeout=PROMPT)
            assert text_of(reply).startswith('You said: "short".')
        finally:
            for call in pending:
                call.cancel()  # the replies still queued are dropped, not made
