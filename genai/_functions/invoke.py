"""Running one planned function call from each face: a thread calls, a task awaits.

    >>> def double(n: int) -> int: return 2 * n
    >>> job = FunctionJob(pb.FunctionCall(id="c1", name="double"), double, kwargs={"n": 4})
    >>> FunctionInvoker.call(job).function_response.response["result"]
    8.0

This is the one place where the two faces of automatic function calling genuinely differ, so it is
written by hand, twice: the generated sync face (scripts/unasync.py) calls ``FunctionInvoker`` where
the asyncio source calls ``AsyncFunctionInvoker``.

* ``FunctionInvoker.call`` runs a sync callable on the calling thread, an async one to completion
  with ``asyncio.run`` (on a helper thread when the calling thread already runs an event loop).
* ``AsyncFunctionInvoker.call`` awaits an async callable on the running loop and runs a sync one
  off the loop, with ``asyncio.to_thread``.

Both return the function_response part for the job's call (its id and name kept): the result, or
the error (a planning error, or the exception the function raised, as genai._functions.results
words it). They never raise for an error of the function; KeyboardInterrupt, SystemExit and
asyncio.CancelledError (not Exceptions) propagate. Running several calls concurrently is the
transport's ``gather``, not done here.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from genai._functions.results import error_part, result_part
from genai._functions.table import FunctionJob
from genai._wire import messages as pb

__all__ = ["AsyncFunctionInvoker", "FunctionInvoker", "is_async_callable"]

T = TypeVar("T")


def is_async_callable(fn: Callable[..., Any]) -> bool:
    """Whether calling `fn` gives a coroutine: an async function or method, a partial of one, or an
    object whose ``__call__`` is async.

    >>> async def fetch() -> None: ...
    >>> is_async_callable(fetch), is_async_callable(print)
    (True, False)
    """
    inner: Any = fn
    while isinstance(inner, functools.partial):
        inner = inner.func
    if inspect.iscoroutinefunction(inner):
        return True
    if inspect.isroutine(inner):
        return False
    return inspect.iscoroutinefunction(getattr(type(inner), "__call__", None))  # noqa: B004


class FunctionInvoker:
    """Function calls run by threads: the calling thread runs the function."""

    @staticmethod
    def call(job: FunctionJob) -> pb.Part:
        """The function_response part for `job`: its function's result, or the error to report."""
        if job.error is not None or job.function is None:
            return error_part(job.call, job.error or f"no function to call for {job.call.name!r}")
        try:
            result = job.function(*job.args, **job.kwargs)
            if inspect.isawaitable(result):
                result = _run(result)
        except Exception as exc:
            return error_part(job.call, exc)
        return result_part(job.call, result)


class AsyncFunctionInvoker:
    """Function calls run by asyncio tasks: async functions on the loop, sync ones on a thread."""

    @staticmethod
    async def call(job: FunctionJob) -> pb.Part:
        """The function_response part for `job`: its function's result, or the error to report."""
        if job.error is not None or job.function is None:
            return error_part(job.call, job.error or f"no function to call for {job.call.name!r}")
        try:
            if is_async_callable(job.function):
                result = job.function(*job.args, **job.kwargs)
            else:
                result = await asyncio.to_thread(job.function, *job.args, **job.kwargs)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            return error_part(job.call, exc)
        return result_part(job.call, result)


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


def _run(awaitable: Awaitable[T]) -> T:
    """Run `awaitable` to completion from sync code: on a new event loop, in this thread if it has
    none running, else on a helper thread (asyncio.run refuses to nest loops)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(awaitable))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="genai-function") as pool:
        return pool.submit(asyncio.run, _awaited(awaitable)).result()
