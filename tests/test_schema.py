"""to_schema (messages, dicts, Python types) and parse_as (decoded JSON -> instances of those types)."""

from __future__ import annotations

import copy
import dataclasses
import enum
import sys
import typing
from collections.abc import Sequence
from typing import Annotated, Any, Literal, NewType, Optional, TypedDict, Union

import pytest

if sys.version_info >= (3, 11):
    from typing import Required
else:  # Required is new in 3.11; typing_extensions has it for 3.10
    from typing_extensions import Required

from genai import types
from genai._coercion.schema import is_python_type, parse_as, to_schema
from genai.errors import ResponseParseError
from tests.expect import error

T = types.Type


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Address:
    city: str
    zip_code: str | None = None


@dataclasses.dataclass
class Person:
    name: str
    age: int
    address: Address
    tags: list[str] = dataclasses.field(default_factory=list)
    color: Color = Color.RED
    score: float = dataclasses.field(default=0.0, metadata={"description": "How good."})
    internal: int = dataclasses.field(default=0, init=False)


class Movie(TypedDict, total=False):
    title: Required[str]
    year: int


class Point(TypedDict):
    x: float
    y: float


@dataclasses.dataclass
class Node:
    value: int
    children: list[Node]


@dataclasses.dataclass
class Ping:
    pong: Pong | None


@dataclasses.dataclass
class Pong:
    ping: Ping


UserId = NewType("UserId", int)


# ---------------------------------------------------------------------------------------------------
# to_schema: messages and dicts


def test_schema_message_passes_through() -> None:
    schema = types.Schema(type=T.STRING)
    assert to_schema(schema) is schema


def test_schema_dicts_any_case() -> None:
    schema = to_schema(
        {
            "type": "object",
            "properties": {
                "name": {"type": "string", "description": "Who."},
                "tags": {"type": "ARRAY", "items": {"type": "String"}},
                "kind": {"type": "string", "enum": ["a", "b"], "format": "enum"},
                "n": {"type": "integer", "nullable": True, "minimum": 0},
            },
            "required": ["name"],
            "propertyOrdering": ["name", "tags", "kind", "n"],
            "anyOf": [{"type": "object"}],
        }
    )
    assert schema.type == T.OBJECT
    assert schema.properties["name"].description == "Who."
    assert schema.properties["tags"].items.type == T.STRING
    assert list(schema.properties["kind"].enum) == ["a", "b"]
    assert schema.properties["n"].nullable is True
    assert schema.properties["n"].minimum == 0
    assert list(schema.property_ordering) == ["name", "tags", "kind", "n"]
    assert schema.any_of[0].type == T.OBJECT


def test_schema_dict_with_python_types_inside() -> None:
    schema = to_schema({"type": "object", "properties": {"a": int, "b": list[str]}})
    assert schema.properties["a"].type == T.INTEGER
    assert schema.properties["b"].items.type == T.STRING


def test_json_schema_style_nullable_type_list() -> None:
    schema = to_schema({"type": ["string", "null"]})
    assert schema.type == T.STRING
    assert schema.nullable is True
    assert to_schema({"type": ["integer"]}).type == T.INTEGER
    error(
        ValueError,
        to_schema,
        {"type": ["string", "integer"]},
        at="response_schema.type",
        mentions=("any_of",),
    )


def test_dict_errors() -> None:
    error(
        ValueError,
        to_schema,
        {"type": "object", "properties": {"a": {"type": "array", "items": {"type": "strng"}}}},
        at="response_schema.properties['a'].items.type",
        mentions=("STRING", "any case"),
    )
    error(
        ValueError,
        to_schema,
        {"type": "object", "additionalProperties": False},
        at="response_schema",
        mentions=("response_json_schema",),
    )
    error(
        ValueError,
        to_schema,
        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["b"]},
        at="response_schema.required",
        mentions=("'b'",),
    )
    error(
        TypeError,
        to_schema,
        {"type": "string", "enum": [1, 2]},
        at="response_schema.enum[0]",
        mentions=("a str",),
    )
    error(
        TypeError,
        to_schema,
        {"type": "object", "properties": {"a": 5}},
        at="response_schema.properties['a']",
        mentions=("Python type",),
    )


def test_cyclic_schema_dict_is_a_value_error() -> None:
    cyclic: dict[str, Any] = {"type": "array"}
    cyclic["items"] = cyclic
    with pytest.raises(ValueError, match="nested too deeply: more than 100 levels") as info:
        to_schema(cyclic)
    assert str(info.value).startswith("response_schema.items.items")


