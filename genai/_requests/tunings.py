"""What each ``tunings`` method sends, as pure functions of its arguments (no I/O).

    >>> from genai._transport.options import CallOptions
    >>> core = TuningsCore(CallOptions(timeout=60))
    >>> request, options = core._create("gemini-2.5-flash", [("1", "2")], {"tuned_model_id": "my-model"})
    >>> request.tuned_model_id, request.tuned_model.base_model
    ('my-model', 'models/gemini-2.5-flash')

Shared by the asyncio source (genai._aio.tunings) and its generated sync face.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from genai._coercion.errors import describe, suggest
from genai._coercion.models import to_model_name
from genai._coercion.tuning import TrainingDataLike, to_dataset
from genai._requests.calls import ModelsCore
from genai._requests.config import CallConfigDict
from genai._transport.options import NO_RETRY, CallOptions, checked_call_options
from genai._wire import messages as pb
from genai._wire import rpcs

__all__ = [
    "CREATE_TUNED_MODEL",
    "DELETE_TUNED_MODEL",
    "GET_TUNED_MODEL",
    "LIST_TUNED_MODELS",
    "UNSET",
    "UPDATE_TUNED_MODEL",
    "CreateTuningConfigDict",
    "TuningsCore",
    "to_tuned_model_name",
]

CREATE_TUNED_MODEL = rpcs.ModelService.CreateTunedModel
GET_TUNED_MODEL = rpcs.ModelService.GetTunedModel
LIST_TUNED_MODELS = rpcs.ModelService.ListTunedModels
UPDATE_TUNED_MODEL = rpcs.ModelService.UpdateTunedModel
DELETE_TUNED_MODEL = rpcs.ModelService.DeleteTunedModel


class CreateTuningConfigDict(CallConfigDict, total=False):
    """``config=`` of ``tunings.create``: the tuned model's id and settings, the hyperparameters.

    >>> config: CreateTuningConfigDict = {"tuned_model_id": "my-model", "epoch_count": 3}

    ``tuned_model_id`` (lowercase letters, digits and dashes) makes a create safe to retry: see
    ``tunings.create``.
    """

    tuned_model_id: str
    display_name: str
    description: str
    epoch_count: int
    batch_size: int
    learning_rate: float
    learning_rate_multiplier: float
    temperature: float
    top_p: float
    top_k: int


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""The default of ``tunings.update``'s fields: a field left UNSET is not in the update mask."""

_STR_KEYS = ("tuned_model_id", "display_name", "description")
_INT_KEYS = ("epoch_count", "batch_size", "top_k")
_FLOAT_KEYS = ("learning_rate", "learning_rate_multiplier", "temperature", "top_p")
_CALL_KEYS = ("timeout", "retry", "metadata")
_CONFIG_KEYS = _STR_KEYS + _INT_KEYS + _FLOAT_KEYS + _CALL_KEYS
_UPDATABLE = ("display_name", "description", "temperature", "top_p", "top_k")


def to_tuned_model_name(name: object, path: str = "name") -> str:
    """A tuned model's full name: "my-model" -> "tunedModels/my-model"; "tunedModels/..." as is.

    >>> to_tuned_model_name("my-model")
    'tunedModels/my-model'
    """
    if not isinstance(name, str):
        raise TypeError(
            f"{path}: expected a tuned model name str such as 'tunedModels/my-model'; got {describe(name)}"
        )
    model_id = name.removeprefix("tunedModels/")
    if not model_id or "/" in model_id or any(c.isspace() for c in model_id):
        raise ValueError(f"{path}: expected a tuned model name such as 'tunedModels/my-model'; got {name!r}")
    return "tunedModels/" + model_id


def _number(value: Any, path: str, *, integer: bool) -> int | float:
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise TypeError(f"{path}: expected {'an int' if integer else 'a number'}; got {describe(value)}")
    if not integer and not math.isfinite(value):
        raise ValueError(f"{path}: expected a finite number; got {value!r}")
    if value < 0 or (integer and value == 0 and not path.endswith("top_k")):
        raise ValueError(f"{path}: expected a positive number; got {value!r}")
    return value


