"""`make check-generated` passes on the committed tree and fails once a .proto changes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(sys.executable).parent.parent


def _check(tree: Path) -> subprocess.CompletedProcess[str]:
    # -o: the venv is set up already; do not let make reinstall it because the copies are newer.
    stamp = VENV / ".installed"
    return subprocess.run(
        ["make", "-s", "-C", str(tree), "check-generated", f"VENV={VENV}", "-o", str(stamp)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name in ("protos", "scripts", "generated"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "setup.cfg", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def test_passes_on_the_committed_tree(tree: Path) -> None:
    result = _check(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "up to date" in result.stdout


def test_fails_after_a_proto_edit_without_regenerating(tree: Path) -> None:
    proto = tree / "protos/google/ai/generativelanguage/v1beta/citation.proto"
    proto.write_text(proto.read_text() + "\nmessage AddedWithoutRegenerating {\n  string note = 1;\n}\n")
    result = _check(tree)
    assert result.returncode != 0
    assert "make generate" in result.stdout