def test_dict_input_not_mutated() -> None:
    given = {"type": ["string", "null"], "properties": {"a": {"type": "string"}}}
    snapshot = copy.deepcopy(given)
    to_schema(given)
    assert given == snapshot


# ---------------------------------------------------------------------------------------------------
# to_schema: Python types


@pytest.mark.parametrize(
    ("tp", "kind"), [(str, T.STRING), (int, T.INTEGER), (float, T.NUMBER), (bool, T.BOOLEAN)]
)
def test_primitives(tp: type, kind: int) -> None:
    assert to_schema(tp) == types.Schema(type=kind)


@pytest.mark.parametrize(
    "tp",
    [list[int], Sequence[int], set[int], frozenset[int], tuple[int, ...], typing.List[int]],  # noqa: UP006
)
def test_arrays(tp: Any) -> None:
    schema = to_schema(tp)
    assert schema.type == T.ARRAY
    assert schema.items.type == T.INTEGER


def test_fixed_tuples() -> None:
    schema = to_schema(tuple[float, float])
    assert (schema.type, schema.items.type, schema.min_items, schema.max_items) == (T.ARRAY, T.NUMBER, 2, 2)
    error(ValueError, to_schema, tuple[int, str], at="response_schema", mentions=("tuple[X, ...]",))


def test_dicts() -> None:
    assert to_schema(dict[str, int]) == types.Schema(type=T.OBJECT)
    assert to_schema(dict) == types.Schema(type=T.OBJECT)
    error(ValueError, to_schema, dict[int, str], at="response_schema", mentions=("keys are strings",))
    error(ValueError, to_schema, dict[str, complex], at="response_schema.values", mentions=("complex",))


def test_optional_and_unions() -> None:
    assert to_schema(Optional[int]) == types.Schema(type=T.INTEGER, nullable=True)  # noqa: UP045 - the typing form is what is tested
    assert to_schema(int | None) == types.Schema(type=T.INTEGER, nullable=True)
    union = to_schema(Union[int, str])  # noqa: UP007 - the typing form is what is tested
    assert [s.type for s in union.any_of] == [T.INTEGER, T.STRING]
    assert union.nullable is False
    nullable_union = to_schema(int | str | None)
    assert nullable_union.nullable is True
    assert len(nullable_union.any_of) == 2


def test_literals_and_enums() -> None:
    literal = to_schema(Literal["a", "b"])
    assert (literal.type, literal.format, list(literal.enum)) == (T.STRING, "enum", ["a", "b"])
    assert to_schema(Optional[Literal["x"]]).nullable is True  # noqa: UP045 - the typing form is what is tested
    color = to_schema(Color)
    assert (color.type, list(color.enum)) == (T.STRING, ["red", "green"])
    assert list(to_schema(Level).enum) == ["1", "2"]
    error(ValueError, to_schema, Literal[1, 2], at="response_schema", mentions=("only str literals",))


def test_dataclass() -> None:
    schema = to_schema(Person)
    assert schema.type == T.OBJECT
    assert list(schema.property_ordering) == ["name", "age", "address", "tags", "color", "score"]
    assert list(schema.required) == ["name", "age", "address"]
    address = schema.properties["address"]
    assert list(address.property_ordering) == ["city", "zip_code"]
    assert list(address.required) == ["city"]
    assert address.properties["zip_code"].nullable is True
    assert schema.properties["tags"].items.type == T.STRING
    assert list(schema.properties["color"].enum) == ["red", "green"]
    assert schema.properties["score"].description == "How good."
    assert "internal" not in schema.properties


def test_typeddict() -> None:
    movie = to_schema(Movie)
    assert list(movie.property_ordering) == ["title", "year"]
    assert list(movie.required) == ["title"]
    point = to_schema(Point)
    assert list(point.required) == ["x", "y"]


def test_pydantic_model() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Inner(pydantic.BaseModel):
        value: int

    class Outer(pydantic.BaseModel):
        """An outer model."""

        name: str = pydantic.Field(description="The name.")
        alias_field: int = pydantic.Field(alias="aliasField", default=0)
        inner: Inner
        maybe: Inner | None = None

    schema = to_schema(Outer)
    assert schema.description == "An outer model."
    assert list(schema.property_ordering) == ["name", "aliasField", "inner", "maybe"]
    assert list(schema.required) == ["name", "inner"]
    assert schema.properties["name"].description == "The name."
    assert schema.properties["inner"].properties["value"].type == T.INTEGER
    assert schema.properties["maybe"].nullable is True


