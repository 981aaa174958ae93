"""`genai chat` in this process, on a scripted stdin: messages, the slash commands, failures, Ctrl-C.

tests/cli/test_chat_process.py runs it as a subprocess (real pipes, real signals, two processes).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

from genai import cli
from genai._cli.args import DEFAULT_MODEL
from genai._cli.repl import HELP, PROMPT, ChatRepl
from genai._transport.sync_streams import ServerStream
from genai.testing import Emulator
from genai.types import history_from_json
from tests.cli.conftest import KEY, ChatRunner, expected_replies, sent_requests, target, texts


def test_each_line_is_a_message_and_its_reply_a_line(run_chat: ChatRunner, chat_emulator: Emulator) -> None:
    result = run_chat("Hello there\nHow are you?\n")
    assert result.status == 0, result.err
    assert result.out == "".join(
        f"{reply}\n" for reply in expected_replies(chat_emulator, "Hello there", "How are you?")
    )
    assert result.out.startswith('[1 contents: 1 user, 0 model] You said: "Hello there".')
    assert '\n[3 contents: 2 user, 1 model] You said: "How are you' in result.out
    assert result.err == ""  # nothing to say when stdin is not a terminal: no greeting, no prompt
    assert PROMPT not in result.out


def test_blank_lines_send_nothing_and_double_slash_sends_a_slash(
    run_chat: ChatRunner, chat_emulator: Emulator
) -> None:
    result = run_chat("\n   \n//etc/hosts is a path\n")
    assert result.status == 0, result.err
    assert texts(sent_requests(chat_emulator)[-1]) == ["/etc/hosts is a path"]
    assert len(sent_requests(chat_emulator)) == 1


class _Recorder(io.StringIO):
    """A stdout that remembers each write and flush, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str | None] = []  # a write's text, or None for a flush

    def write(self, text: str) -> int:
        self.events.append(text)
        return super().write(text)

    def flush(self) -> None:
        self.events.append(None)
        super().flush()


def test_a_reply_is_written_and_flushed_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    with Emulator(chunks=5) as emulator:
        with emulator.client() as client:
            chunks = [
                c.text for c in client.models.generate_content_stream(model="gemini-2.5-flash", contents="hi")
            ]
        assert len(chunks) == 5
        recorder = _Recorder()
        monkeypatch.setenv("GEMINI_API_KEY", KEY)
        monkeypatch.setattr(sys, "stdin", io.StringIO("hi\n"))
        monkeypatch.setattr(sys, "stdout", recorder)
        assert cli.main([*target(emulator), "chat"]) == 0
    # Each chunk reaches the reader as it comes: its own write, flushed before the next is read.
    expected: list[str | None] = []
    for chunk in chunks:
        expected += [chunk, None]
    assert recorder.events[: len(expected)] == expected
    assert recorder.getvalue() == "".join(chunks) + "\n"


def test_history_shows_every_turn_and_marks_the_invalid_ones(
    run_chat: ChatRunner, chat_emulator: Emulator
) -> None:
    script = "Hello there\nTell me [[block-candidate]]\nAnd now?\n/history\n"
    result = run_chat(script)
    assert result.status == 0
    first, third = (line for line in result.out.splitlines()[:2])
    history = result.out.splitlines()[2:]
    assert history[:6] == [
        "  1  user: Hello there",
        f"  1  model: {first[:97]}...",
        "  2! user: Tell me [[block-candidate]]",
        "  2! model: (nothing)",
        "  3  user: And now?",
        f"  3  model: {third[:97]}...",
    ]
    assert history[6].startswith("(3 turns, 6 contents; tokens so far: ")
    assert history[7].startswith("(!: the reply was blocked or empty")
    # The blocked reply printed nothing, was reported, and was not sent as context.
    assert "the candidate was blocked: SAFETY" in result.err and result.err.count("\n") == 1
    assert third.startswith("[3 contents: 2 user, 1 model]")


def test_history_of_a_new_chat(run_chat: ChatRunner) -> None:
    assert run_chat("/history\n").out == "(the history is empty)\n"


