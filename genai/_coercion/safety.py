"""Safety settings from google-generativeai's shortcuts: Gemini harm categories only.

    >>> to_safety_settings({"harassment": "block_none"})[0].threshold == pb.HarmBlockThreshold.BLOCK_NONE
    True

Category names are google-generativeai's (any case, prefix optional): its PaLM-era spellings of
sexual and dangerous mean Gemini's sexually-explicit and dangerous-content categories, and PaLM's
own categories (derogatory, toxicity, violence, medical), which Gemini rejects, are refused with the
Gemini alternatives. A bare threshold applies to the four categories google-generativeai fills in.
Errors name the path, like the rest of the coercion ladder.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from genai._coercion.base import (
    SupportsModelDump,
    describe,
    enum_number,
    foreign_to_own,
    is_genai_model,
    is_list,
    suggest,
    type_error,
)
from genai._coercion.dicts import to_message
from genai._wire import messages as pb

__all__ = ["SafetySettingLike", "SafetySettingsLike", "to_safety_setting", "to_safety_settings"]

SafetySettingLike: TypeAlias = pb.SafetySetting | Mapping[str, Any] | SupportsModelDump
SafetySettingsLike: TypeAlias = (
    Mapping[Any, Any] | SafetySettingLike | Sequence[SafetySettingLike] | str | int | enum.Enum
)
"""{category: threshold} shortcuts, one setting, a list of settings (messages or dicts), or one
threshold for every category."""


_HC = pb.HarmCategory
_Category: TypeAlias = pb.HarmCategory.ValueType
_GEMINI_CATEGORIES: tuple[_Category, ...] = (
    _HC.HARM_CATEGORY_HARASSMENT,
    _HC.HARM_CATEGORY_HATE_SPEECH,
    _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
    _HC.HARM_CATEGORY_CIVIC_INTEGRITY,
)
# A bare threshold applies to these, as in google-generativeai (civic integrity is not among them).
_BARE_THRESHOLD_CATEGORIES = _GEMINI_CATEGORIES[:4]
# Names google-generativeai takes (any case), all mapped to Gemini's categories; the PaLM-era
# HARM_CATEGORY_SEXUAL and HARM_CATEGORY_DANGEROUS names mean their Gemini successors here.
_CATEGORY_NAMES: dict[str, _Category] = {
    "UNSPECIFIED": _HC.HARM_CATEGORY_UNSPECIFIED,
    "HARM_CATEGORY_UNSPECIFIED": _HC.HARM_CATEGORY_UNSPECIFIED,
    "HARASSMENT": _HC.HARM_CATEGORY_HARASSMENT,
    "HARM_CATEGORY_HARASSMENT": _HC.HARM_CATEGORY_HARASSMENT,
    "HATE": _HC.HARM_CATEGORY_HATE_SPEECH,
    "HATE_SPEECH": _HC.HARM_CATEGORY_HATE_SPEECH,
    "HARM_CATEGORY_HATE_SPEECH": _HC.HARM_CATEGORY_HATE_SPEECH,
    "SEX": _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    "SEXUAL": _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    "SEXUALLY_EXPLICIT": _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    "HARM_CATEGORY_SEXUAL": _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    "HARM_CATEGORY_SEXUALLY_EXPLICIT": _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    "DANGER": _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
    "DANGEROUS": _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
    "DANGEROUS_CONTENT": _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
    "HARM_CATEGORY_DANGEROUS": _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
    "HARM_CATEGORY_DANGEROUS_CONTENT": _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
    "CIVIC": _HC.HARM_CATEGORY_CIVIC_INTEGRITY,
    "CIVIC_INTEGRITY": _HC.HARM_CATEGORY_CIVIC_INTEGRITY,
    "HARM_CATEGORY_CIVIC_INTEGRITY": _HC.HARM_CATEGORY_CIVIC_INTEGRITY,
}
# PaLM's categories, which Gemini rejects: refused by name (PaLM's short names too) and by number.
_PALM_CATEGORY_NAMES: dict[str, _Category] = {
    "DEROGATORY": _HC.HARM_CATEGORY_DEROGATORY,
    "HARM_CATEGORY_DEROGATORY": _HC.HARM_CATEGORY_DEROGATORY,
    "TOXIC": _HC.HARM_CATEGORY_TOXICITY,
    "TOXICITY": _HC.HARM_CATEGORY_TOXICITY,
    "HARM_CATEGORY_TOXICITY": _HC.HARM_CATEGORY_TOXICITY,
    "VIOLENT": _HC.HARM_CATEGORY_VIOLENCE,
    "VIOLENCE": _HC.HARM_CATEGORY_VIOLENCE,
    "HARM_CATEGORY_VIOLENCE": _HC.HARM_CATEGORY_VIOLENCE,
    "MED": _HC.HARM_CATEGORY_MEDICAL,
    "MEDICAL": _HC.HARM_CATEGORY_MEDICAL,
    "HARM_CATEGORY_MEDICAL": _HC.HARM_CATEGORY_MEDICAL,
}
_PALM_SUCCESSORS: dict[_Category, _Category] = {
    _HC.HARM_CATEGORY_SEXUAL: _HC.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    _HC.HARM_CATEGORY_DANGEROUS: _HC.HARM_CATEGORY_DANGEROUS_CONTENT,
}
_CATEGORY_HINTS = tuple(name.lower() for name in _CATEGORY_NAMES)  # "did you mean" offers only these
_GEMINI_CHOICES = (
    f"{', '.join(_HC.Name(c) for c in _GEMINI_CATEGORIES)} (any case, prefix optional) or the short "
    "names hate, sex, sexual, danger, dangerous, civic"
)
_THRESHOLD_ALIASES = {
    "UNSPECIFIED": pb.HarmBlockThreshold.HARM_BLOCK_THRESHOLD_UNSPECIFIED,
    "BLOCK_THRESHOLD_UNSPECIFIED": pb.HarmBlockThreshold.HARM_BLOCK_THRESHOLD_UNSPECIFIED,
    "NONE": pb.HarmBlockThreshold.BLOCK_NONE,
    "LOW": pb.HarmBlockThreshold.BLOCK_LOW_AND_ABOVE,
    "LOW_AND_ABOVE": pb.HarmBlockThreshold.BLOCK_LOW_AND_ABOVE,
    "MED": pb.HarmBlockThreshold.BLOCK_MEDIUM_AND_ABOVE,
    "MEDIUM": pb.HarmBlockThreshold.BLOCK_MEDIUM_AND_ABOVE,
    "MEDIUM_AND_ABOVE": pb.HarmBlockThreshold.BLOCK_MEDIUM_AND_ABOVE,
    "HIGH": pb.HarmBlockThreshold.BLOCK_ONLY_HIGH,
    "ONLY_HIGH": pb.HarmBlockThreshold.BLOCK_ONLY_HIGH,
}
_SAFETY_SHAPES = (
    "safety settings: a dict {category: threshold} such as {'harassment': 'block_none'}, a "
    "types.SafetySetting, a dict {'category': ..., 'threshold': ...}, a list of those settings, or "
    "one threshold for every category such as 'block_none'"
)


def _category(value: Any, path: str) -> _Category:
    """A Gemini harm category from its name (any case, prefix optional, aliases), number or enum."""
    if isinstance(value, enum.Enum) and not isinstance(value, int | str):
        value = value.value if isinstance(value.value, int | str) else value.name
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise type_error(path, "a harm category name (str) or number (int)", value)
    if isinstance(value, int):
        number = _HC.ValueType(value)
        if number in _GEMINI_CATEGORIES or number == _HC.HARM_CATEGORY_UNSPECIFIED:
            return number
        if number in _HC.values():
            raise ValueError(f"{path}: {number} is {_HC.Name(number)}, {_palm_refusal(number)}")
        raise ValueError(f"{path}: {number} is not a HarmCategory number; accepted: {_GEMINI_CHOICES}")
    key = value.strip().upper().replace("-", "_").replace(" ", "_")
    found = _CATEGORY_NAMES.get(key)
    if found is not None:
        return found
    palm = _PALM_CATEGORY_NAMES.get(key)
    if palm is not None:
        raise ValueError(f"{path}: {value!r} is {_HC.Name(palm)}, {_palm_refusal(palm)}")
    raise ValueError(
        f"{path}: unknown HarmCategory {value!r}{suggest(key.lower(), _CATEGORY_HINTS)}; "
        f"accepted: {_GEMINI_CHOICES}"
    )


def _palm_refusal(number: _Category) -> str:
    successor = _PALM_SUCCESSORS.get(number)
    use = f"use {_HC.Name(successor)}" if successor is not None else f"use one of {_GEMINI_CHOICES}"
    return f"a PaLM-era category: not a Gemini harm category (Gemini rejects it); {use}"


def _threshold(value: Any, path: str) -> Any:
    return enum_number(pb.HarmBlockThreshold.DESCRIPTOR, value, path=path, aliases=_THRESHOLD_ALIASES)


def to_safety_setting(value: SafetySettingLike, *, path: str = "safety_setting") -> pb.SafetySetting:
    """One SafetySetting from the message (as is) or a dict whose category/threshold may be aliases.

    >>> to_safety_setting({"category": "hate", "threshold": "low"}).category
    8
    """
    if type(value) is pb.SafetySetting:
        return value
    if is_genai_model(value):
        value = value.model_dump(exclude_none=True)
    if isinstance(value, Mapping):
        converted = dict(value)
        for key in ("category", "threshold"):
            if converted.get(key) is None:
                raise ValueError(
                    f"{path}: a safety setting needs both 'category' and 'threshold'; got {describe(value)}"
                )
            convert = _category if key == "category" else _threshold
            converted[key] = convert(converted[key], f"{path}.{key}")
        return to_message(pb.SafetySetting, converted, path=path)
    return to_message(pb.SafetySetting, value, path=path, expected=_SAFETY_SHAPES)


def to_safety_settings(value: SafetySettingsLike, *, path: str = "safety_settings") -> list[pb.SafetySetting]:
    """Safety settings from {category: threshold} shortcuts, one setting, or a list of settings.

    >>> len(to_safety_settings({"harassment": "none", "HARM_CATEGORY_HATE_SPEECH": "BLOCK_LOW_AND_ABOVE"}))
    2

    Category aliases (any case), as google-generativeai takes them: harassment, hate/hate_speech,
    sex/sexual/sexually_explicit/harm_category_sexual, danger/dangerous/dangerous_content/
    harm_category_dangerous, civic/civic_integrity, or the full names; PaLM's categories (derogatory,
    toxicity, violence, medical, ...) are refused, Gemini rejects them. Threshold aliases: none/block_none,
    low, medium/med, high, off, unspecified, the full names, or ints. A bare threshold (a str, int or
    enum member) applies to harassment, hate speech, sexually explicit and dangerous content. A
    category given twice is an error.
    """
    if type(value) is pb.SafetySetting:
        return [value]
    if isinstance(value, str | int | enum.Enum) and not isinstance(value, bool):
        return _bare_threshold(value, path)
    if isinstance(value, Mapping) and "category" not in value and "threshold" not in value:
        out = []
        for key, threshold in value.items():
            item_path = f"{path}[{key!r}]"
            setting = pb.SafetySetting(
                category=_category(key, item_path), threshold=_threshold(threshold, item_path)
            )
            out.append(setting)
    elif is_list(value):
        items: Sequence[Any] = value
        out = [to_safety_setting(item, path=f"{path}[{i}]") for i, item in enumerate(items)]
    elif isinstance(value, Mapping) or is_genai_model(value) or foreign_to_own(value, path=path) is not None:
        out = [to_safety_setting(value, path=path)]  # type: ignore[arg-type]
    else:
        raise type_error(path, _SAFETY_SHAPES, value)
    seen: set[int] = set()
    for setting in out:
        if setting.category in seen:
            name = pb.HarmCategory.Name(setting.category)
            raise ValueError(f"{path}: category {name} is given more than once")
        seen.add(setting.category)
    return out


def _bare_threshold(value: Any, path: str) -> list[pb.SafetySetting]:
    """One threshold for harassment, hate speech, sexually explicit and dangerous content."""
    try:
        threshold = _threshold(value, path)
    except ValueError as exc:
        if isinstance(value, str) and value.strip().upper().replace("-", "_") in _CATEGORY_NAMES:
            raise ValueError(
                f"{path}: {value!r} is a category with no threshold; give {{{value!r}: 'block_none'}} "
                "(a str alone is a threshold for every category, such as 'block_only_high')"
            ) from None
        raise exc from None
    return [
        pb.SafetySetting(category=category, threshold=threshold) for category in _BARE_THRESHOLD_CATEGORIES
    ]
