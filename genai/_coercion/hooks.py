"""Which coercer fills a nested field of each message type: the one table the dict converter consults.

    >>> sorted(name.rpartition(".")[2] for name in HOOKS)[:3]
    ['Content', 'FunctionDeclaration', 'GenerationConfig']

When a dict (or list, or foreign message) is converted field by field (genai._coercion.dicts) and a
field's type is one of these, the field takes everything the named coercer takes: a Part field
takes a str or an image, a Schema field a Python type, and so on. The table is read on first use,
so no module registers anything by being imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from genai._coercion.content import to_content, to_part
from genai._coercion.generation import to_generation_config, to_thinking_config
from genai._coercion.safety import to_safety_setting
from genai._coercion.schema import to_schema
from genai._coercion.tools import to_function_declaration, to_tool_config
from genai._wire import messages as pb

__all__ = ["HOOKS"]

Hook = Callable[[Any, str], Message]

HOOKS: dict[str, Hook] = {
    cls.DESCRIPTOR.full_name: hook
    for cls, hook in (
        (pb.Part, lambda value, path: to_part(value, path=path)),
        (pb.Content, lambda value, path: to_content(value, path=path)),
        (pb.Schema, lambda value, path: to_schema(value, path=path)),
        (pb.SafetySetting, lambda value, path: to_safety_setting(value, path=path)),
        (pb.GenerationConfig, lambda value, path: to_generation_config(value, path=path)),
        (pb.ThinkingConfig, lambda value, path: to_thinking_config(value, path=path)),
        (pb.FunctionDeclaration, lambda value, path: to_function_declaration(value, path=path)),
        (pb.ToolConfig, lambda value, path: to_tool_config(value, path=path)),
    )
}