def test_bytes_are_base64_strings() -> None:
    assert to_schema(bytes) == types.Schema(type=T.STRING, format="byte")
    assert to_schema(bytes | None) == types.Schema(type=T.STRING, format="byte", nullable=True)
    assert to_schema(list[bytes]).items == types.Schema(type=T.STRING, format="byte")


def test_wrappers_are_unwrapped() -> None:
    assert to_schema(Annotated[int, "meta"]) == types.Schema(type=T.INTEGER)
    assert to_schema(UserId) == types.Schema(type=T.INTEGER)
    assert to_schema(Annotated[list[str], {"unhashable": []}]).items.type == T.STRING


def test_recursive_types_are_rejected() -> None:
    error(
        ValueError,
        to_schema,
        Node,
        at="response_schema.children.items",
        mentions=("Node refers to itself", "recursive"),
    )
    error(ValueError, to_schema, Ping, at="response_schema.pong.ping", mentions=("Ping refers to itself",))


@pytest.mark.parametrize("tp", [complex, bytearray, Any, type(None), object, list, tuple, Literal[True]])
def test_unsupported_types(tp: Any) -> None:
    error(ValueError, to_schema, tp, at="config.response_schema", mentions=(), path="config.response_schema")


def test_unsupported_type_message_lists_what_is_supported() -> None:
    error(
        ValueError,
        to_schema,
        list[complex],
        at="response_schema.items",
        mentions=("dataclasses", "TypedDict", "pydantic"),
    )
    error(ValueError, to_schema, list, at="response_schema", mentions=("list[str]",))


@pytest.mark.parametrize("bad", [5, "string", None, 1.5, [str], object()])
def test_non_types_are_type_errors(bad: Any) -> None:
    error(TypeError, to_schema, bad, at="response_schema", mentions=("types.Schema", "Python type"))


def test_cached_schemas_are_not_shared() -> None:
    first = to_schema(Person)
    first.properties.clear()
    second = to_schema(Person)
    assert "name" in second.properties
    assert first is not second


def test_unresolvable_annotations() -> None:
    @dataclasses.dataclass
    class Broken:
        x: Missing  # type: ignore[name-defined]  # noqa: F821

    error(ValueError, to_schema, Broken, at="response_schema", mentions=("cannot resolve",))


def test_interop_schemas() -> None:
    glm = pytest.importorskip("google.ai.generativelanguage_v1beta")
    assert to_schema(glm.Schema(type=glm.Type.STRING)) == types.Schema(type=T.STRING)
    gtypes = pytest.importorskip("google.genai.types")
    google = gtypes.Schema(type="OBJECT", properties={"a": gtypes.Schema(type="INTEGER")}, required=["a"])
    schema = to_schema(google)
    assert schema.properties["a"].type == T.INTEGER
    assert list(schema.required) == ["a"]


def test_is_python_type() -> None:
    assert all(is_python_type(t) for t in (int, list[int], Optional[int], Literal["a"], UserId, Any, Person))  # noqa: UP045 - the typing form is what is tested
    assert not any(is_python_type(v) for v in ({"type": "STRING"}, types.Schema(), "str", 5))


# ---------------------------------------------------------------------------------------------------
# parse_as


def test_parse_primitives() -> None:
    assert parse_as("x", str) == "x"
    assert parse_as(3, int) == 3
    assert parse_as(3.0, int) == 3
    assert type(parse_as(3.0, int)) is int
    assert parse_as(2, float) == 2.0
    assert type(parse_as(2, float)) is float
    assert parse_as(True, bool) is True
    assert parse_as(None, Optional[int]) is None  # noqa: UP045 - the typing form is what is tested
    for data, tp in [(1, str), (True, int), (3.5, int), ("1", float), (1, bool), ("x", type(None))]:
        error(ResponseParseError, parse_as, data, tp, at="parsed")


def test_parse_bytes_from_base64() -> None:
    assert parse_as("aGk=", bytes) == b"hi"
    assert parse_as("aGk", bytes) == b"hi"  # padding optional
    assert parse_as(["-_8="], list[bytes]) == [b"\xfb\xff"]  # URL-safe alphabet
    error(ResponseParseError, parse_as, "a*b", bytes, at="parsed", mentions=("base64",))
    error(ResponseParseError, parse_as, 5, bytes, at="parsed", mentions=("base64", "int 5"))


