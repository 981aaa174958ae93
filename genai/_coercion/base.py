"""Shared rungs of the coercion ladder: enum names, interop detection, and the error helpers.

    >>> describe(b"\\x89PNG" * 1000)[:21]
    'bytes of length 4000 '

Error messages from every coercer have one shape: ``"<path>: expected <accepted shapes>; got <type>
<bounded repr>"``; the helpers for them (`describe`, `type_error`, ...) live in genai/_coerce_errors.py
and are re-exported here.
Interop objects are recognised without importing their packages: proto-plus messages by the ``pb``
class method, other protobuf pools by ``DESCRIPTOR.full_name``, google-genai pydantic objects by the
module of a class in their MRO and ``model_dump``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeGuard

from google.protobuf import message_factory
from google.protobuf.descriptor import EnumDescriptor
from google.protobuf.message import DecodeError, Message

from genai._coercion.errors import describe, is_list, suggest, text_error, type_error
from genai._wire import messages as pb

__all__ = [
    "POOL",
    "SupportsFileMessage",
    "SupportsImageSave",
    "SupportsModelDump",
    "describe",
    "enum_number",
    "foreign_to_own",
    "is_genai_instance",
    "is_genai_model",
    "is_list",
    "own_class",
    "suggest",
    "text_error",
    "type_error",
]

POOL = pb.Content.DESCRIPTOR.file.pool


class SupportsModelDump(Protocol):
    """A pydantic model such as the google-genai types (``model_dump`` is all we use)."""

    def model_dump(self, *, exclude_none: bool = ...) -> dict[str, Any]: ...


class SupportsFileMessage(Protocol):
    """An uploaded file's view (``client.files``' File): its ``raw`` File message is all we use."""

    @property
    def raw(self) -> pb.File: ...


class SupportsImageSave(Protocol):
    """A PIL image (``save`` to a file object in a given format is all we use)."""

    def save(self, fp: Any, format: str | None = ..., **params: Any) -> None: ...


# ---------------------------------------------------------------------------------------------------
# Enums


@dataclass(frozen=True, slots=True)
class _EnumTable:
    by_name: dict[str, int]
    numbers: frozenset[int]
    names: tuple[str, ...]


_ENUMS: dict[str, _EnumTable] = {}


def _normalize(name: str) -> str:
    return name.strip().upper().replace("-", "_").replace(" ", "_")


def _enum_table(desc: EnumDescriptor) -> _EnumTable:
    table = _ENUMS.get(desc.full_name)
    if table is not None:
        return table
    names = tuple(v.name for v in desc.values)
    by_name = {name: desc.values_by_name[name].number for name in names}
    prefix = _common_prefix(names)
    for name in names:
        if prefix:
            by_name.setdefault(name[len(prefix) :], by_name[name])
        if name.endswith("_UNSPECIFIED"):
            by_name.setdefault("UNSPECIFIED", by_name[name])
    table = _EnumTable(by_name, frozenset(by_name.values()), names)
    _ENUMS[desc.full_name] = table
    return table


def _common_prefix(names: Sequence[str]) -> str:
    """The longest prefix ending in '_' shared by every name ('HARM_CATEGORY_' for HarmCategory)."""
    if len(names) < 2:
        return ""
    first = names[0]
    end = 0
    for i, ch in enumerate(first):
        if any(len(n) <= i or n[i] != ch for n in names[1:]):
            break
        if ch == "_":
            end = i + 1
    return first[:end]


def enum_number(
    desc: EnumDescriptor, value: Any, *, path: str, aliases: Mapping[str, int] | None = None
) -> int:
    """The number of an enum value given by name (any case, prefix optional), number or Python enum.

    >>> enum_number(pb.HarmCategory.DESCRIPTOR, "harassment", path="category")
    7
    """
    if isinstance(value, enum.Enum) and not isinstance(value, int | str):
        value = value.value if isinstance(value.value, int | str) else value.name
    table = _enum_table(desc)
    if isinstance(value, bool):
        raise type_error(path, f"a {desc.name} name or number", value)
    if isinstance(value, int):
        number = int(value)
        if number in table.numbers:
            return number
        raise ValueError(f"{path}: {number} is not a {desc.name} number; accepted: {_enum_choices(table)}")
    if isinstance(value, str):
        key = _normalize(value)
        if aliases is not None and key in aliases:
            return aliases[key]
        found = table.by_name.get(key)
        if found is not None:
            return found
        extra = f" or one of the aliases {', '.join(a.lower() for a in aliases)}" if aliases else ""
        raise ValueError(
            f"{path}: unknown {desc.name} {value!r}{suggest(key, table.by_name)}; "
            f"accepted: {_enum_choices(table)} (any case){extra}"
        )
    raise type_error(path, f"a {desc.name} name (str) or number (int)", value)


def _enum_choices(table: _EnumTable) -> str:
    return ", ".join(table.names)


# ---------------------------------------------------------------------------------------------------
# Interop: messages of other pools, proto-plus, google-genai pydantic


def own_class(full_name: str) -> type[Message] | None:
    """Our message class for a protobuf full name, or None if the API has no such message.

    >>> own_class("google.ai.generativelanguage.v1beta.Part") is pb.Part
    True
    """
    try:
        desc = POOL.FindMessageTypeByName(full_name)
    except KeyError:
        return None
    return message_factory.GetMessageClass(desc)


def foreign_to_own(value: Any, *, path: str) -> Message | None:
    """Our copy of a proto-plus message or of a protobuf message from another pool; else None.

    >>> foreign_to_own("text", path="contents") is None
    True

    The copy goes through the wire format; a message nested too deeply for protobuf to read back
    (more than 100 levels) is a ValueError naming `path`, as it would be for the API.
    """
    if isinstance(value, Message):
        if value.DESCRIPTOR.file.pool is POOL:
            return None
        raw: Any = value
    else:
        pb = getattr(type(value), "pb", None)
        if pb is None or not callable(pb):
            return None
        try:
            raw = pb(value)
        except Exception:
            return None
        if not isinstance(raw, Message):
            return None
    cls = own_class(raw.DESCRIPTOR.full_name)
    if cls is None:
        return None
    try:
        return cls.FromString(raw.SerializeToString())
    except DecodeError as err:  # same descriptors on both sides: only protobuf's depth limit is left
        raise ValueError(
            f"{path}: nested too deeply: protobuf cannot read this {raw.DESCRIPTOR.full_name} back ({err}); "
            "protobuf decoders (the API's too) refuse more than 100 message levels"
        ) from None


def is_genai_model(value: Any) -> TypeGuard[SupportsModelDump]:
    """Whether `value` is a google-genai pydantic object (converted via ``model_dump``).

    >>> is_genai_model({"text": "hi"})
    False

    Subclasses count too: google-genai's own (``UserContent`` is a ``Content``) and the caller's.
    """
    return bool(_genai_class_names(type(value))) and hasattr(value, "model_dump")


def is_genai_instance(value: Any, name: str) -> bool:
    """Whether `value` is an instance of the google-genai class `name` or of a subclass of it.

    >>> is_genai_instance("text", "Content")
    False
    """
    return name in _genai_class_names(type(value)) and hasattr(value, "model_dump")


def _genai_class_names(cls: type) -> list[str]:
    return [c.__name__ for c in cls.__mro__ if (c.__module__ or "").startswith("google.genai")]
