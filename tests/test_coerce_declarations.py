"""Python callables as FunctionDeclarations: each annotation kind's exact Schema, each kind of callable."""

from __future__ import annotations

import dataclasses
import enum
import functools
import sys
from typing import Annotated, Any, Literal, Optional, TypedDict, Union

import pytest

if sys.version_info >= (3, 11):
    from typing import NotRequired
else:  # NotRequired is new in 3.11; typing_extensions has it for 3.10
    from typing_extensions import NotRequired

from genai import types
from genai._coercion.declarations import callable_spec, is_function
from genai._coercion.tools import to_function_declaration, to_tools
from tests.expect import error

T = types.Type
S = types.Schema


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
    quantities: list[int] = dataclasses.field(default_factory=list)


class Movie(TypedDict):
    title: str
    year: NotRequired[int]


def _taking(annotation: Any) -> Any:
    """A function of one parameter `x` annotated with `annotation`."""

    def f(x):  # type: ignore[no-untyped-def]
        return x

    f.__annotations__ = {"x": annotation, "return": None}
    return f


def _schema_of(annotation: Any) -> types.Schema:
    declaration = to_function_declaration(_taking(annotation))
    assert list(declaration.parameters.required) == ["x"]
    return declaration.parameters.properties["x"]


ADDRESS = S(
    type=T.OBJECT,
    properties={"city": S(type=T.STRING), "zip_code": S(type=T.STRING, nullable=True)},
    required=["city"],
    property_ordering=["city", "zip_code"],
)

KINDS: list[tuple[str, Any, types.Schema]] = [
    ("str", str, S(type=T.STRING)),
    ("int", int, S(type=T.INTEGER)),
    ("float", float, S(type=T.NUMBER)),
    ("bool", bool, S(type=T.BOOLEAN)),
    ("bytes", bytes, S(type=T.STRING, format="byte")),
    ("list", list[str], S(type=T.ARRAY, items=S(type=T.STRING))),
    ("nested list", list[list[float]], S(type=T.ARRAY, items=S(type=T.ARRAY, items=S(type=T.NUMBER)))),
    ("tuple", tuple[int, ...], S(type=T.ARRAY, items=S(type=T.INTEGER))),
    ("pair", tuple[float, float], S(type=T.ARRAY, items=S(type=T.NUMBER), min_items=2, max_items=2)),
    ("dict", dict[str, int], S(type=T.OBJECT)),
    ("Optional", Optional[int], S(type=T.INTEGER, nullable=True)),  # noqa: UP045 - the typing form is what is tested
    ("X | None", str | None, S(type=T.STRING, nullable=True)),
    ("bytes | None", bytes | None, S(type=T.STRING, format="byte", nullable=True)),
    ("union", Union[int, str], S(any_of=[S(type=T.INTEGER), S(type=T.STRING)])),  # noqa: UP007 - the typing form is what is tested
    ("Literal", Literal["car", "train"], S(type=T.STRING, format="enum", enum=["car", "train"])),
    (
        "Literal | None",
        Literal["a"] | None,
        S(type=T.STRING, format="enum", enum=["a"], nullable=True),
    ),
    ("Enum", Color, S(type=T.STRING, format="enum", enum=["red", "green"])),
    ("IntEnum", Size, S(type=T.STRING, format="enum", enum=["1", "2"])),
    ("dataclass", Address, ADDRESS),
    (
        "nested dataclass",
        Order,
        S(
            type=T.OBJECT,
            properties={
                "item": S(type=T.STRING),
                "address": ADDRESS,
                "quantities": S(type=T.ARRAY, items=S(type=T.INTEGER)),
            },
            required=["item", "address"],
            property_ordering=["item", "address", "quantities"],
        ),
    ),
    (
        "TypedDict",
        Movie,
        S(
            type=T.OBJECT,
            properties={"title": S(type=T.STRING), "year": S(type=T.INTEGER)},
            required=["title"],
            property_ordering=["title", "year"],
        ),
    ),
    ("list of dataclasses", list[Address], S(type=T.ARRAY, items=ADDRESS)),
    ("Annotated", Annotated[int, "How many."], S(type=T.INTEGER, description="How many.")),
]


@pytest.mark.parametrize(("annotation", "expected"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS])
def test_each_annotation_kind_has_its_exact_schema(annotation: Any, expected: types.Schema) -> None:
    assert _schema_of(annotation) == expected


