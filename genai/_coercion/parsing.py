"""Decoded JSON (a reply's text, a function call's arguments) as an instance of a Python type.

    >>> parse_as({"x": 1.0}, dict[str, int])
    {'x': 1}

The types are those `to_schema` describes (genai._coercion.schema): str, int, float, bool, bytes
(base64 text), None, list[X], tuple[...], set[X], dict[str, X], X | None, unions, Literal[...], Enum
classes (by value, then by member name), dataclasses (built), TypedDicts, pydantic models
(``model_validate``), nested. JSON numbers may arrive as floats: an integral float is an int where an
int is wanted (3.0 -> 3; 3.5 is an error); bool is strict (no 0/1, no "true").
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping
from types import NoneType, UnionType
from typing import Any, Literal, Union

from genai._coercion.base import describe, is_list
from genai._coercion.dicts import to_bytes
from genai._coercion.typeinfo import (
    DICTS,
    LISTS,
    Field,
    TypeProblem,
    is_pydantic_model,
    is_python_type,
    object_fields,
    type_name,
    unwrap,
)
from genai.errors import ResponseParseError

__all__ = ["parse_as"]

_CACHE_LIMIT = 512


def parse_as(data: Any, target: Any, *, path: str = "parsed") -> Any:
    """`data` (decoded JSON) as an instance of the Python type `target`; Schemas/dicts: `data` as is.

    >>> parse_as([1.0, 2], tuple[int, ...])
    (1, 2)

    Raises genai.errors.ResponseParseError (a ValueError) naming the path of the first mismatch.
    """
    if not is_python_type(target):
        return data
    return _parse(data, target, path)


def _fail(path: str, tp: Any, data: Any) -> ResponseParseError:
    return ResponseParseError(f"{path}: expected {type_name(tp)}; got {describe(data)}")


def _parse(data: Any, tp: Any, path: str) -> Any:
    tp = unwrap(tp)
    if tp is Any or tp is object:
        return data
    if tp is str or tp is bool:
        if isinstance(data, tp):
            return data
        raise _fail(path, tp, data)
    if tp is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return data
        if isinstance(data, float) and data.is_integer():
            return int(data)
        raise _fail(path, tp, data)
    if tp is float:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return float(data)
        raise _fail(path, tp, data)
    if tp is bytes:
        return _parse_bytes(data, path)
    if tp is NoneType or tp is None:
        if data is None:
            return None
        raise _fail(path, tp, data)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union or origin is UnionType:
        return _parse_union(data, tp, args, path)
    if origin is Literal:
        return _parse_literal(data, args, path)
    if origin in LISTS or origin is tuple or tp in (list, tuple, set, frozenset):
        return _parse_sequence(data, tp, origin or tp, args, path)
    if origin in DICTS or tp in (dict, Mapping):
        if not isinstance(data, Mapping):
            raise _fail(path, tp, data)
        if not args:
            return dict(data)
        return {key: _parse(item, args[1], f"{path}[{key!r}]") for key, item in data.items()}
    if isinstance(tp, type):
        return _parse_class(data, tp, path)
    raise ResponseParseError(f"{path}: cannot parse into {type_name(tp)}")


def _parse_bytes(data: Any, path: str) -> bytes:
    if not isinstance(data, str):
        raise ResponseParseError(f"{path}: expected bytes as base64 text; got {describe(data)}")
    try:
        return to_bytes(data, path=path)
    except ValueError as exc:
        raise ResponseParseError(str(exc)) from None


def _same_number(data: Any, option: Any) -> bool:
    """Whether JSON `data` is the int `option` (JSON numbers may arrive as floats: 2.0 is 2)."""
    return (
        isinstance(option, int)
        and not isinstance(option, bool)
        and isinstance(data, float)
        and data.is_integer()
        and int(data) == option
    )


def _parse_literal(data: Any, args: tuple[Any, ...], path: str) -> Any:
    for option in args:
        if (data == option and type(data) is type(option)) or _same_number(data, option):
            return option
    raise ResponseParseError(f"{path}: expected one of {list(args)!r}; got {describe(data)}")


def _parse_union(data: Any, tp: Any, args: tuple[Any, ...], path: str) -> Any:
    if data is None and (NoneType in args or None in args):
        return None
    problems = []
    for option in args:
        if option is NoneType or option is None:
            continue
        try:
            return _parse(data, option, path)
        except ResponseParseError as exc:
            problems.append(str(exc).removeprefix(f"{path}: "))
    raise ResponseParseError(f"{path}: matches no option of {type_name(tp)} ({'; '.join(problems)})")


def _parse_sequence(data: Any, tp: Any, origin: Any, args: tuple[Any, ...], path: str) -> Any:
    if not is_list(data):
        raise _fail(path, tp, data)
    if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
        if len(data) != len(args):
            raise ResponseParseError(f"{path}: expected {len(args)} items; got {len(data)}")
        return tuple(
            _parse(item, arg, f"{path}[{i}]") for i, (item, arg) in enumerate(zip(data, args, strict=True))
        )
    item_type = args[0] if args else Any
    items = [_parse(item, item_type, f"{path}[{i}]") for i, item in enumerate(data)]
    if origin is tuple:
        return tuple(items)
    if origin in (set, frozenset):
        try:
            return origin(items)
        except TypeError as exc:
            raise ResponseParseError(f"{path}: {exc}") from exc
    return items


_FIELDS: dict[type, list[Field]] = {}


def _parse_fields(tp: type, path: str) -> list[Field]:
    fields = _FIELDS.get(tp)
    if fields is None:
        try:
            fields = object_fields(tp, "")
        except TypeProblem as problem:
            raise ResponseParseError(f"{path}: cannot parse into {tp.__name__}: {problem.message}") from None
        if len(_FIELDS) >= _CACHE_LIMIT:
            _FIELDS.clear()
        _FIELDS[tp] = fields
    return fields


def _parse_enum(data: Any, tp: type[enum.Enum], path: str) -> enum.Enum:
    for member in tp:
        value = member.value
        if (
            (value == data and type(value) is type(data))
            or _same_number(data, value)
            or (isinstance(data, str) and str(value) == data)
        ):
            return member
    if isinstance(data, str) and data in tp.__members__:  # by name when no value matches
        return tp.__members__[data]
    accepted = [str(m.value) for m in tp]
    raise ResponseParseError(f"{path}: expected one of {accepted!r} ({tp.__name__}); got {describe(data)}")


def _parse_class(data: Any, tp: type, path: str) -> Any:
    if issubclass(tp, enum.Enum):
        return _parse_enum(data, tp, path)
    if is_pydantic_model(tp):
        try:
            return getattr(tp, "model_validate")(data)  # noqa: B009
        except Exception as exc:
            text = " ".join(str(exc).split())
            raise ResponseParseError(f"{path}: not a valid {tp.__name__}: {text[:300]}") from exc
    fields = _parse_fields(tp, path)
    if not isinstance(data, Mapping):
        raise _fail(path, tp, data)
    values: dict[str, Any] = {}
    for name, annotation, required, _ in fields:
        if name in data:
            values[name] = _parse(data[name], annotation, f"{path}.{name}")
        elif required:
            raise ResponseParseError(f"{path}: missing required field {name!r} of {tp.__name__}")
    if not dataclasses.is_dataclass(tp):
        return values
    try:
        return tp(**values)
    except Exception as exc:
        raise ResponseParseError(f"{path}: {tp.__name__}(...) failed: {exc}") from exc
