"""`python -m genai.emulator`: serve the emulator on loopback until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import sys

from . import EmulatorOptions, serve
from ._server import check_port


def _port(text: str) -> int:
    try:
        return check_port(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer between 0 and 65535, got {text!r}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m genai.emulator",
        description="In-memory Gemini API (v1beta gRPC) emulator. Prints one line: "
        "'genai emulator listening on HOST:PORT' (gRPC), then 'genai emulator http on HOST:PORT' "
        "(live sessions over WebSocket; when the websockets package is installed).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument(
        "--http-port", type=_port, default=0, help="port of the HTTP/WebSocket front end; 0 picks a free one"
    )
    parser.add_argument(
        "--api-key", action="append", dest="api_keys", metavar="KEY", help="accept only this key (repeatable)"
    )
    parser.add_argument("--fail", help="default x-emulator-fail, e.g. UNAVAILABLE:2")
    parser.add_argument("--delay", type=float, default=0.0, help="default x-emulator-delay in seconds")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="default x-emulator-chunk-delay")
    parser.add_argument("--break-after", help="default x-emulator-break-after, e.g. 3")
    parser.add_argument("--chunks", type=int, help="default x-emulator-chunks")
    parser.add_argument("--reply-words", type=int, help="default x-emulator-reply-words")
    parser.add_argument(
        "--count-contents", action="store_true", help="default x-emulator-count-contents: 1 (marker on)"
    )
    parser.add_argument(
        "--live-chunk-delay", type=float, default=0.02, help="default x-emulator-live-chunk-delay (seconds)"
    )
    parser.add_argument(
        "--live-goaway-after", help="default x-emulator-live-goaway-after, SECONDS[:TIME_LEFT]"
    )
    parser.add_argument(
        "--live-unknown", action="store_true", help="default x-emulator-live-unknown: 1 (unknown messages on)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and serve; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        options = EmulatorOptions.create(
            api_keys=args.api_keys,
            fail=args.fail,
            delay=args.delay,
            chunk_delay=args.chunk_delay,
            break_after=args.break_after,
            chunks=args.chunks,
            reply_words=args.reply_words,
            count_contents=args.count_contents,
            live_chunk_delay=args.live_chunk_delay,
            live_goaway_after=args.live_goaway_after,
            live_unknown=args.live_unknown,
        )
    except ValueError as exc:
        print(f"genai emulator: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(args.host, args.port, options, http_port=args.http_port))
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        pass
    except OSError as exc:
        print(f"genai emulator: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
