"""Tools, function declarations (from Python functions too) and the tool config, from convenient shapes.

    >>> to_tool_config("any").function_calling_config.mode == pb.FunctionCallingConfigMode.ANY
    True

A Python callable becomes a FunctionDeclaration (genai._coercion.declarations: its name, the first
paragraph of its docstring, parameters from its annotations, per-parameter descriptions from a
Google, NumPy or Sphinx style docstring). Errors start with the path of the bad value and say what
is accepted.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from genai._coercion.base import (
    SupportsModelDump,
    foreign_to_own,
    is_genai_model,
    is_list,
    type_error,
)
from genai._coercion.declarations import callable_spec, is_function
from genai._coercion.dicts import to_message
from genai._coercion.generation import to_enum
from genai._coercion.nesting import check_nesting
from genai._wire import messages as pb

__all__ = [
    "ToolConfigLike",
    "ToolLike",
    "ToolsLike",
    "to_function_declaration",
    "to_tool_config",
    "to_tools",
]

ToolConfigLike: TypeAlias = (
    pb.ToolConfig | pb.FunctionCallingConfig | Mapping[str, Any] | str | SupportsModelDump
)
"""A ToolConfig, a FunctionCallingConfig, their dicts, or a mode: "auto", "any", "none", "validated"."""
ToolLike: TypeAlias = (
    pb.Tool | pb.FunctionDeclaration | Mapping[str, Any] | Callable[..., Any] | str | SupportsModelDump
)
ToolsLike: TypeAlias = ToolLike | Sequence[ToolLike]
"""Tools, function declarations, Python functions, or "code_execution"/"google_search"/"url_context"."""


_BUILTIN_TOOLS = {
    "code_execution": "code_execution",
    "google_search": "google_search",
    "url_context": "url_context",
    "google_search_retrieval": "google_search_retrieval",
    "google_maps": "google_maps",
}
_TOOL_SHAPES = (
    "tools: a types.Tool, a types.FunctionDeclaration, a Python function, a dict (Tool or "
    "FunctionDeclaration fields), 'code_execution', 'google_search' or 'url_context', or a list of those"
)


def _builtin_tool(value: str, path: str) -> pb.Tool:
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", value.strip()).lower().replace("-", "_")
    field = _BUILTIN_TOOLS.get(key)
    if field is None:
        raise ValueError(f"{path}: unknown built-in tool {value!r}; accepted: {', '.join(_BUILTIN_TOOLS)}")
    tool = pb.Tool()
    getattr(tool, field).SetInParent()
    return tool


def to_function_declaration(value: Any, *, path: str = "function") -> pb.FunctionDeclaration:
    """A FunctionDeclaration from the message (as is), a dict, or a Python function.

    >>> to_function_declaration({"name": "get_weather", "parameters": {"type": "object"}}).name
    'get_weather'

    For a callable (function, async function, bound method, functools.partial, callable object):
    its name; the first paragraph of its docstring as description; parameters from the annotations
    (via to_schema), those without defaults being required; per-parameter descriptions from the
    docstring (Google, NumPy or Sphinx style), see genai._coercion.declarations.
    """
    if type(value) is pb.FunctionDeclaration:
        return value
    if is_function(value):
        declaration = pb.FunctionDeclaration()
        declaration.CopyFrom(_callable_declaration(value, path))
        return declaration
    return to_message(
        pb.FunctionDeclaration,
        value,
        path=path,
        expected="a types.FunctionDeclaration, a dict {'name': ..., 'parameters': ...} or a Python function",
    )


def _callable_declaration(fn: Callable[..., Any], path: str) -> pb.FunctionDeclaration:
    return callable_spec(fn, path=path).declaration


def _classify_tool(item: Any, path: str) -> pb.Tool | pb.FunctionDeclaration:
    if type(item) is pb.Tool or type(item) is pb.FunctionDeclaration:
        return item
    if isinstance(item, str):
        return _builtin_tool(item, path)
    own = foreign_to_own(item, path=path)
    if own is not None:
        if isinstance(own, pb.Tool | pb.FunctionDeclaration):
            return own
        raise TypeError(f"{path}: expected {_TOOL_SHAPES}; got a {own.DESCRIPTOR.full_name} message")
    if is_genai_model(item):
        item = item.model_dump(exclude_none=True)
    if isinstance(item, Mapping):
        if "name" in item:
            return to_function_declaration(item, path=path)
        return to_message(pb.Tool, item, path=path)
    if is_function(item):
        return _callable_declaration(item, path)
    raise type_error(path, _TOOL_SHAPES, item)


def to_tools(value: ToolsLike, *, path: str = "tools", level: int | None = None) -> list[pb.Tool]:
    """The tools of a request; function declarations and Python functions are gathered into ONE Tool.

    >>> to_tools(["code_execution", {"name": "f"}])[1].function_declarations[0].name
    'f'

    Tools (messages, dicts, built-in names) stay separate, in order; the Tool holding the gathered
    declarations sits where the first declaration was. Two declarations with one name are an error.
    With `level` (where the tools sit in the request, see genai/_coerce_nesting.py), schemas that
    nest too deeply for protobuf are refused.
    """
    if type(value) is pb.Tool:
        if level is not None:
            check_nesting(value, level=level, path=path)
        return [value]
    single = not is_list(value)
    items: Sequence[Any] = value if is_list(value) else [value]
    tools: list[pb.Tool] = []
    gathered: pb.Tool | None = None
    names: dict[str, str] = {}
    for i, item in enumerate(items):
        item_path = path if single else f"{path}[{i}]"
        tool = _classify_tool(item, item_path)
        if isinstance(tool, pb.Tool):
            if level is not None:
                check_nesting(tool, level=level, path=item_path)
            tools.append(tool)
            continue
        if level is not None:  # gathered into a Tool: one level further down
            check_nesting(tool, level=level + 1, path=item_path)
        if tool.name in names:
            raise ValueError(f"{item_path}: function {tool.name!r} is already declared at {names[tool.name]}")
        names[tool.name] = item_path
        if gathered is None:
            gathered = pb.Tool()
            tools.append(gathered)
        gathered.function_declarations.append(tool)
    return tools


def to_tool_config(value: ToolConfigLike, *, path: str = "tool_config") -> pb.ToolConfig:
    """A ToolConfig from the message (as is), a dict, a FunctionCallingConfig (or its dict), or a mode.

    >>> to_tool_config("any").function_calling_config.mode == pb.FunctionCallingConfigMode.ANY
    True
    """
    if type(value) is pb.ToolConfig:
        return value
    if isinstance(value, str):
        mode = to_enum(pb.FunctionCallingConfigMode, value, path=path)
        return pb.ToolConfig(function_calling_config=pb.FunctionCallingConfig(mode=mode))
    if type(value) is pb.FunctionCallingConfig:
        return pb.ToolConfig(function_calling_config=value)
    if isinstance(value, Mapping) and (
        {"mode", "allowed_function_names", "allowedFunctionNames"} & value.keys()
    ):
        calling = to_message(pb.FunctionCallingConfig, value, path=path)
        return pb.ToolConfig(function_calling_config=calling)
    own = foreign_to_own(value, path=path)
    if isinstance(own, pb.FunctionCallingConfig):
        return pb.ToolConfig(function_calling_config=own)
    return to_message(
        pb.ToolConfig,
        own if own is not None else value,
        path=path,
        expected="a types.ToolConfig, a dict such as {'function_calling_config': {'mode': 'ANY'}}, "
        "or a mode str: 'auto', 'any', 'none' or 'validated'",
    )
