"""Training data for tuning: Python pairs and dicts -> a Dataset of TuningExamples.

    >>> to_dataset([("1", "2"), {"text_input": "3", "output": "4"}]).examples.examples[1].output
    '4'

Accepted: a list (or tuple) whose items are each an ``(input, output)`` pair of str, a dict
``{"text_input": str, "output": str}``, or a TuningExample message; or a TuningExamples / Dataset
message as it is. Errors name the item: ``training_dataset[2].output: expected a str; got int 5``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

from genai._coercion.errors import describe, is_list, suggest, text_error, type_error
from genai._wire import messages as pb

__all__ = ["TrainingDataLike", "TuningExampleLike", "to_dataset"]

TuningExampleLike: TypeAlias = "tuple[str, str] | Mapping[str, str] | pb.TuningExample"
TrainingDataLike: TypeAlias = (
    "list[TuningExampleLike] | tuple[TuningExampleLike, ...] | pb.TuningExamples | pb.Dataset"
)

_KEYS = ("text_input", "output")
_ITEM = "an (input, output) pair of str, a {'text_input', 'output'} dict or a TuningExample"
_SHAPES = (
    "a list of (input, output) pairs of str, of {'text_input': str, 'output': str} dicts, or TuningExamples"
)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise type_error(path, "a str", value)
    if not value:
        raise ValueError(f"{path}: expected a non-empty str; got ''")
    try:
        value.encode()
    except UnicodeEncodeError as err:
        raise text_error(path, err) from None
    return value


def _example(item: Any, path: str) -> pb.TuningExample:
    if isinstance(item, pb.TuningExample):
        return item
    if isinstance(item, Mapping):
        for key in item:
            if key not in _KEYS:
                raise ValueError(
                    f"{path}: unknown key {key!r}{suggest(str(key), _KEYS)}; accepted: 'text_input', 'output'"
                )
        for key in _KEYS:
            if key not in item:
                raise ValueError(f"{path}: missing key {key!r} (a dict needs 'text_input' and 'output')")
        return pb.TuningExample(
            text_input=_text(item["text_input"], f"{path}.text_input"),
            output=_text(item["output"], f"{path}.output"),
        )
    if is_list(item) and not isinstance(item, str | bytes):
        if len(item) != 2:
            raise ValueError(f"{path}: expected an (input, output) pair; got {len(item)} items")
        return pb.TuningExample(text_input=_text(item[0], f"{path}[0]"), output=_text(item[1], f"{path}[1]"))
    raise type_error(path, _ITEM, item)


def to_dataset(data: TrainingDataLike, *, path: str = "training_dataset") -> pb.Dataset:
    """The Dataset a CreateTunedModel request carries (see the module's docstring for the shapes).

    >>> len(to_dataset([("a", "b")]).examples.examples)
    1
    """
    if isinstance(data, pb.Dataset):
        return data
    if isinstance(data, pb.TuningExamples):
        return pb.Dataset(examples=data)
    if isinstance(data, str | bytes | Mapping) or not is_list(data):
        raise TypeError(f"{path}: expected {_SHAPES}; got {describe(data)}")
    if not data:
        raise ValueError(f"{path}: expected at least one example; got an empty {type(data).__name__}")
    examples = [_example(item, f"{path}[{i}]") for i, item in enumerate(data)]
    return pb.Dataset(examples=pb.TuningExamples(examples=examples))
