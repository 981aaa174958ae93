"""A function's docstring read for its declaration: the summary and what it says about each argument.

    >>> parse_docstring("Add two numbers.\\n\\n:param a: The first.\\n:param b: The second.")
    ('Add two numbers.', {'a': 'The first.', 'b': 'The second.'})

Three styles are read, and may be mixed:

* Google: an ``Args:`` (``Arguments:``, ``Parameters:``, ``Keyword Args:`` ...) header, then one
  ``name (type): text`` or ``name: text`` line per argument, continuation lines indented deeper.
* NumPy: a ``Parameters`` header underlined with dashes, then ``name : type`` (or ``a, b : type``)
  lines with the text indented below them.
* Sphinx: ``:param name: text`` (also ``:param type name:``, ``:arg:``, ``:key:`` ...);
  ``:type name:`` lines are ignored.

The summary is the first paragraph, up to a blank line or the first section. Other sections
(Returns, Raises, Examples, ...) are never read into an argument's text.
"""

from __future__ import annotations

import inspect
import re

__all__ = ["parse_docstring"]

_GOOGLE_ARGS = frozenset(
    {
        "args",
        "arguments",
        "parameters",
        "params",
        "keyword args",
        "keyword arguments",
        "kwargs",
        "other parameters",
    }
)
_GOOGLE_SECTIONS = _GOOGLE_ARGS | {
    "returns",
    "return",
    "yields",
    "yield",
    "raises",
    "raise",
    "examples",
    "example",
    "note",
    "notes",
    "attributes",
    "see also",
    "warning",
    "warnings",
    "todo",
    "references",
}
_NUMPY_ARGS = frozenset({"parameters", "other parameters", "keyword arguments", "arguments", "args"})

_DASHES = re.compile(r"^\s*-{3,}\s*$")
# name, then an optional "(type)" that may hold one level of parentheses, then ":" and the text
_GOOGLE_ITEM = re.compile(r"^(\*{0,2}\w+)\s*(?:\((?:[^()]|\([^()]*\))*\))?\s*:(?:\s+(.*))?$")
_NUMPY_ITEM = re.compile(r"^(\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::.*)?$")
_SPHINX_PARAM = re.compile(
    r"^:(?:param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\*{0,2}\w+)\s*:(?:\s+(.*))?$"
)
_SPHINX_FIELD = re.compile(r"^:\w+")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """(summary, {argument: description}) of a docstring in Google, NumPy or Sphinx style.

    >>> parse_docstring("Look up a city.\\n\\nArgs:\\n    city: Its name.\\n")
    ('Look up a city.', {'city': 'Its name.'})

    Argument names lose their leading stars (``*args`` -> ``args``); whitespace inside a
    description is collapsed to single spaces.
    """
    lines = inspect.cleandoc(doc).splitlines()
    args: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        key = line.strip().lower()
        if key.endswith(":") and key[:-1] in _GOOGLE_ARGS:
            _read_google(lines, i, args)
        elif key in _NUMPY_ARGS and i + 1 < len(lines) and _DASHES.match(lines[i + 1]):
            _read_numpy(lines, i, args)
    _read_sphinx(lines, args)
    described = {name: " ".join(" ".join(words).split()) for name, words in args.items()}
    return _summary(lines), described


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_section(lines: list[str], i: int) -> bool:
    """Whether lines[i] opens a section of any style (Google header, NumPy header, Sphinx field)."""
    stripped = lines[i].strip()
    key = stripped.lower()
    if key.endswith(":") and key[:-1] in _GOOGLE_SECTIONS:
        return True
    if stripped and i + 1 < len(lines) and _DASHES.match(lines[i + 1]):
        return True
    return bool(_SPHINX_FIELD.match(stripped))


def _summary(lines: list[str]) -> str:
    words: list[str] = []
    for i, line in enumerate(lines):
        if not line.strip() or _is_section(lines, i):
            break
        words.append(line.strip())
    return " ".join(words)


def _add(args: dict[str, list[str]], names: list[str], text: str | None) -> list[str]:
    """Start the entries of `names` (first mention wins); the names whose text is being read."""
    fresh = [name.lstrip("*") for name in names if name.lstrip("*") not in args]
    for name in fresh:
        args[name] = [text] if text else []
    return fresh


def _read_google(lines: list[str], header: int, args: dict[str, list[str]]) -> None:
    base = _indent(lines[header])
    item_indent: int | None = None
    current: list[str] = []
    for i in range(header + 1, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        width = _indent(line)
        if width <= base or (width == item_indent and _is_section(lines, i)):
            return
        if item_indent is None:
            item_indent = width
        if width < item_indent:
            return
        match = _GOOGLE_ITEM.match(line.strip()) if width == item_indent else None
        if match:
            current = _add(args, [match.group(1)], match.group(2))
        else:
            for name in current:
                args[name].append(line.strip())


def _read_numpy(lines: list[str], header: int, args: dict[str, list[str]]) -> None:
    base = _indent(lines[header])
    current: list[str] = []
    for i in range(header + 2, len(lines)):
        line = lines[i]
        if not line.strip():
            continue
        width = _indent(line)
        if width < base or _is_section(lines, i):
            return
        if width == base:
            match = _NUMPY_ITEM.match(line.strip())
            if match is None:
                return
            current = _add(args, [name.strip() for name in match.group(1).split(",")], None)
        else:
            for name in current:
                args[name].append(line.strip())


def _read_sphinx(lines: list[str], args: dict[str, list[str]]) -> None:
    current: list[str] = []
    field_indent = 0
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        width = _indent(line)
        if _SPHINX_FIELD.match(stripped):
            match = _SPHINX_PARAM.match(stripped)
            current = _add(args, [match.group(1)], match.group(2)) if match else []
            field_indent = width
        elif current and width > field_indent:
            for name in current:
                args[name].append(stripped)
        else:
            current = []
