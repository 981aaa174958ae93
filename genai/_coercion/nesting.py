"""How deeply a request nests messages: refused here, with a path, before a decoder refuses it.

    >>> levels(pb.GenerateContentRequest.DESCRIPTOR, "generation_config.response_schema")
    2

Protobuf decoders stop at a recursion limit of 100 by default (upb, Python's backend, C++ and Java
alike). Measured with upb: a message nested 100 levels below the top-level request parses, one more
raises `DecodeError: ... Exceeded upb_DecodeOptions_MaxDepth` (and a server answers such a request
with an error that names no field). Levels add up along the whole request: in a GenerateContentRequest
the response_schema sits at level 2 (generation_config, then the Schema), a Schema nested through
`properties` costs 2 levels per level (the map entry, then the Schema), through `items` or `any_of`
1; a JSON object inside a Struct or Value costs 3 (map entry, Value, Struct), a JSON array 2
(Value, ListValue).

Only values that can nest are checked (schemas, tools, Struct/Value payloads), so a plain prompt
pays nothing; Part and Content messages are sent as given, unwalked (chat history is made of them),
while parts converted from anything else are checked (genai/_coerce_content.py).
"""

from __future__ import annotations

from typing import Any, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from genai._wire import messages as pb

__all__ = ["LIMIT", "PART_LEVEL", "check_nesting", "levels"]

LIMIT = 100
"""The deepest level (the request itself is level 0) that protobuf's decoders accept by default."""

_SINGULAR, _REPEATED, _MAP_OF_MESSAGES, _MAP_OF_SCALARS = range(4)
_FIELDS: dict[Descriptor, tuple[tuple[str, int], ...]] = {}
# Walked with JSON-like paths (args['city'][0], not args.fields['city'].list_value.values[0]).
_JSON_TYPES = frozenset({"google.protobuf.Struct", "google.protobuf.ListValue", "google.protobuf.Value"})


def levels(root: Descriptor, dotted: str) -> int:
    """The level of the field `dotted` ("a.b.c") below the message `root` (a map field counts 2).

    >>> levels(pb.CountTokensRequest.DESCRIPTOR, "generate_content_request.contents.parts")
    3
    """
    desc, level = root, 0
    for name in dotted.split("."):
        field = desc.fields_by_name[name]
        assert field.message_type is not None, f"{dotted}: {name} is not a message field"
        desc = field.message_type
        if desc.GetOptions().map_entry:
            level += 1
            value = desc.fields_by_name["value"].message_type
            assert value is not None
            desc = value
        level += 1
    return level


# The deepest a Part sits in the requests genai builds: in CountTokensRequest.generate_content_request
# and in BatchEmbedContentsRequest.requests. Parts are checked as they are converted, before anyone
# knows which request they go to, so they are held to the deepest place.
PART_LEVEL = max(
    levels(pb.CountTokensRequest.DESCRIPTOR, "generate_content_request.contents.parts"),
    levels(pb.BatchEmbedContentsRequest.DESCRIPTOR, "requests.content.parts"),
)


def check_nesting(msg: Message, *, level: int, path: str) -> None:
    """Raise a ValueError naming the first value that would sit deeper than LIMIT in the request.

    >>> check_nesting(pb.Schema(type=pb.Type.STRING), level=2, path="config.response_schema")

    `msg` sits at `level` of the request (the request itself is level 0); `path` names `msg`.
    """
    found = _too_deep(msg, level)
    if found is not None:
        where, crossing, crossing_level = found
        deepest = crossing_level if crossing is None else _deepest(crossing, crossing_level)
        raise ValueError(
            f"{_joined(path, where)}: nested too deeply: the request would nest {deepest} message levels "
            f"here, and protobuf decoders (the API's too) refuse more than {LIMIT}; remove at least "
            f"{deepest - LIMIT} (a Schema level costs 2 through properties and 1 through items or any_of; "
            "a JSON object in a Struct or Value costs 3, a JSON array 2)"
        )


