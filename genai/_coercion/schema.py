"""Response and parameter schemas from Python types or dicts, and parsing JSON back into those types.

    >>> to_schema(list[int]).items.type == pb.Type.INTEGER
    True

`to_schema` accepts a types.Schema (returned as is), a dict in Schema form (type names in any case,
so JSON-Schema-like {"type": "object", ...} works), or a Python type: str, int, float, bool, list[X],
tuple[X, ...], dict[str, X], X | None, unions, Literal["a", "b"], Enum classes, dataclasses,
TypedDicts and pydantic models, nested. Objects keep their declaration order in property_ordering.
`parse_as` turns decoded JSON into an instance of such a type. Nothing here imports pydantic: models
are recognised by their ``model_fields`` / ``model_validate`` attributes.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping, MutableSequence, Sequence
from types import GenericAlias, NoneType, UnionType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, Union

from genai._coercion.base import (
    SupportsModelDump,
    describe,
    foreign_to_own,
    is_genai_model,
    is_list,
    type_error,
)
from genai._coercion.dicts import fill_message
from genai._coercion.errors import text_problem
from genai._wire import messages as pb
from genai.errors import ResponseParseError

__all__ = ["SchemaLike", "is_python_type", "parse_as", "to_schema"]

if TYPE_CHECKING:
    from typing import _SpecialForm

# Every schema shape but a class, for typed configs that take ``type[T]`` besides: Literal[...],
# Optional[...] and Annotated[...] are typing special forms. No bare Any, which would keep a type
# checker from inferring T from a class.
SchemaShape: TypeAlias = "pb.Schema | Mapping[str, Any] | UnionType | _SpecialForm | SupportsModelDump"

SchemaLike: TypeAlias = (
    pb.Schema | Mapping[str, Any] | type[Any] | GenericAlias | UnionType | SupportsModelDump | Any
)
"""A Schema, its dict, or a Python type (``Any`` in the union: Optional[...], Literal[...] and
Annotated[...] have no public static type)."""

SCHEMA_SHAPES = (
    "a types.Schema, a dict such as {'type': 'OBJECT', 'properties': {...}}, or a Python type "
    "(str, int, float, bool, list[X], dict[str, X], X | None, Literal[...], an Enum, a dataclass, "
    "a TypedDict or a pydantic model)"
)
_SUPPORTED = (
    "str, int, float, bool, list[X], tuple[X, ...], dict[str, X], X | None, unions, Literal['a', ...], "
    "Enum classes, dataclasses, TypedDicts and pydantic models"
)
_LISTS = (list, set, frozenset, Sequence, MutableSequence)
_DICTS = (dict, Mapping)
_WRAPPERS = frozenset({"Required", "NotRequired", "ReadOnly"})
_CACHE: dict[Any, pb.Schema] = {}
_CACHE_LIMIT = 512


class _Problem(Exception):
    """A type that cannot be described, found at `rel` below the root type."""

    def __init__(self, rel: str, message: str) -> None:
        super().__init__(message)
        self.rel = rel
        self.message = message


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


def to_schema(value: SchemaLike, *, path: str = "response_schema") -> pb.Schema:
    """A Schema from a types.Schema (as is), a Schema dict, or a Python type.

    >>> to_schema({"type": "object", "properties": {"n": {"type": "integer"}}}).properties["n"].type
    3
    """
    if type(value) is pb.Schema:
        return value
    if isinstance(value, Mapping):
        return _dict_schema(value, path)
    if is_python_type(value):
        schema = pb.Schema()
        schema.CopyFrom(_cached_type_schema(value, path))
        return schema
    own = foreign_to_own(value, path=path)
    if isinstance(own, pb.Schema):
        return own
    if own is None and is_genai_model(value):
        return _dict_schema(value.model_dump(exclude_none=True), path)
    raise type_error(path, SCHEMA_SHAPES, value)


def _dict_schema(value: Mapping[Any, Any], path: str) -> pb.Schema:
    kind = value.get("type")
    if is_list(kind):  # JSON Schema's ["string", "null"]
        others = [t for t in kind if not (isinstance(t, str) and t.lower() == "null")]
        if len(others) != 1:
            raise ValueError(f"{path}.type: a list of types must be [T, 'null']; use any_of for others")
        value = {
            **value,
            "type": others[0],
            "nullable": True if len(others) < len(kind) else value.get("nullable"),
        }
    schema = pb.Schema()
    fill_message(schema, value, path=path)
    if schema.required and schema.properties:
        for name in schema.required:
            if name not in schema.properties:
                raise ValueError(
                    f"{path}.required: {name!r} is not one of the properties {list(schema.properties)}"
                )
    return schema


def _cached_type_schema(tp: Any, path: str) -> pb.Schema:
    try:
        try:
            hit = _CACHE.get(tp)
        except TypeError:  # unhashable metadata inside Annotated[...]
            return _type_schema(tp, (), "")
        if hit is None:
            hit = _type_schema(tp, (), "")
            if len(_CACHE) >= _CACHE_LIMIT:
                _CACHE.clear()
            _CACHE[tp] = hit
        return hit
    except _Problem as problem:
        raise ValueError(f"{path}{problem.rel}: {problem.message}") from None


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated or getattr(origin, "_name", None) in _WRAPPERS:
            tp = typing.get_args(tp)[0]
        elif hasattr(tp, "__supertype__") and not isinstance(tp, type):
            tp = tp.__supertype__
        else:
            return tp


def _type_name(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else repr(tp)


_PRIMITIVES = {
    str: pb.Type.STRING,
    int: pb.Type.INTEGER,
    float: pb.Type.NUMBER,
    bool: pb.Type.BOOLEAN,
}


def _type_schema(tp: Any, stack: tuple[type, ...], rel: str) -> pb.Schema:
    tp = _unwrap(tp)
    primitive = _PRIMITIVES.get(tp) if isinstance(tp, type) else None
    if primitive is not None:
        return pb.Schema(type=primitive)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union or origin is UnionType:
        return _union_schema(args, stack, rel)
    if origin is Literal:
        return _literal_schema(args, rel)
    if origin in _LISTS:
        if not args:
            raise _Problem(rel, "give the item type, e.g. list[str]")
        return _array_schema(_type_schema(args[0], stack, f"{rel}.items"))
    if origin is tuple:
        return _tuple_schema(args, stack, rel)
    if origin in _DICTS:
        if args and _unwrap(args[0]) is not str:
            raise _Problem(rel, f"object keys are strings; got key type {_type_name(args[0])}")
        if args:
            _type_schema(args[1], stack, f"{rel}.values")  # must be describable even though unused
        return pb.Schema(type=pb.Type.OBJECT)
    if tp in (dict, Mapping):
        return pb.Schema(type=pb.Type.OBJECT)
    if tp in (list, tuple, set, frozenset, Sequence):
        raise _Problem(rel, f"give the item type, e.g. {_type_name(tp)}[str]")
    if isinstance(tp, type):
        if tp in stack:
            raise _Problem(rel, f"{tp.__name__} refers to itself; a Schema cannot describe recursive types")
        if issubclass(tp, enum.Enum):
            return _enum_schema(tp, rel)
        inner = (*stack, tp)
        if dataclasses.is_dataclass(tp):
            return _object_schema(_dataclass_fields(tp, rel), inner, rel)
        if _is_typeddict(tp):
            return _object_schema(_typeddict_fields(tp, rel), inner, rel)
        if _is_pydantic_model(tp):
            schema = _object_schema(_pydantic_fields(tp), inner, rel)
            if tp.__doc__:
                try:
                    schema.description = tp.__doc__.strip()
                except UnicodeEncodeError as err:
                    raise _Problem(rel, text_problem(err, f"the docstring of {tp.__name__}")) from None
            return schema
    raise _Problem(rel, f"cannot describe {_type_name(tp)} as a Schema; supported: {_SUPPORTED}")


def _union_schema(args: tuple[Any, ...], stack: tuple[type, ...], rel: str) -> pb.Schema:
    others = [a for a in args if a is not NoneType and a is not None]
    if len(others) == 1:
        schema = _type_schema(others[0], stack, rel)
    else:
        schema = pb.Schema()
        for i, option in enumerate(others):
            schema.any_of.add().CopyFrom(_type_schema(option, stack, f"{rel}.any_of[{i}]"))
    if len(others) < len(args):
        schema.nullable = True
    return schema


def _literal_schema(args: tuple[Any, ...], rel: str) -> pb.Schema:
    values = [a for a in args if a is not None]
    if not values or not all(isinstance(v, str) for v in values):
        raise _Problem(rel, f"only str literals can be described (Schema enums hold strings); got {args!r}")
    schema = pb.Schema(type=pb.Type.STRING, format="enum", nullable=len(values) < len(args))
    _set_enum(schema, values, rel)
    return schema


def _set_enum(schema: pb.Schema, values: list[str], rel: str) -> None:
    try:
        schema.enum.extend(values)
    except UnicodeEncodeError as err:
        raise _Problem(rel, text_problem(err, "an enum value")) from None


def _tuple_schema(args: tuple[Any, ...], stack: tuple[type, ...], rel: str) -> pb.Schema:
    if len(args) == 2 and args[1] is Ellipsis:
        return _array_schema(_type_schema(args[0], stack, f"{rel}.items"))
    if not args or any(a != args[0] for a in args):
        raise _Problem(rel, "tuples must be tuple[X, ...] or hold one item type, e.g. tuple[float, float]")
    schema = _array_schema(_type_schema(args[0], stack, f"{rel}.items"))
    schema.min_items = schema.max_items = len(args)
    return schema


def _array_schema(items: pb.Schema) -> pb.Schema:
    # CopyFrom, not Schema(items=...): upb builds message arguments (and MergeFrom, append, extend)
    # by serialising and parsing, which raises DecodeError past 100 levels; the request builders
    # refuse such a schema with a path instead.
    schema = pb.Schema(type=pb.Type.ARRAY)
    schema.items.CopyFrom(items)
    return schema


def _enum_schema(tp: type[enum.Enum], rel: str) -> pb.Schema:
    values = []
    for member in tp:
        value = member.value
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise _Problem(rel, f"{tp.__name__}.{member.name}: only str and int enum values can be described")
        values.append(str(value))
    schema = pb.Schema(type=pb.Type.STRING, format="enum")
    _set_enum(schema, values, rel)
    return schema


_Field: TypeAlias = tuple[str, Any, bool, str]  # name, annotation, required, description


def _hints(tp: type, rel: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(tp, include_extras=True)
    except Exception as exc:
        raise _Problem(rel, f"cannot resolve the annotations of {tp.__name__}: {exc}") from None


def _dataclass_fields(tp: type, rel: str) -> list[_Field]:
    hints = _hints(tp, rel)
    out: list[_Field] = []
    for field in dataclasses.fields(tp):
        if not field.init:
            continue
        required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
        description = field.metadata.get("description", "") if field.metadata else ""
        out.append((field.name, hints.get(field.name, field.type), required, str(description)))
    return out


def _is_typeddict(tp: type) -> bool:
    return issubclass(tp, dict) and hasattr(tp, "__required_keys__") and hasattr(tp, "__optional_keys__")


def _typeddict_fields(tp: type, rel: str) -> list[_Field]:
    required_keys: frozenset[str] = getattr(tp, "__required_keys__", frozenset())
    out: list[_Field] = []
    for name, hint in _hints(tp, rel).items():
        # Required[...]/NotRequired[...] decide; __required_keys__ misses them under postponed annotations.
        marker = getattr(typing.get_origin(hint), "_name", None)
        required = marker == "Required" or (marker != "NotRequired" and name in required_keys)
        out.append((name, hint, required, ""))
    return out


def _is_pydantic_model(tp: type) -> bool:
    return isinstance(getattr(tp, "model_fields", None), dict) and hasattr(tp, "model_validate")


def _pydantic_fields(tp: type) -> list[_Field]:
    out: list[_Field] = []
    for name, info in getattr(tp, "model_fields").items():  # noqa: B009 - no pydantic import
        key = info.alias or name
        out.append((key, info.annotation, bool(info.is_required()), info.description or ""))
    return out


def _object_schema(fields: list[_Field], stack: tuple[type, ...], rel: str) -> pb.Schema:
    schema = pb.Schema(type=pb.Type.OBJECT)
    for name, annotation, required, description in fields:
        try:
            name.encode()  # a field name with a lone surrogate (from a functional TypedDict, an alias)
        except UnicodeEncodeError as err:
            raise _Problem(rel, text_problem(err, f"the field name {name!r}")) from None
        sub = _type_schema(annotation, stack, f"{rel}.{name}")
        if description and not sub.description:
            try:
                sub.description = description
            except UnicodeEncodeError as err:
                raise _Problem(f"{rel}.{name}", text_problem(err, "the description")) from None
        schema.properties[name].CopyFrom(sub)
        schema.property_ordering.append(name)
        if required:
            schema.required.append(name)
    return schema


# ---------------------------------------------------------------------------------------------------
# Parsing decoded JSON into the Python type given as response_schema


def parse_as(data: Any, target: Any, *, path: str = "parsed") -> Any:
    """`data` (decoded JSON) as an instance of the Python type `target`; Schemas/dicts: `data` as is.

    >>> parse_as({"x": 1}, dict[str, int])
    {'x': 1}

    Raises genai.errors.ResponseParseError (a ValueError) naming the path of the first mismatch.
    """
    if not is_python_type(target):
        return data
    return _parse(data, target, path)


def _fail(path: str, tp: Any, data: Any) -> ResponseParseError:
    return ResponseParseError(f"{path}: expected {_type_name(tp)}; got {describe(data)}")


def _parse(data: Any, tp: Any, path: str) -> Any:
    tp = _unwrap(tp)
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
    if tp is NoneType or tp is None:
        if data is None:
            return None
        raise _fail(path, tp, data)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union or origin is UnionType:
        return _parse_union(data, tp, args, path)
    if origin is Literal:
        for option in args:
            if data == option and type(data) is type(option):
                return option
        raise ResponseParseError(f"{path}: expected one of {list(args)!r}; got {describe(data)}")
    if origin in _LISTS or origin is tuple or tp in (list, tuple, set, frozenset):
        return _parse_sequence(data, tp, origin or tp, args, path)
    if origin in _DICTS or tp in (dict, Mapping):
        if not isinstance(data, Mapping):
            raise _fail(path, tp, data)
        if not args:
            return dict(data)
        return {key: _parse(item, args[1], f"{path}[{key!r}]") for key, item in data.items()}
    if isinstance(tp, type):
        return _parse_class(data, tp, path)
    raise ResponseParseError(f"{path}: cannot parse into {_type_name(tp)}")


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
    raise ResponseParseError(f"{path}: matches no option of {_type_name(tp)} ({'; '.join(problems)})")


def _parse_sequence(data: Any, tp: Any, origin: Any, args: tuple[Any, ...], path: str) -> Any:
    if not isinstance(data, list | tuple):
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


_FIELDS: dict[type, list[_Field]] = {}


def _parse_fields(tp: type, path: str) -> list[_Field]:
    fields = _FIELDS.get(tp)
    if fields is None:
        try:
            if dataclasses.is_dataclass(tp):
                fields = _dataclass_fields(tp, "")
            elif _is_typeddict(tp):
                fields = _typeddict_fields(tp, "")
            else:
                raise ResponseParseError(f"{path}: cannot parse into {tp.__name__}")
        except _Problem as problem:
            raise ResponseParseError(f"{path}: {problem.message}") from None
        if len(_FIELDS) >= _CACHE_LIMIT:
            _FIELDS.clear()
        _FIELDS[tp] = fields
    return fields


def _parse_class(data: Any, tp: type, path: str) -> Any:
    if issubclass(tp, enum.Enum):
        for member in tp:
            if (member.value == data and type(member.value) is type(data)) or (
                isinstance(data, str) and str(member.value) == data
            ):
                return member
        accepted = [str(m.value) for m in tp]
        raise ResponseParseError(
            f"{path}: expected one of {accepted!r} ({tp.__name__}); got {describe(data)}"
        )
    if _is_pydantic_model(tp):
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
