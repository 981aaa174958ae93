"""Update masks: google.protobuf.FieldMask paths applied to a resource message.

Only the fields the paths name change; a named field that is unset in the patch is cleared on the
target (that is how a client clears a field). Repeated and map fields are replaced whole. A path
may go through singular message fields (`generation_config.temperature`); `*` names every
updatable field. What an empty mask means is the collection's choice (`EmptyMask`).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

# A message descriptor: the pure-Python and the upb implementations have different classes.
Descriptor = Any


class EmptyMask(enum.Enum):
    """What an update without paths does."""

    REQUIRED = "required"  # refused: the API documents update_mask as required
    POPULATED = "populated"  # every updatable field the patch sets (the usual API convention)
    ALL = "all"  # every updatable field: the patch replaces the resource


class MaskError(ValueError):
    """A path that names no field, or a field that cannot be updated."""

    def __init__(self, path: str, description: str) -> None:
        super().__init__(f"{path!r}: {description}" if path else description)
        self.path = path
        self.description = description


def _leaf(descriptor: Descriptor, path: str) -> list[FieldDescriptor]:
    """The fields along `path`; MaskError when a step names no field or cannot be descended."""
    fields: list[FieldDescriptor] = []
    current: Descriptor = descriptor
    for step in path.split("."):
        if current is None:
            raise MaskError(path, f"{fields[-1].name} has no subfields")
        field = current.fields_by_name.get(step)
        if field is None:
            raise MaskError(path, f"{current.name} has no field {step!r}")
        fields.append(field)
        descend = field.type == FieldDescriptor.TYPE_MESSAGE and not field.is_repeated
        current = field.message_type if descend else None
    return fields


def _populated(message: Message, field: FieldDescriptor) -> bool:
    if field.is_repeated:
        return len(getattr(message, field.name)) > 0
    if field.has_presence:
        return message.HasField(field.name)
    return bool(getattr(message, field.name))


def resolve(
    descriptor: Descriptor,
    paths: Iterable[str],
    updatable: Collection[str] | None,
    empty: EmptyMask,
    patch: Message | None = None,
) -> list[str]:
    """The checked paths an update applies; MaskError for an unknown path or a field that may not change.

    `updatable` lists the top-level fields a client may change (None: every field but `name`).
    `resolve(Corpus.DESCRIPTOR, ["display_name"], {"display_name"}, EmptyMask.REQUIRED)`
    """
    wanted = list(paths)
    allowed = [
        f.name
        for f in descriptor.fields
        if (f.name in updatable if updatable is not None else f.name != "name")
    ]
    if not wanted:
        if empty is EmptyMask.REQUIRED:
            raise MaskError("", "an update mask is required")
        if empty is EmptyMask.ALL or patch is None:
            return allowed
        return [name for name in allowed if _populated(patch, descriptor.fields_by_name[name])]
    if "*" in wanted:
        if wanted != ["*"]:
            raise MaskError("*", "'*' must be the only path")
        return allowed
    for path in wanted:
        first = _leaf(descriptor, path)[0].name
        if first not in allowed:
            raise MaskError(path, f"{first} cannot be updated")
    return wanted


def apply(target: Message, patch: Message, paths: Iterable[str]) -> None:
    """Copy the fields `paths` name from `patch` into `target` (same message type; paths from `resolve`).

    `apply(stored, patch, ["display_name"])`
    """
    for path in paths:
        fields = _leaf(target.DESCRIPTOR, path)
        dst, src = target, patch
        for field in fields[:-1]:
            src = getattr(src, field.name)
            dst = getattr(dst, field.name)
        leaf = fields[-1]
        name = leaf.name
        if leaf.is_repeated:  # maps too: replaced whole
            dst.ClearField(name)
            getattr(dst, name).MergeFrom(getattr(src, name))
        elif leaf.type == FieldDescriptor.TYPE_MESSAGE or leaf.has_presence:
            if src.HasField(name):
                if leaf.type == FieldDescriptor.TYPE_MESSAGE:
                    getattr(dst, name).CopyFrom(getattr(src, name))
                else:
                    setattr(dst, name, getattr(src, name))
            else:
                dst.ClearField(name)
        else:
            setattr(dst, name, getattr(src, name))
