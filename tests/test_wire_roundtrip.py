"""Bytes written by the official classes parse with ours and re-serialise identically, and back."""

from __future__ import annotations

import pytest
from genai_protos import _pool
from genai_protos import flat as _load_everything  # noqa: F401
from google.protobuf import json_format, message_factory
from google.protobuf.message import Message
from google.protobuf.unknown_fields import UnknownFieldSet

from tests import official
from tests.populate import populate, variants

MESSAGES = sorted(n for n, m in official.official_messages().items() if not m.GetOptions().map_entry)


def _ours(full_name: str) -> type[Message]:
    return message_factory.GetMessageClass(_pool.POOL.FindMessageTypeByName(full_name))


def _no_unknown_fields(msg: Message, path: str = "") -> None:
    assert len(UnknownFieldSet(msg)) == 0, f"unknown fields at {path or msg.DESCRIPTOR.full_name}"
    for field, value in msg.ListFields():
        if field.message_type is None:
            continue
        items = (
            value.values()
            if field.message_type.GetOptions().map_entry
            else (value if field.is_repeated else [value])
        )
        for i, item in enumerate(items):
            if isinstance(item, Message):
                _no_unknown_fields(item, f"{path}.{field.name}[{i}]")


@pytest.mark.parametrize("full_name", MESSAGES)
def test_official_bytes_roundtrip_through_ours(full_name: str) -> None:
    theirs_cls = official.official_pb_class(full_name)
    ours_cls = _ours(full_name)
    for variant in range(variants(theirs_cls.DESCRIPTOR)):
        theirs = populate(theirs_cls(), variant)
        wire = theirs.SerializeToString(deterministic=True)
        assert wire or not theirs_cls.DESCRIPTOR.fields  # empty only for empty messages
        ours = ours_cls.FromString(wire)
        _no_unknown_fields(ours)
        assert ours.SerializeToString(deterministic=True) == wire
        # Field names agree too (proto-plus renames type_/format_/license_ in Python only).
        assert json_format.MessageToDict(ours) == json_format.MessageToDict(theirs)


@pytest.mark.parametrize("full_name", MESSAGES)
def test_our_bytes_roundtrip_through_official(full_name: str) -> None:
    theirs_cls = official.official_pb_class(full_name)
    ours_cls = _ours(full_name)
    for variant in range(variants(ours_cls.DESCRIPTOR)):
        ours = populate(ours_cls(), variant)
        wire = ours.SerializeToString(deterministic=True)
        theirs = theirs_cls.FromString(wire)
        _no_unknown_fields(theirs)
        assert theirs.SerializeToString(deterministic=True) == wire
