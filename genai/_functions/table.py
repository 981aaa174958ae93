"""Which Python callable answers which function call, and what to do with a reply's calls.

    >>> def get_time(city: str) -> str: return "12:00"
    >>> table = FunctionTable.from_tools([get_time, {"name": "book_table"}])
    >>> sorted(table.functions), sorted(table.plain_names)
    (['get_time'], ['book_table'])

A config's ``tools`` may mix Python callables (run by automatic function calling) with plain
declarations (dicts, FunctionDeclaration messages, Tools that hold them: the caller answers
those). `FunctionTable.plan` turns the function calls of one model reply into what to do next:

* no calls: return the reply to the caller;
* **any call to a plain declaration: return the reply to the caller, and run nothing of that
  reply** (not even its calls to Python callables): the caller gets every call of the reply and
  answers them all in the next turn, so that no call is answered twice or left out;
* otherwise one job per call, in the order of the calls: the callable with the converted
  arguments, or the error to report for a call to an unknown function or with arguments that do
  not fit (genai._functions.arguments). The model gets every error as a FunctionResponse and may
  correct its call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from genai._coercion.base import is_list, suggest
from genai._coercion.declarations import CallableSpec, callable_spec, is_function
from genai._coercion.tools import ToolsLike, to_tools
from genai._functions.arguments import ArgumentError, convert_arguments
from genai._wire import messages as pb

__all__ = ["FunctionJob", "FunctionTable", "Plan"]


@dataclass(frozen=True, slots=True, eq=False)
class FunctionJob:
    """One function call to answer: run `function(*args, **kwargs)`, or report `error` if set."""

    call: pb.FunctionCall
    function: Callable[..., Any] | None = None
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """What to do with the function calls of one reply: run `jobs`, or (no jobs) return the reply.

    `plain_calls` are the calls to plain declarations that ended the loop (empty when the reply
    had no calls at all).
    """

    jobs: tuple[FunctionJob, ...] = ()
    plain_calls: tuple[pb.FunctionCall, ...] = ()

    @property
    def returns_to_caller(self) -> bool:
        """Whether the loop ends here: the reply goes back to the caller as it is."""
        return not self.jobs


class FunctionTable:
    """The Python callables of a config's tools, by declared name, and the names of the others."""

    __slots__ = ("_plain", "_specs")

    def __init__(
        self, specs: Mapping[str, tuple[Callable[..., Any], CallableSpec]], plain: frozenset[str]
    ) -> None:
        self._specs = dict(specs)
        self._plain = plain

    @classmethod
    def from_tools(cls, tools: ToolsLike | None, *, path: str = "config.tools") -> FunctionTable | None:
        """The table of `tools` (anything ``to_tools`` takes), or None when it holds no callable.

        >>> FunctionTable.from_tools([{"name": "lookup"}]) is None
        True

        Raises what ``to_tools`` raises for tools that cannot be declared (the path starts with `path`).
        """
        if tools is None:
            return None
        found = list(_callables(tools, path))
        if not found:
            return None
        declared = {d.name for tool in to_tools(tools, path=path) for d in tool.function_declarations}
        specs: dict[str, tuple[Callable[..., Any], CallableSpec]] = {}
        for fn, fn_path in found:
            spec = callable_spec(fn, path=fn_path)
            specs[spec.name] = (fn, spec)
        return cls(specs, frozenset(declared - specs.keys()))

    @property
    def functions(self) -> Mapping[str, Callable[..., Any]]:
        """Each Python callable under its declared name."""
        return MappingProxyType({name: fn for name, (fn, _) in self._specs.items()})

    @property
    def plain_names(self) -> frozenset[str]:
        """The names of the plain declarations (calls to them end the loop)."""
        return self._plain

    def plan(self, calls: Sequence[pb.FunctionCall]) -> Plan:
        """What to do with a reply's function calls (the module docstring has the rules).

        >>> def get_time(city: str) -> str: return "12:00"
        >>> table = FunctionTable.from_tools([get_time])
        >>> call = pb.FunctionCall(id="a1", name="get_time")
        >>> call.args.update({"city": "Oslo"})
        >>> [(job.call.id, job.kwargs) for job in table.plan([call]).jobs]
        [('a1', {'city': 'Oslo'})]
        """
        if not calls:
            return Plan()
        plain = tuple(call for call in calls if call.name in self._plain)
        if plain:
            return Plan(plain_calls=plain)
        return Plan(jobs=tuple(self._job(call) for call in calls))

    def _job(self, call: pb.FunctionCall) -> FunctionJob:
        entry = self._specs.get(call.name)
        if entry is None:
            known = ", ".join(sorted(self._specs))
            hint = suggest(call.name, self._specs)
            return FunctionJob(
                call, error=f"unknown function {call.name!r}{hint}; the functions that can be called: {known}"
            )
        fn, spec = entry
        try:
            args, kwargs = convert_arguments(spec, call.args)
        except ArgumentError as exc:
            return FunctionJob(call, fn, error=str(exc))
        return FunctionJob(call, fn, args, kwargs)


def _callables(tools: Any, path: str) -> Iterator[tuple[Callable[..., Any], str]]:
    """The Python callables in `tools` and their paths: top-level ones, and those inside Tool dicts."""
    items = tools if is_list(tools) else [tools]
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]" if is_list(tools) else path
        if is_function(item):
            yield item, item_path
        elif isinstance(item, Mapping) and "name" not in item:
            key = "function_declarations" if "function_declarations" in item else "functionDeclarations"
            declarations = item.get(key)
            if is_list(declarations):
                for j, declaration in enumerate(declarations):
                    if is_function(declaration):
                        yield declaration, f"{item_path}.{key}[{j}]"
