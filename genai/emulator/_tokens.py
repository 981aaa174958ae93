"""The emulator's single token-counting rule, shared by CountTokens and usage metadata.

* Text: one token per run of letters/digits/underscore and one per other non-space character,
  so "Hello, world!" is 4 tokens.
* Inline data and file data: a fixed count by MIME family (image 258, audio 320, video 2630,
  anything else 258), except `text/*` inline data, which is decoded and counted as text.
* Function calls and responses: the name plus the JSON of the arguments / response.
* Executable code and code execution results: their text.
* Tools: each function declaration's name, description and the JSON of its parameter schema.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, TypeAlias

from genai_protos import content_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

_TOKEN = re.compile(r"\w+|[^\w\s]")

MEDIA_TOKENS = {"image": 258, "audio": 320, "video": 2630}
OTHER_MEDIA_TOKENS = 258

Modality: TypeAlias = content_pb2.Modality.ValueType
TEXT: Modality = content_pb2.Modality.TEXT
_MODALITY_BY_FAMILY: dict[str, Modality] = {
    "image": content_pb2.Modality.IMAGE,
    "audio": content_pb2.Modality.AUDIO,
    "video": content_pb2.Modality.VIDEO,
}


def text_tokens(text: str) -> int:
    """Token count of a string under the emulator's rule."""
    return len(_TOKEN.findall(text))


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """Cut `text` right after its `limit`-th token; report whether anything was removed."""
    if limit <= 0:
        return "", bool(_TOKEN.search(text))  # whitespace alone is no token: nothing cut
    for i, match in enumerate(_TOKEN.finditer(text), start=1):
        if i == limit:
            end = match.end()
            return text[:end], bool(_TOKEN.search(text, end))
    return text, False


def message_json(message: Message) -> str:
    """Stable JSON for a Struct/Value/Schema message (sorted keys), used for counting."""
    return json.dumps(json_format.MessageToDict(message), sort_keys=True)


def json_text(value: Any) -> str:
    """Stable JSON for a plain Python value."""
    return json.dumps(value, sort_keys=True)


def _media(mime_type: str) -> tuple[Modality, int]:
    family = mime_type.split("/", 1)[0].lower()
    modality = _MODALITY_BY_FAMILY.get(family, content_pb2.Modality.DOCUMENT)
    return modality, MEDIA_TOKENS.get(family, OTHER_MEDIA_TOKENS)


def part_tokens(part: content_pb2.Part) -> tuple[Modality, int]:
    """(modality, tokens) of one part."""
    kind = part.WhichOneof("data")
    if kind == "text":
        return TEXT, text_tokens(part.text)
    if kind == "inline_data":
        blob = part.inline_data
        if blob.mime_type.lower().startswith("text/"):
            return TEXT, text_tokens(blob.data.decode("utf-8", "replace"))
        return _media(blob.mime_type)
    if kind == "file_data":
        return _media(part.file_data.mime_type)
    if kind == "function_call":
        call = part.function_call
        args = message_json(call.args) if call.HasField("args") else ""
        return TEXT, text_tokens(call.name) + text_tokens(args)
    if kind == "function_response":
        resp = part.function_response
        return TEXT, text_tokens(resp.name) + text_tokens(message_json(resp.response))
    if kind == "executable_code":
        return TEXT, text_tokens(part.executable_code.code)
    if kind == "code_execution_result":
        return TEXT, text_tokens(part.code_execution_result.output)
    return TEXT, 0


def tool_tokens(tools: Iterable[content_pb2.Tool]) -> int:
    """Tokens contributed by the function declarations of `tools`."""
    total = 0
    for tool in tools:
        for decl in tool.function_declarations:
            total += text_tokens(decl.name) + text_tokens(decl.description)
            if decl.HasField("parameters"):
                total += text_tokens(message_json(decl.parameters))
            elif decl.HasField("parameters_json_schema"):
                total += text_tokens(message_json(decl.parameters_json_schema))
    return total


def count_prompt(
    contents: Iterable[content_pb2.Content],
    system_instruction: content_pb2.Content | None = None,
    tools: Iterable[content_pb2.Tool] = (),
) -> dict[Modality, int]:
    """Prompt tokens per modality for contents + system instruction + tools (text modality)."""
    counts: dict[Modality, int] = {}
    groups: list[Iterable[content_pb2.Content]] = [contents]
    if system_instruction is not None:
        groups.append((system_instruction,))
    for group in groups:
        for content in group:
            for part in content.parts:
                modality, n = part_tokens(part)
                counts[modality] = counts.get(modality, 0) + n
    extra = tool_tokens(tools)
    if extra:
        counts[TEXT] = counts.get(TEXT, 0) + extra
    return counts


def details(counts: dict[Modality, int]) -> list[content_pb2.ModalityTokenCount]:
    """ModalityTokenCount entries for the non-zero modalities, in enum order."""
    return [content_pb2.ModalityTokenCount(modality=m, token_count=n) for m, n in sorted(counts.items()) if n]