def test_pydantic_model_parameter() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Booking(pydantic.BaseModel):
        """A booking."""

        guest: str
        nights: int = pydantic.Field(default=1, description="How many nights.")
        address: Address | None = None

    assert _schema_of(Booking) == S(
        type=T.OBJECT,
        description="A booking.",
        properties={
            "guest": S(type=T.STRING),
            "nights": S(type=T.INTEGER, description="How many nights."),
            "address": S(
                type=T.OBJECT,
                nullable=True,
                properties=dict(ADDRESS.properties),
                required=["city"],
                property_ordering=["city", "zip_code"],
            ),
        },
        required=["guest"],
        property_ordering=["guest", "nights", "address"],
    )


def book_trip(
    city: str,
    nights: int,
    photo: bytes,
    color: Color = Color.RED,
    when: str | None = None,
    note: str = None,  # type: ignore[assignment]  # noqa: RUF013 - a None default: nullable all the same
) -> str:
    """Book a trip somewhere.

    More words that are not the summary.

    Args:
        city: Where to go.
        nights (int): How many
            nights to stay.

    Returns:
        str: Not an argument: the booking id.
    """
    return city


BOOK_TRIP = types.FunctionDeclaration(
    name="book_trip",
    description="Book a trip somewhere.",
    parameters=S(
        type=T.OBJECT,
        properties={
            "city": S(type=T.STRING, description="Where to go."),
            "nights": S(type=T.INTEGER, description="How many nights to stay."),
            "photo": S(type=T.STRING, format="byte"),
            "color": S(type=T.STRING, format="enum", enum=["red", "green"]),
            "when": S(type=T.STRING, nullable=True),
            "note": S(type=T.STRING, nullable=True),
        },
        required=["city", "nights", "photo"],
        property_ordering=["city", "nights", "photo", "color", "when", "note"],
    ),
)


def test_a_whole_declaration() -> None:
    assert to_function_declaration(book_trip) == BOOK_TRIP


async def book_trip_async(
    city: str,
    nights: int,
    photo: bytes,
    color: Color = Color.RED,
    when: str | None = None,
    note: str = None,  # type: ignore[assignment]  # noqa: RUF013
) -> str:
    """Book a trip somewhere.

    Args:
        city: Where to go.
        nights (int): How many
            nights to stay.
    """
    return city


def test_async_functions_are_declared_like_sync_ones() -> None:
    declaration = to_function_declaration(book_trip_async)
    assert declaration.name == "book_trip_async"
    declaration.name = "book_trip"
    assert declaration == BOOK_TRIP


class Agency:
    """Books trips (the class docstring)."""

    def book(self, city: str, nights: int = 1) -> str:
        """Book a stay.

        :param city: Where to go.
        :type city: str
        :param nights: How long.
        :returns: the booking id, not an argument.
        """
        return city

    async def cancel(self, booking: str) -> None:
        """Cancel a booking."""

    def __call__(self, city: str, nights: int = 1) -> str:
        """Book through the agency.

        Parameters
        ----------
        city : str
            Where to go.
        nights : int, optional
            How long.

        Returns
        -------
        str
            The booking id, not an argument.
        """
        return city


STAY = S(
    type=T.OBJECT,
    properties={
        "city": S(type=T.STRING, description="Where to go."),
        "nights": S(type=T.INTEGER, description="How long."),
    },
    required=["city"],
    property_ordering=["city", "nights"],
)


def test_bound_methods_leave_self_out() -> None:
    agency = Agency()
    assert to_function_declaration(agency.book) == types.FunctionDeclaration(
        name="book", description="Book a stay.", parameters=STAY
    )
    assert to_function_declaration(agency.cancel) == types.FunctionDeclaration(
        name="cancel",
        description="Cancel a booking.",
        parameters=S(
            type=T.OBJECT,
            properties={"booking": S(type=T.STRING)},
            required=["booking"],
            property_ordering=["booking"],
        ),
    )


def test_callable_objects_are_named_after_their_class() -> None:
    assert to_function_declaration(Agency()) == types.FunctionDeclaration(
        name="Agency", description="Book through the agency.", parameters=STAY
    )

    class Named:
        __name__ = "lookup_thing"

        def __call__(self, key: str) -> str:
            return key

    assert to_function_declaration(Named()).name == "lookup_thing"

    class Undocumented:
        """The class docstring is used when __call__ has none."""

        def __call__(self, key: str) -> str:
            return key

    assert to_function_declaration(Undocumented()).description == (
        "The class docstring is used when __call__ has none."
    )


