"""Random sequences of chat operations keep both histories equal to a small model of the rules.

The rules (genai._chats.validity, genai._chats.history, genai._aio.chats):

* a turn that finishes with a valid reply goes into both histories: the user's message, then one
  model content holding the whole (merged) reply;
* a turn that finishes with an invalid reply (a blocked prompt, a blocked candidate, an empty reply)
  goes into the comprehensive history only, its model content empty;
* a failed call, a stream that breaks, a stream closed before its end (even after its last chunk, if
  the end itself was never read), a stream left unread when the caller sends again or rewinds, and
  a stream dropped unread record nothing;
* ``rewind()`` removes and returns the last comprehensive turn (from the curated history too when it
  is there), and refuses when there is none;
* a chat saved as JSON (``history_to_json(chat.get_history(curated=True))``) and created again from
  it has that curated history as both its histories, and sends byte for byte what the saved chat
  would have sent;
* every request carries the curated history as it was before the send, then the new message.

The machine keeps the model (one entry per comprehensive turn) and compares after every step. Reply
texts are not predicted: each one is taken from the reply when the send returns, and checked to echo
its own message. Every message is unique in the run, so a request is found in ``emulator.calls`` by
its last content whatever else the emulator recorded. A stream given up before its first chunk may or
may not have reached the emulator, so its request is not looked for (a check that passes or fails
with the timing would make a failure look flaky to Hypothesis). Faults are injected with ``:always``
so that a request seen before still fails.

Hypothesis runs derandomized (the repository registers no profile): the same sequences every run,
on both faces, so a failure in CI reproduces locally. A step costs a few milliseconds, so 50
sequences of 15 steps per face take a few seconds.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import weakref
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

import genai
from genai import types
from genai.testing import Emulator
from tests.chats.conftest import AsyncFace, SyncFace, texts

Face = SyncFace | AsyncFace

SETTINGS = settings(max_examples=50, stateful_step_count=15, deadline=None, derandomize=True)
CHUNKS = 6  # the streams that are closed, broken or left unread have exactly this many chunks
GENERATE = ("GenerateContent", "StreamGenerateContent")
INVALID = {
    "block-prompt": ("[[block-prompt]] ", None),
    "block-candidate": ("[[block-candidate]] ", None),
    # The reply starts 'You said: ...': stopping at "You" leaves a candidate with no parts.
    "empty": ("", {"stop_sequences": ["You"]}),
}
_serial = itertools.count()  # unique across examples: a late record from an earlier one never matches

words = st.sampled_from(["hello", "tell me more", "why", "go on then", "and the rest"])
via = st.sampled_from(["send", "stream"])


@dataclasses.dataclass(frozen=True)
class ModelTurn:
    user: str
    model: str | None  # the reply's text; None for an invalid turn (its model content has no parts)
    valid: bool

    def contents(self) -> list[tuple[str, tuple[str, ...]]]:
        return [("user", (self.user,)), ("model", () if self.model is None else (self.model,))]


def shape(contents: Any) -> list[tuple[str, tuple[str, ...]]]:
    """What the model compares: each content's role and its parts' texts."""
    return [(content.role, tuple(part.text for part in content.parts)) for content in contents]


def user_content(text: str) -> types.Content:
    return types.Content(role="user", parts=[types.Part(text=text)])


def metadata(**knobs: object) -> dict[str, Any]:
    return {"metadata": {f"x-emulator-{key.replace('_', '-')}": str(value) for key, value in knobs.items()}}


class ChatMachine(RuleBasedStateMachine):
    def __init__(self, face: Face, emulator: Emulator) -> None:
        super().__init__()
        emulator.reset()
        self.face = face
        self.emulator = emulator
        self.chat = face.create()
        self.turns: list[ModelTurn] = []
        self.unread: Any = None  # a stream this caller left open: its next send or rewind abandons it

    # -- helpers ----------------------------------------------------------------------------------

    def curated(self) -> list[ModelTurn]:
        return [turn for turn in self.turns if turn.valid]

    def message(self, text: str) -> str:
        return f"{text} {next(_serial)}"

    def requests_for(self, message: str) -> list[Any]:
        """The generate requests recorded whose last content is ``message`` (unique per send)."""
        found = []
        for call in self.emulator.calls:
            if call.method in GENERATE:
                contents = call.request.contents  # type: ignore[attr-defined]
                if contents and texts(contents[-1:]) == [message]:
                    found.append(call.request)
        return found

    def check_request(self, message: str, curated_before: list[types.Content]) -> None:
        """The request was the curated history from before the send, then the message; sent once."""
        requests = self.requests_for(message)
        assert len(requests) == 1, requests
        assert list(requests[0].contents) == [*curated_before, user_content(message)]
        model = [content for turn in self.curated() for content in turn.contents()]
        assert shape(requests[0].contents) == [*model, ("user", (message,))]

    def drain(self, stream: Any, limit: int | None = None) -> tuple[list[Any], BaseException | None]:
        """Read up to ``limit`` chunks (all when None): the chunks, and the error that ended it if any."""
        chunks: list[Any] = []
        while limit is None or len(chunks) < limit:
            try:
                chunks.append(self.face.read_one(stream))
            except (StopIteration, StopAsyncIteration):
                break
            except genai.errors.GenAIError as error:
                return chunks, error
        return chunks, None

    def begin(self, text: str) -> tuple[str, list[types.Content], Any]:
        """A fresh message, the curated history it must be sent with, and the unread stream it drops."""
        unread, self.unread = self.unread, None
        return self.message(text), self.chat.get_history(curated=True), unread

    def check_dropped(self, unread: Any) -> None:
        """The stream left unread before this step was abandoned by it: reading it now is refused."""
        if unread is not None:
            with pytest.raises(genai.errors.StreamClosedError):
                self.face.read(unread)

    def record_valid(self, message: str, text: str) -> None:
        assert text.startswith(f'You said: "{message}". '), text  # the reply answers its own message
        self.turns.append(ModelTurn(message, text, valid=True))

    # -- finished turns ---------------------------------------------------------------------------

    @initialize(given=st.lists(words, max_size=3))
    def start(self, given: list[str]) -> None:
        """Maybe start from a history given at create (every turn of it valid)."""
        if given:
            self.turns = [
                ModelTurn(self.message(text), f"reply {i}", valid=True) for i, text in enumerate(given)
            ]
            history = [
                types.Content(role=role, parts=[types.Part(text=text) for text in parts])
                for turn in self.turns
                for role, parts in turn.contents()
            ]
            self.chat = self.face.create(history=history)

    @rule(text=words, how=via, chunks=st.none() | st.integers(1, CHUNKS))
    def finish_valid(self, text: str, how: str, chunks: int | None) -> None:
        """A message whose reply is valid, sent, or streamed and read to its end (in ``chunks`` chunks)."""
        message, before, unread = self.begin(text)
        config = None if chunks is None else metadata(chunks=chunks)
        if how == "send":
            reply = self.face.send(self.chat, message, config)
        else:
            stream = self.face.stream(self.chat, message, config)
            got, error = self.drain(stream)
            assert error is None and (chunks is None or len(got) == chunks)
            reply = stream.response
            assert reply.text == "".join(chunk.text for chunk in got)
        self.check_request(message, before)
        self.check_dropped(unread)
        self.record_valid(message, reply.text)
        assert self.chat.last.text == reply.text

    @rule(text=words, kind=st.sampled_from(sorted(INVALID)), how=via)
    def send_invalid(self, text: str, kind: str, how: str) -> None:
        prefix, config = INVALID[kind]
        message, before, unread = self.begin(prefix + text)
        if how == "send":
            reply = self.face.send(self.chat, message, config)
            raw = reply.raw
        else:
            stream = self.face.stream(self.chat, message, config)
            got, error = self.drain(stream)
            assert error is None and len(got) == 1  # a blocked or empty reply is one chunk
            raw = got[0].raw
        assert not (raw.candidates and raw.candidates[0].content.parts)
        self.check_request(message, before)
        self.check_dropped(unread)
        self.turns.append(ModelTurn(message, None, valid=False))

    # -- turns that record nothing ----------------------------------------------------------------

    @rule(text=words, code=st.sampled_from(["INVALID_ARGUMENT", "UNAVAILABLE"]), how=via)
    def send_failing(self, text: str, code: str, how: str) -> None:
        message, before, unread = self.begin(text)
        config = metadata(fail=f"{code}:always")

        def attempt() -> None:
            if how == "send":
                self.face.send(self.chat, message, config)
            else:
                self.face.read(self.face.stream(self.chat, message, config))  # fails at the first read

        with pytest.raises(genai.errors.APIError) as raised:
            attempt()
        assert raised.value.code.name == code
        self.check_request(message, before)
        self.check_dropped(unread)

    @rule(text=words, after=st.integers(0, CHUNKS))
    def stream_broken(self, text: str, after: int) -> None:
        message, before, unread = self.begin(text)
        stream = self.face.stream(self.chat, message, metadata(chunks=CHUNKS, break_after=f"{after}:always"))
        got, error = self.drain(stream)
        assert isinstance(error, genai.errors.UnavailableError) and len(got) == after
        with pytest.raises(genai.errors.UnavailableError):
            _ = stream.response
        self.check_request(message, before)
        self.check_dropped(unread)

    @rule(text=words, read=st.integers(0, CHUNKS))
    def stream_closed(self, text: str, read: int) -> None:
        """Closed after ``read`` chunks: even all of them, as long as the end was not read."""
        message, before, unread = self.begin(text)
        stream = self.face.stream(self.chat, message, metadata(chunks=CHUNKS))
        got, error = self.drain(stream, read)
        assert error is None and len(got) == read
        self.face.close(stream)
        with pytest.raises(genai.errors.StreamClosedError):
            self.face.read(stream)
        if read:  # unread, the call may have been cancelled before the emulator saw it (or not)
            self.check_request(message, before)
        self.check_dropped(unread)

    @rule(text=words, read=st.integers(0, CHUNKS - 1))
    def stream_left_unread(self, text: str, read: int) -> None:
        """Left open: nothing is recorded now, and the next send or rewind abandons it."""
        message, before, unread = self.begin(text)
        stream = self.face.stream(self.chat, message, metadata(chunks=CHUNKS))
        got, error = self.drain(stream, read)
        assert error is None and len(got) == read
        if read:  # unread, the call may have been cancelled before the emulator saw it (or not)
            self.check_request(message, before)
        self.check_dropped(unread)
        self.unread = stream

    @rule(text=words, read=st.integers(0, CHUNKS - 1))
    def stream_dropped(self, text: str, read: int) -> None:
        """Dropped unread: the garbage collector abandons the turn."""
        message, before, unread = self.begin(text)
        stream = self.face.stream(self.chat, message, metadata(chunks=CHUNKS))
        got, error = self.drain(stream, read)
        assert error is None and len(got) == read
        dropped = weakref.ref(stream)
        del stream, got
        if dropped() is not None:  # only a reference cycle keeps it now (a full collection is slow)
            gc.collect()
        assert dropped() is None  # nothing else keeps it: collecting it cancels the call, drops the turn
        if read:  # unread, the call may have been cancelled before the emulator saw it (or not)
            self.check_request(message, before)
        self.check_dropped(unread)

    # -- rewind, save and load --------------------------------------------------------------------

    @rule()
    def rewind(self) -> None:
        """Remove the last turn; with none, the documented refusal."""
        unread, self.unread = self.unread, None
        if not self.turns:
            with pytest.raises(genai.errors.UsageError, match="no turn"):
                self.chat.rewind()
        else:
            turn = self.chat.rewind()
            expected = self.turns.pop()
            assert turn.valid == expected.valid
            assert shape([*turn.user, turn.model]) == shape(turn.contents) == expected.contents()
        self.check_dropped(unread)

    @rule(probe=st.none() | words)
    def save_and_load(self, probe: str | None) -> None:
        """Save the curated history as JSON, create a chat from it, and (maybe) check the next request."""
        if self.unread is not None:
            self.face.close(self.unread)
            self.unread = None
        curated = self.chat.get_history(curated=True)
        saved = types.history_to_json(curated)
        restored = self.face.create(history=types.history_from_json(saved))
        assert restored.get_history() == restored.get_history(curated=True) == curated
        if probe is not None:
            message = self.message(probe)
            before = self.face.send(self.chat, message)
            after = self.face.send(restored, message)
            assert after.text == before.text
            first, second = self.requests_for(message)
            assert first.SerializeToString(deterministic=True) == second.SerializeToString(deterministic=True)
            assert list(second.contents) == [*curated, user_content(message)]
        self.chat = restored
        self.turns = self.curated()  # the loaded chat's comprehensive history is the saved curated one
        if probe is not None:
            self.record_valid(message, after.text)

    # -- after every step -------------------------------------------------------------------------

    @invariant()
    def histories_match_the_model(self) -> None:
        comprehensive = [content for turn in self.turns for content in turn.contents()]
        curated = [content for turn in self.curated() for content in turn.contents()]
        assert shape(self.chat.get_history()) == comprehensive
        assert shape(self.chat.get_history(curated=True)) == curated
        assert self.chat.history == self.chat.get_history(curated=True)

    def teardown(self) -> None:
        if self.unread is not None:
            self.face.close(self.unread)


def test_chat_histories_follow_the_rules(face: Face, emulator: Emulator) -> None:
    run_state_machine_as_test(lambda: ChatMachine(face, emulator), settings=SETTINGS)  # type: ignore[arg-type]
