"""The model's arguments (a Struct of JSON values) converted to each annotated parameter type."""

from __future__ import annotations

import dataclasses
import enum
import functools
import sys
from typing import Any, Literal, Optional, TypedDict, Union

import pytest

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:  # NotRequired is new in 3.11; typing_extensions has it for 3.10
    from typing_extensions import NotRequired

from genai import types
from genai._coercion.declarations import callable_spec
from genai._functions.arguments import ArgumentError, convert_arguments, struct_to_dict


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Size(enum.IntEnum):
    SMALL = 1
    LARGE = 2


@dataclasses.dataclass
class Address:
    city: str
    zip_code: str | None = None


@dataclasses.dataclass
class Order:
    item: str
    address: Address
    sizes: list[Size] = dataclasses.field(default_factory=list)


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


def _struct(args: dict[str, Any]) -> Any:
    """The args Struct of a FunctionCall, as the model's reply carries it (numbers become floats)."""
    call = types.FunctionCall(name="f")
    call.args.update(args)
    return call.args


def _one(annotation: Any, value: Any) -> Any:
    """`value`, sent by the model for a parameter annotated `annotation`, as the function gets it."""

    def f(x):  # type: ignore[no-untyped-def]
        return x

    f.__annotations__ = {"x": annotation}
    args, kwargs = convert_arguments(callable_spec(f), _struct({"x": value}))
    assert args == ()
    return kwargs["x"]


def _fails(annotation: Any, value: Any, *mentions: str) -> str:
    def f(x):  # type: ignore[no-untyped-def]
        return x

    f.__annotations__ = {"x": annotation}
    with pytest.raises(ArgumentError) as info:
        convert_arguments(callable_spec(f), _struct({"x": value}))
    message = str(info.value)
    assert message.startswith("invalid arguments for f: x"), message
    for mention in mentions:
        assert mention in message, (mention, message)
    return message


def test_struct_numbers_arrive_as_floats() -> None:
    assert struct_to_dict(_struct({"n": 3, "nested": {"l": [1, None, True]}})) == {
        "n": 3.0,
        "nested": {"l": [1.0, None, True]},
    }
    assert type(struct_to_dict(_struct({"n": 3}))["n"]) is float
    assert struct_to_dict(None) == {}
    assert struct_to_dict({"a": 1}) == {"a": 1}


def test_int_stays_int() -> None:
    value = _one(int, 3)
    assert value == 3
    assert type(value) is int
    assert type(_one(Optional[int], 3)) is int  # noqa: UP045 - the typing form is what is tested
    _fails(int, 3.5, "expected int", "float 3.5")
    _fails(int, "3", "expected int", "str '3'")
    _fails(int, True, "expected int")


def test_primitives() -> None:
    assert _one(float, 2) == 2.0
    assert type(_one(float, 2)) is float
    assert _one(str, "hi") == "hi"
    assert _one(bool, False) is False
    _fails(bool, 1, "expected bool", "float 1.0")
    _fails(bool, "true", "expected bool")
    _fails(str, 5, "expected str")
    _fails(float, "1.5", "expected float")


def test_bytes_from_base64() -> None:
    assert _one(bytes, "aGVsbG8=") == b"hello"
    assert _one(bytes | None, None) is None
    _fails(bytes, "not base64!", "base64")
    _fails(bytes, 5, "base64")


def test_containers() -> None:
    assert _one(list[int], [1, 2]) == [1, 2]
    assert [type(v) for v in _one(list[int], [1, 2])] == [int, int]
    assert _one(tuple[int, int], [1, 2.0]) == (1, 2)
    assert _one(tuple[float, ...], [1, 2]) == (1.0, 2.0)
    assert _one(set[str], ["a", "a"]) == {"a"}
    assert _one(dict[str, int], {"a": 1}) == {"a": 1}
    assert type(_one(dict[str, int], {"a": 1})["a"]) is int
    assert _one(list[list[int]], [[1], []]) == [[1], []]
    _fails(list[int], [1, 2.5], "x[1]: expected int")
    _fails(dict[str, int], {"a": "b"}, "x['a']: expected int")
    _fails(tuple[int, int], [1], "2 items")
    _fails(list[str], "abc", "expected list[str]")


def test_optional_and_unions() -> None:
    assert _one(Optional[str], None) is None  # noqa: UP045 - the typing form is what is tested
    assert _one(str | None, "a") == "a"
    assert _one(Union[int, str], "x") == "x"  # noqa: UP007 - the typing form is what is tested
    assert type(_one(int | str, 2)) is int
    _fails(Union[int, str], 2.5, "matches no option")  # noqa: UP007 - the typing form is what is tested
    _fails(str, None, "expected str", "None")


