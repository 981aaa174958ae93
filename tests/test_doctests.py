"""Every ``>>>`` example in genai's docstrings runs, against a local emulator, and shows what it says.

Examples see ``client`` (a client of the emulator), ``emulator``, ``genai`` and ``types``; the facade's
default client points at the emulator too. An example that awaits runs on an event loop, so the
asyncio source can show its calls as ``await client.aio.models...`` (and the generated sync face,
which drops the ``await``, runs the same example synchronously).
"""

from __future__ import annotations

import ast
import asyncio
import doctest
import importlib
import inspect
import pkgutil
import re
import types as pytypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import genai
import genai.legacy as legacy
from genai import types
from genai.testing import Emulator

ROOT = Path(genai.__file__).parent
_SUBMODULES = [info.name for info in pkgutil.walk_packages(genai.__path__, "genai.")]
MODULES = ["genai", *sorted(name for name in _SUBMODULES if not name.endswith("__main__"))]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_AWAITS = "__doctest_run_awaiting__"


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


def _needs_await(source: str) -> bool:
    """True for an example that only compiles with top-level ``await`` / ``async for`` / ``async with``."""
    try:
        compile(source, "<doctest>", "single", dont_inherit=True)
    except SyntaxError:
        try:
            compile(source, "<doctest>", "single", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        except SyntaxError:
            return False
        return True
    return False


def _with_awaiting(test: doctest.DocTest, loop: asyncio.AbstractEventLoop) -> doctest.DocTest:
    """Rewrite the examples that await into a call that runs them on ``loop`` (output and errors kept)."""

    def run_awaiting(source: str) -> None:
        code = compile(source, "<doctest>", "single", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        result = eval(code, test.globs)  # 'single' mode: an expression's value goes to sys.displayhook
        if inspect.iscoroutine(result):
            loop.run_until_complete(result)

    test.globs[_AWAITS] = run_awaiting
    for example in test.examples:
        if _needs_await(example.source):
            example.source = f"{_AWAITS}({example.source!r})\n"
    return test


def run_doctests(module: pytypes.ModuleType, globs: dict[str, Any]) -> tuple[int, int, str]:
    """(failed, attempted, report) for every example in the module's docstrings."""
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    loop = asyncio.new_event_loop()
    try:
        for test in finder.find(module, module.__name__, extraglobs=globs):
            runner.run(_with_awaiting(test, loop), out=report.append)
            test.globs.clear()  # examples may hold streams: let them go while the loop still runs
    finally:
        client = globs.get("client")
        if client is not None:
            loop.run_until_complete(client.aio.aclose())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return runner.failures, runner.tries, "".join(report)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module(name)
    client = emulator.client()
    facade_client = emulator.client()
    monkeypatch.setattr(legacy, "_default_client", facade_client)
    try:
        failed, attempted, report = run_doctests(
            module, {"client": client, "emulator": emulator, "genai": genai, "types": types}
        )
    finally:
        configured = legacy._default_client
        client.close()
        facade_client.close()
        if configured is not None:
            configured.close()
    assert failed == 0, report
    expected = _prompts_in(module)
    assert attempted == expected, f"{name}: {expected} '>>>' lines in its source, {attempted} examples ran"


def _prompts_in(module: pytypes.ModuleType) -> int:
    """The ``>>>`` prompts in a module's source (each is an example doctest must find)."""
    if module.__file__ is None or not module.__file__.endswith(".py"):
        return 0
    return len(re.findall(r"^\s*>>> ", Path(module.__file__).read_text(), flags=re.MULTILINE))


def test_every_module_with_examples_is_collected() -> None:
    files = {p for p in ROOT.rglob("*.py") if re.search(r"^\s*>>> ", p.read_text(), flags=re.MULTILINE)}
    collected = {Path(importlib.import_module(name).__file__ or "") for name in MODULES}
    assert files <= collected, sorted(str(f) for f in files - collected)
    assert len(files) > 40  # the examples are spread over the package, not in one corner


def _module_with(doc: str) -> pytypes.ModuleType:
    module = pytypes.ModuleType("example", doc)
    module.__file__ = "example.py"
    return module


def test_a_wrong_example_fails() -> None:
    failed, attempted, report = run_doctests(_module_with(">>> 1 + 1\n3\n"), {})
    assert (failed, attempted) == (1, 1)
    assert "Expected:\n    3\nGot:\n    2" in report


def test_an_awaiting_example_runs_on_the_loop_and_is_checked() -> None:
    doc = (
        ">>> import asyncio\n"
        ">>> async def two() -> int: return 2\n"
        ">>> await two()\n2\n"
        ">>> [x async for x in aiter_of(1, 2)]\n[1, 2]\n"
        ">>> await two()\n3\n"
        ">>> await asyncio.sleep(0, 'awaited') == 'awaited'\nTrue\n"
    )

    async def aiter_of(*items: int) -> Any:
        for item in items:
            yield item

    failed, attempted, report = run_doctests(_module_with(doc), {"aiter_of": aiter_of})
    assert (failed, attempted) == (1, 6), report
    assert "Expected:\n    3\nGot:\n    2" in report


def test_an_awaiting_example_that_raises_is_compared_like_any_other() -> None:
    doc = (
        ">>> async def boom() -> None: raise ValueError('no')\n"
        ">>> await boom()\nTraceback (most recent call last):\nValueError: no\n"
    )
    assert run_doctests(_module_with(doc), {})[:2] == (0, 2)
    wrong = doc.replace("ValueError: no", "KeyError: 'no'")
    assert run_doctests(_module_with(wrong), {})[:2] == (1, 2)