def _fields(desc: Descriptor) -> tuple[tuple[str, int], ...]:
    found = _FIELDS.get(desc)
    if found is None:
        out = []
        for fd in desc.fields:
            if fd.cpp_type != FieldDescriptor.CPPTYPE_MESSAGE:
                continue
            entry = fd.message_type
            assert entry is not None
            if entry.GetOptions().map_entry:
                value = entry.fields_by_name["value"]
                is_message = value.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE
                out.append((fd.name, _MAP_OF_MESSAGES if is_message else _MAP_OF_SCALARS))
            else:
                out.append((fd.name, _REPEATED if fd.is_repeated else _SINGULAR))
        found = _FIELDS[desc] = tuple(out)
    return found


# Where the limit is crossed: path segments below the message checked, the message there (None for
# a map entry with a scalar value), and its level.
_Found = tuple[list[str], Message | None, int]


def _too_deep(msg: Message, level: int) -> _Found | None:
    """Where the first message past LIMIT is below `msg` (which sits at `level`), or None."""
    if level > LIMIT:
        return [], msg, level
    if msg.ByteSize() < 2 * (LIMIT - level + 1):
        # Every nested message costs at least 2 bytes on the wire (a tag and a length), so one that
        # serialises to fewer bytes than that per level it has left cannot reach the limit.
        return None
    desc = cast(Descriptor, msg.DESCRIPTOR)
    if desc.full_name in _JSON_TYPES:
        return _json_too_deep(msg, desc.full_name, level)
    for name, kind in _fields(desc):
        if kind == _SINGULAR:
            if msg.HasField(name):
                found = _too_deep(getattr(msg, name), level + 1)
                if found is not None:
                    return [_segment(name, None), *found[0]], found[1], found[2]
        elif kind == _REPEATED:
            for i, item in enumerate(getattr(msg, name)):
                found = _too_deep(item, level + 1)
                if found is not None:
                    return [_segment(name, i), *found[0]], found[1], found[2]
        else:
            container: Any = getattr(msg, name)
            for key in container:
                if level + 1 > LIMIT:  # the map entry itself is one level too many
                    value = container[key] if kind == _MAP_OF_MESSAGES else None
                    return [_segment(name, key)], value, level + 1 if value is None else level + 2
                if kind == _MAP_OF_MESSAGES:
                    found = _too_deep(container[key], level + 2)
                    if found is not None:
                        return [_segment(name, key), *found[0]], found[1], found[2]
    return None


def _json_too_deep(msg: Any, full_name: str, level: int) -> _Found | None:
    """_too_deep for Struct, ListValue and Value (JSON payloads can be large: only containers recurse)."""
    if full_name == "google.protobuf.Value":
        kind = msg.WhichOneof("kind")
        if kind == "struct_value" or kind == "list_value":
            return _too_deep(getattr(msg, kind), level + 1)
        return None
    if full_name == "google.protobuf.Struct":
        items: Any = msg.fields.items()
        step = 2  # the map entry, then the Value
    else:
        items = enumerate(msg.values)
        step = 1
    for key, value in items:
        if level + step > LIMIT:  # the map entry or the Value is a level too many
            return [f"[{key!r}]"], value, level + step
        kind = value.WhichOneof("kind")
        if kind == "struct_value" or kind == "list_value":
            found = _too_deep(getattr(value, kind), level + step + 1)
            if found is not None:
                return [f"[{key!r}]", *found[0]], found[1], found[2]
    return None


def _deepest(msg: Message, level: int) -> int:
    """The level of the deepest message below `msg` (at `level`); only on the error path: O(size)."""
    deepest = level
    stack: list[tuple[Any, int]] = [(msg, level)]
    while stack:
        current, at = stack.pop()
        deepest = max(deepest, at)
        for field, value in current.ListFields():
            if field.message_type is None:
                continue
            if field.message_type.GetOptions().map_entry:
                if field.message_type.fields_by_name["value"].message_type is None:
                    deepest = max(deepest, at + 1)
                else:
                    stack.extend((item, at + 2) for item in value.values())
            elif field.is_repeated:
                stack.extend((item, at + 1) for item in value)
            else:
                stack.append((value, at + 1))
    return deepest


def _segment(name: str, key: object) -> str:
    return f".{name}" if key is None else f".{name}[{key!r}]"


def _joined(path: str, where: list[str]) -> str:
    """`path` and the segments below it, the middle of a long run elided with a count."""
    where = [segment for segment in where if segment]
    if len(where) <= 8:
        return path + "".join(where)
    return f"{path}{''.join(where[:3])}...({len(where) - 5} more){''.join(where[-2:])}"
