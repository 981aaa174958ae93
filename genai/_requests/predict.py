"""What ``models.predict`` and ``models.predict_long_running`` send, as pure functions: JSON-like
Python values -> google.protobuf.Value, and the requests built from them.

    >>> to_value({"prompt": "a cat", "sampleCount": 2}, "instances[0]").struct_value.fields["sampleCount"]
    number_value: 2
    <BLANKLINE>

Accepted values: None, bool, int, float (finite), str, bytes (sent as base64 text, as JSON carries
bytes), lists and tuples of values, dicts with str keys, and Value messages (as is). Anything else
is a TypeError naming where it sits (``instances[1].prompt``).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, cast

from genai._coercion.errors import describe, type_error
from genai._coercion.models import to_model_name
from genai._wire import messages as pb
from genai._wire import rpcs

__all__ = [
    "PREDICT",
    "PREDICT_LONG_RUNNING",
    "JsonLike",
    "build_predict_request",
    "from_value",
    "to_value",
]

PREDICT = rpcs.PredictionService.Predict
PREDICT_LONG_RUNNING = rpcs.PredictionService.PredictLongRunning

JsonLike: TypeAlias = "bool | int | float | str | bytes | Sequence[Any] | Mapping[str, Any] | None"
"""A JSON-shaped Python value (or a google.protobuf.Value message)."""

Value = type(pb.PredictRequest().parameters)  # google.protobuf.Value in genai's descriptor pool
_EXPECTED = "a JSON-like value (None, bool, int, float, str, bytes, list, dict with str keys)"
_MAX_DEPTH = 64
_EXACT = 2**53  # numbers travel as doubles: larger ints would silently change


def to_value(obj: object, path: str = "value", _depth: int = 0) -> Any:
    """`obj` as a google.protobuf.Value (a new message; the caller's objects are not changed)."""
    if _depth > _MAX_DEPTH:
        raise ValueError(f"{path}: nested more than {_MAX_DEPTH} levels deep")
    value = Value()
    if isinstance(obj, Value):
        value.CopyFrom(obj)
    elif obj is None:
        value.null_value = cast(Any, 0)  # NULL_VALUE
    elif isinstance(obj, bool):
        value.bool_value = obj
    elif isinstance(obj, int):
        if abs(obj) > _EXACT:
            raise ValueError(f"{path}: {obj} does not fit a JSON number exactly (at most 2**53); send a str")
        value.number_value = obj
    elif isinstance(obj, float):
        if not math.isfinite(obj):
            raise ValueError(f"{path}: {obj} is not a JSON number (NaN and infinities are not)")
        value.number_value = obj
    elif isinstance(obj, str):
        value.string_value = obj
    elif isinstance(obj, bytes | bytearray | memoryview):
        value.string_value = base64.b64encode(bytes(obj)).decode("ascii")
    elif isinstance(obj, Mapping):
        fields = value.struct_value.fields
        for key, item in obj.items():
            if not isinstance(key, str):
                raise type_error(f"{path}: key", "str keys (JSON objects have them)", key)
            fields[key].CopyFrom(to_value(item, f"{path}.{key}", _depth + 1))
        if not obj:
            value.struct_value.SetInParent()
    elif isinstance(obj, list | tuple):
        items = value.list_value.values
        for i, item in enumerate(obj):
            items.add().CopyFrom(to_value(item, f"{path}[{i}]", _depth + 1))
        if not obj:
            value.list_value.SetInParent()
    else:
        raise type_error(path, _EXPECTED, obj)
    return value


def from_value(value: Any) -> Any:
    """A google.protobuf.Value as Python: dict, list, str, bool, None, and numbers (an integral
    number within 2**53 as an int, since JSON has one number type; others as float).

    >>> from_value(to_value({"n": 2, "x": [0.5, None, "s"]})) == {"n": 2, "x": [0.5, None, "s"]}
    True
    """
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return {key: from_value(item) for key, item in value.struct_value.fields.items()}
    if kind == "list_value":
        return [from_value(item) for item in value.list_value.values]
    if kind == "number_value":
        number = value.number_value
        if math.isfinite(number) and number == int(number) and abs(number) <= _EXACT:
            return int(number)
        return number
    if kind == "string_value":
        return value.string_value
    if kind == "bool_value":
        return value.bool_value
    return None


def build_predict_request(model: str, instances: object, parameters: object, *, long_running: bool) -> Any:
    """A PredictRequest (or PredictLongRunningRequest): `instances` a non-empty list of values,
    `parameters` a dict (or None).

    >>> build_predict_request("imagen-3.0-generate-002", [{"prompt": "cat"}], None, long_running=False).model
    'models/imagen-3.0-generate-002'
    """
    rpc = PREDICT_LONG_RUNNING if long_running else PREDICT
    request = rpc.request(model=to_model_name(model))
    if isinstance(instances, Mapping):
        raise TypeError(
            f"instances: expected a list of instances; got {describe(instances)} (wrap one instance "
            "in a list: instances=[{...}])"
        )
    if not isinstance(instances, list | tuple):
        raise type_error("instances", "a list of JSON-like instances, such as [{'prompt': '...'}]", instances)
    if not instances:
        raise ValueError(
            "instances: got an empty list; pass at least one instance, such as {'prompt': '...'}"
        )
    for i, instance in enumerate(instances):
        request.instances.add().CopyFrom(to_value(instance, f"instances[{i}]"))
    if parameters is not None:
        if not isinstance(parameters, Mapping | Value):
            raise type_error("parameters", "a dict of the model's parameters, or None", parameters)
        request.parameters.CopyFrom(to_value(parameters, "parameters"))
    return request