def test_parse_containers() -> None:
    assert parse_as([1, 2], list[int]) == [1, 2]
    assert parse_as([1, 2], tuple[int, ...]) == (1, 2)
    assert parse_as([1.5, 2], tuple[float, float]) == (1.5, 2.0)
    assert parse_as(["a", "a"], set[str]) == {"a"}
    assert parse_as({"a": 1}, dict[str, int]) == {"a": 1}
    assert parse_as([1], list) == [1]
    error(
        ResponseParseError,
        parse_as,
        [1, "x"],
        list[int],
        at="parsed[1]",
        mentions=("expected int", "str 'x'"),
    )
    error(ResponseParseError, parse_as, {"a": "x"}, dict[str, int], at="parsed['a']")
    error(ResponseParseError, parse_as, [1, 2, 3], tuple[int, int], at="parsed", mentions=("2 items",))
    error(ResponseParseError, parse_as, "not a list", list[int], at="parsed")


def test_parse_unions_literals_enums() -> None:
    assert parse_as("x", Union[int, str]) == "x"  # noqa: UP007 - the typing form is what is tested
    assert parse_as(5, int | str) == 5
    error(ResponseParseError, parse_as, 1.5, Union[int, str], at="parsed", mentions=("no option",))  # noqa: UP007 - the typing form is what is tested
    assert parse_as("b", Literal["a", "b"]) == "b"
    error(ResponseParseError, parse_as, "c", Literal["a", "b"], at="parsed", mentions=("'a'",))
    assert parse_as("green", Color) is Color.GREEN
    assert parse_as("2", Level) is Level.HIGH
    assert parse_as(2, Level) is Level.HIGH
    assert parse_as(2.0, Level) is Level.HIGH  # JSON numbers may arrive as floats
    assert parse_as("GREEN", Color) is Color.GREEN  # by member name when no value matches
    assert parse_as(2.0, Literal[1, 2]) == 2
    assert type(parse_as(2.0, Literal[1, 2])) is int
    error(ResponseParseError, parse_as, 2.5, Literal[1, 2], at="parsed")
    error(ResponseParseError, parse_as, "blue", Color, at="parsed", mentions=("'red'", "Color"))


def test_parse_dataclasses() -> None:
    data = {
        "name": "Ada",
        "age": 36.0,
        "address": {"city": "London"},
        "tags": ["math"],
        "color": "green",
        "extra": "ignored",
    }
    person = parse_as(data, Person)
    assert person == Person(
        name="Ada", age=36, address=Address(city="London"), tags=["math"], color=Color.GREEN
    )
    assert isinstance(person.address, Address)
    assert data["address"] == {"city": "London"}  # input untouched
    error(
        ResponseParseError, parse_as, {"name": "Ada", "age": 1}, Person, at="parsed", mentions=("'address'",)
    )
    error(ResponseParseError, parse_as, {**data, "address": {"city": 5}}, Person, at="parsed.address.city")
    error(ResponseParseError, parse_as, [data, {**data, "age": "x"}], list[Person], at="parsed[1].age")
    error(ResponseParseError, parse_as, "Ada", Person, at="parsed", mentions=("Person",))


def test_parse_typeddicts() -> None:
    assert parse_as({"title": "Up", "year": 2009}, Movie) == {"title": "Up", "year": 2009}
    assert parse_as({"title": "Up"}, Movie) == {"title": "Up"}
    error(ResponseParseError, parse_as, {"year": 2009}, Movie, at="parsed", mentions=("'title'",))
    assert parse_as({"x": 1, "y": 2.5}, Point) == {"x": 1.0, "y": 2.5}


def test_parse_pydantic() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Model(pydantic.BaseModel):
        a: int
        b: list[str] = pydantic.Field(default_factory=list)

    assert parse_as({"a": 1, "b": ["x"]}, Model) == Model(a=1, b=["x"])
    with pytest.raises(ResponseParseError) as info:
        parse_as([{"a": "nope"}], list[Model])
    assert str(info.value).startswith("parsed[0]: not a valid Model")
    assert isinstance(info.value, ValueError)


def test_parse_as_passes_non_types_through() -> None:
    data = {"a": [1]}
    assert parse_as(data, types.Schema(type=T.OBJECT)) is data
    assert parse_as(data, {"type": "OBJECT"}) is data
    assert parse_as(data, None) is data
    assert parse_as(data, Any) is data


def test_parse_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^answer\.age: expected int"):
        parse_as({"name": "x", "age": "old", "address": {"city": "c"}}, Person, path="answer")
