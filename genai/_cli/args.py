"""The `genai` command's arguments: the parser, the checks on each value, and the error they raise.

Everything a user can get wrong on the command line is caught here, before any connection is made,
and reported as one :class:`CommandLineError` (which `genai.cli` prints as one ``genai: ...`` line
with exit status 2). Nothing here reads the environment or does I/O.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from typing import NoReturn

from genai._coercion.models import to_model_name
from genai._transport.settings import is_loopback_endpoint

__all__ = [
    "CommandLineError",
    "DEFAULT_EMBED_MODEL",
    "DEFAULT_LIVE_MODEL",
    "DEFAULT_MODEL",
    "MAX_TIMEOUT",
    "parse_args",
]

DEFAULT_MODEL = "gemini-2.5-flash"
DEFAULT_EMBED_MODEL = "gemini-embedding-001"
DEFAULT_LIVE_MODEL = "gemini-live-2.5-flash"
MAX_TIMEOUT = 86_400.0  # a day; far larger deadlines overflow gRPC's clock and fail at once
_INT32_MAX = 2**31 - 1  # page sizes, token counts and dimensions are int32 fields on the wire


class CommandLineError(Exception):
    """A bad command line or environment: one ``genai: ...`` line on stderr, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is raised (not printed with the usage block and exited on)."""

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(f"{message} (see '{self.prog} --help')")


# -- value types: each turns one argument string into a value or explains what it expected --------


def _count(text: str) -> int:
    """A whole number from 1 to the int32 maximum."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= _INT32_MAX:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {_INT32_MAX}, got {text!r}")
    return value


