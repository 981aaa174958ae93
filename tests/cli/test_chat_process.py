"""`genai chat` as a user runs it: a subprocess on real pipes, a real SIGINT, a history saved by one
process and loaded by the next."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from genai.testing import Emulator
from genai.types import history_from_json
from tests.cli.conftest import expected_replies, run_process, sent_requests, start, target, texts


def test_a_piped_script_gets_only_replies_and_ends_0_at_end_of_input(chat_emulator: Emulator) -> None:
    script = b"Hello there\ncaf\xe9 au lait\nHow are you\n"
    result = run_process(*target(chat_emulator), "chat", stdin=script)
    assert result.status == 0, result.err
    replies = expected_replies(chat_emulator, "Hello there", "How are you")
    assert result.out == "".join(f"{reply}\n" for reply in replies)
    # The undecodable line was refused on its own line; the chat went on without it.
    assert result.err == "genai: that line is not valid UTF-8 text; it was not sent\n"


def test_quit_stops_reading(chat_emulator: Emulator) -> None:
    result = run_process(*target(chat_emulator), "chat", stdin=b"Hi\n/quit\nnever sent\n")
    assert result.status == 0, result.err
    assert result.out.count("\n") == 1 and result.err == ""
    assert [texts(contents) for contents in sent_requests(chat_emulator)] == [["Hi"]]


def test_saved_by_one_process_and_continued_by_another(chat_emulator: Emulator, tmp_path: Path) -> None:
    saved = tmp_path / "saved chat.json"  # a name with a space: the rest of the line is the name
    first = run_process(*target(chat_emulator), "chat", stdin=f"One\nTwo\n/save {saved}\n".encode())
    assert first.status == 0, first.err
    replies = first.out.splitlines()[:2]
    assert texts(history_from_json(saved.read_bytes())) == ["One", replies[0], "Two", replies[1]]

    chat_emulator.reset()
    second = run_process(*target(chat_emulator), "chat", stdin=f"/load {saved}\nThree\n".encode())
    assert second.status == 0, second.err
    loaded, reply = second.out.splitlines()
    assert loaded == f"loaded 4 contents (2 turns) from {saved}"
    # The first request of the new process carried the whole saved history, then the new message.
    assert reply.startswith('[5 contents: 3 user, 2 model] You said: "Three".')
    assert [texts(contents) for contents in sent_requests(chat_emulator)] == [
        ["One", replies[0], "Two", replies[1], "Three"]
    ]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_sigint_during_a_reply_cancels_it_and_the_chat_goes_on() -> None:
    # 40 chunks, 50 ms apart: the first reply is still streaming when the signal comes.
    with Emulator(chunks=40, chunk_delay=0.05, count_contents=True) as emulator:
        proc = start(*target(emulator), "chat")
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"One\n")
        proc.stdin.flush()
        assert proc.stdout.read(1)  # the reply has begun to arrive
        assert emulator.active_streams == 1
        proc.send_signal(signal.SIGINT)
        emulator.wait_for(lambda: emulator.cancelled_streams == 1, timeout=10)
        out, err = proc.communicate(b"Two\n/history\n", timeout=60)
        assert emulator.completed_streams == 1
    assert proc.returncode == 0, err
    assert err.decode() == "genai: reply cancelled; the history is as it was before this message\n"
    lines = ("?" + out.decode()).splitlines()  # the byte read above, put back (its value aside)
    assert len(lines) == 5
    assert lines[1].startswith('[1 contents: 1 user, 0 model] You said: "Two".')  # sent without "One"
    assert lines[2:4] == ["  1  user: Two", f"  1  model: {lines[1][:97]}..."]
    assert lines[4].startswith("(1 turn, 2 contents")
