"""What a Python type says about its shape: wrappers peeled off, the fields of record-like classes.

    >>> type_name(unwrap(typing.Annotated[list[int], "some ids"]))
    'list[int]'

Shared by `to_schema` (genai._coercion.schema: type -> Schema), `parse_as` (genai._coercion.parsing:
JSON -> instance) and the function declarations (genai._coercion.declarations), so that the three
agree on which fields a dataclass, a TypedDict or a pydantic model has and which are required.
Nothing here imports pydantic: models are recognised by their ``model_fields`` / ``model_validate``.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping, MutableSequence, Sequence
from typing import Any, NamedTuple

__all__ = [
    "DICTS",
    "LISTS",
    "Field",
    "TypeProblem",
    "is_pydantic_model",
    "is_python_type",
    "is_typeddict",
    "object_fields",
    "type_name",
    "unwrap",
]

LISTS = (list, set, frozenset, Sequence, MutableSequence)
"""Origins of the generic types that are JSON arrays (tuple is handled on its own)."""
DICTS = (dict, Mapping)
"""Origins of the generic types that are JSON objects."""
_WRAPPERS = frozenset({"Required", "NotRequired", "ReadOnly"})


class TypeProblem(Exception):
    """A type that cannot be described or parsed, found at `rel` (".a.items") below the root type."""

    def __init__(self, rel: str, message: str) -> None:
        super().__init__(message)
        self.rel = rel
        self.message = message


class Field(NamedTuple):
    """One field of a dataclass, TypedDict or pydantic model, as a JSON object sees it."""

    name: str
    annotation: Any
    required: bool
    description: str


def is_python_type(value: Any) -> bool:
    """Whether `value` is a Python type or type expression (not a Schema message or a dict).

    >>> is_python_type(list[int]), is_python_type({"type": "STRING"})
    (True, False)
    """
    return (
        isinstance(value, type)
        or typing.get_origin(value) is not None
        or value is Any
        or hasattr(value, "__supertype__")  # typing.NewType
    )


def unwrap(tp: Any) -> Any:
    """`tp` without Annotated[...], Required[...]/NotRequired[...]/ReadOnly[...] and NewType layers.

    >>> unwrap(typing.Annotated[int, "a count"])
    <class 'int'>
    """
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated or getattr(origin, "_name", None) in _WRAPPERS:
            tp = typing.get_args(tp)[0]
        elif hasattr(tp, "__supertype__") and not isinstance(tp, type):
            tp = tp.__supertype__
        else:
            return tp


def type_name(tp: Any) -> str:
    """A short name of `tp` for messages: the class name, else the repr of the type expression.

    >>> type_name(int), type_name(list[int])
    ('int', 'list[int]')
    """
    # list[int] passes isinstance(..., type) on Python 3.10: a parameterised type is named by its repr.
    if isinstance(tp, type) and not isinstance(tp, types.GenericAlias):
        return tp.__name__
    return repr(tp)


def is_typeddict(tp: type) -> bool:
    """Whether the class `tp` is a TypedDict.

    >>> is_typeddict(dict)
    False
    """
    return issubclass(tp, dict) and hasattr(tp, "__required_keys__") and hasattr(tp, "__optional_keys__")


def is_pydantic_model(tp: type) -> bool:
    """Whether the class `tp` looks like a pydantic (v2) model, without importing pydantic.

    >>> is_pydantic_model(dict)
    False
    """
    return isinstance(getattr(tp, "model_fields", None), dict) and hasattr(tp, "model_validate")


def object_fields(tp: type, rel: str) -> list[Field]:
    """The fields of a dataclass, TypedDict or pydantic model class, in declaration order.

    >>> [f.name for f in object_fields(typing.TypedDict("Point", {"x": float, "y": float}), "")]
    ['x', 'y']

    Raises TypeProblem (at `rel`) when the annotations cannot be resolved or `tp` is none of those.
    """
    if dataclasses.is_dataclass(tp):
        return _dataclass_fields(tp, rel)
    if is_typeddict(tp):
        return _typeddict_fields(tp, rel)
    if is_pydantic_model(tp):
        return _pydantic_fields(tp)
    raise TypeProblem(rel, f"{type_name(tp)} is not a dataclass, a TypedDict or a pydantic model")


def _hints(tp: type, rel: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(tp, include_extras=True)
    except Exception as exc:
        raise TypeProblem(rel, f"cannot resolve the annotations of {tp.__name__}: {exc}") from None


def _dataclass_fields(tp: type, rel: str) -> list[Field]:
    hints = _hints(tp, rel)
    out: list[Field] = []
    for field in dataclasses.fields(tp):
        if not field.init:
            continue
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        description = field.metadata.get("description", "") if field.metadata else ""
        out.append(Field(field.name, hints.get(field.name, field.type), required, str(description)))
    return out


def _typeddict_fields(tp: type, rel: str) -> list[Field]:
    required_keys: frozenset[str] = getattr(tp, "__required_keys__", frozenset())
    out: list[Field] = []
    for name, hint in _hints(tp, rel).items():
        # Required[...]/NotRequired[...] decide; __required_keys__ misses them under postponed annotations.
        marker = getattr(typing.get_origin(hint), "_name", None)
        required = marker == "Required" or (marker != "NotRequired" and name in required_keys)
        out.append(Field(name, hint, required, ""))
    return out


def _pydantic_fields(tp: type) -> list[Field]:
    out: list[Field] = []
    for name, info in getattr(tp, "model_fields").items():  # noqa: B009 - no pydantic import
        key = info.alias or name
        out.append(Field(key, info.annotation, bool(info.is_required()), info.description or ""))
    return out