def test_partials_leave_their_bound_arguments_out() -> None:
    by_position = functools.partial(book_trip, "Paris")
    declaration = to_function_declaration(by_position)
    assert declaration.name == "book_trip"
    assert list(declaration.parameters.property_ordering) == ["nights", "photo", "color", "when", "note"]
    assert list(declaration.parameters.required) == ["nights", "photo"]
    by_keyword = functools.partial(book_trip, nights=2, color=Color.GREEN)
    declaration = to_function_declaration(by_keyword)
    assert list(declaration.parameters.property_ordering) == ["city", "photo", "when", "note"]
    assert list(declaration.parameters.required) == ["city", "photo"]
    assert declaration.parameters.properties["city"].description == "Where to go."
    of_a_method = to_function_declaration(functools.partial(Agency().book, nights=3))
    assert list(of_a_method.parameters.property_ordering) == ["city"]
    assert to_function_declaration(functools.partial(Agency(), "Rome")).name == "Agency"


def test_decorated_functions_keep_their_signature() -> None:
    def logged(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

        return wrapper

    assert to_function_declaration(logged(book_trip)) == BOOK_TRIP


def test_positional_only_and_keyword_only_parameters_are_declared() -> None:
    def f(a: int, /, b: str, *, c: bool = False) -> None:
        pass

    params = to_function_declaration(f).parameters
    assert list(params.property_ordering) == ["a", "b", "c"]
    assert list(params.required) == ["a", "b"]


def test_no_parameters_no_parameters_schema() -> None:
    def ping() -> str:
        """Ping."""
        return "pong"

    declaration = to_function_declaration(ping)
    assert declaration == types.FunctionDeclaration(name="ping", description="Ping.")
    assert not declaration.HasField("parameters")


def test_annotated_description_wins_over_the_docstring() -> None:
    def f(x: Annotated[int, "From Annotated."], y: int) -> None:
        """F.

        Args:
            x: From the docstring.
            y: Also from the docstring.
        """

    params = to_function_declaration(f).parameters
    assert params.properties["x"].description == "From Annotated."
    assert params.properties["y"].description == "Also from the docstring."


def test_the_weak_cache_returns_copies_and_forgets() -> None:
    def f(x: int) -> None:
        pass

    spec = callable_spec(f)
    assert callable_spec(f) is spec  # remembered while f lives
    first = to_function_declaration(f)
    first.parameters.properties.clear()
    assert "x" in to_function_declaration(f).parameters.properties
    assert spec.declaration.parameters.properties["x"] == S(type=T.INTEGER)


def test_is_function() -> None:
    assert all(is_function(v) for v in (book_trip, book_trip_async, Agency(), Agency().book, len))
    assert not any(is_function(v) for v in (Agency, {"name": "f"}, types.Tool(), "code_execution"))


def test_errors_name_the_path_what_was_got_and_what_is_accepted() -> None:
    def untyped(when):  # type: ignore[no-untyped-def]
        return when

    def star(*names: str) -> None:
        pass

    def stars(**options: str) -> None:
        pass

    def complex_when(when: complex) -> None:
        pass

    def unresolvable(when: Missing) -> None:  # type: ignore[name-defined]  # noqa: F821
        pass

    def set_of_any(when: list[Any]) -> None:
        pass

    error(
        ValueError,
        to_tools,
        [book_trip, untyped],
        at="tools[1].parameters['when']",
        mentions=("no type annotation", "str, int"),
    )
    error(ValueError, to_tools, [star], at="tools[0].parameters['names']", mentions=("*names", "list"))
    error(ValueError, to_tools, [stars], at="tools[0].parameters['options']", mentions=("**options",))
    error(
        ValueError,
        to_tools,
        [book_trip, complex_when],
        at="tools[1].parameters['when']",
        mentions=("cannot describe complex", "str, int, float, bool, bytes", "dataclasses"),
    )
    error(
        ValueError,
        to_tools,
        [set_of_any],
        at="tools[0].parameters['when'].items",
        mentions=("Any as a Schema",),
    )
    error(ValueError, to_tools, [unresolvable], at="tools[0]", mentions=("Missing",))
    error(ValueError, to_tools, [lambda x: x], at="tools[0]", mentions=("function name", "lambda"))
