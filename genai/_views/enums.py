"""Python ``IntEnum`` classes made from protobuf enum descriptors, built once and on first use.

Protobuf enum fields read back as plain ints. The views in :mod:`genai._views.responses` hand out members of
these enums instead, so ``candidate.finish_reason.name == "MAX_TOKENS"`` works the way it did with
proto-plus. A value the enum does not know (a newer server) does not crash: it becomes a pseudo-member
that is still the same ``int``, named ``UNKNOWN_<value>``.

    >>> from genai._views import enums
    >>> enums.FinishReason(2).name, enums.FinishReason(99).name, enums.FinishReason(99) == 99
    ('MAX_TOKENS', 'UNKNOWN_99', True)
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, cast

from google.protobuf.descriptor import EnumDescriptor

__all__ = [
    "ProtoEnum",
    "enum_from_descriptor",
    "py_enum",
    "to_py_enum",
]


class ProtoEnum(enum.IntEnum):
    """Base of the generated enums: an unknown value becomes a pseudo-member ``UNKNOWN_<value>``."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        # Registered like Flag's pseudo-members, so the same value gives the same object.
        return cls._value2member_map_.setdefault(value, member)


def enum_from_descriptor(desc: EnumDescriptor, name: str | None = None) -> type[enum.IntEnum]:
    """Build an ``IntEnum`` with the names and numbers of a protobuf enum descriptor.

        >>> from genai._wire import messages as pb
        >>> enum_from_descriptor(pb.HarmProbability.DESCRIPTOR).HIGH.value
        4

    Aliases (two names, one number) become enum aliases; the first name is the canonical one. The
    class derives from :class:`ProtoEnum`, so values the descriptor lacks still convert.
    """
    members = [(value.name, value.number) for value in desc.values]
    # The functional API is only understood by mypy with literal members; these come from data.
    factory: Any = ProtoEnum
    return cast(
        "type[enum.IntEnum]",
        factory(name or desc.name, members, module=__name__, qualname=name or desc.name),
    )


def _finish_reason() -> EnumDescriptor:
    from genai._wire import messages as pb

    return pb.FinishReason.DESCRIPTOR


def _harm_category() -> EnumDescriptor:
    from genai._wire import messages as pb

    return pb.HarmCategory.DESCRIPTOR


def _harm_probability() -> EnumDescriptor:
    from genai._wire import messages as pb

    return pb.HarmProbability.DESCRIPTOR


def _block_reason() -> EnumDescriptor:
    from genai._wire import messages as pb

    return pb.PromptFeedbackBlockReason.DESCRIPTOR


_SOURCES: dict[str, Callable[[], EnumDescriptor]] = {
    "FinishReason": _finish_reason,
    "HarmCategory": _harm_category,
    "HarmProbability": _harm_probability,
    "BlockReason": _block_reason,
}


@functools.cache
def py_enum(name: str) -> type[enum.IntEnum]:
    """The ``IntEnum`` for one of the response enums, built on first use and then reused.

        >>> py_enum("BlockReason").SAFETY.value
        1

    ``name`` is one of ``"FinishReason"``, ``"HarmCategory"``, ``"HarmProbability"``, ``"BlockReason"``.
    """
    try:
        source = _SOURCES[name]
    except KeyError:
        raise AttributeError(f"genai._views.enums has no enum {name!r}") from None
    return enum_from_descriptor(source(), name)


def to_py_enum(name: str, value: int) -> enum.IntEnum:
    """``value`` as a member of the named enum (a pseudo-member ``UNKNOWN_<value>`` if it is new).

    >>> to_py_enum("FinishReason", 1).name, to_py_enum("FinishReason", 999).name
    ('STOP', 'UNKNOWN_999')
    """
    return py_enum(name)(value)


def __getattr__(name: str) -> type[enum.IntEnum]:
    # Module attributes FinishReason, HarmCategory, ... are built lazily (keeps import cheap) and
    # make the classes importable by name, which pickling their members needs.
    if name in _SOURCES:
        return py_enum(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
