"""The `genai` command, run as a subprocess: exit statuses, one-line errors, closed pipes, Ctrl-C.

`genai chat` and `genai demo` have their own tests in tests/cli.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

import genai
from genai._cli.args import DEFAULT_EMBED_MODEL, DEFAULT_MODEL
from genai.testing import Emulator

SECRET = "AIzaSy-cli-SECRET-0123456789"
SECRET_HEAD, SECRET_TAIL = "AIzaSy-cli-NEWLINE-HEAD", "SECRET-TAIL-9876"


def _env(extra: dict[str, str] | None) -> dict[str, str]:
    # No key unless a test gives one, and stdout buffered as a user's is unless a test says otherwise.
    dropped = ("GEMINI_API_KEY", "GOOGLE_API_KEY", "PYTHONUNBUFFERED")
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**base, **(extra or {})}


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "genai.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(env),
    )


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "genai.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(env),
    )


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the emulator"
        time.sleep(0.02)


def test_no_key_uses_the_embedded_emulator_and_says_so(client: genai.Client) -> None:
    result = _run("generate", "hello there", "--stream")
    assert result.returncode == 0, result.stderr
    assert "embedded emulator" in result.stderr
    # Every emulator gives the same reply to the same request: the streamed text, then a newline.
    expected = client.models.generate_content(model=DEFAULT_MODEL, contents="hello there")
    assert result.stdout == expected.text + "\n"
    usage = expected.usage_metadata
    assert (
        f"[{usage.prompt_token_count} prompt + {usage.candidates_token_count} reply tokens]" in result.stderr
    )


def test_commands_against_an_explicit_endpoint(emulator: Emulator, client: genai.Client) -> None:
    target = ["--endpoint", emulator.endpoint, "--insecure"]
    env = {"GEMINI_API_KEY": "cli-key"}
    commands = {
        "generate": ["generate", "hello there"],
        "models": ["models"],
        "count-tokens": ["count-tokens", "hello there"],
        "embed": ["embed", "one", "two", "--dimensions", "4"],
    }
    # Started together: the interpreter start-ups overlap instead of adding up.
    running = {name: _start(*target, *args, env=env) for name, args in commands.items()}
    out: dict[str, str] = {}
    for name, proc in running.items():
        stdout, stderr = (stream.decode() for stream in proc.communicate(timeout=60))
        assert proc.returncode == 0, (name, stderr)
        assert "embedded emulator" not in stderr, name
        out[name] = stdout
    assert any(call.metadata.get("x-goog-api-key") == "cli-key" for call in emulator.calls)

    reply = client.models.generate_content(model=DEFAULT_MODEL, contents="hello there").text
    assert out["generate"] == reply + "\n"
    assert [line.split("\t")[0] for line in out["models"].splitlines()] == [
        m.name for m in client.models.list()
    ]
    counted = client.models.count_tokens(model=DEFAULT_MODEL, contents="hello there").total_tokens
    assert int(out["count-tokens"]) == counted
    vectors = client.models.embed_content(
        model=DEFAULT_EMBED_MODEL, contents=["one", "two"], config={"output_dimensionality": 4}
    ).embeddings
    assert out["embed"].splitlines() == [
        f"{text!r}: dim=4 [{', '.join(f'{v:.4f}' for v in vector.values)}, ...]"
        for text, vector in zip(["one", "two"], vectors, strict=True)
    ]


# End to end, one case per kind of check (tests/client/test_cli_args.py has them all, in-process).
# Each of these printed a traceback.
_USAGE_ERRORS: dict[str, tuple[list[str], dict[str, str]]] = {
    "a bad number": (["--emulator", "models", "--page-size", "-1"], {}),
    "a model name with a path": (["--emulator", "generate", "hi", "--model", "../x"], {}),
    "plaintext to a remote host": (
        ["--endpoint", "192.0.2.1:443", "--insecure", "--timeout", "2", "models"],
        {"GEMINI_API_KEY": SECRET},
    ),
    "a key with a newline": (["models"], {"GEMINI_API_KEY": f"{SECRET_HEAD}\n{SECRET_TAIL}"}),
}


def test_usage_errors_are_one_line_on_stderr_and_status_2() -> None:
    # Started together: the interpreter start-ups overlap instead of adding up.
    running = {name: _start(*args, env=env) for name, (args, env) in _USAGE_ERRORS.items()}
    for name, proc in running.items():
        out, err = (stream.decode() for stream in proc.communicate(timeout=60))
        assert proc.returncode == 2, (name, err)
        assert out == "", name
        lines = err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("genai: "), (name, err)
        assert "Traceback" not in err, name
        for secret in (SECRET, SECRET_HEAD, SECRET_TAIL):
            assert secret not in err, name


def test_service_errors_are_one_line_on_stderr_and_status_1(emulator: Emulator) -> None:
    result = _run(
        "--endpoint",
        emulator.endpoint,
        "--insecure",
        "generate",
        "x",
        "--model",
        "nope",
        env={"GEMINI_API_KEY": "k"},
    )
    assert result.returncode == 1
    assert result.stderr.startswith("genai: NOT_FOUND") and len(result.stderr.splitlines()) == 1


def test_a_rejected_key_is_not_echoed() -> None:
    with Emulator(api_keys={"the-right-key"}) as emulator:
        result = _run("--endpoint", emulator.endpoint, "--insecure", "models", env={"GEMINI_API_KEY": SECRET})
    assert result.returncode == 1
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith("genai: ")
    assert SECRET not in result.stderr + result.stdout


def test_models_into_a_pipe_closed_after_one_line() -> None:
    # `genai models | head -1`. Unbuffered output and a delay per page make the CLI write its
    # second line only after the reader has gone.
    with Emulator(delay=0.2) as emulator:
        proc = _start(
            *("--endpoint", emulator.endpoint, "--insecure", "models", "--page-size", "1"),
            env={"GEMINI_API_KEY": "cli-key", "PYTHONUNBUFFERED": "1"},
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"models/")
        proc.stdout.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b""
        proc.stderr.close()


def test_output_into_a_pipe_closed_before_it_is_written() -> None:
    # `genai models | true`: the lines wait in stdout's buffer, and the reader is gone when it is
    # flushed; nothing may be left to fail again in the interpreter's last flush.
    with Emulator(delay=0.2) as emulator:
        proc = _start("--endpoint", emulator.endpoint, "--insecure", "models", env={"GEMINI_API_KEY": "k"})
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b""
        proc.stderr.close()


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "unary"])
def test_generate_into_a_pipe_closed_early(stream: bool) -> None:
    # `genai generate ... | head -c 10`: the reply is far larger than a pipe's buffer, so the CLI is
    # still writing (and, streaming, still receiving) when the reader closes its end.
    options = {"chunks": 400, "chunk_delay": 0.01} if stream else {}
    with Emulator(reply_words=60_000, **options) as emulator:
        args = ["--endpoint", emulator.endpoint, "--insecure", "generate", "hi", *(["--stream"] * stream)]
        proc = _start(*args, env={"GEMINI_API_KEY": "cli-key"})
        assert proc.stdout is not None and proc.stderr is not None
        assert len(proc.stdout.read(10)) == 10
        proc.stdout.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b""
        proc.stderr.close()
        if stream:  # the stream was cancelled, not read to its end (400 chunks take 4 s)
            state = emulator.server.state
            _wait_for(lambda: state.cancelled_streams == 1)
            assert state.active_streams == 0


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_exits_130_quietly_and_cancels_the_stream() -> None:
    with Emulator(chunks=100, chunk_delay=0.1) as emulator:
        args = ["--endpoint", emulator.endpoint, "--insecure", "generate", "hi", "--stream"]
        proc = _start(*args, env={"GEMINI_API_KEY": "cli-key"})
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(1)  # the first chunk is printed: the stream is running
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 130
        assert b"Traceback" not in proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        state = emulator.server.state
        _wait_for(lambda: state.cancelled_streams == 1)