def test_rewind_removes_the_last_turn_and_says_what_it_was(
    run_chat: ChatRunner, chat_emulator: Emulator
) -> None:
    result = run_chat("First one\nSecond one\n/rewind\nThird one\n/rewind\n/rewind\n/rewind\n/history\n")
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[2:5] == [
        "removed the last turn (2 contents):",
        "  user: Second one",
        f"  model: {lines[1][:97]}...",
    ]
    # The next message went with the first turn only.
    assert texts(sent_requests(chat_emulator)[-1]) == ["First one", lines[0], "Third one"]
    assert lines[5].startswith("[3 contents: 2 user, 1 model]")
    assert lines[6] == "removed the last turn (2 contents):" and lines[7] == "  user: Third one"
    assert lines[9] == "removed the last turn (2 contents):" and lines[10] == "  user: First one"
    assert lines[12:] == ["nothing to rewind: the history is empty", "(the history is empty)"]
    assert result.err == ""


def test_save_writes_the_curated_history_and_load_continues_from_it(
    run_chat: ChatRunner, chat_emulator: Emulator, tmp_path: Path
) -> None:
    saved = tmp_path / "chat.json"
    result = run_chat(f"One\nTwo [[block-candidate]]\nThree\n/save {saved}\n")
    assert result.out.splitlines()[-1] == f"saved 4 contents to {saved}"
    history = history_from_json(saved.read_text(encoding="utf-8"))
    replies = result.out.splitlines()[:2]
    assert texts(history) == ["One", replies[0], "Three", replies[1]]  # the blocked turn left out

    result = run_chat(f"/load {saved}\nFour\n/history\n")
    assert result.status == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"loaded 4 contents (2 turns) from {saved}"
    assert lines[1].startswith("[5 contents: 3 user, 2 model]")
    assert texts(sent_requests(chat_emulator)[-1]) == [*texts(history), "Four"]
    assert lines[2] == "  1  user: One" and lines[6] == "  3  user: Four"


def test_load_keeps_the_system_instruction(
    run_chat: ChatRunner, chat_emulator: Emulator, tmp_path: Path
) -> None:
    saved = tmp_path / "chat.json"
    saved.write_text(
        '[{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Yo"}]}]'
    )
    result = run_chat(f"/load {saved}\nAgain\n", "--system", "Be a pirate.")
    assert result.status == 0, result.err
    assert 'Instructions: "Be a pirate".' in result.out.splitlines()[1]
    request = chat_emulator.calls[-1].request
    assert request.system_instruction.parts[0].text == "Be a pirate."  # type: ignore[attr-defined]


BAD_FILES: dict[str, tuple[str | bytes | None, str]] = {
    "missing": (None, "No such file"),
    "not JSON": ("{oops", "not valid JSON"),
    "not a list": ('{"role": "user"}', "expected a JSON array"),
    "a bad role": ('[{"role": "system", "parts": [{"text": "x"}]}]', "history[0].role"),
    "an unknown field": ('[{"role": "user", "bogus": 1}]', "history[0]"),
    "not UTF-8 text": (b"\xff\xfe\x00[", "not valid JSON"),
    "a directory": ("", "directory"),
}


