"""The chat core's records, kept as request bytes: what they decode to is what was sent and replied."""

from __future__ import annotations

import pytest

from genai import types
from genai._chats.history import ChatCore
from genai._chats.records import ChatTurn, add_counts, add_usage, usage_of
from genai._chats.validity import encode_reply, is_valid_reply, reply_content
from genai._requests.encode import contents_field, encode_user_text

Part = types.Part


def _reply(*parts: Part, role: str = "model", finish: str | None = None) -> types.GenerateContentResponse:
    candidate = types.Candidate(content=types.Content(role=role, parts=list(parts)))
    if finish is not None:
        candidate.finish_reason = types.Candidate.FinishReason.Value(finish)
    return types.GenerateContentResponse(candidates=[candidate])


REPLIES = {
    "text": _reply(Part(text="Hello")),
    "no role": _reply(Part(text="Hello"), role=""),
    "another role": _reply(Part(text="Hello"), role="user"),
    "no candidate": types.GenerateContentResponse(),
    "empty text": _reply(Part(text="")),
    "thought only": _reply(Part(text="", thought=True)),
    "stopped for safety": _reply(Part(text="Hello"), finish="SAFETY"),
    "cut by max tokens": _reply(Part(text="Hel"), finish="MAX_TOKENS"),
    "function call": _reply(Part(function_call=types.FunctionCall(name="f"))),
    "no parts": _reply(),
}


@pytest.mark.parametrize("name", list(REPLIES))
def test_encode_reply_is_the_copied_content_and_the_verdict(name: str) -> None:
    reply = REPLIES[name]
    encoded, valid = encode_reply(reply)
    assert encoded == contents_field(reply_content(reply).SerializeToString(deterministic=True))
    assert valid is is_valid_reply(reply)


def test_a_turn_kept_as_bytes_reads_like_one_kept_as_contents() -> None:
    user = types.Content(role="user", parts=[Part(text="Hi")])
    model = types.Content(role="model", parts=[Part(text="Hello")])
    eager = ChatTurn([user, model], valid=True)
    lazy = ChatTurn.of_bytes(eager.encoded(), size=2, user_count=1, valid=True)
    assert (
        len(lazy) == 2
        and lazy == eager
        and repr(lazy) == repr(eager) == "ChatTurn([user, model], valid=True)"
    )
    assert lazy.user == [user] and lazy.model == model and lazy.contents == [user, model]
    lazy.contents[0].parts[0].text = "changed"  # copies
    assert lazy.user == [user]


@pytest.mark.parametrize("message", ["Hi", [types.Content(role="user", parts=[Part(text="Hi")])]])
@pytest.mark.parametrize("name", list(REPLIES))
def test_committed_turns_decode_to_the_message_and_the_reply(message: object, name: str) -> None:
    core = ChatCore()
    user = encode_user_text("Hi") if isinstance(message, str) else message
    turn, _ = core.try_begin(user, owner="me")  # type: ignore[arg-type]
    assert turn is not None
    request = core.request_bytes(turn, types.GenerateContentRequest(model="models/m").SerializeToString())
    assert [c.parts[0].text for c in types.GenerateContentRequest.FromString(request).contents] == ["Hi"]
    reply = REPLIES[name]
    valid = core.commit(turn, reply)
    assert valid is is_valid_reply(reply)
    recorded = core.turns()[-1]
    assert recorded == ChatTurn(
        [types.Content(role="user", parts=[Part(text="Hi")]), reply_content(reply)], valid=valid
    )
    assert len(core) == (2 if valid else 0)
    assert core.get_history(curated=True) == (recorded.contents if valid else [])


def test_usage_counts_sum_like_the_message() -> None:
    total = types.GenerateContentResponseUsageMetadata()
    counts = [0] * 6
    for usage in (
        types.GenerateContentResponseUsageMetadata(prompt_token_count=3, total_token_count=5),
        types.GenerateContentResponseUsageMetadata(candidates_token_count=2, thoughts_token_count=1),
        types.GenerateContentResponseUsageMetadata(
            cached_content_token_count=7, tool_use_prompt_token_count=4
        ),
    ):
        add_usage(total, usage)
        add_counts(counts, usage)
    assert usage_of(counts) == total
