"""Saved histories: the API's JSON mapping, read back exactly; malformed input named by its entry."""

from __future__ import annotations

import json
from typing import Any

import pytest

from genai import types


def test_every_part_kind_round_trips_byte_for_byte() -> None:
    call = types.Part(function_call=types.FunctionCall(id="call-1", name="f"))
    call.function_call.args.update({"n": 3, "nested": {"ok": True}, "list": [1, "a"]})
    response = types.Part(function_response=types.FunctionResponse(id="call-1", name="f"))
    response.function_response.response.update({"result": 6})
    history = [
        types.Content(
            role="user",
            parts=[
                types.Part(text="Hi"),
                types.Part(inline_data=types.Blob(mime_type="image/png", data=b"\x00\xff")),
            ],
        ),
        types.Content(
            role="model", parts=[types.Part(text="plan", thought=True, thought_signature=b"\x01sig"), call]
        ),
        types.Content(role="user", parts=[response]),
        types.Content(
            role="model",
            parts=[types.Part(file_data=types.FileData(mime_type="video/mp4", file_uri="https://x/f"))],
        ),
    ]
    text = types.history_to_json(history)
    assert json.loads(text)[0]["parts"][1]["inlineData"]["data"] == "AP8="  # bytes as base64
    loaded = types.history_from_json(text)
    assert [c.SerializeToString(deterministic=True) for c in loaded] == [
        c.SerializeToString(deterministic=True) for c in history
    ]
    assert types.history_from_json(text.encode()) == loaded
    assert types.history_to_json([]) == "[]" and types.history_from_json("[]") == []


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("{not json", "history:", "not valid JSON"),
        ('{"role": "user"}', "history:", "expected a JSON array of contents, got a JSON object"),
        ('[{"role": "user", "parts": []}, 3]', "history[1]:", "got int 3"),
        ('[{"role": "user", "parts": [{"txt": "x"}]}]', "history[0]:", "txt"),
        (
            '[{"role": "system", "parts": [{"text": "x"}]}]',
            "history[0].role:",
            "expected 'user' or 'model', got 'system'",
        ),
        (  # protobuf's parser would skip the "!" and load other bytes
            '[{"role": "user", "parts": [{"inlineData": {"mimeType": "a/b", "data": "aG!k"}}]}]',
            "history[0].parts[0].inlineData.data:",
            "expected base64 bytes; got 'aG!k'",
        ),
        (
            '[{"role": "model", "parts": [{"text": "x", "thought_signature": "AP 8="}]}]',
            "history[0].parts[0].thought_signature:",
            "expected base64 bytes",
        ),
    ],
)
def test_malformed_input_is_refused_naming_the_entry(text: str, where: str, what: str) -> None:
    with pytest.raises(ValueError, match=r"^history") as caught:
        types.history_from_json(text)
    assert str(caught.value).startswith(where) and what in str(caught.value)


def test_not_text_is_a_type_error() -> None:
    bad: Any = 42
    with pytest.raises(TypeError, match="history: expected the JSON text"):
        types.history_from_json(bad)
