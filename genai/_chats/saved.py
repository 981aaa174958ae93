"""A chat history saved as JSON and loaded back: the API's JSON mapping of Content, in a list.

    >>> text = history_to_json(["Hi", {"role": "model", "parts": ["Hello"]}])
    >>> [content.role for content in history_from_json(text)]
    ['user', 'model']

The JSON is what the API itself uses (camelCase field names, bytes as base64), so a saved history is
readable and can be edited or produced by other tools. A chat created from a loaded history sends
exactly the request it would have sent before saving. Loading refuses malformed input with a
ValueError naming the entry and what is wrong with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from google.protobuf import json_format

from genai._coercion.base import describe
from genai._coercion.content import ContentLike, to_contents
from genai._wire import messages as pb

__all__ = ["history_from_json", "history_to_json"]

_ROLES = ("user", "model")


def history_to_json(history: Iterable[ContentLike], *, indent: int | None = None) -> str:
    """The history as a JSON array of Content objects (``chat.history``, or any contents).

    >>> image = pb.Part(inline_data=pb.Blob(mime_type="a/b", data=b"hi"))
    >>> history_to_json([pb.Content(role="user", parts=[image])])
    '[{"parts": [{"inlineData": {"mimeType": "a/b", "data": "aGk="}}], "role": "user"}]'
    """
    items = list(history)
    contents = to_contents(items, path="history") if items else []
    return json.dumps([json_format.MessageToDict(content) for content in contents], indent=indent)


def history_from_json(text: str | bytes) -> list[pb.Content]:
    """The contents of a history saved by ``history_to_json`` (or written by hand in that form).

    >>> history_from_json('[{"role": "user", "parts": [{"text": "Hi"}]}]')[0].parts[0].text
    'Hi'
    """
    if not isinstance(text, str | bytes):
        raise TypeError(f"history: expected the JSON text (str or bytes), got {describe(text)}")
    try:
        data: Any = json.loads(text)
    except ValueError as err:
        raise ValueError(f"history: not valid JSON ({err})") from None
    if not isinstance(data, list):
        raise ValueError(f"history: expected a JSON array of contents, got a JSON {_json_kind(data)}")
    contents = []
    for i, entry in enumerate(data):
        path = f"history[{i}]"
        if not isinstance(entry, dict):
            kind = _json_kind(entry)
            raise ValueError(f"{path}: expected a content object {{'role', 'parts'}}, got {kind}")
        content = pb.Content()
        try:
            json_format.ParseDict(entry, content)
        except json_format.ParseError as err:
            raise ValueError(f"{path}: {err}") from None
        _check_bytes(entry, content.DESCRIPTOR, path)
        if content.role not in _ROLES:
            raise ValueError(f"{path}.role: expected 'user' or 'model', got {content.role!r}")
        contents.append(content)
    return contents


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return f"string {value[:40]!r}"
    if value is None:
        return "null"
    return f"{type(value).__name__} {value!r}"


# Base64 as protobuf's JSON writes it (standard or URL-safe alphabet, padding optional). The parser
# itself skips characters it does not know, so a damaged file would load as different bytes.
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}|[A-Za-z0-9_-]*={0,2}")


def _check_bytes(value: Any, descriptor: Any, path: str) -> None:
    """ValueError naming the first bytes field of `value` (a Content's JSON) that is not base64."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        field = descriptor.fields_by_camelcase_name.get(key) or descriptor.fields_by_name.get(key)
        if field is None:
            continue
        where = f"{path}.{key}"
        items = item if isinstance(item, list) else [item]
        for i, one in enumerate(items):
            at = f"{where}[{i}]" if isinstance(item, list) else where
            if field.type == field.TYPE_BYTES:
                if not isinstance(one, str) or not _BASE64.fullmatch(one) or len(one.rstrip("=")) % 4 == 1:
                    raise ValueError(f"{at}: expected base64 bytes; got {one!r:.60}")
            elif field.message_type is not None:
                _check_bytes(one, field.message_type, at)
