"""Model resource names from what people write: "gemini-x", "models/gemini-x", "tunedModels/x".

>>> to_model_name("gemini-2.5-flash")
'models/gemini-2.5-flash'
"""

from __future__ import annotations

from genai._coercion.base import text_error, type_error

__all__ = ["to_model_name"]


_MODEL_PREFIXES = ("models/", "tunedModels/")


_MODEL_NAMES: dict[str, str] = {}


def to_model_name(model: str, *, path: str = "model") -> str:
    """A model's resource name: "gemini-x" -> "models/gemini-x"; "models/..." and "tunedModels/..." as is.

    >>> to_model_name("gemini-2.5-flash")
    'models/gemini-2.5-flash'
    """
    if type(model) is str:
        known = _MODEL_NAMES.get(model)
        if known is not None:  # every call names a model: skip re-validating the same few names
            return known
    elif not isinstance(model, str):
        raise type_error(
            path, "a model name str such as 'gemini-2.5-flash' or 'models/gemini-2.5-flash'", model
        )
    collection, slash, model_id = model.partition("/")
    valid = bool(model_id if slash else model) and "/" not in model_id and not any(c.isspace() for c in model)
    if valid and (not slash or collection + "/" in _MODEL_PREFIXES):
        try:
            model.encode()  # once per name (cached below): the request's model field is UTF-8
        except UnicodeEncodeError as err:
            raise text_error(path, err, "the model name") from None
        name = model if slash else "models/" + model
        if len(_MODEL_NAMES) < 1024:
            _MODEL_NAMES[model] = name
        return name
    raise ValueError(
        f"{path}: expected a model id such as 'gemini-2.5-flash', 'models/gemini-2.5-flash' "
        f"or 'tunedModels/my-model'; got {model!r}"
    )
