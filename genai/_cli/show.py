"""How the `genai` command shows things in one line: contents, parts, function calls, errors. Pure.

    >>> content = pb.Content(role="user", parts=[pb.Part(text="Hello,\\n  world")])
    >>> content_line(content)
    'user: Hello, world'
    >>> call = pb.FunctionCall(name="get_weather")
    >>> call.args.update({"city": "Oslo"})
    >>> part_summary(pb.Part(function_call=call))
    '[call] get_weather({"city": "Oslo"})'

`genai chat` (/history, /rewind) and `genai demo` print contents this way; errors become the one
``genai: ...`` line every command prints for a failure.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from genai._wire import messages as pb

__all__ = ["MAX_TEXT", "content_line", "counted", "error_line", "error_text", "part_summary", "shorten"]

MAX_TEXT = 100  # characters of a content's text that a one-line summary keeps


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` on one line (runs of whitespace become one space), cut to ``limit`` with ``...``.

    >>> shorten("a\\n\\nb   c"), shorten("abcdef", 5)
    ('a b c', 'ab...')
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(limit - 3, 0)] + "..."


def counted(number: int, noun: str) -> str:
    """``number`` and ``noun``, the noun in the plural unless there is one.

    >>> counted(1, "turn"), counted(3, "content")
    ('1 turn', '3 contents')
    """
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _whole(value: Any) -> Any:
    """A JSON value with its whole floats as ints (a Struct keeps every number as a double)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value


def _json(message: Message) -> str:
    # Sorted: a Struct is a map, whose order is not the order the values were written in.
    return json.dumps(_whole(json_format.MessageToDict(message)), ensure_ascii=False, sort_keys=True)


def part_summary(part: pb.Part) -> str:
    """One part in words: its text, or a bracketed note of what else it holds."""
    kind = part.WhichOneof("data")
    if kind == "text":
        return f"[thought] {part.text}" if part.thought else part.text
    if kind == "function_call":
        return f"[call] {part.function_call.name}({_json(part.function_call.args)})"
    if kind == "function_response":
        response = part.function_response
        return f"[result] {response.name} -> {_json(response.response)}"
    if kind == "inline_data":
        return f"[{part.inline_data.mime_type or 'data'}, {len(part.inline_data.data)} bytes]"
    if kind == "file_data":
        return f"[file {part.file_data.file_uri}]"
    if kind == "executable_code":
        return f"[code] {part.executable_code.code}"
    if kind == "code_execution_result":
        return f"[code output] {part.code_execution_result.output}"
    return f"[{kind or 'empty part'}]"


def content_line(content: pb.Content, limit: int = MAX_TEXT) -> str:
    """``role: what it says`` on one line, its text cut to ``limit`` characters."""
    said = " ".join(part_summary(part) for part in content.parts) or "(nothing)"
    return f"{content.role or 'user'}: {shorten(said, limit)}"


def error_text(error: BaseException) -> str:
    """An error's message on one line (its type's name when it has none).

    >>> error_text(ValueError("bad\\n  value")), error_text(KeyError())
    ('bad value', 'KeyError')
    """
    message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return message or type(error).__name__


def error_line(error: BaseException) -> str:
    """An error as the one ``genai: ...`` line the command prints for it."""
    return f"genai: {error_text(error)}"
