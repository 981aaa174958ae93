"""FunctionTable: which callable answers which call, and the plan for one reply's calls."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from genai import types
from genai._functions.table import FunctionTable


@dataclasses.dataclass
class Place:
    city: str
    country: str = "NO"


def get_weather(place: Place, days: int = 1) -> str:
    """Weather for a place."""
    return place.city


async def get_time(city: str) -> str:
    """Local time in a city."""
    return "12:00"


class Converter:
    def __call__(self, amount: float, currency: str) -> float:
        return amount


def _call(name: str, call_id: str = "", **args: Any) -> types.FunctionCall:
    call = types.FunctionCall(name=name, id=call_id)
    call.args.update(args)
    return call


def _table(tools: Any) -> FunctionTable:
    table = FunctionTable.from_tools(tools)
    assert table is not None
    return table


def test_callables_by_declared_name_and_plain_declarations() -> None:
    converter = Converter()
    table = _table(
        [
            get_weather,
            "code_execution",
            {"name": "book_table", "parameters": {"type": "object"}},
            types.FunctionDeclaration(name="send_mail"),
            {"function_declarations": [get_time, {"name": "call_taxi"}]},
            types.Tool(function_declarations=[types.FunctionDeclaration(name="order_food")]),
            converter,
        ]
    )
    assert dict(table.functions) == {"get_weather": get_weather, "get_time": get_time, "Converter": converter}
    assert table.plain_names == {"book_table", "send_mail", "call_taxi", "order_food"}
    assert _table(get_weather).plain_names == frozenset()


@pytest.mark.parametrize(
    "tools",
    [None, [], "google_search", [{"name": "f"}], types.Tool(function_declarations=[{"name": "g"}])],
)
def test_no_callables_no_table(tools: Any) -> None:
    assert FunctionTable.from_tools(tools) is None


def test_bad_tools_raise_as_to_tools_does() -> None:
    with pytest.raises(ValueError, match=r"^config\.tools\[1\]: function 'get_weather' is already declared"):
        FunctionTable.from_tools([get_weather, {"name": "get_weather"}])
    with pytest.raises(ValueError, match=r"^config\.tools\[0\]\.parameters\['x'\]"):
        FunctionTable.from_tools([lambda_free_untyped])


def lambda_free_untyped(x):  # type: ignore[no-untyped-def]
    return x


def test_jobs_in_call_order_with_converted_arguments_and_ids_kept() -> None:
    table = _table([get_weather, get_time])
    calls = [
        _call("get_time", "c1", city="Oslo"),
        _call("get_weather", "c2", place={"city": "Bergen"}, days=3),
        _call("get_time", "c3", city="Rome"),
    ]
    plan = table.plan(calls)
    assert not plan.returns_to_caller
    assert plan.plain_calls == ()
    assert [job.call for job in plan.jobs] == calls
    assert [job.call.id for job in plan.jobs] == ["c1", "c2", "c3"]
    assert [job.function for job in plan.jobs] == [get_time, get_weather, get_time]
    assert [job.error for job in plan.jobs] == [None, None, None]
    weather = plan.jobs[1]
    assert weather.args == ()
    assert dict(weather.kwargs) == {"place": Place(city="Bergen"), "days": 3}
    assert type(weather.kwargs["days"]) is int


def test_no_calls_return_to_the_caller() -> None:
    plan = _table(get_time).plan([])
    assert plan.returns_to_caller
    assert plan.jobs == ()
    assert plan.plain_calls == ()


def test_any_call_to_a_plain_declaration_ends_the_loop_and_runs_nothing() -> None:
    table = _table([get_time, {"name": "book_table"}])
    calls = [_call("get_time", "c1", city="Oslo"), _call("book_table", "c2"), _call("nope", "c3")]
    plan = table.plan(calls)
    assert plan.returns_to_caller
    assert plan.jobs == ()
    assert [call.id for call in plan.plain_calls] == ["c2"]


def test_unknown_function_and_misfit_arguments_become_error_jobs() -> None:
    table = _table([get_weather, get_time])
    plan = table.plan(
        [
            _call("get_wether", "c1", city="Oslo"),
            _call("get_weather", "c2", place={"city": "Bergen"}, days=1.5),
            _call("get_time", "c3"),
            _call("get_time", "c4", city="Oslo"),
        ]
    )
    assert not plan.returns_to_caller
    unknown, misfit, missing, fine = plan.jobs
    assert unknown.function is None
    assert unknown.error == (
        "unknown function 'get_wether'; did you mean 'get_weather'?; "
        "the functions that can be called: get_time, get_weather"
    )
    assert misfit.function is get_weather
    assert misfit.error == "invalid arguments for get_weather: days: expected int; got float 1.5"
    assert missing.error == "invalid arguments for get_time: missing required argument 'city' (str)"
    assert fine.error is None
    assert [job.call.id for job in plan.jobs] == ["c1", "c2", "c3", "c4"]