def _seconds(text: str) -> float:
    """A deadline: a finite number of seconds above 0 and at most MAX_TIMEOUT."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise argparse.ArgumentTypeError(
            f"expected a number of seconds above 0 and at most {MAX_TIMEOUT:g}, got {text!r}"
        )
    return value


def _temperature(text: str) -> float:
    """A finite number >= 0 (the upper limit depends on the model: the service checks it)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _text(text: str) -> str:
    """Prompt-like text: not empty or blank, and encodable as UTF-8 (the wire's string encoding)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # bytes the locale could not decode arrive as lone surrogates
        raise argparse.ArgumentTypeError("is not valid UTF-8 text") from None
    return text


def _endpoint(text: str) -> str:
    """host:port (or another gRPC target): not empty, no whitespace."""
    if not text or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"expected host:port, got {text!r}")
    return text


# -- the parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="genai", description="Gemini API over gRPC, from the shell.")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--emulator", action="store_true", help="run against an embedded local emulator")
    target.add_argument(
        "--endpoint", type=_endpoint, help="host:port of the API (default: the Gemini API over TLS)"
    )
    parser.add_argument(
        "--http-endpoint",
        type=_endpoint,
        help="host:port of the API's HTTP side, for `live --transport websocket` (default: --endpoint)",
    )
    parser.add_argument(
        "--insecure", action="store_true", help="plaintext gRPC (only to a loopback --endpoint)"
    )
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=60.0,
        help=f"deadline per attempt, seconds (above 0, at most {MAX_TIMEOUT:g}; default 60)",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="generate a reply to a prompt")
    generate.add_argument("prompt", type=_text)
    generate.add_argument("--model", default=DEFAULT_MODEL)
    generate.add_argument("--stream", action="store_true", help="print the reply as it arrives")
    generate.add_argument("--system", type=_text, help="system instruction")
    generate.add_argument("--max-output-tokens", type=_count, help="at most this many reply tokens")
    generate.add_argument("--temperature", type=_temperature, help="sampling temperature, >= 0")

    models = commands.add_parser("models", help="list the available models")
    models.add_argument("--page-size", type=_count, help="models per request (the service caps it)")

    count = commands.add_parser("count-tokens", help="count the tokens of a prompt")
    count.add_argument("prompt", type=_text)
    count.add_argument("--model", default=DEFAULT_MODEL)

    embed = commands.add_parser("embed", help="embed one or more texts")
    embed.add_argument("texts", nargs="+", type=_text)
    embed.add_argument("--model", default=DEFAULT_EMBED_MODEL)
    embed.add_argument("--dimensions", type=_count, help="output dimensionality")

    chat = commands.add_parser(
        "chat", help="talk with a model, one line per message (/help lists the commands)"
    )
    chat.add_argument("--model", default=DEFAULT_MODEL)
    chat.add_argument("--system", type=_text, help="system instruction")

    live = commands.add_parser("live", help="a text live session: type lines, see the replies stream")
    live.add_argument("--model", default=DEFAULT_LIVE_MODEL)
    live.add_argument("--transport", choices=["grpc", "websocket"], default="grpc")
    live.add_argument("--system", type=_text, help="system instruction")

    caches = commands.add_parser("caches", help="create, list or delete cached contents")
    cache_actions = caches.add_subparsers(dest="action", required=True)
    create = cache_actions.add_parser("create", help="cache texts (and a system instruction) for a model")
    create.add_argument("--model", default=DEFAULT_MODEL)
    create.add_argument("--text", action="append", type=_text, help="a text to cache (repeatable)")
    create.add_argument("--file", action="append", help="a UTF-8 text file to cache (repeatable)")
    create.add_argument("--system", type=_text, help="system instruction")
    create.add_argument("--display-name", type=_text)
    create.add_argument("--ttl", type=_seconds, help="lifetime in seconds (default: the API's, one hour)")
    listing = cache_actions.add_parser("list", help="list the caches")
    listing.add_argument("--page-size", type=_count, help="caches per request")
    delete = cache_actions.add_parser("delete", help="delete a cache")
    delete.add_argument("name", type=_text, help="cachedContents/x")

    operations = commands.add_parser("operations", help="show or wait for a long-running operation")
    operation_actions = operations.add_subparsers(dest="action", required=True)
    get = operation_actions.add_parser("get", help="the operation's state now")
    get.add_argument("name", type=_text, help="e.g. tunedModels/t/operations/o")
    wait = operation_actions.add_parser("wait", help="wait for the operation to finish")
    wait.add_argument("name", type=_text, help="e.g. models/veo-2.0-generate-001/operations/o")
    wait.add_argument(
        "--wait-timeout", type=_seconds, help="give up waiting after this many seconds (default: no limit)"
    )

    files = commands.add_parser("files", help="upload, list, get, delete and download files")
    actions = files.add_subparsers(dest="files_command", required=True)
    upload = actions.add_parser("upload", help="upload a file (resumable; a progress bar on stderr)")
    upload.add_argument("path")
    upload.add_argument("--mime-type", help="default: from the name, else from the content")
    upload.add_argument("--display-name", type=_text)
    upload.add_argument("--wait", action="store_true", help="return once the file is ACTIVE")
    listing = actions.add_parser("list", help="list the files")
    listing.add_argument("--page-size", type=_count, help="files per request (the service caps it)")
    for action, text in (("get", "show a file's metadata"), ("delete", "delete a file")):
        actions.add_parser(action, help=text).add_argument("name", type=_text)
    download = actions.add_parser("download", help="download a generated file")
    download.add_argument("name", type=_text)
    download.add_argument("path", nargs="?", help="where to write it (default: the file's id)")

    commands.add_parser(
        "demo", help="a streamed generation, then a short chat with a function call (what `make demo` runs)"
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; raise CommandLineError on anything wrong with it."""
    parser = build_parser()
    args = parser.parse_args(argv)
    model = getattr(args, "model", None)
    if model is not None:
        try:
            to_model_name(model, path="--model")
        except ValueError as error:
            raise CommandLineError(str(error)) from None
    if args.command == "caches" and args.action == "create" and not (args.text or args.file):
        raise CommandLineError("caches create: give what to cache with --text TEXT or --file PATH")
    if args.http_endpoint is not None and args.endpoint is None:
        raise CommandLineError("--http-endpoint needs --endpoint (the gRPC host:port of the same API)")
    if args.insecure and args.http_endpoint is not None and not is_loopback_endpoint(args.http_endpoint):
        raise CommandLineError(
            f"--insecure (plaintext, the API key unencrypted) is only allowed to a loopback "
            f"--http-endpoint, got {args.http_endpoint!r}"
        )
    if args.insecure:
        if args.endpoint is None:
            raise CommandLineError(
                "--insecure needs --endpoint (a loopback host:port, such as an emulator's)"
            )
        if not is_loopback_endpoint(args.endpoint):
            raise CommandLineError(
                f"--insecure (plaintext, the API key unencrypted) is only allowed to a loopback "
                f"endpoint such as localhost:PORT or 127.0.0.1:PORT, got {args.endpoint!r}"
            )
    return args
