"""Python callables as FunctionDeclarations: the name, the docstring, a Schema for the parameters.

    >>> def add(a: int, b: int = 0) -> int:
    ...     '''Add two numbers.'''
    ...     return a + b
    >>> list(callable_spec(add).declaration.parameters.required)
    ['a']

A callable is a plain or async function, a bound method (``self`` is bound, so not declared), a
``functools.partial`` (its bound arguments are not declared, whether positional or keyword) or an
object whose class has an annotated ``__call__`` (declared under its ``__name__`` if it has one,
else under its class name). Each parameter needs a type annotation that `to_schema` can describe
(str, int, float, bool, bytes, list[X], dict[str, X], X | None, Literal, Enum, dataclasses,
TypedDicts, pydantic models, nested); a parameter with a default is not required, and one whose
default is None is nullable. Descriptions come from the docstring (genai._coercion.docstrings:
Google, NumPy or Sphinx style) or from ``Annotated[X, "text"]``, which wins over the docstring.

The same `CallableSpec` serves the function-calling loop: its parameters (name, annotation, default)
are what the model's arguments are converted to before the call.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import re
import typing
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from genai._coercion.base import describe, text_error
from genai._coercion.docstrings import parse_docstring
from genai._coercion.schema import to_schema
from genai._wire import messages as pb

__all__ = ["EMPTY", "CallableSpec", "Parameter", "callable_spec", "is_function"]

EMPTY: Any = inspect.Parameter.empty
"""The `default` of a parameter that has none."""

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$")
_SPECS: weakref.WeakKeyDictionary[Callable[..., Any], CallableSpec] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Parameter:
    """One declared parameter of a callable: what the model may pass, and how it is passed."""

    name: str
    annotation: Any
    default: Any = EMPTY
    positional_only: bool = False

    @property
    def required(self) -> bool:
        """Whether the model must pass it (it has no default)."""
        return self.default is EMPTY


@dataclass(frozen=True, slots=True, eq=False)
class CallableSpec:
    """A callable as the model sees it (`declaration`, shared: copy it before changing it) and as it
    is called (`parameters`, in signature order)."""

    name: str
    declaration: pb.FunctionDeclaration
    parameters: tuple[Parameter, ...]


def is_function(value: Any) -> bool:
    """Whether `value` is a Python callable to declare (not a class, a dict or a message).

    >>> is_function(len), is_function(dict), is_function({"name": "f"})
    (True, False, False)
    """
    return callable(value) and not isinstance(value, type | Mapping) and not hasattr(type(value), "pb")


def callable_spec(fn: Callable[..., Any], *, path: str = "function") -> CallableSpec:
    """The declaration and parameters of a Python callable (remembered while `fn` lives).

    >>> callable_spec(lambda x: x)
    Traceback (most recent call last):
    ValueError: function: ... has no usable function name ...

    Errors are ValueErrors that start with `path` (then ``.parameters['x']`` for a parameter's).
    """
    try:
        cached = _SPECS.get(fn)
    except TypeError:  # not weak-referenceable or unhashable
        return _build(fn, path)
    if cached is None:
        cached = _build(fn, path)
        with contextlib.suppress(TypeError):
            _SPECS[fn] = cached
    return cached


def _innermost(fn: Any) -> Any:
    """`fn` without its functools.partial layers."""
    while isinstance(fn, functools.partial):
        fn = fn.func
    return fn


def _is_routine(fn: Any) -> bool:
    return inspect.isroutine(fn) or inspect.ismethod(fn)


def _name_of(fn: Any) -> Any:
    inner = _innermost(fn)
    name = getattr(inner, "__name__", None)
    if name is None and not _is_routine(inner):
        name = type(inner).__name__
    return name


def _source_of(fn: Any) -> Any:
    """The function whose annotations and docstring describe `fn`: ``__call__`` for a callable object."""
    inner = _innermost(fn)
    if _is_routine(inner):
        return inner
    return getattr(type(inner), "__call__", inner)  # noqa: B004 - the class's method, not callable()


def _docstring_of(fn: Any) -> str:
    inner = _innermost(fn)
    if _is_routine(inner):
        return inspect.getdoc(inner) or ""
    call = getattr(type(inner), "__call__", None)  # noqa: B004
    own = getattr(call, "__doc__", None) or type(inner).__doc__  # not object's docstring, inherited
    return inspect.cleandoc(own) if isinstance(own, str) else ""


def _bound_keywords(fn: Any) -> set[str]:
    """The keywords a functools.partial has bound (flattened partials keep them in one dict)."""
    names: set[str] = set()
    while isinstance(fn, functools.partial):
        names.update(fn.keywords)
        fn = fn.func
    return names


def _build(fn: Callable[..., Any], path: str) -> CallableSpec:
    name = _name_of(fn)
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(
            f"{path}: {describe(fn)} has no usable function name (letters, digits, _ . : -, at most 64, "
            "not a lambda); use a def function or a FunctionDeclaration"
        )
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: cannot read the signature of {name}(): {exc}") from None
    try:
        hints = typing.get_type_hints(_source_of(fn), include_extras=True)
    except Exception as exc:  # NameError for an undefined forward reference, TypeError, ...
        raise ValueError(f"{path}: cannot resolve the annotations of {name}(): {exc}") from None
    summary, arg_docs = parse_docstring(_docstring_of(fn))
    declaration = pb.FunctionDeclaration(name=name)
    try:
        declaration.description = summary
    except UnicodeEncodeError as err:
        raise text_error(f"{path}.description", err, f"the docstring of {name}()") from None
    bound = _bound_keywords(fn)
    schema = pb.Schema(type=pb.Type.OBJECT)
    parameters: list[Parameter] = []
    for param in signature.parameters.values():
        if param.name in bound:
            continue
        param_path = f"{path}.parameters[{param.name!r}]"
        _check_kind(param, name, param_path)
        annotation = hints.get(param.name, param.annotation)
        if annotation is EMPTY or isinstance(annotation, str):
            raise ValueError(
                f"{param_path}: {name}() parameter {param.name!r} has no type annotation; annotate it "
                "(e.g. str, int, list[str], a dataclass) so that the model knows what to pass"
            )
        schema.properties[param.name].CopyFrom(
            _parameter_schema(param, annotation, arg_docs.get(param.name, ""), name, param_path)
        )
        schema.property_ordering.append(param.name)
        if param.default is EMPTY:
            schema.required.append(param.name)
        parameters.append(
            Parameter(param.name, annotation, param.default, param.kind is param.POSITIONAL_ONLY)
        )
    if parameters:
        declaration.parameters.CopyFrom(schema)
    return CallableSpec(name, declaration, tuple(parameters))


def _check_kind(param: inspect.Parameter, name: str, param_path: str) -> None:
    if param.kind is param.VAR_POSITIONAL:
        raise ValueError(
            f"{param_path}: {name}() takes *{param.name}, which cannot be declared to the model (it passes "
            "arguments by name); declare a list parameter instead, e.g. items: list[str]"
        )
    if param.kind is param.VAR_KEYWORD:
        raise ValueError(
            f"{param_path}: {name}() takes **{param.name}, which cannot be declared to the model; name "
            "each parameter, or take one dict[str, X] parameter"
        )


def _parameter_schema(
    param: inspect.Parameter, annotation: Any, doc: str, name: str, param_path: str
) -> pb.Schema:
    schema = to_schema(annotation, path=param_path)
    description = _annotated_description(annotation) or doc
    try:
        if description:
            schema.description = description
    except UnicodeEncodeError as err:
        raise text_error(param_path, err, f"the description of {name}() parameter {param.name!r}") from None
    if param.default is None and not schema.nullable:
        schema.nullable = True
    return schema


def _annotated_description(annotation: Any) -> str:
    """The first str (or pydantic ``Field(description=...)``) in ``Annotated[X, ...]``, else ""."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return ""
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, str):
            return meta
        text = getattr(meta, "description", None)
        if isinstance(text, str) and text:
            return text
    return ""
