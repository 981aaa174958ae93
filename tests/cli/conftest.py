"""What the CLI tests share: `genai chat` run in-process on a scripted stdin, or as a subprocess.

Both talk to an emulator on loopback through ``--endpoint ... --insecure`` (with a key in the
environment, so the embedded emulator is not started). The emulators here mark each plain reply with
how many contents its request carried (``[3 contents: 2 user, 1 model]``), so a test reads the
history that was sent from the reply itself.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

import pytest

import genai
from genai import cli
from genai._cli.args import DEFAULT_MODEL
from genai.testing import Emulator

KEY = "AIzaSy-chat-cli-SECRET-0123456789"
GENERATE_METHODS = ("GenerateContent", "StreamGenerateContent")


@dataclass
class Outcome:
    status: int
    out: str
    err: str


@pytest.fixture(scope="session")
def counting() -> Iterator[Emulator]:
    """An emulator whose replies start with the count of the contents they were asked with."""
    with Emulator(count_contents=True) as emulator:
        yield emulator


@pytest.fixture
def chat_emulator(counting: Emulator) -> Emulator:
    counting.reset()
    return counting


ChatRunner = Callable[..., Outcome]


@pytest.fixture
def run_chat(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], chat_emulator: Emulator
) -> ChatRunner:
    """``run_chat(script, *chat_args, emulator=...)``: `genai chat` in this process.

    ``script`` is the text of stdin (read as from a pipe), or a stdin object of the test's own.
    """
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)

    def run(script: str | TextIO, *chat_args: str, emulator: Emulator = chat_emulator) -> Outcome:
        monkeypatch.setattr(sys, "stdin", io.StringIO(script) if isinstance(script, str) else script)
        status = cli.main([*target(emulator), "chat", *chat_args])
        out, err = capsys.readouterr()
        assert KEY not in out + err
        return Outcome(status, out, err)

    return run


def target(emulator: Emulator) -> list[str]:
    return ["--endpoint", emulator.endpoint, "--insecure", "--timeout", "20"]


def expected_replies(emulator: Emulator, *messages: str, **create: object) -> list[str]:
    """What a chat of the library answers to ``messages`` on ``emulator`` (its replies are deterministic)."""
    with emulator.client(timeout=20) as client:
        chat = client.chats.create(model=DEFAULT_MODEL, **create)  # type: ignore[arg-type]
        return [chat.send_message(message).text for message in messages]


def sent_requests(emulator: Emulator) -> list[list[genai.types.Content]]:
    """The contents of every generate request the emulator received, oldest first."""
    return [
        list(call.request.contents)  # type: ignore[attr-defined]
        for call in emulator.calls
        if call.method in GENERATE_METHODS
    ]


def texts(contents: list[genai.types.Content]) -> list[str]:
    return ["".join(part.text for part in content.parts) for content in contents]


# -- subprocesses -------------------------------------------------------------------------------


def env(**extra: str) -> dict[str, str]:
    """The environment of a user with a key set and stdout buffered as usual."""
    dropped = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "PYTHONUNBUFFERED")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**base, "GEMINI_API_KEY": KEY, **extra}


def start(*args: str, **extra_env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "genai.cli", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(**extra_env),
    )


def run_process(*args: str, stdin: bytes = b"") -> Outcome:
    proc = start(*args)
    out, err = proc.communicate(stdin, timeout=60)
    assert KEY.encode() not in out + err
    return Outcome(proc.returncode, out.decode(), err.decode())
