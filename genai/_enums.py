"""Python ``IntEnum`` classes made from protobuf enum descriptors, built once and on first use.

Protobuf enum fields read back as plain ints. The views in :mod:`genai._responses` hand out members of
these enums instead, so ``candidate.finish_reason.name == "MAX_TOKENS"`` works the way it did with
proto-plus. A value the enum does not know (a newer server) stays a plain ``int``.

    >>> from genai import _enums
    >>> _enums.FinishReason(2).name
    'MAX_TOKENS'
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, cast

from google.protobuf.descriptor import EnumDescriptor

__all__ = [
    "enum_from_descriptor",
    "py_enum",
    "to_py_enum",
    "FinishReason",
    "HarmCategory",
    "HarmProbability",
    "BlockReason",
]


def enum_from_descriptor(desc: EnumDescriptor, name: str | None = None) -> type[enum.IntEnum]:
    """Build an ``IntEnum`` with the names and numbers of a protobuf enum descriptor.

        >>> from genai import types
        >>> enum_from_descriptor(types.HarmProbability.DESCRIPTOR).HIGH.value
        4

    Aliases (two names, one number) become enum aliases; the first name is the canonical one.
    """
    members = [(value.name, value.number) for value in desc.values]
    # The functional API is only understood by mypy with literal members; these come from data.
    factory: Any = enum.IntEnum
    return cast(
        "type[enum.IntEnum]",
        factory(name or desc.name, members, module=__name__, qualname=name or desc.name),
    )


def _finish_reason() -> EnumDescriptor:
    from genai import types

    return types.FinishReason.DESCRIPTOR


def _harm_category() -> EnumDescriptor:
    from genai import types

    return types.HarmCategory.DESCRIPTOR


def _harm_probability() -> EnumDescriptor:
    from genai import types

    return types.HarmProbability.DESCRIPTOR


def _block_reason() -> EnumDescriptor:
    from genai import types

    return types.PromptFeedbackBlockReason.DESCRIPTOR


_SOURCES: dict[str, Callable[[], EnumDescriptor]] = {
    "FinishReason": _finish_reason,
    "HarmCategory": _harm_category,
    "HarmProbability": _harm_probability,
    "BlockReason": _block_reason,
}


@functools.lru_cache(maxsize=None)
def py_enum(name: str) -> type[enum.IntEnum]:
    """The ``IntEnum`` for one of the response enums, built on first use and then reused.

        >>> py_enum("BlockReason").SAFETY.value
        1

    ``name`` is one of ``"FinishReason"``, ``"HarmCategory"``, ``"HarmProbability"``, ``"BlockReason"``.
    """
    try:
        source = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"genai._enums has no enum {name!r}") from None
    return enum_from_descriptor(source(), name)


def to_py_enum(name: str, value: int) -> enum.IntEnum | int:
    """``value`` as a member of the named enum, or the plain ``int`` when the enum does not know it.

    >>> to_py_enum("FinishReason", 1).name, to_py_enum("FinishReason", 999)
    ('STOP', 999)
    """
    cls = py_enum(name)
    try:
        return cls(value)
    except ValueError:
        return int(value)


def __getattr__(name: str) -> type[enum.IntEnum]:
    # Module attributes FinishReason, HarmCategory, ... are built lazily (keeps import cheap) and
    # make the classes importable by name, which pickling their members needs.
    if name in _SOURCES:
        return py_enum(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
