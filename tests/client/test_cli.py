"""The `genai` command, run as a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from genai.testing import Emulator


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "genai.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **(env or {})},
    )


def test_no_key_uses_the_embedded_emulator_and_says_so() -> None:
    result = _run("generate", "hello there", "--stream")
    assert result.returncode == 0, result.stderr
    assert "embedded emulator" in result.stderr
    assert result.stdout.strip()


def test_commands_against_an_explicit_endpoint(emulator: Emulator) -> None:
    target = ["--endpoint", emulator.endpoint, "--insecure"]
    env = {"GEMINI_API_KEY": "cli-key"}
    generated = _run(*target, "generate", "hello there", env=env)
    assert generated.returncode == 0 and generated.stdout.strip()
    assert "embedded emulator" not in generated.stderr
    models = _run(*target, "models", env=env)
    assert "models/gemini-2.5-flash" in models.stdout
    tokens = _run(*target, "count-tokens", "hello there", env=env)
    assert int(tokens.stdout.strip()) > 0
    embedded = _run(*target, "embed", "one", "two", "--dimensions", "4", env=env)
    assert embedded.stdout.count("dim=4") == 2


@pytest.mark.parametrize("command", ["demo"])
def test_demo(command: str) -> None:
    result = _run("--emulator", command)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("> ")


def test_errors_exit_non_zero_with_a_message(emulator: Emulator) -> None:
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
    assert "NOT_FOUND" in result.stderr
