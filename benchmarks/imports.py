"""Cold import time, each run in a fresh interpreter.

Two measures per statement:

* ``importtime``: ``python -X importtime -c STMT``; the cumulative time of every top-level import
  that a bare ``python -c pass`` does not also make (so interpreter start-up is left out);
* ``wall``: wall-clock of ``python -c STMT`` minus the median of ``python -c pass`` (start-up and
  shutdown included, as a script sees it).

Bytecode is cached, as it is for an installed package: the children write and read it under a
private ``PYTHONPYCACHEPREFIX`` (so the source tree is left alone), with ``PYTHONDONTWRITEBYTECODE``
removed from their environment; otherwise an editable checkout on a machine that sets it would
recompile genai and the generated modules from source on every run.
"""

from __future__ import annotations

import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from benchmarks._stats import Sample

# (label, statement, module that must be importable for the row to be measured)
STATEMENTS: tuple[tuple[str, str, str], ...] = (
    ("import genai", "import genai", "genai"),
    ("import grpc", "import grpc", "grpc"),
    (
        "from genai_protos import generative_service_pb2_grpc",
        "from genai_protos import generative_service_pb2_grpc",
        "genai_protos",
    ),
    (
        "import google.ai.generativelanguage_v1beta",
        "import google.ai.generativelanguage_v1beta",
        "google.ai.generativelanguage_v1beta",
    ),
    ("import google.genai", "import google.genai", "google.genai"),
)

_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)\s*$")


@dataclass(frozen=True)
class ImportTime:
    label: str
    importtime: Sample | None  # seconds; None when not measured (see ``problem``)
    wall: Sample | None
    problem: str = ""  # why it was not measured: "not installed" or the import's error


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class _Failed(RuntimeError):
    pass


def _run(args: list[str], cwd: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or [f"exit code {done.returncode}"]
        raise _Failed(last[0])
    return elapsed, done.stderr


def _top_level(stderr: str) -> dict[str, int]:
    """Top-level module -> cumulative microseconds, from ``-X importtime`` output."""
    out: dict[str, int] = {}
    for line in stderr.splitlines():
        match = _LINE.match(line)
        if match and match[3] == " ":  # one space after the bar: imported at top level
            out[match[4]] = out.get(match[4], 0) + int(match[2])
    return out


def import_times(runs: int) -> list[ImportTime]:
    # A neutral working directory: the package is found as an installed user would find it.
    with tempfile.TemporaryDirectory(prefix="genai-bench-") as cwd:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = os.path.join(cwd, "pycache")
        baseline_modules = set(_top_level(_run(["-X", "importtime", "-c", "pass"], cwd, env)[1]))
        _run(["-c", "pass"], cwd, env)
        baseline = statistics.median(_run(["-c", "pass"], cwd, env)[0] for _ in range(runs))
        results = []
        for label, statement, module in STATEMENTS:
            if not _installed(module):
                results.append(ImportTime(label, None, None, "not installed"))
                continue
            try:
                _run(["-c", statement], cwd, env)  # warm the bytecode caches
            except _Failed as failed:
                results.append(ImportTime(label, None, None, f"fails: {failed}"))
                continue
            cumulative, wall = [], []
            for _ in range(runs):
                stderr = _run(["-X", "importtime", "-c", statement], cwd, env)[1]
                tops = _top_level(stderr)
                cumulative.append(sum(us for name, us in tops.items() if name not in baseline_modules) / 1e6)
                wall.append(_run(["-c", statement], cwd, env)[0] - baseline)
            results.append(ImportTime(label, Sample(tuple(cumulative)), Sample(tuple(wall))))
        return results
