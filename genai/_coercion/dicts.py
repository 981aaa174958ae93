"""Plain Python data -> genai's protobuf messages, with errors that say where and what.

    >>> from genai._wire import messages as pb

    >>> to_message(pb.Blob, {"mimeType": "a/b", "data": "aGk="}, path="b").data
    b'hi'

The shared bottom rung of the coercion ladder (genai._coercion.content, .tools, .generation and
_schema.py build on it):

* keys are proto field names or their JSON (camelCase) names; an unknown key is a ValueError that
  names the path, suggests a close match and lists the valid keys;
* bytes fields take bytes-like values or base64 text; enum fields take names (case-insensitive, with
  or without the enum's common prefix), ints or Python enum members; Struct/Value/ListValue fields take
  plain dicts/lists/scalars; Duration takes seconds, a timedelta or "1.5s"; Timestamp a datetime;
* message fields take our message (copied in), a dict, a proto-plus message or a protobuf message of
  another descriptor pool with the same full name, or a google-genai pydantic object;
* a `None` value means "not set".

The hooks table (genai._coercion.hooks) names a coercer per message type, so that a nested field of,
say, type Schema or Part accepts everything ``to_schema``/``to_part`` accept. Nothing here mutates
its input. Field tables are computed once per message type.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from genai._coercion.base import (
    POOL,
    describe,
    enum_number,
    foreign_to_own,
    is_genai_model,
    is_list,
    suggest,
    text_error,
    type_error,
)

__all__ = ["fill_message", "set_field", "to_bytes", "to_message"]

M = TypeVar("M", bound=Message)

_MAX_DEPTH = 100
_NESTING = threading.local()  # how deep fill_message calls are nested (dicts can be cyclic)


# ---------------------------------------------------------------------------------------------------
# Field plans, computed once per message type

_STR, _BYTES, _BOOL, _INT, _FLOAT, _ENUM, _MESSAGE = range(7)
_INT_RANGES = {
    FieldDescriptor.CPPTYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.CPPTYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.CPPTYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.CPPTYPE_UINT64: (0, 2**64 - 1),
}


@dataclass(frozen=True, slots=True)
class _Plan:
    name: str
    kind: int
    repeated: bool
    oneof: str | None
    enum: EnumDescriptor | None = None
    message: type[Message] | None = None
    int_range: tuple[int, int] | None = None
    map_key: _Plan | None = None
    map_value: _Plan | None = None


@dataclass(frozen=True, slots=True)
class _MessagePlan:
    by_key: dict[str, _Plan]
    names: tuple[str, ...]


_PLANS: dict[str, _MessagePlan] = {}
_HOOKS: dict[str, Callable[[Any, str], Message]] | None = None
_KEY_HINTS: dict[str, str] = {
    "google.ai.generativelanguage.v1beta.Schema": (
        " (JSON Schema keywords such as $ref or additionalProperties are not part of Schema;"
        " pass a JSON Schema as response_json_schema instead)"
    ),
}


def _hooks() -> dict[str, Callable[[Any, str], Message]]:
    """The hooks table (genai._coercion.hooks), loaded on first use: it imports the coercers, which
    import this module."""
    global _HOOKS
    if _HOOKS is None:
        from genai._coercion.hooks import HOOKS

        _HOOKS = HOOKS
    return _HOOKS


def _field_plan(fd: FieldDescriptor) -> _Plan:
    oneof = fd.containing_oneof
    oneof_name = oneof.name if oneof is not None and len(oneof.fields) > 1 else None
    repeated = fd.is_repeated
    cpp = fd.cpp_type
    if cpp == FieldDescriptor.CPPTYPE_MESSAGE:
        msg_desc = fd.message_type
        assert msg_desc is not None
        if msg_desc.GetOptions().map_entry:
            key = _field_plan(msg_desc.fields_by_name["key"])
            val = _field_plan(msg_desc.fields_by_name["value"])
            return _Plan(fd.name, _MESSAGE, True, None, map_key=key, map_value=val)
        return _Plan(
            fd.name, _MESSAGE, repeated, oneof_name, message=message_factory.GetMessageClass(msg_desc)
        )
    if cpp == FieldDescriptor.CPPTYPE_ENUM:
        return _Plan(fd.name, _ENUM, repeated, oneof_name, enum=fd.enum_type)
    if cpp == FieldDescriptor.CPPTYPE_STRING:
        kind = _BYTES if fd.type == FieldDescriptor.TYPE_BYTES else _STR
        return _Plan(fd.name, kind, repeated, oneof_name)
    if cpp == FieldDescriptor.CPPTYPE_BOOL:
        return _Plan(fd.name, _BOOL, repeated, oneof_name)
    if cpp in _INT_RANGES:
        return _Plan(fd.name, _INT, repeated, oneof_name, int_range=_INT_RANGES[cpp])
    return _Plan(fd.name, _FLOAT, repeated, oneof_name)


def _message_plan(desc: Descriptor) -> _MessagePlan:
    plan = _PLANS.get(desc.full_name)
    if plan is None:
        by_key: dict[str, _Plan] = {}
        for fd in desc.fields:
            field_plan = _field_plan(fd)
            by_key[fd.name] = field_plan
            by_key.setdefault(fd.json_name, field_plan)
        plan = _MessagePlan(by_key, tuple(fd.name for fd in desc.fields))
        _PLANS[desc.full_name] = plan
    return plan


# ---------------------------------------------------------------------------------------------------
# Conversion


def to_message(cls: type[M], value: Any, *, path: str, expected: str | None = None) -> M:
    """`value` as a `cls` message: our message unchanged, a dict, proto-plus, other pools, pydantic.

    >>> from genai._wire import messages as pb

    >>> to_message(pb.FileData, {"fileUri": "gs://b/a"}, path="f").file_uri
    'gs://b/a'
    """
    if isinstance(value, cls):
        return value
    own = foreign_to_own(value, path=path)
    if own is not None:
        if isinstance(own, cls):
            return own
        raise TypeError(
            f"{path}: expected {_expected(cls, expected)}; got a {own.DESCRIPTOR.full_name} message"
        )
    if is_genai_model(value):
        value = value.model_dump(exclude_none=True)
    if isinstance(value, Mapping):
        msg = cls()
        fill_message(msg, value, path=path)
        return msg
    raise type_error(path, _expected(cls, expected), value)


def _expected(cls: type[Message], expected: str | None) -> str:
    return expected or f"a types.{cls.__name__} or a dict of its fields"


def fill_message(msg: Message, value: Mapping[Any, Any], *, path: str) -> None:
    """Set the fields of `msg` from a dict (proto or camelCase keys); None values are skipped.

    >>> from genai._wire import messages as pb

    >>> fill_message(pb.Part(), {"text": "hi"}, path="part")
    """
    depth = getattr(_NESTING, "depth", 0)
    if depth >= _MAX_DEPTH:
        raise ValueError(f"{_clip(path)}: nested too deeply: more than {_MAX_DEPTH} levels (a cycle?)")
    _NESTING.depth = depth + 1
    try:
        _fill_fields(msg, value, path)
    finally:
        _NESTING.depth = depth


def _fill_fields(msg: Message, value: Mapping[Any, Any], path: str) -> None:
    desc = cast(Descriptor, msg.DESCRIPTOR)
    plan = _message_plan(desc)
    seen: dict[str, str] = {}
    oneofs: dict[str, str] | None = None
    for key, item in value.items():
        field = plan.by_key.get(key) if isinstance(key, str) else None
        if field is None:
            _unknown_key(desc, plan, key, path)
        assert field is not None
        if item is None:
            continue
        if field.name in seen:
            raise ValueError(f"{path}: {seen[field.name]!r} and {key!r} name the same field; give one")
        seen[field.name] = key
        if field.oneof is not None:
            oneofs = {} if oneofs is None else oneofs
            other = oneofs.get(field.oneof)
            if other is not None:
                raise ValueError(
                    f"{path}: {other!r} and {key!r} are alternatives (oneof {field.oneof}); set only one"
                )
            oneofs[field.oneof] = key
        _set(msg, field, item, f"{path}.{key}", 0)


def _unknown_key(desc: Descriptor, plan: _MessagePlan, key: Any, path: str) -> None:
    if not isinstance(key, str):
        raise TypeError(f"{path}: keys must be field names (str); got {describe(key)}")
    hint = _KEY_HINTS.get(desc.full_name, "")
    raise ValueError(
        f"{path}: unknown key {key!r} for {desc.name}{suggest(key, plan.names)}; "
        f"valid keys: {', '.join(plan.names)} (or their camelCase forms){hint}"
    )


def set_field(msg: Message, name: str, value: Any, *, path: str) -> None:
    """Set one field (proto or camelCase name) of `msg` with the same coercions as a dict would get.

    >>> from genai._wire import messages as pb

    >>> set_field(pb.GenerationConfig(), "top_k", 5, path="config.top_k")
    """
    desc = cast(Descriptor, msg.DESCRIPTOR)
    plan = _message_plan(desc)
    field = plan.by_key.get(name)
    if field is None:
        _unknown_key(desc, plan, name, path.rpartition(".")[0] or path)
    assert field is not None
    _set(msg, field, value, path, 0)


def _set(msg: Message, field: _Plan, value: Any, path: str, depth: int) -> None:
    if field.map_key is not None:
        _set_map(msg, field, value, path, depth)
    elif field.repeated:
        _set_repeated(msg, field, value, path, depth)
    elif field.kind == _MESSAGE:
        target = getattr(msg, field.name)
        target.SetInParent()
        _fill_sub(target, field, value, path, depth)
    else:
        converted = _scalar(field, value, path)
        try:
            setattr(msg, field.name, converted)
        except UnicodeEncodeError as err:  # protobuf encodes str fields as UTF-8 when they are set
            raise text_error(path, err) from None


def _set_repeated(msg: Message, field: _Plan, value: Any, path: str, depth: int) -> None:
    if not is_list(value):
        raise type_error(path, f"a list of {_kind_name(field)}", value)
    container = getattr(msg, field.name)
    del container[:]
    if field.kind == _MESSAGE:
        for i, item in enumerate(value):
            _fill_sub(container.add(), field, item, f"{path}[{i}]", depth)
    else:
        items = [_scalar(field, item, f"{path}[{i}]") for i, item in enumerate(value)]
        try:
            container.extend(items)
        except UnicodeEncodeError as err:
            raise text_error(f"{path}[{_unencodable(items)}]", err) from None


def _unencodable(items: list[Any]) -> int:
    """The index of the first str that cannot be encoded as UTF-8 (called once one is known to exist)."""
    for i, item in enumerate(items):
        if isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError:
                return i
    return 0  # pragma: no cover - the caller saw one


def _set_map(msg: Message, field: _Plan, value: Any, path: str, depth: int) -> None:
    key_plan, value_plan = field.map_key, field.map_value
    assert key_plan is not None
    assert value_plan is not None
    if not isinstance(value, Mapping):
        raise type_error(path, f"a dict of {_kind_name(value_plan)}", value)
    container = getattr(msg, field.name)
    container.clear()
    for key, item in value.items():
        item_path = f"{path}[{key!r}]"
        converted_key = _scalar(key_plan, key, item_path)
        if item is None:
            continue
        if value_plan.kind == _MESSAGE:
            try:
                entry = container[converted_key]
            except UnicodeEncodeError as err:
                raise text_error(item_path, err, "the key") from None
            _fill_sub(entry, value_plan, item, item_path, depth)
        else:
            converted = _scalar(value_plan, item, item_path)
            try:
                container[converted_key] = converted
            except UnicodeEncodeError as err:
                raise text_error(
                    item_path, err, "the key" if err.object is converted_key else "the value"
                ) from None


def _fill_sub(target: Message, field: _Plan, value: Any, path: str, depth: int) -> None:
    """Fill the (already present) sub-message `target` from `value`."""
    cls = field.message
    assert cls is not None
    if type(value) is cls:
        target.CopyFrom(value)
        return
    full_name = target.DESCRIPTOR.full_name
    hook = _hooks().get(full_name)
    if hook is not None:
        target.CopyFrom(hook(value, path))
        return
    special = _WELL_KNOWN.get(full_name)
    if special is not None:
        special(target, value, path, depth)
        return
    if isinstance(value, Mapping):
        fill_message(target, value, path=path)
    else:
        target.CopyFrom(to_message(cls, value, path=path))


def _kind_name(field: _Plan) -> str:
    if field.kind == _MESSAGE:
        assert field.message is not None
        return f"types.{field.message.__name__} (or dicts)"
    if field.kind == _ENUM:
        assert field.enum is not None
        return f"{field.enum.name} names"
    return {_STR: "str", _BYTES: "bytes", _BOOL: "bool", _INT: "int", _FLOAT: "numbers"}[field.kind]


def _scalar(field: _Plan, value: Any, path: str) -> Any:
    kind = field.kind
    if kind == _STR:
        if isinstance(value, str):
            return value if type(value) is str else str.__str__(value)
        raise type_error(path, "a str", value)
    if kind == _ENUM:
        assert field.enum is not None
        return enum_number(field.enum, value, path=path)
    if kind == _BOOL:
        if isinstance(value, bool):
            return value
        raise type_error(path, "a bool", value)
    if kind == _INT:
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = field.int_range or (-(2**63), 2**63 - 1)
            if not low <= value <= high:
                raise ValueError(f"{path}: {value} is out of range [{low}, {high}]")
            return int(value)
        raise type_error(path, "an int", value)
    if kind == _FLOAT:
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:
                raise ValueError(f"{path}: {describe(value)} is too large for a float") from None
        raise type_error(path, "a number (int or float)", value)
    return to_bytes(value, path=path)


def to_bytes(value: Any, *, path: str) -> bytes:
    """Bytes from bytes-like values or base64 (standard or URL-safe) text.

    >>> to_bytes("aGk=", path="data")
    b'hi'
    """
    if isinstance(value, bytes):
        return value
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        text = "".join(value.split())
        try:
            altchars = b"-_" if "-" in text or "_" in text else None
            return base64.b64decode(text + "=" * (-len(text) % 4), altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"{path}: a str for bytes must be base64; got {describe(value)}") from None
    raise type_error(path, "bytes or base64 text", value)


# ---------------------------------------------------------------------------------------------------
# Well-known types: Struct, Value, ListValue, Duration, Timestamp

_JSON = "a JSON value (dict with str keys, list, str, int, float, bool or None)"


def _own_or_foreign(target: Message, value: Any, path: str) -> bool:
    """Copy `value` into `target` when it is a message of the same type (ours or foreign)."""
    if isinstance(value, Message) and value.DESCRIPTOR.full_name == target.DESCRIPTOR.full_name:
        own = value if value.DESCRIPTOR.file.pool is POOL else foreign_to_own(value, path=path)
        if own is not None:
            target.CopyFrom(own)
            return True
    return False


def _fill_struct(target: Message, value: Any, path: str, depth: int) -> None:
    if _own_or_foreign(target, value, path):
        return
    if not isinstance(value, Mapping):
        raise type_error(path, "a dict (JSON object)", value)
    fields = getattr(target, "fields")  # noqa: B009 - Struct.fields, typed loosely on purpose
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{path}: keys must be str; got {describe(key)}")
        try:
            entry = fields[key]
        except UnicodeEncodeError as err:
            raise text_error(f"{path}[{key!r}]", err, "the key") from None
        _fill_value(entry, item, f"{path}[{key!r}]", depth + 1)


def _fill_list(target: Message, value: Any, path: str, depth: int) -> None:
    if _own_or_foreign(target, value, path):
        return
    if not isinstance(value, list | tuple):
        raise type_error(path, "a list (JSON array)", value)
    values = getattr(target, "values")  # noqa: B009
    for i, item in enumerate(value):
        _fill_value(values.add(), item, f"{path}[{i}]", depth + 1)


_VALUE_KINDS = {"google.protobuf.Struct": "struct_value", "google.protobuf.ListValue": "list_value"}


def _fill_value(target: Any, value: Any, path: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise ValueError(f"{_clip(path)}: nested too deeply: more than {_MAX_DEPTH} levels (a cycle?)")
    if value is None:
        target.null_value = 0
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        try:
            target.number_value = float(value)
        except OverflowError:
            raise ValueError(f"{path}: {describe(value)} is too large for a JSON number") from None
    elif isinstance(value, str):
        try:
            target.string_value = value if type(value) is str else str.__str__(value)
        except UnicodeEncodeError as err:
            raise text_error(path, err) from None
    elif isinstance(value, Message):  # Value, Struct or ListValue of any pool (Struct is also a Mapping)
        field = _VALUE_KINDS.get(value.DESCRIPTOR.full_name)
        sub = getattr(target, field) if field else target
        if field:
            sub.SetInParent()
        if not _own_or_foreign(sub, value, path):
            raise type_error(path, _JSON, value)
    elif isinstance(value, Mapping):
        target.struct_value.SetInParent()
        _fill_struct(target.struct_value, value, path, depth)
    elif isinstance(value, list | tuple):
        target.list_value.SetInParent()
        _fill_list(target.list_value, value, path, depth)
    else:
        raise type_error(path, _JSON, value)


def _clip(path: str) -> str:
    return path if len(path) <= 160 else f"{path[:100]}...{path[-50:]}"


def _fill_duration(target: Any, value: Any, path: str, depth: int) -> None:
    if isinstance(value, datetime.timedelta):
        target.FromTimedelta(value)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            target.FromNanoseconds(round(value * 1e9))
        except (ValueError, OverflowError):
            raise ValueError(f"{path}: {describe(value)} is not a valid number of seconds") from None
    elif isinstance(value, str):
        try:
            target.FromJsonString(value)
        except ValueError:
            raise ValueError(f"{path}: expected a duration such as '1.5s'; got {value!r}") from None
    elif isinstance(value, Mapping):
        fill_message(target, value, path=path)
    elif not _own_or_foreign(target, value, path):
        raise type_error(path, "seconds (int/float), a datetime.timedelta or a str such as '1.5s'", value)


def _fill_timestamp(target: Any, value: Any, path: str, depth: int) -> None:
    if isinstance(value, datetime.datetime):
        target.FromDatetime(value)
    elif isinstance(value, str):
        try:
            target.FromJsonString(value)
        except ValueError:
            raise ValueError(f"{path}: expected an RFC 3339 timestamp; got {value!r}") from None
    elif isinstance(value, Mapping):
        fill_message(target, value, path=path)
    elif not _own_or_foreign(target, value, path):
        raise type_error(path, "a datetime.datetime or an RFC 3339 str", value)


_WELL_KNOWN: dict[str, Callable[[Any, Any, str, int], None]] = {
    "google.protobuf.Struct": _fill_struct,
    "google.protobuf.Value": _fill_value,
    "google.protobuf.ListValue": _fill_list,
    "google.protobuf.Duration": _fill_duration,
    "google.protobuf.Timestamp": _fill_timestamp,
}
