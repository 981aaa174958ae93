"""The `genai` command: generate, models, count-tokens, embed.

    $ genai generate "Write a haiku about gRPC" --stream
    $ genai models
    $ genai --emulator count-tokens "How many tokens is this?"

With no API key in the environment and no --endpoint, the commands run against an embedded emulator
(and say so on stderr), so they work offline. The key is only ever read from GEMINI_API_KEY or
GOOGLE_API_KEY: a key on the command line would show in process listings and shell history.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator, Sequence

from genai._client import Client, _key_from_environment
from genai.errors import GenAIError

DEFAULT_MODEL = "gemini-2.5-flash"
DEFAULT_EMBED_MODEL = "gemini-embedding-001"
DEMO_PROMPT = "Explain in a few sentences why streaming replies feel faster."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genai", description="Gemini API over gRPC, from the shell.")
    parser.add_argument("--emulator", action="store_true", help="run against an embedded local emulator")
    parser.add_argument("--endpoint", help="host:port of the API (default: the Gemini API over TLS)")
    parser.add_argument("--insecure", action="store_true", help="plaintext gRPC (loopback endpoints only)")
    parser.add_argument("--timeout", type=float, default=60.0, help="deadline per attempt, seconds")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="generate a reply to a prompt")
    generate.add_argument("prompt")
    generate.add_argument("--model", default=DEFAULT_MODEL)
    generate.add_argument("--stream", action="store_true", help="print the reply as it arrives")
    generate.add_argument("--system", help="system instruction")
    generate.add_argument("--max-output-tokens", type=int)
    generate.add_argument("--temperature", type=float)

    models = commands.add_parser("models", help="list the available models")
    models.add_argument("--page-size", type=int)

    count = commands.add_parser("count-tokens", help="count the tokens of a prompt")
    count.add_argument("prompt")
    count.add_argument("--model", default=DEFAULT_MODEL)

    embed = commands.add_parser("embed", help="embed one or more texts")
    embed.add_argument("texts", nargs="+")
    embed.add_argument("--model", default=DEFAULT_EMBED_MODEL)
    embed.add_argument("--dimensions", type=int, help="output dimensionality")

    commands.add_parser("demo", help="a streamed generation (what `make demo` runs)")
    return parser


@contextlib.contextmanager
def _client(args: argparse.Namespace) -> Iterator[Client]:
    use_emulator = args.emulator or (args.endpoint is None and _key_from_environment() is None)
    if use_emulator:
        from genai.testing import Emulator

        if not args.emulator:
            print("genai: no GEMINI_API_KEY/GOOGLE_API_KEY set; using the embedded emulator", file=sys.stderr)
        with Emulator() as emulator, emulator.client(timeout=args.timeout) as client:
            yield client
        return
    with Client(endpoint=args.endpoint, insecure=args.insecure, timeout=args.timeout) as client:
        yield client


def _generate(client: Client, args: argparse.Namespace) -> None:
    config = {
        key: value
        for key, value in (
            ("system_instruction", args.system),
            ("max_output_tokens", args.max_output_tokens),
            ("temperature", args.temperature),
        )
        if value is not None
    }
    if args.stream:
        with client.models.generate_content_stream(
            model=args.model, contents=args.prompt, config=config
        ) as stream:
            for chunk in stream:
                print(chunk.text, end="", flush=True)
            print()
            usage = stream.response.usage_metadata
        if usage is not None:
            print(
                f"[{usage.prompt_token_count} prompt + {usage.candidates_token_count} reply tokens]",
                file=sys.stderr,
            )
        return
    print(client.models.generate_content(model=args.model, contents=args.prompt, config=config).text)


def run(args: argparse.Namespace) -> int:
    with _client(args) as client:
        if args.command == "demo":
            print(f"> {DEMO_PROMPT}")
            args.prompt, args.model, args.stream = DEMO_PROMPT, DEFAULT_MODEL, True
            args.system = args.max_output_tokens = args.temperature = None
            _generate(client, args)
        elif args.command == "generate":
            _generate(client, args)
        elif args.command == "models":
            for model in client.models.list(page_size=args.page_size):
                methods = ",".join(model.supported_generation_methods)
                print(f"{model.name}\t{model.display_name}\t{methods}")
        elif args.command == "count-tokens":
            print(client.models.count_tokens(model=args.model, contents=args.prompt).total_tokens)
        elif args.command == "embed":
            config = {"output_dimensionality": args.dimensions} if args.dimensions else None
            result = client.models.embed_content(model=args.model, contents=list(args.texts), config=config)
            for text, embedding in zip(args.texts, result.embeddings, strict=True):
                values = ", ".join(f"{v:.4f}" for v in embedding.values[:4])
                print(f"{text!r}: dim={len(embedding.values)} [{values}, ...]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except GenAIError as error:
        print(f"genai: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
