"""`make check-generated` passes on the committed tree and fails once a .proto or an asyncio source
changes without regenerating (or once the generated sync face is edited by hand)."""

from __future__ import annotations

import filecmp
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
    for name in ("protos", "scripts", "generated", "genai"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "setup.cfg", "pyproject.toml", "ruff.toml"):
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


def test_the_sync_face_is_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/unasync.py"), "--out", str(tmp_path)], check=True, timeout=120
    )
    committed = ROOT / "genai/_sync"
    names = sorted(p.name for p in tmp_path.glob("*.py"))
    assert names == sorted(p.name for p in committed.glob("*.py"))
    same, mismatch, errors = filecmp.cmpfiles(tmp_path, committed, names, shallow=False)
    assert (sorted(same), mismatch, errors) == (names, [], []), "genai/_sync is stale: run `make generate`"


def test_fails_after_an_async_source_edit_without_regenerating(tree: Path) -> None:
    source = tree / "genai/_aio/models.py"
    text = source.read_text()
    edited = text.replace('"""Model calls; reached as', '"""Model calls (edited); reached as')
    assert edited != text
    source.write_text(edited)
    result = _check(tree)
    assert result.returncode != 0
    assert "genai/_sync is stale" in result.stdout and "make generate" in result.stdout
    assert "Model calls (edited)" in result.stdout  # the diff shows what changed


def test_fails_after_a_hand_edit_of_the_sync_face(tree: Path) -> None:
    face = tree / "genai/_sync/streams.py"
    face.write_text(face.read_text() + "\n# a quick fix made by hand\n")
    result = _check(tree)
    assert result.returncode != 0
    assert "genai/_sync is stale" in result.stdout


def test_a_removed_source_module_removes_its_sync_twin(tree: Path) -> None:
    (tree / "genai/_sync/leftover.py").write_text("# its source is gone\n")
    subprocess.run([sys.executable, str(tree / "scripts/unasync.py")], check=True, timeout=120)
    assert not (tree / "genai/_sync/leftover.py").exists()
    assert (tree / "genai/_sync/models.py").exists()
