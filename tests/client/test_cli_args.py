"""The `genai` command in-process: every bad argument is one `genai: ...` line and status 2, and each
kind of failure maps to its exit status. (tests/client/test_cli.py runs the command as a subprocess.)"""

from __future__ import annotations

import io

import grpc
import pytest

from genai import cli
from genai._cli.args import CommandLineError, parse_args
from genai.errors import (
    BlockedPromptError,
    IncompleteIterationError,
    NotFoundError,
    ResponseParseError,
    UnavailableError,
)

BAD_ARGUMENTS = {
    "page size -1": (["models", "--page-size", "-1"], "--page-size"),
    "page size 0": (["models", "--page-size", "0"], "--page-size"),
    "page size not a number": (["models", "--page-size", "ten"], "whole number"),
    "page size beyond int32": (["models", "--page-size", "2147483648"], "--page-size"),
    "dimensions -3": (["embed", "x", "--dimensions", "-3"], "--dimensions"),
    "dimensions 0": (["embed", "x", "--dimensions", "0"], "--dimensions"),
    "max output tokens 0": (["generate", "hi", "--max-output-tokens", "0"], "--max-output-tokens"),
    "temperature below 0": (["generate", "hi", "--temperature", "-0.5"], "--temperature"),
    "temperature nan": (["generate", "hi", "--temperature", "nan"], "--temperature"),
    "temperature inf": (["generate", "hi", "--temperature", "inf"], "--temperature"),
    "timeout 0": (["--timeout", "0", "models"], "--timeout"),
    "timeout below 0": (["--timeout", "-1", "models"], "--timeout"),
    "timeout nan": (["--timeout", "nan", "models"], "--timeout"),
    "timeout inf": (["--timeout", "inf", "models"], "--timeout"),
    "timeout beyond a day": (["--timeout", "1e10", "models"], "--timeout"),
    "timeout not a number": (["--timeout", "soon", "models"], "--timeout"),
    "model with a path": (["generate", "hi", "--model", "../x"], "--model"),
    "empty model": (["generate", "hi", "--model", ""], "--model"),
    "blank model": (["count-tokens", "hi", "--model", " "], "--model"),
    "model collection only": (["embed", "x", "--model", "models/"], "--model"),
    "empty prompt": (["generate", ""], "prompt"),
    "blank prompt": (["generate", "  \n"], "prompt"),
    "empty prompt to count": (["count-tokens", ""], "prompt"),
    "an empty text to embed": (["embed", "one", ""], "texts"),
    "empty system instruction": (["generate", "hi", "--system", ""], "--system"),
    "blank chat system instruction": (["chat", "--system", " "], "--system"),
    "chat model with a path": (["chat", "--model", "../x"], "--model"),
    "chat takes no prompt": (["chat", "hello"], "hello"),
    "undecodable prompt": (["generate", "caf\udce9"], "UTF-8"),
    "empty endpoint": (["--endpoint", "", "models"], "--endpoint"),
    "endpoint with a space": (["--endpoint", "host :443", "models"], "--endpoint"),
    "plaintext to a remote host": (["--endpoint", "example.com:80", "--insecure", "models"], "loopback"),
    "plaintext without an endpoint": (["--insecure", "models"], "--insecure"),
    "emulator and endpoint": (["--emulator", "--endpoint", "localhost:1", "models"], "--emulator"),
    "unknown flag": (["models", "--bogus"], "--bogus"),
    "unknown command": (["frob"], "frob"),
    "no command": ([], "command"),
    "no prompt": (["generate"], "prompt"),
}


@pytest.mark.parametrize(("argv", "fragment"), BAD_ARGUMENTS.values(), ids=BAD_ARGUMENTS.keys())
def test_bad_arguments_are_one_line_and_status_2(
    argv: list[str], fragment: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def connect(args: object) -> int:
        raise AssertionError(f"{argv} was accepted")  # never a connection, never the network

    monkeypatch.setattr(cli, "run", connect)
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("genai: ") and err.count("\n") == 1, err
    assert fragment in err
    assert "usage:" not in err


def test_parse_errors_point_at_the_right_help() -> None:
    with pytest.raises(CommandLineError, match=r"see 'genai embed --help'"):
        parse_args(["embed", "x", "--dimensions", "0"])
    with pytest.raises(CommandLineError, match=r"see 'genai --help'"):
        parse_args(["--timeout", "0", "models"])


def test_good_arguments_at_their_limits() -> None:
    args = parse_args(["--timeout", "86400", "embed", "x", "--dimensions", "1"])
    assert (args.timeout, args.dimensions, args.texts) == (86400.0, 1, ["x"])
    args = parse_args(
        ["--timeout", "0.5", "generate", "hi", "--temperature", "0", "--max-output-tokens", "1"]
    )
    assert (args.timeout, args.temperature, args.max_output_tokens) == (0.5, 0.0, 1)
    args = parse_args(["generate", "hi", "--model", "tunedModels/mine", "--system", "Be brief."])
    assert (args.model, args.system) == ("tunedModels/mine", "Be brief.")
    args = parse_args(["--endpoint", "[::1]:50051", "--insecure", "models", "--page-size", "2147483647"])
    assert (args.endpoint, args.insecure, args.page_size) == ("[::1]:50051", True, 2**31 - 1)
    args = parse_args(["--endpoint", "api.example.com:443", "models"])  # TLS to anywhere is fine
    assert (args.endpoint, args.insecure, args.page_size) == ("api.example.com:443", False, None)


@pytest.mark.parametrize(
    ("variable", "key"),
    [("GEMINI_API_KEY", "AIza-SECRET-HEAD\nSECRET-TAIL"), ("GOOGLE_API_KEY", "AIza-SECRET-HEAD SECRET-TAIL")],
)
def test_an_unusable_key_is_refused_unechoed(
    variable: str, key: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.setenv(variable, key)
    assert cli.main(["--endpoint", "localhost:1", "--insecure", "models"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith(f"genai: {variable} ")
    assert "SECRET" not in err


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValueError("page_size: expected a positive int"), 2),
        (TypeError("contents: expected str"), 2),
        (IncompleteIterationError("read the stream first"), 2),
        (NotFoundError("model not found", code=grpc.StatusCode.NOT_FOUND), 1),
        (UnavailableError("line one\nline two", code=grpc.StatusCode.UNAVAILABLE), 1),
        (BlockedPromptError("the prompt was blocked: SAFETY"), 1),
        (ResponseParseError("the reply is not valid JSON"), 1),
        (OSError(28, "No space left on device"), 1),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_each_failure_maps_to_its_status_on_one_line(
    error: Exception, status: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(args: object) -> int:
        raise error

    monkeypatch.setattr(cli, "run", fail)
    monkeypatch.setattr("sys.stdout", io.StringIO())  # never let a test point a real stdout at devnull
    assert cli.main(["--emulator", "models"]) == status
    err = capsys.readouterr().err
    assert err.startswith("genai: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("error", "status"), [(BrokenPipeError(32, "Broken pipe"), 0), (KeyboardInterrupt(), 130)]
)
def test_closed_pipe_and_ctrl_c_exit_quietly(
    error: BaseException, status: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(args: object) -> int:
        raise error

    monkeypatch.setattr(cli, "run", fail)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert cli.main(["--emulator", "models"]) == status
    assert capsys.readouterr().err == ""
