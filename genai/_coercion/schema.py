"""Response and parameter schemas from Python types or dicts.

    >>> to_schema(list[int]).items.type == pb.Type.INTEGER
    True

`to_schema` accepts a types.Schema (returned as is), a dict in Schema form (type names in any case,
so JSON-Schema-like {"type": "object", ...} works), or a Python type: str, int, float, bool, bytes
(a STRING of format "byte": base64 text on the wire), list[X], tuple[X, ...], dict[str, X],
X | None, unions, Literal["a", "b"], Enum classes, dataclasses, TypedDicts and pydantic models,
nested. Objects keep their declaration order in property_ordering. `parse_as` (genai._coercion.parsing,
re-exported here) turns decoded JSON into an instance of such a type. Nothing here imports pydantic:
models are recognised by their ``model_fields`` / ``model_validate`` attributes.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from collections.abc import Mapping, Sequence
from types import GenericAlias, NoneType, UnionType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, Union

from genai._coercion.base import (
    SupportsModelDump,
    foreign_to_own,
    is_genai_model,
    is_list,
    type_error,
)
from genai._coercion.dicts import fill_message
from genai._coercion.errors import text_problem
from genai._coercion.parsing import parse_as
from genai._coercion.typeinfo import (
    DICTS,
    LISTS,
    Field,
    is_pydantic_model,
    is_python_type,
    is_typeddict,
    object_fields,
    type_name,
    unwrap,
)
from genai._coercion.typeinfo import TypeProblem as _Problem
from genai._wire import messages as pb

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
    "(str, int, float, bool, bytes, list[X], dict[str, X], X | None, Literal[...], an Enum, a dataclass, "
    "a TypedDict or a pydantic model)"
)
_SUPPORTED = (
    "str, int, float, bool, bytes, list[X], tuple[X, ...], dict[str, X], X | None, unions, "
    "Literal['a', ...], Enum classes, dataclasses, TypedDicts and pydantic models"
)
_CACHE: dict[Any, pb.Schema] = {}
_CACHE_LIMIT = 512


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


_PRIMITIVES = {
    str: pb.Type.STRING,
    int: pb.Type.INTEGER,
    float: pb.Type.NUMBER,
    bool: pb.Type.BOOLEAN,
}


def _type_schema(tp: Any, stack: tuple[type, ...], rel: str) -> pb.Schema:
    tp = unwrap(tp)
    primitive = _PRIMITIVES.get(tp) if isinstance(tp, type) else None
    if primitive is not None:
        return pb.Schema(type=primitive)
    if tp is bytes:
        return pb.Schema(type=pb.Type.STRING, format="byte")
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is Union or origin is UnionType:
        return _union_schema(args, stack, rel)
    if origin is Literal:
        return _literal_schema(args, rel)
    if origin in LISTS:
        if not args:
            raise _Problem(rel, "give the item type, e.g. list[str]")
        return _array_schema(_type_schema(args[0], stack, f"{rel}.items"))
    if origin is tuple:
        return _tuple_schema(args, stack, rel)
    if origin in DICTS:
        if args and unwrap(args[0]) is not str:
            raise _Problem(rel, f"object keys are strings; got key type {type_name(args[0])}")
        if args:
            _type_schema(args[1], stack, f"{rel}.values")  # must be describable even though unused
        return pb.Schema(type=pb.Type.OBJECT)
    if tp in (dict, Mapping):
        return pb.Schema(type=pb.Type.OBJECT)
    if tp in (list, tuple, set, frozenset, Sequence):
        raise _Problem(rel, f"give the item type, e.g. {type_name(tp)}[str]")
    if isinstance(tp, type):
        if tp in stack:
            raise _Problem(rel, f"{tp.__name__} refers to itself; a Schema cannot describe recursive types")
        if issubclass(tp, enum.Enum):
            return _enum_schema(tp, rel)
        inner = (*stack, tp)
        if dataclasses.is_dataclass(tp) or is_typeddict(tp):
            return _object_schema(object_fields(tp, rel), inner, rel)
        if is_pydantic_model(tp):
            schema = _object_schema(object_fields(tp, rel), inner, rel)
            if tp.__doc__:
                try:
                    schema.description = tp.__doc__.strip()
                except UnicodeEncodeError as err:
                    raise _Problem(rel, text_problem(err, f"the docstring of {tp.__name__}")) from None
            return schema
    raise _Problem(rel, f"cannot describe {type_name(tp)} as a Schema; supported: {_SUPPORTED}")


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


def _object_schema(fields: list[Field], stack: tuple[type, ...], rel: str) -> pb.Schema:
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
