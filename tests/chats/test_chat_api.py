"""client.chats / client.aio.chats: sending, streaming, both histories, rewind, last, usage, configs."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import pytest

import genai
from genai import types
from genai.testing import Emulator
from tests.chats.conftest import AsyncFace, SyncFace, roles, sent_contents, texts

Face = SyncFace | AsyncFace


def test_each_turn_is_sent_with_the_history_and_recorded_once(face: Face, emulator: Emulator) -> None:
    chat = face.create()
    first = face.send(chat, "Hello there")
    assert first.text.startswith('You said: "Hello there". ')
    assert texts(sent_contents(emulator)) == ["Hello there"]
    second = face.send(chat, "And now")
    assert texts(sent_contents(emulator)) == ["Hello there", first.text, "And now"]
    assert roles(chat.history) == ["user", "model", "user", "model"]
    assert texts(chat.history) == ["Hello there", first.text, "And now", second.text]
    assert chat.last.text == second.text


def test_a_streamed_reply_is_one_merged_content(face: Face, emulator: Emulator) -> None:
    chat = face.create()
    config = {"metadata": {"x-emulator-chunks": "50"}}
    chunks = face.read(face.stream(chat, "Stream please", config))
    assert len(chunks) == 50
    whole = "".join(chunk.text for chunk in chunks)
    assert roles(chat.history) == ["user", "model"]
    assert len(chat.history[1].parts) == 1 and chat.history[1].parts[0].text == whole
    assert chat.last.text == whole
    face.send(chat, "next")
    assert texts(sent_contents(emulator)) == ["Stream please", whole, "next"]


def test_stream_is_a_context_manager_and_resolves(face: Face) -> None:
    chat = face.create()
    stream = face.stream(chat, "Hi")
    reply = face.resolve(stream)
    assert reply.text.startswith('You said: "Hi". ') and len(chat.history) == 2


def test_history_hands_out_copies_and_refuses_changes(face: Face) -> None:
    chat = face.create()
    face.send(chat, "Hi")
    history = chat.history
    history[0].parts[0].text = "changed"
    with pytest.raises(genai.errors.UsageError, match="read-only"):
        history.append(types.Content())
    got = chat.get_history()
    got.clear()
    assert texts(chat.history)[0] == "Hi" and len(chat.get_history()) == 2


def test_a_message_is_recorded_as_sent_whatever_the_caller_changes_later(
    face: Face, emulator: Emulator
) -> None:
    chat = face.create()
    message = types.Content(role="user", parts=[types.Part(text="Hi")])
    face.send(chat, message)
    message.parts[0].text = "changed after sending"
    assert texts(chat.history)[0] == "Hi"
    face.send(chat, "next")
    assert texts(sent_contents(emulator))[0] == "Hi"
    assert chat.rewind().user[0].parts[0].text == "next"
    assert texts(chat.get_history())[0] == "Hi"


def test_get_history_comprehensive_keeps_invalid_turns_curated_does_not(
    face: Face, emulator: Emulator
) -> None:
    chat = face.create()
    face.send(chat, "Hi")
    blocked = face.send(chat, "[[block-prompt]] no")
    with pytest.raises(genai.errors.BlockedPromptError):
        _ = blocked.text
    refused = face.send(chat, "[[block-candidate]] no")
    with pytest.raises(genai.errors.BlockedCandidateError):
        _ = refused.text
    assert roles(chat.get_history()) == ["user", "model"] * 3
    assert texts(chat.get_history())[2:] == ["[[block-prompt]] no", "", "[[block-candidate]] no", ""]
    assert len(chat.get_history(curated=True)) == 2 and chat.history == chat.get_history(curated=True)
    face.send(chat, "again")
    assert texts(sent_contents(emulator))[::2] == ["Hi", "again"]


def test_rewind_removes_the_last_turn_and_returns_it(face: Face, emulator: Emulator) -> None:
    chat = face.create()
    face.send(chat, "one")
    reply = face.send(chat, "two")
    turn = chat.rewind()
    assert isinstance(turn, types.ChatTurn) and turn.valid
    assert texts(turn.user) == ["two"] and turn.model.parts[0].text == reply.text
    assert texts(chat.history)[::2] == ["one"]
    face.send(chat, "three")
    assert texts(sent_contents(emulator))[::2] == ["one", "three"]
    chat.rewind()
    chat.rewind()
    with pytest.raises(genai.errors.UsageError, match="no turn"):
        chat.rewind()


def test_rewind_of_an_invalid_turn_leaves_the_curated_history(face: Face) -> None:
    chat = face.create()
    face.send(chat, "one")
    face.send(chat, "[[block-prompt]] two")
    turn = chat.rewind()
    assert not turn.valid and texts(turn.user) == ["[[block-prompt]] two"]
    assert len(chat.history) == 2 and len(chat.get_history()) == 2


def test_usage_totals_every_reply(face: Face) -> None:
    chat = face.create()
    assert chat.usage.total_token_count == 0
    first = face.send(chat, "one")
    second = face.read(face.stream(chat, "two"))
    total = first.usage_metadata.total_token_count + second[-1].usage_metadata.total_token_count
    assert chat.usage.total_token_count == total > 0
    assert chat.usage.prompt_token_count == (
        first.usage_metadata.prompt_token_count + second[-1].usage_metadata.prompt_token_count
    )


def test_history_given_at_create_is_sent_first(face: Face, emulator: Emulator) -> None:
    history = ["Earlier", {"role": "model", "parts": ["Reply"]}]
    chat = face.create(history=history)
    face.send(chat, "Now")
    assert texts(sent_contents(emulator)) == ["Earlier", "Reply", "Now"]
    assert history == ["Earlier", {"role": "model", "parts": ["Reply"]}]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("plain", [["plain"]]),
        (["two", "parts"], [["two", "parts"]]),
        (types.Part(text="a part"), [["a part"]]),
        (types.Content(role="user", parts=[types.Part(text="a content")]), [["a content"]]),
        ({"role": "user", "parts": [{"text": "a dict"}]}, [["a dict"]]),
    ],
)
def test_message_takes_what_contents_takes(
    face: Face, emulator: Emulator, message: Any, expected: Any
) -> None:
    chat = face.create()
    face.send(chat, message)
    sent = sent_contents(emulator)
    assert [[part.text for part in content.parts] for content in sent] == expected


def test_message_with_an_image_and_a_path(face: Face, emulator: Emulator, tmp_path: Path) -> None:
    from PIL import Image

    image = Image.new("RGB", (4, 4), "red")
    path = tmp_path / "note.txt"
    path.write_text("from a file")
    chat = face.create()
    reply = face.send(chat, ["Look", image, path])
    (content,) = sent_contents(emulator)
    assert [part.WhichOneof("data") for part in content.parts] == ["text", "inline_data", "inline_data"]
    assert content.parts[1].inline_data.mime_type == "image/png"
    assert content.parts[2].inline_data.data == b"from a file"
    assert reply.text and len(chat.history) == 2


def test_bad_message_is_refused_before_anything_is_sent(face: Face, emulator: Emulator) -> None:
    chat = face.create()
    before = len(emulator.calls)
    with pytest.raises(TypeError, match=r"message\[1\]"):
        face.send(chat, ["fine", object()])
    with pytest.raises(ValueError, match="message"):
        face.send(chat, [])
    assert len(emulator.calls) == before and chat.get_history() == []
    face.send(chat, "works")
    assert len(chat.history) == 2


def test_per_message_config_is_merged_over_the_chat_config(face: Face, emulator: Emulator) -> None:
    config = genai.GenerateContentConfig(temperature=0.25, top_k=7, system_instruction="Be brief.")
    chat = face.create(config=config)
    per_call = {"top_k": 3}
    face.send(chat, "one", per_call)
    request = emulator.calls[-1].request
    assert request.generation_config.temperature == 0.25 and request.generation_config.top_k == 3
    assert request.system_instruction.parts[0].text == "Be brief."
    assert per_call == {"top_k": 3} and config.top_k == 7  # nothing the caller passed is changed
    face.send(chat, "two")
    assert emulator.calls[-1].request.generation_config.top_k == 7


def test_bad_chat_config_fails_at_create(face: Face) -> None:
    with pytest.raises(ValueError, match="config"):
        face.create(config={"temprature": 0.5})
    with pytest.raises(TypeError, match=r"history\[0\]"):
        face.create(history=[object()])


@dataclasses.dataclass
class City:
    name: str
    population: int


def test_structured_output_is_parsed_in_chats(face: Face) -> None:
    chat = face.create(config=genai.GenerateContentConfig(response_schema=City))
    reply = face.send(chat, "A city please")
    assert isinstance(reply.parsed, City)
    streamed = face.resolve(face.stream(chat, "Another"))
    assert isinstance(streamed.parsed, City) and isinstance(chat.last.parsed, City)


def test_thought_parts_and_signatures_are_kept_in_order(face: Face, emulator: Emulator) -> None:
    config = {"thinking_config": {"include_thoughts": True, "thinking_budget": 64}}
    chat = face.create(config=config)
    face.read(face.stream(chat, "Think about it", {"metadata": {"x-emulator-chunks": "6"}}))
    model = chat.history[1]
    assert [part.thought for part in model.parts] == [True, False]
    assert len(model.parts[0].thought_signature) == 32
    face.send(chat, "next")
    assert sent_contents(emulator)[1] == model


def test_repr(face: Face) -> None:
    chat = face.create(history=["a", {"role": "model", "parts": ["b"]}])
    assert (
        repr(chat)
        == f"{'Async' if face.name == 'async' else ''}Chat(model='models/gemini-2.5-flash', turns=1)"
    )


def test_history_round_trips_through_json_and_the_next_request_is_identical(
    face: Face, emulator: Emulator
) -> None:
    chat = face.create()
    face.send(chat, "Hi")
    face.read(face.stream(chat, "Tell me"))
    face.send(
        chat, ["with", types.Part(inline_data=types.Blob(mime_type="application/octet-stream", data=b"\0\1"))]
    )
    saved = types.history_to_json(chat.history)
    face.send(chat, "continue")
    expected = emulator.calls[-1].request.SerializeToString(deterministic=True)
    restored = face.create(history=types.history_from_json(saved))
    face.send(restored, "continue")
    assert emulator.calls[-1].request.SerializeToString(deterministic=True) == expected


def test_sync_stream_is_iterable_directly(chat_client: genai.Client) -> None:
    chat = chat_client.chats.create(model="gemini-2.5-flash")
    pieces = [chunk.text for chunk in chat.send_message_stream("Hi")]
    assert "".join(pieces) == chat.history[1].parts[0].text


def test_the_official_style_loop_reads_io() -> None:
    # history_to_json writes text a file can hold; history_from_json reads it back.
    buffer = io.StringIO(types.history_to_json(["a", {"role": "model", "parts": ["b"]}], indent=2))
    assert [c.role for c in types.history_from_json(buffer.read())] == ["user", "model"]