@pytest.mark.parametrize(("content", "fragment"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_a_bad_load_is_one_line_and_the_chat_goes_on(
    content: str | bytes | None, fragment: str, run_chat: ChatRunner, chat_emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "history.json"
    if fragment == "directory":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = run_chat(f"Before\n/load {path}\nAfter\n")
    assert result.status == 0
    assert result.err.startswith("genai: /load: ") and result.err.count("\n") == 1, result.err
    assert fragment in result.err and result.err.rstrip().endswith("(the chat is unchanged)")
    # The chat kept its history: the next message went with the first turn.
    assert result.out.splitlines()[1].startswith("[3 contents: 2 user, 1 model]")


def test_save_and_load_need_a_file_and_report_write_errors(run_chat: ChatRunner, tmp_path: Path) -> None:
    result = run_chat(f"/save\n/load\n/save {tmp_path / 'no' / 'such' / 'dir.json'}\nHi\n")
    assert result.status == 0
    assert result.err.splitlines() == [
        "genai: usage: /save FILE",
        "genai: usage: /load FILE",
        f"genai: /save: [Errno 2] No such file or directory: '{tmp_path / 'no' / 'such' / 'dir.json'}'",
    ]
    assert result.out.startswith("[1 contents")


def test_unknown_commands_send_nothing(run_chat: ChatRunner, chat_emulator: Emulator) -> None:
    result = run_chat("/frobnicate now\n/HISTORY\nHi\n")
    assert result.status == 0
    assert result.err.splitlines() == [
        "genai: unknown command '/frobnicate' (/help lists the commands)",
        "genai: unknown command '/HISTORY' (/help lists the commands)",
    ]
    assert [texts(contents) for contents in sent_requests(chat_emulator)] == [["Hi"]]


def test_help_and_quit(run_chat: ChatRunner, chat_emulator: Emulator) -> None:
    result = run_chat("/help\n/quit\nnever sent\n")
    assert (result.status, result.out, result.err) == (0, HELP + "\n", "")
    assert sent_requests(chat_emulator) == []


def test_a_failed_message_is_reported_and_leaves_the_history_as_it_was(
    run_chat: ChatRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each distinct request fails on its first attempt only: sending the same line again succeeds
    # exactly when the failure left the history untouched (the request is then the same).
    with Emulator(fail="INVALID_ARGUMENT:1", count_contents=True) as emulator:
        result = run_chat("Hello\nHello\n/history\n", emulator=emulator)
    assert result.status == 0
    assert result.err.startswith("genai: INVALID_ARGUMENT") and result.err.count("\n") == 1
    lines = result.out.splitlines()
    assert lines[0].startswith('[1 contents: 1 user, 0 model] You said: "Hello".')
    assert lines[1:3] == ["  1  user: Hello", f"  1  model: {lines[0][:97]}..."]
    assert lines[3].startswith("(1 turn, 2 contents")


def test_a_stream_broken_midway_keeps_its_text_but_not_its_turn(run_chat: ChatRunner) -> None:
    with Emulator(chunks=4, break_after="2", count_contents=True) as emulator:
        result = run_chat("Hello\nHello\n", emulator=emulator)
    assert result.status == 0
    partial, whole = result.out.splitlines()
    assert whole.startswith("[1 contents: 1 user, 0 model]")  # the broken turn was not kept
    assert partial and whole.startswith(partial) and partial != whole
    assert result.err.startswith("genai: UNAVAILABLE") and result.err.count("\n") == 1


def test_an_undecodable_line_is_refused_and_the_chat_goes_on(
    run_chat: ChatRunner, chat_emulator: Emulator
) -> None:
    result = run_chat("caf\udce9\nHi\n")  # what a surrogateescape stdin gives for b"caf\xe9"
    assert result.status == 0
    assert result.err == "genai: that line is not valid UTF-8 text; it was not sent\n"
    assert [texts(contents) for contents in sent_requests(chat_emulator)] == [["Hi"]]


# -- Ctrl-C ------------------------------------------------------------------------------------


def test_ctrl_c_during_a_reply_cancels_that_reply_only(
    run_chat: ChatRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ctrl-C lands while the transport waits for the second chunk of the first reply, where a
    # signal's KeyboardInterrupt would come from; everything above the transport is the real thing.
    real_next = ServerStream.__next__
    reads = 0

    def next_or_ctrl_c(self: ServerStream[Any]) -> Any:
        nonlocal reads
        reads += 1
        if reads == 2:
            raise KeyboardInterrupt
        return real_next(self)

    # Slow chunks: the server is still sending when the client cancels.
    with Emulator(chunks=3, chunk_delay=0.2, count_contents=True) as emulator:
        with emulator.client() as client:
            stream = client.models.generate_content_stream(model=DEFAULT_MODEL, contents="One")
            chunks = [chunk.text for chunk in stream]
        emulator.wait_for(lambda: emulator.completed_streams == 1)
        emulator.reset()
        monkeypatch.setattr(ServerStream, "__next__", next_or_ctrl_c)
        result = run_chat("One\nTwo\n/history\nThree\n", emulator=emulator)
        emulator.wait_for(lambda: emulator.cancelled_streams == 1)
        assert emulator.completed_streams == 2
    assert result.status == 0
    assert result.err == "genai: reply cancelled; the history is as it was before this message\n"
    lines = result.out.splitlines()
    assert lines[0] == chunks[0].rstrip()  # what had arrived, then the line ended
    assert lines[1].startswith('[1 contents: 1 user, 0 model] You said: "Two".')  # sent without "One"
    assert lines[2:4] == ["  1  user: Two", f"  1  model: {lines[1][:97]}..."]
    assert lines[4].startswith("(1 turn, 2 contents")
    assert lines[5].startswith('[3 contents: 2 user, 1 model] You said: "Three".')


class _Terminal(io.StringIO):
    """A stdin that says it is a terminal; a line ``^C`` is Ctrl-C pressed at the prompt."""

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        line = super().readline()
        if line == "^C\n":
            raise KeyboardInterrupt
        return line


class _Pipe(_Terminal):
    def isatty(self) -> bool:
        return False


def test_ctrl_c_at_the_prompt_of_a_terminal_drops_the_line(run_chat: ChatRunner) -> None:
    result = run_chat(_Terminal("Hi\n^C\n/history\n"))
    assert result.status == 0
    assert result.out.startswith(PROMPT) and result.out.count(PROMPT) == 4  # 3 lines, then end of input
    assert "  1  user: Hi\n" in result.out and "\n(1 turn, 2 contents" in result.out
    assert result.err.splitlines() == [
        "genai: chatting with models/gemini-2.5-flash; /help lists the commands, Ctrl-D ends the chat",
        "genai: interrupted (Ctrl-D or /quit ends the chat)",
    ]


def test_ctrl_c_while_a_pipe_is_read_ends_the_chat_with_130(run_chat: ChatRunner) -> None:
    result = run_chat(_Pipe("Hi\n^C\nnever sent\n"))
    assert result.status == 130
    assert result.out.startswith("[1 contents: 1 user, 0 model]") and result.out.count("\n") == 1
    assert result.err == ""


class _Chunk:
    def __init__(self, text: str) -> None:
        self.text = text


class _StubStream(list[_Chunk]):
    done = True

    def __enter__(self) -> _StubStream:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class _StubChat:
    """A chat whose replies are given texts, chunk by chunk (the emulator's never end a line)."""

    model = "models/stub"

    def __init__(self, replies: list[list[str]]) -> None:
        self.replies = replies

    def send_message_stream(self, message: str) -> _StubStream:
        return _StubStream(_Chunk(text) for text in self.replies.pop(0))


@pytest.mark.parametrize(
    ("reply", "printed"),
    [
        (["one", " line"], "one line\n"),
        (["ends with", " a break\n"], "ends with a break\n"),  # no blank line after it
        (["two\nlines\n\n"], "two\nlines\n\n"),  # the reply's own blank line is kept
        ([""], "\n"),  # an empty reply is an empty line
    ],
)
def test_each_reply_ends_with_exactly_one_line_break(reply: list[str], printed: str) -> None:
    chat = _StubChat([reply])

    class _Client:
        class chats:
            @staticmethod
            def create(**kwargs: object) -> _StubChat:
                return chat

    out, err = io.StringIO(), io.StringIO()
    repl = ChatRepl(
        _Client(),  # type: ignore[arg-type]
        model="stub",
        config=None,
        stdin=io.StringIO("hi\n"),
        stdout=out,
        stderr=err,
        interactive=False,
    )
    assert repl.run() == 0
    assert (out.getvalue(), err.getvalue()) == (printed, "")