def _settings(config: Mapping[str, Any]) -> dict[str, Any]:
    for key in config:
        if key not in _CONFIG_KEYS:
            raise ValueError(
                f"config: unknown key {key!r}{suggest(str(key), _CONFIG_KEYS)}; "
                f"accepted: {', '.join(_CONFIG_KEYS)}"
            )
    values: dict[str, Any] = {}
    for key, value in config.items():
        path = f"config[{key!r}]"
        if key in _STR_KEYS:
            if not isinstance(value, str):
                raise TypeError(f"{path}: expected a str; got {describe(value)}")
            values[key] = value
        elif key in _INT_KEYS:
            values[key] = _number(value, path, integer=True)
        elif key in _FLOAT_KEYS:
            values[key] = _number(value, path, integer=False)
    if "learning_rate" in values and "learning_rate_multiplier" in values:
        raise ValueError("config: give learning_rate or learning_rate_multiplier, not both")
    return values


class TuningsCore(ModelsCore):
    """Request building shared by the sync and async faces of ``tunings`` (no I/O)."""

    def _create(
        self, base_model: str, training_dataset: TrainingDataLike, config: Mapping[str, Any] | None
    ) -> tuple[pb.CreateTunedModelRequest, CallOptions]:
        """The request, and its options: no retry unless a tuned_model_id makes a retry safe."""
        if config is not None and not isinstance(config, Mapping):
            raise TypeError(f"config: expected a dict of tuning settings or None; got {describe(config)}")
        cfg = dict(config or {})
        values = _settings(cfg)
        base = to_model_name(base_model, path="base_model")
        if not base.startswith("models/"):
            raise ValueError(
                f"base_model: expected a base model such as 'gemini-2.5-flash'; got {base_model!r}"
            )
        hyper = pb.Hyperparameters()
        for key in ("epoch_count", "batch_size", "learning_rate", "learning_rate_multiplier"):
            if key in values:
                setattr(hyper, key, values[key])
        model = pb.TunedModel(
            base_model=base,
            display_name=values.get("display_name", ""),
            description=values.get("description", ""),
            tuning_task=pb.TuningTask(training_data=to_dataset(training_dataset), hyperparameters=hyper),
        )
        for key in ("temperature", "top_p", "top_k"):
            if key in values:
                setattr(model, key, values[key])
        request = pb.CreateTunedModelRequest(tuned_model=model)
        if "tuned_model_id" in values:
            request.tuned_model_id = to_tuned_model_name(
                values["tuned_model_id"], "config['tuned_model_id']"
            )[len("tunedModels/") :]
        options = self._options(cfg)
        if not request.HasField("tuned_model_id") and cfg.get("retry") is None:
            # Without an id a retried create could make a second model: send it once.
            options = checked_call_options(options.timeout, NO_RETRY, options.metadata)
        return request, options

    def _update(
        self, name: str, fields: dict[str, Any], config: Any
    ) -> tuple[pb.UpdateTunedModelRequest, CallOptions]:
        model = pb.TunedModel(name=to_tuned_model_name(name))
        paths = []
        for key in _UPDATABLE:
            value = fields[key]
            if value is UNSET:
                continue
            paths.append(key)
            if value is None:
                if key in ("display_name", "description"):
                    raise TypeError(f"{key}: expected a str; got None")
                continue  # an optional field in the mask but unset: cleared
            if key in ("display_name", "description"):
                if not isinstance(value, str):
                    raise TypeError(f"{key}: expected a str; got {describe(value)}")
            else:
                value = _number(value, key, integer=key == "top_k")
            setattr(model, key, value)
        if not paths:
            raise ValueError(f"update: give at least one of {', '.join(_UPDATABLE)} to change")
        request = pb.UpdateTunedModelRequest(tuned_model=model)
        request.update_mask.paths.extend(paths)
        return request, self._options(config)
