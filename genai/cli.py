"""The `genai` command: generate, chat, live, models, count-tokens, embed, files, caches, operations, demo.

    $ genai generate "Write a haiku about gRPC" --stream
    $ genai chat --system "Answer in one sentence."
    $ genai models
    $ genai --emulator count-tokens "How many tokens is this?"
    $ genai live --transport websocket          # type lines; replies stream back; Ctrl-D ends
    $ genai caches create --text "A long text" --ttl 600; genai caches list
    $ genai operations wait tunedModels/t/operations/o --wait-timeout 600
    $ genai files upload talk.mp4 --wait        # a progress bar on stderr; the file's name on stdout
    $ genai files list | get NAME | delete NAME | download NAME [PATH]

`genai chat` is a conversation, one message per line of stdin, each reply streamed as it arrives;
lines starting with / are commands (/history, /rewind, /save FILE, /load FILE, /help, /quit).
genai._cli.repl says what each does, what Ctrl-C and end of input do, and what goes where.
`genai demo` streams one generation, then runs a short chat in which the model calls a Python
function (genai._cli.demo).

With no API key in the environment and no --endpoint, the commands run against an embedded emulator
(and say so on stderr), so they work offline. The key is only ever read from GEMINI_API_KEY or
GOOGLE_API_KEY: a key on the command line would show in process listings and shell history.

Exit status: 0 on success (also when the reader of stdout goes away early, as with `| head`, and
when a chat ends at end of input or /quit, even if some of its messages failed), 1 when the service
(or the connection to it) fails, 2 for a usage error (bad arguments or values, an unusable key), 130
on Ctrl-C (in a chat, only when stdin is not a terminal and no reply is streaming). Every failure is
one ``genai: ...`` line on stderr, never a traceback, and never shows the API key; a chat reports a
failed message so and goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from genai._cli.args import DEFAULT_MODEL, CommandLineError, parse_args
from genai._cli.demo import scripted_chat
from genai._cli.repl import ChatRepl
from genai._cli.resources import caches, operations
from genai._cli.show import error_line
from genai._client import Client, _key_from_environment
from genai._requests.config import EmbedContentConfig, GenerateContentConfig
from genai._sync.files import File
from genai.errors import APIError, BlockedError, GenAIError, ResponseParseError, UsageError

DEMO_PROMPT = "Explain in a few sentences why streaming replies feel faster."

# Which failures mean "the service said no" (1) and which "the command was wrong" (2). Order
# matters: BlockedError and ResponseParseError are ValueErrors too, but about the service's reply.
_SERVICE_ERRORS = (APIError, BlockedError, ResponseParseError)
_USAGE_ERRORS = (CommandLineError, UsageError, ValueError, TypeError)


def _checked_key() -> str | None:
    """The key from the environment (None if unset), refused unechoed if it cannot be a key."""
    key = _key_from_environment()
    if key is not None and not all("!" <= c <= "~" for c in key):
        name = "GEMINI_API_KEY" if os.environ.get("GEMINI_API_KEY") else "GOOGLE_API_KEY"
        raise CommandLineError(
            f"{name} does not hold a usable API key: a key is printable ASCII without spaces or "
            f"line breaks (check for a stray newline or quote)"
        )
    return key


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[tuple[Client, bool]]:
    """The client the command talks through, and whether it talks to the embedded emulator."""
    key = None if args.emulator else _checked_key()
    if args.emulator or (args.endpoint is None and key is None):
        from genai.testing import Emulator

        if not args.emulator:
            print("genai: no GEMINI_API_KEY/GOOGLE_API_KEY set; using the embedded emulator", file=sys.stderr)
        with Emulator() as emulator, emulator.client(timeout=args.timeout) as client:
            yield client, True
        return
    with Client(
        key,
        endpoint=args.endpoint,
        http_endpoint=args.http_endpoint,
        insecure=args.insecure,
        timeout=args.timeout,
    ) as client:
        yield client, False


def _generate(client: Client, args: argparse.Namespace) -> None:
    config = GenerateContentConfig(
        system_instruction=args.system, max_output_tokens=args.max_output_tokens, temperature=args.temperature
    )
    if args.stream:
        # Leaving this block for any reason (a closed pipe, Ctrl-C, an error) cancels the RPC.
        with client.models.generate_content_stream(
            model=args.model, contents=args.prompt, config=config
        ) as stream:
            for chunk in stream:
                print(chunk.text, end="", flush=True)
            print()
            usage = stream.response.usage_metadata
        print(
            f"[{usage.prompt_token_count} prompt + {usage.candidates_token_count} reply tokens]",
            file=sys.stderr,
        )
        return
    print(client.models.generate_content(model=args.model, contents=args.prompt, config=config).text)


def _chat(client: Client, args: argparse.Namespace) -> int:
    config = GenerateContentConfig(system_instruction=args.system) if args.system is not None else None
    repl = ChatRepl(
        client,
        model=args.model,
        config=config,
        stdin=sys.stdin,
        stdout=sys.stdout,
        stderr=sys.stderr,
        interactive=sys.stdin.isatty(),
    )
    if isinstance(sys.stdin, io.TextIOWrapper):
        # Undecodable input bytes become lone surrogates, which the chat refuses line by line,
        # instead of a decoding error that would end it.
        sys.stdin.reconfigure(errors="surrogateescape")
    return repl.run()


def _live(client: Client, args: argparse.Namespace) -> None:
    """A text live session: each line of stdin is a turn; the reply is printed as it streams."""
    config = {"response_modalities": ["TEXT"], "system_instruction": args.system}
    interactive = sys.stdin.isatty()
    with client.live.connect(
        model=args.model, config={k: v for k, v in config.items() if v is not None}, transport=args.transport
    ) as session:
        print(f"genai: live session with {args.model} over {args.transport}; Ctrl-D ends it", file=sys.stderr)
        while True:
            if interactive:
                print("> ", end="", file=sys.stderr, flush=True)
            line = sys.stdin.readline()
            if not line:
                break
            if not line.strip():
                continue
            session.send_client_content(turns=line.rstrip("\n"))
            for message in session.receive():
                if message.text:
                    print(message.text, end="", flush=True)
            print(flush=True)


def _progress_bar(out: TextIO) -> Callable[[int, int], None]:
    """on_progress for an upload: a bar redrawn in place on `out` (stderr)."""

    def draw(sent: int, total: int) -> None:
        share = sent / total if total else 1.0
        filled = int(share * 30)
        mib = 1024 * 1024
        end = "\n" if sent >= total else ""
        print(
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {sent / mib:.1f}/{total / mib:.1f} MiB",
            end=end,
            file=out,
            flush=True,
        )

    return draw


def _show_file(file: File) -> None:
    print(
        f"{file.name}\t{file.state.value}\t{file.mime_type}\t{file.size_bytes}\t{file.display_name}\t{file.uri}"
    )


def _files(client: Client, args: argparse.Namespace) -> None:
    command = args.files_command
    if command == "upload":
        file = client.files.upload(
            file=args.path,
            mime_type=args.mime_type,
            display_name=args.display_name,
            on_progress=_progress_bar(sys.stderr),
            wait=args.wait,
        )
        _show_file(file)
    elif command == "list":
        for file in client.files.list(config={"page_size": args.page_size or 0}):
            _show_file(file)
    elif command == "get":
        _show_file(client.files.get(name=args.name))
    elif command == "delete":
        client.files.delete(name=args.name)
    elif command == "download":
        print(client.files.download(args.name, args.path or args.name.rsplit("/", 1)[-1]))


def run(args: argparse.Namespace) -> int:
    with _client(args) as (client, on_emulator):
        if args.command == "demo":
            print(f"> {DEMO_PROMPT}")
            args.prompt, args.model, args.stream = DEMO_PROMPT, DEFAULT_MODEL, True
            args.system = args.max_output_tokens = args.temperature = None
            _generate(client, args)
            scripted_chat(client, DEFAULT_MODEL, on_emulator=on_emulator, out=sys.stdout)
        elif args.command == "chat":
            return _chat(client, args)
        elif args.command == "generate":
            _generate(client, args)
        elif args.command == "live":
            _live(client, args)
        elif args.command == "models":
            for model in client.models.list(page_size=args.page_size):
                methods = ",".join(model.supported_generation_methods)
                print(f"{model.name}\t{model.display_name}\t{methods}")
        elif args.command == "caches":
            caches(client, args)
        elif args.command == "operations":
            operations(client, args)
        elif args.command == "files":
            _files(client, args)
        elif args.command == "count-tokens":
            print(client.models.count_tokens(model=args.model, contents=args.prompt).total_tokens)
        elif args.command == "embed":
            config = EmbedContentConfig(output_dimensionality=args.dimensions)
            result = client.models.embed_content(model=args.model, contents=list(args.texts), config=config)
            for text, embedding in zip(args.texts, result.embeddings, strict=True):
                values = ", ".join(f"{v:.4f}" for v in embedding.values[:4])
                print(f"{text!r}: dim={len(embedding.values)} [{values}, ...]")
    return 0


def _fail(error: BaseException, status: int) -> int:
    """Report one failure as one line on stderr and return its exit status."""
    print(error_line(error), file=sys.stderr)
    return status


def _discard_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush of it cannot fail again.

    The recipe of the `signal` module's documentation for SIGPIPE: after the reader has gone away
    (or the output device failed), whatever is still buffered can only be dropped.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced or closed: no descriptor to redirect
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        status = run(parse_args(argv))
        sys.stdout.flush()  # here, so a closed pipe or a full disk is reported like any other failure
        return status
    except BrokenPipeError:  # `genai models | head -1`: the reader has what it wanted
        _discard_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except _SERVICE_ERRORS as error:
        return _fail(error, 1)
    except _USAGE_ERRORS as error:
        return _fail(error, 2)
    except GenAIError as error:
        return _fail(error, 1)
    except OSError as error:  # e.g. writing to a full disk
        _discard_stdout()
        return _fail(error, 1)


if __name__ == "__main__":
    sys.exit(main())
