"""Fill any protobuf message with non-default values in every field, by reflection."""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor as d
from google.protobuf.message import Message

_SCALARS: dict[int, Any] = {
    d.FieldDescriptor.TYPE_DOUBLE: 1.5,
    d.FieldDescriptor.TYPE_FLOAT: 2.5,
    d.FieldDescriptor.TYPE_INT64: -(2**40),
    d.FieldDescriptor.TYPE_UINT64: 2**41,
    d.FieldDescriptor.TYPE_INT32: -7,
    d.FieldDescriptor.TYPE_FIXED64: 2**42,
    d.FieldDescriptor.TYPE_FIXED32: 77,
    d.FieldDescriptor.TYPE_BOOL: True,
    d.FieldDescriptor.TYPE_STRING: "žluťoučký kůň",
    d.FieldDescriptor.TYPE_BYTES: b"\x00\xffbytes",
    d.FieldDescriptor.TYPE_UINT32: 7,
    d.FieldDescriptor.TYPE_SFIXED32: -8,
    d.FieldDescriptor.TYPE_SFIXED64: -(2**43),
    d.FieldDescriptor.TYPE_SINT32: -9,
    d.FieldDescriptor.TYPE_SINT64: -(2**44),
}

# Well-known types whose values must stay valid for JSON conversion.
_WKT = {"google.protobuf.Timestamp", "google.protobuf.Duration"}


def _scalar(field: d.FieldDescriptor, variant: int) -> Any:
    if field.type == d.FieldDescriptor.TYPE_ENUM:
        values = field.enum_type.values
        return values[(variant % (len(values) - 1)) + 1].number if len(values) > 1 else values[0].number
    value = _SCALARS[field.type]
    if field.type == d.FieldDescriptor.TYPE_STRING:
        return f"{value}-{field.name}-{variant}"
    return value


def populate(msg: Message, variant: int = 0, depth: int = 0, max_depth: int = 4) -> Message:
    """Set every field; `variant` picks which member of each oneof is set (variant % len(members))."""
    desc = msg.DESCRIPTOR
    if desc.full_name == "google.protobuf.Any":
        # A real packed message, so that JSON conversion can resolve it: Duration(seconds=5).
        msg.type_url = "type.googleapis.com/google.protobuf.Duration"  # type: ignore[attr-defined]
        msg.value = b"\x08\x05"  # type: ignore[attr-defined]
        return msg
    if desc.full_name in _WKT:
        msg.seconds = 3600 + variant  # type: ignore[attr-defined]
        msg.nanos = 5000  # type: ignore[attr-defined]
        return msg
    chosen: dict[str, d.FieldDescriptor] = {}
    for oneof in desc.oneofs:
        fields = list(oneof.fields)
        chosen[oneof.name] = fields[variant % len(fields)]
    for field in desc.fields:
        oneof = field.containing_oneof
        if oneof is not None and chosen[oneof.name] is not field:
            continue
        is_message = field.type == d.FieldDescriptor.TYPE_MESSAGE
        if is_message and depth >= max_depth:
            continue
        container = getattr(msg, field.name)
        if is_message and field.message_type.GetOptions().map_entry:
            key_field = field.message_type.fields_by_name["key"]
            value_field = field.message_type.fields_by_name["value"]
            for i in range(2):
                key = f"key{i}" if key_field.type == d.FieldDescriptor.TYPE_STRING else i + 1
                if value_field.type == d.FieldDescriptor.TYPE_MESSAGE:
                    populate(container[key], variant + i, depth + 1, max_depth)
                else:
                    container[key] = _scalar(value_field, variant + i)
        elif field.is_repeated:
            for i in range(2):
                if is_message:
                    populate(container.add(), variant + i, depth + 1, max_depth)
                else:
                    container.append(_scalar(field, variant + i))
        elif is_message:
            populate(container, variant, depth + 1, max_depth)
            container.SetInParent()
        else:
            setattr(msg, field.name, _scalar(field, variant))
    return msg


def variants(desc: d.Descriptor) -> int:
    """How many variants it takes for every oneof member to be chosen once."""
    return max([len(o.fields) for o in desc.oneofs] + [1])
