"""mypy --strict on typed user programs, against the `make venv` checkout and against an installed wheel.

programs/tour.py (the README's tour and the facade) must pass; its ``assert_type`` calls pin the
exact types the API returns (an Any where the type is known fails them). programs/mistakes.py must
produce exactly the errors its ``# E: <code>`` comments announce.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent / "programs"
REPO = Path(__file__).parents[2]
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[a-z-]+)\]$")


def _mypy(python: str, cache: Path, *files: Path | str) -> list[str]:
    """mypy's error lines for ``files``, resolving imports the way ``python`` sees its packages."""
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--strict", "--python-executable", python,
            "--cache-dir", str(cache), "--no-error-summary", "--show-error-codes",
            "--config-file", "/dev/null", *map(str, files),
        ],
        capture_output=True, text=True, timeout=240, cwd=PROGRAMS,
    )  # fmt: skip
    if result.returncode not in (0, 1):
        raise AssertionError(f"mypy crashed:\n{result.stdout}\n{result.stderr}")
    return [line for line in result.stdout.splitlines() if ": error: " in line or ": note: " in line]


def _expected(program: Path) -> set[tuple[int, str]]:
    return {
        (number, match.group(1))
        for number, line in enumerate(program.read_text().splitlines(), start=1)
        if (match := re.search(r"# E: ([a-z-]+)$", line))
    }


def _check(python: str, cache: Path) -> None:
    tour, mistakes = PROGRAMS / "tour.py", PROGRAMS / "mistakes.py"
    lines = _mypy(python, cache, tour, mistakes)
    errors = [m for line in lines if (m := ERROR.match(line))]
    unexplained = [line for line in lines if "error:" in line and not ERROR.match(line)]
    assert not unexplained, unexplained
    assert [line for line in lines if line.startswith("tour.py")] == []
    found = {(int(m.group("line")), m.group("code")) for m in errors if m.group("file") == "mistakes.py"}
    assert found == _expected(mistakes), "\n".join(lines)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def test_against_the_checkout(cache: Path) -> None:
    """The `make venv` environment: the checkout is seen through a plain .pth (see the Makefile)."""
    _check(sys.executable, cache)


def test_against_an_installed_wheel(tmp_path: Path, cache: Path) -> None:
    """A wheel of the checkout installed in a fresh environment (its dependencies from this one)."""
    wheels = tmp_path / "wheels"
    source = tmp_path / "source"  # a copy: building in the checkout would leave build/ there
    source.mkdir()
    for name in ("genai", "generated"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--quiet"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", site, *map(str, wheels.glob("*.whl"))],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    # The wheel's own files only: the dependencies (grpc, protobuf, their stubs) come from here.
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = subprocess.run(
        [str(python), "-c", "import genai, genai_protos; print(genai.__file__, genai_protos.__file__)"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    ).stdout
    assert installed.count(site) == 2, installed  # not the checkout
    _check(str(python), cache)
