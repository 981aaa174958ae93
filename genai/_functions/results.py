"""What a function returned (or raised), as the FunctionResponse part sent back to the model.

    >>> result_response({"temperature": 21.5})
    {'temperature': 21.5}
    >>> result_response([1, 2])
    {'result': [1, 2]}

The rules:

* The response: a Mapping whose keys are all str is the response itself; anything else (None
  included) is wrapped as ``{"result": value}``.
* Values are made JSON-able, recursively: None, bool, str as they are; int as is while a JSON
  number holds it exactly (|n| <= 2**53), else its decimal digits as a str; a finite float as is;
  **a non-finite float becomes the str "NaN", "Infinity" or "-Infinity"** (the proto3 JSON
  spelling: a JSON number cannot hold them); bytes -> base64 str; Enum -> its value; dataclass ->
  dict of its fields; pydantic model -> ``model_dump(mode="json")``; Mapping -> dict (keys made str);
  list, tuple, set, frozenset -> list; datetime, date, time -> ``isoformat()``; protobuf message
  (or proto-plus) -> its proto3 JSON mapping; anything else -> ``str(value)``.
* An error: ``{"error": "<ExceptionType>: <message>"}`` for an exception (no traceback: the
  model sees the type and the message only), ``{"error": text}`` for a problem found before the
  call (an unknown function, arguments that do not fit).
* A result that cannot be sent (it refers to itself, nests deeper than protobuf decoders accept,
  holds text that is not valid Unicode) becomes an error response saying so.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import enum
import math
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from genai._coercion.dicts import set_field
from genai._coercion.nesting import PART_LEVEL, check_nesting
from genai._wire import messages as pb

__all__ = ["error_part", "error_response", "result_part", "result_response", "to_json"]

_EXACT_INT = 2**53
_MAX_LEVELS = 64  # far deeper than any response the request could carry (protobuf's limit is hit first)
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


class _Unsendable(ValueError):
    """A result that has no JSON form (it refers to itself, or nests too deeply to walk)."""


def to_json(value: Any) -> Any:
    """`value` as JSON values (dict with str keys, list, str, int, float, bool, None).

    >>> import datetime
    >>> to_json({"when": datetime.date(2024, 5, 1), "raw": b"hi", "n": float("inf")})
    {'when': '2024-05-01', 'raw': 'aGk=', 'n': 'Infinity'}

    Raises ValueError for a value that refers to itself.
    """
    return _json(value, set(), 0)


def result_response(value: Any) -> dict[str, Any]:
    """The ``response`` of a FunctionResponse for a function's return value (see the module rules).

    >>> result_response(None)
    {'result': None}
    """
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return {key: _json(item, set(), 1) for key, item in value.items()}
    return {"result": _json(value, set(), 1)}


def error_response(error: BaseException | str) -> dict[str, str]:
    """The ``response`` of a FunctionResponse that reports an error to the model.

    >>> error_response(ValueError("no such city"))
    {'error': 'ValueError: no such city'}
    """
    if isinstance(error, BaseException):
        message = str(error)
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    else:
        text = error
    return {"error": text.encode("utf-8", "replace").decode("utf-8")}


def result_part(call: pb.FunctionCall, value: Any) -> pb.Part:
    """The function_response part answering `call` (same id and name) with a return value.

    >>> result_part(pb.FunctionCall(id="c1", name="f"), 5).function_response.response["result"]
    5.0

    A value that cannot be sent becomes an error response saying why; this never raises for one.
    """
    try:
        return _part(call, result_response(value))
    except Exception as exc:  # a result without a JSON form, or a __str__ that raises
        return error_part(call, f"the result of {call.name} cannot be sent: {exc}")


def error_part(call: pb.FunctionCall, error: BaseException | str) -> pb.Part:
    """The function_response part answering `call` (same id and name) with an error.

    >>> error_part(pb.FunctionCall(id="c1", name="f"), KeyError("x")).function_response.response["error"]
    "KeyError: 'x'"
    """
    return _part(call, error_response(error))


def _part(call: pb.FunctionCall, response: dict[str, Any]) -> pb.Part:
    answer = pb.FunctionResponse(id=call.id, name=call.name)
    set_field(answer, "response", response, path="response")
    part = pb.Part()
    part.function_response.CopyFrom(answer)
    check_nesting(part, level=PART_LEVEL, path="response")
    return part


def _json(value: Any, active: set[int], level: int) -> Any:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return _json(value.value, active, level)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)  # a str subclass as the plain str
    if isinstance(value, int):
        number = int(value)
        return number if -_EXACT_INT <= number <= _EXACT_INT else str(number)
    if isinstance(value, float):
        real = float(value)
        return real if math.isfinite(real) else _NON_FINITE[repr(real)]
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if level > _MAX_LEVELS:
        raise _Unsendable(f"nested more than {_MAX_LEVELS} levels deep")
    if isinstance(value, Message):
        return _json(json_format.MessageToDict(value), active, level)
    proto_plus = getattr(type(value), "pb", None)
    if callable(proto_plus) and hasattr(value, "_pb"):
        return _json(json_format.MessageToDict(proto_plus(value)), active, level)
    if id(value) in active:
        raise _Unsendable(f"it refers to itself (a {type(value).__name__} inside itself)")
    active.add(id(value))
    try:
        return _container(value, active, level)
    finally:
        active.discard(id(value))


def _container(value: Any, active: set[int], level: int) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _json(getattr(value, field.name), active, level + 1)
            for field in dataclasses.fields(value)
        }
    dump = getattr(value, "model_dump", None)
    if callable(dump) and hasattr(type(value), "model_fields"):
        return _json(dump(mode="json"), active, level)
    if isinstance(value, Mapping):
        return {_key(key): _json(item, active, level + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item, active, level + 1) for item in value]
    if isinstance(value, set | frozenset):
        items = [_json(item, active, level + 1) for item in value]
        try:
            return sorted(items)
        except TypeError:  # mixed kinds: keep the set's own order
            return items
    return str(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return str.__str__(key)
    if isinstance(key, enum.Enum):
        return str(key.value)
    return str(key)
