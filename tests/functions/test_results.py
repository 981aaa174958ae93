"""Return values and errors as the response Struct of a FunctionResponse part."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import math
from collections import OrderedDict
from typing import Any

import pytest
from google.protobuf import json_format

from genai import types
from genai._functions.results import error_part, error_response, result_part, result_response, to_json

CALL = types.FunctionCall(id="call-7", name="get_weather")


class Color(enum.Enum):
    RED = "red"


class Size(enum.IntEnum):
    LARGE = 2


@dataclasses.dataclass
class Reading:
    city: str
    when: datetime.date
    tags: tuple[str, ...] = ()


def _sent(part: types.Part) -> dict[str, Any]:
    """The response of a function_response part as JSON (what the model reads)."""
    assert part.WhichOneof("data") == "function_response"
    assert part.function_response.id == "call-7"
    assert part.function_response.name == "get_weather"
    return json_format.MessageToDict(part.function_response.response)


def test_a_mapping_with_str_keys_is_the_response() -> None:
    assert result_response({"temp": 21.5, "sky": "clear"}) == {"temp": 21.5, "sky": "clear"}
    assert result_response(OrderedDict(a=1)) == {"a": 1}
    assert result_response({}) == {}
    assert _sent(result_part(CALL, {"temp": 21.5})) == {"temp": 21.5}


@pytest.mark.parametrize(
    ("value", "wrapped"),
    [
        (None, None),
        (True, True),
        (3, 3),
        (2.5, 2.5),
        ("sunny", "sunny"),
        ([1, "a"], [1, "a"]),
        ({1: "one"}, {"1": "one"}),  # not all keys str: wrapped, keys made str
    ],
)
def test_anything_else_is_wrapped_as_result(value: Any, wrapped: Any) -> None:
    assert result_response(value) == {"result": wrapped}


def test_values_made_json_able() -> None:
    assert to_json(b"hi") == "aGk="
    assert to_json(bytearray(b"hi")) == "aGk="
    assert to_json(Color.RED) == "red"
    assert to_json(Size.LARGE) == 2
    assert type(to_json(Size.LARGE)) is int
    assert to_json(Reading("Oslo", datetime.date(2024, 5, 1), ("a",))) == {
        "city": "Oslo",
        "when": "2024-05-01",
        "tags": ["a"],
    }
    assert to_json(datetime.datetime(2024, 5, 1, 12, 30)) == "2024-05-01T12:30:00"
    assert to_json(datetime.time(8, 15)) == "08:15:00"
    assert to_json({"s": {3, 1, 2}, "f": frozenset({"b"})}) == {"s": [1, 2, 3], "f": ["b"]}
    assert to_json({Color.RED: 1, 2: [None]}) == {"red": 1, "2": [None]}
    assert to_json(decimal.Decimal("1.10")) == "1.10"  # anything else: str(value)
    assert to_json(types.FunctionCall(name="f", id="x")) == {"name": "f", "id": "x"}  # proto3 JSON


def test_non_finite_floats_and_big_ints_become_strings() -> None:
    assert to_json([math.nan, math.inf, -math.inf, 1.5]) == ["NaN", "Infinity", "-Infinity", 1.5]
    assert to_json(2**53) == 2**53
    assert to_json(2**53 + 1) == str(2**53 + 1)
    assert to_json(-(10**30)) == "-" + "1" + "0" * 30
    assert _sent(result_part(CALL, {"x": math.nan, "big": 10**400})) == {"x": "NaN", "big": "1" + "0" * 400}


def test_pydantic_models_are_dumped_as_json() -> None:
    pydantic = pytest.importorskip("pydantic")

    class Forecast(pydantic.BaseModel):
        day: datetime.date
        high: float

    value = Forecast(day=datetime.date(2024, 5, 1), high=20)
    assert result_response(value) == {"result": {"day": "2024-05-01", "high": 20.0}}
    assert to_json([value]) == [{"day": "2024-05-01", "high": 20.0}]


def test_errors() -> None:
    assert error_response(ValueError("no such city")) == {"error": "ValueError: no such city"}
    assert error_response(KeyError("x")) == {"error": "KeyError: 'x'"}
    assert error_response(RuntimeError()) == {"error": "RuntimeError"}
    assert error_response("unknown function 'f'") == {"error": "unknown function 'f'"}
    assert error_response("bad \ud800 text") == {"error": "bad ? text"}
    assert _sent(error_part(CALL, ZeroDivisionError("division by zero"))) == {
        "error": "ZeroDivisionError: division by zero"
    }


def test_results_that_cannot_be_sent_become_errors() -> None:
    loop: list[Any] = []
    loop.append(loop)
    assert "refers to itself" in _sent(result_part(CALL, loop))["error"]
    deep: Any = "bottom"
    for _ in range(40):
        deep = {"d": deep}
    assert "nested too deeply" in _sent(result_part(CALL, deep))["error"]
    assert "cannot be sent" in _sent(result_part(CALL, {"bad": "\ud800"}))["error"]

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no str")

    assert "no str" in _sent(result_part(CALL, Broken()))["error"]
    with pytest.raises(ValueError, match="refers to itself"):
        to_json(loop)