def test_literal_membership() -> None:
    assert _one(Literal["car", "train"], "train") == "train"
    _fails(Literal["car", "train"], "boat", "one of ['car', 'train']", "'boat'")


def test_enums_by_value_then_by_name() -> None:
    assert _one(Color, "green") is Color.GREEN
    assert _one(Color, "GREEN") is Color.GREEN
    assert _one(Size, "2") is Size.LARGE  # the declared enum holds the values as strings
    assert _one(Size, 2) is Size.LARGE
    assert _one(Size, "LARGE") is Size.LARGE
    _fails(Color, "blue", "'red', 'green'", "Color")


def test_dataclasses_are_built_recursively() -> None:
    order = _one(Order, {"item": "tea", "address": {"city": "Oslo"}, "sizes": ["1", 2]})
    assert order == Order(item="tea", address=Address(city="Oslo"), sizes=[Size.SMALL, Size.LARGE])
    assert isinstance(order.address, Address)
    _fails(Order, {"item": "tea"}, "missing required field 'address'")
    _fails(Order, {"item": "tea", "address": {"city": 5}}, "x.address.city: expected str")
    _fails(Address, "Oslo", "expected Address")


def test_typeddicts() -> None:
    assert _one(Movie, {"title": "Up", "year": 2009}) == {"title": "Up", "year": 2009}
    assert type(_one(Movie, {"title": "Up", "year": 2009})["year"]) is int
    assert _one(Movie, {"title": "Up"}) == {"title": "Up"}
    _fails(Movie, {"year": 2009}, "missing required field 'title'")


def test_pydantic_models_are_validated() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Booking(pydantic.BaseModel):
        guest: str
        nights: int = 1

    assert _one(Booking, {"guest": "Ada", "nights": 2}) == Booking(guest="Ada", nights=2)
    assert _one(list[Booking], [{"guest": "Ada"}]) == [Booking(guest="Ada")]
    _fails(Booking, {"nights": 2}, "not a valid Booking", "guest")


def book(
    city: str,
    nights: int = 1,
    note: str = None,  # type: ignore[assignment]  # noqa: RUF013 - None accepted for a None default
    *,
    rooms: int = 1,
) -> str:
    return city


def test_defaults_missing_and_unexpected_arguments() -> None:
    spec = callable_spec(book)
    assert convert_arguments(spec, _struct({"city": "Oslo"})) == ((), {"city": "Oslo"})
    assert convert_arguments(spec, _struct({"city": "Oslo", "note": None, "rooms": 2})) == (
        (),
        {"city": "Oslo", "note": None, "rooms": 2},
    )
    with pytest.raises(ArgumentError) as info:
        convert_arguments(spec, _struct({"nights": 2.5, "colour": "red", "pets": True}))
    message = str(info.value)
    assert message == (
        "invalid arguments for book: missing required argument 'city' (str); "
        "nights: expected int; got float 2.5; "
        "unexpected arguments 'colour', 'pets' (parameters: city, nights, note, rooms)"
    )
    assert isinstance(info.value, ValueError)


def test_positional_only_parameters_are_passed_by_position() -> None:
    def scale(x: float, by: int = 2, /, *, offset: float = 0.0) -> float:
        return x * by + offset

    spec = callable_spec(scale)
    args, kwargs = convert_arguments(spec, _struct({"x": 1.5, "offset": 1}))
    assert (args, kwargs) == ((1.5, 2), {"offset": 1.0})
    assert scale(*args, **kwargs) == 4.0


def test_partial_bound_arguments_cannot_be_passed() -> None:
    spec = callable_spec(functools.partial(book, nights=3))
    assert convert_arguments(spec, _struct({"city": "Oslo"})) == ((), {"city": "Oslo"})
    with pytest.raises(ArgumentError, match="unexpected argument 'nights'"):
        convert_arguments(spec, _struct({"city": "Oslo", "nights": 1}))


def test_no_args_at_all() -> None:
    def ping() -> str:
        return "pong"

    assert convert_arguments(callable_spec(ping), types.FunctionCall(name="ping").args) == ((), {})
    with pytest.raises(ArgumentError, match=r"unexpected argument 'x' \(parameters: none\)"):
        convert_arguments(callable_spec(ping), {"x": 1})
