"""A function call's arguments (JSON from the model) as the Python values the function's annotations ask for.

    >>> from genai._coercion.declarations import callable_spec
    >>> def repeat(text: str, times: int = 2) -> str: return text * times
    >>> convert_arguments(callable_spec(repeat), {"text": "ab", "times": 3.0})
    ((), {'text': 'ab', 'times': 3})

The model's arguments arrive as a ``google.protobuf.Struct``: JSON values, every number a float.
Each is parsed into its parameter's annotation with genai._coercion.parsing.parse_as: an int stays
an int (3.0 -> 3; 3.5 does not fit), bool is strict, bytes come from base64 text, Enums match by
value then by member name, dataclasses are built, TypedDicts checked, pydantic models validated,
all nested. A parameter the model leaves out keeps its default; a missing required parameter, an
argument no parameter takes, or a value that does not fit is an `ArgumentError` listing every
problem, worded for the model to correct its call. None for a parameter whose default is None is
accepted whatever the annotation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf.message import Message

from genai._coercion.declarations import CallableSpec
from genai._coercion.parsing import parse_as
from genai._coercion.typeinfo import type_name, unwrap
from genai.errors import ResponseParseError

__all__ = ["ArgumentError", "convert_arguments", "struct_to_dict"]


class ArgumentError(ValueError):
    """The model's arguments do not fit the function's parameters (the message says how)."""


def struct_to_dict(struct: Message | Mapping[str, Any] | None) -> dict[str, Any]:
    """A ``google.protobuf.Struct`` (any pool) as a dict of plain JSON values; a Mapping is copied.

    >>> from genai._wire import messages as pb
    >>> call = pb.FunctionCall(name="f")
    >>> call.args.update({"n": 2})
    >>> struct_to_dict(call.args)
    {'n': 2.0}
    """
    if struct is None:
        return {}
    if isinstance(struct, Message):
        return {key: _value(item) for key, item in getattr(struct, "fields").items()}  # noqa: B009
    return dict(struct)


def _value(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return struct_to_dict(value.struct_value)
    if kind == "list_value":
        return [_value(item) for item in value.list_value.values]
    if kind == "null_value" or kind is None:
        return None
    return getattr(value, kind)


def convert_arguments(
    spec: CallableSpec, args: Message | Mapping[str, Any] | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """(positional, keyword) arguments for calling the function of `spec` with the model's `args`.

    >>> from genai._coercion.declarations import callable_spec
    >>> def scale(x: float, /, by: int) -> float: return x * by
    >>> convert_arguments(callable_spec(scale), {"x": 2, "by": 3.0})
    ((2.0,), {'by': 3})

    Positional-only parameters go in the tuple (their defaults filled in where the model left them
    out), the others by keyword. Raises ArgumentError naming each argument that does not fit.
    """
    given = struct_to_dict(args)
    problems: list[str] = []
    positional: list[Any] = []
    keywords: dict[str, Any] = {}
    for param in spec.parameters:
        if param.name not in given:
            if param.required:
                problems.append(
                    f"missing required argument {param.name!r} ({type_name(unwrap(param.annotation))})"
                )
            elif param.positional_only:
                positional.append(param.default)
            continue
        data = given.pop(param.name)
        if data is None and param.default is None:
            value: Any = None
        else:
            try:
                value = parse_as(data, param.annotation, path=param.name)
            except ResponseParseError as exc:
                problems.append(str(exc))
                continue
        if param.positional_only:
            positional.append(value)
        else:
            keywords[param.name] = value
    if given:
        names = ", ".join(repr(name) for name in sorted(given))
        known = ", ".join(param.name for param in spec.parameters) or "none"
        problems.append(f"unexpected argument{'s' if len(given) > 1 else ''} {names} (parameters: {known})")
    if problems:
        raise ArgumentError(f"invalid arguments for {spec.name}: {'; '.join(problems)}")
    return tuple(positional), keywords
