"""Whether a request runs Python functions for the model, and with which limits.

>>> def add(a: int, b: int) -> int:
...     "Add two numbers."
...     return a + b
>>> config = GenerateContentConfig(tools=[add], automatic_function_calling={"maximum_remote_calls": 3})
>>> function_calling(config).maximum_remote_calls
3
>>> function_calling(GenerateContentConfig(tools=[add], automatic_function_calling={"disable": True}))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from genai._functions.table import FunctionJob, FunctionTable
from genai._requests.config import GenerateContentConfig, to_afc_config
from genai._wire import messages as pb

__all__ = ["FunctionCalling", "function_calling", "sent_contents"]


class FunctionCalling:
    """The functions a request may run (its FunctionTable) and the limits of the loop."""

    __slots__ = ("ignore_call_history", "maximum_remote_calls", "table")

    def __init__(self, table: FunctionTable, maximum_remote_calls: int, ignore_call_history: bool) -> None:
        self.table = table
        self.maximum_remote_calls = maximum_remote_calls
        self.ignore_call_history = ignore_call_history

    def plan(self, calls: Sequence[pb.FunctionCall]) -> tuple[FunctionJob, ...] | None:
        """The jobs to run for these calls, in order; None when the reply goes back to the caller."""
        plan = self.table.plan(calls)
        return None if plan.returns_to_caller else plan.jobs


def function_calling(cfg: GenerateContentConfig[Any] | None) -> FunctionCalling | None:
    """The function calling of a request; None when nothing runs (no Python function, or disabled)."""
    if cfg is None:
        return None
    if cfg.automatic_function_calling is None and cfg.tools is None:
        return None
    afc = to_afc_config(cfg.automatic_function_calling, path="config.automatic_function_calling")
    if afc.disable or cfg.tools is None:
        return None
    table = FunctionTable.from_tools(cfg.tools)
    if table is None:
        return None
    return FunctionCalling(table, afc.maximum_remote_calls, afc.ignore_call_history)


def sent_contents(request: Any) -> Callable[[], list[pb.Content]]:
    """The contents a first request carried, read when called (for the function-calling history)."""

    def contents() -> list[pb.Content]:
        if isinstance(request, pb.GenerateContentRequest):
            return list(request.contents)
        return list(pb.GenerateContentRequest.FromString(request).contents)

    return contents
