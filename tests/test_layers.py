"""The layers of genai/ import only downwards (docs/architecture.md draws them); no hand-typed RPC path.

Every import in a module counts, at the top, inside a function or under TYPE_CHECKING: a layer that
needs a higher one has its concepts in the wrong place.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GENAI = Path(__file__).parents[1] / "genai"

# Lowest first. A module may import its own layer and the ones before it; `errors` is the bottom.
ORDER = [
    "_version",
    "errors",
    "_wire",
    "_coercion",
    "_transport",
    "_requests",
    "_views",
    "_functions",
    "_chats",
    "_live",
    "_aio",
    "_sync",
]
# The top: public modules and the glue that assembles the client; they may import any layer.
TOP = {"__init__", "types", "protos", "legacy", "caching", "cli", "testing", "_client", "_facade", "_cli"}


def _layer(module: str) -> str:
    """'genai._coercion.content' -> '_coercion'; 'genai.types' -> 'types'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            if node.module == "genai":  # from genai import types, errors, ...
                found += [f"genai.{alias.name}" for alias in node.names]
    return [name for name in found if name == "genai" or name.startswith("genai.")]


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(GENAI.rglob("*.py")):
        relative = path.relative_to(GENAI.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        out.append((name, path))
    return out


@pytest.mark.parametrize(("module", "path"), _modules(), ids=[name for name, _ in _modules()])
def test_imports_go_down(module: str, path: Path) -> None:
    layer = _layer(module)
    if layer == "emulator":
        # The emulator is a server of its own: it never uses the client.
        bad = [name for name in _imports(path) if not name.startswith("genai.emulator")]
        assert not bad, f"{module} imports the client: {bad}"
        return
    if layer in TOP:
        return
    allowed = set(ORDER[: ORDER.index(layer) + 1])
    if layer == "_sync":
        allowed.discard("_aio")  # the generated face stands beside its source, not on it
    bad = [name for name in _imports(path) if name != "genai" and _layer(name) not in allowed]
    assert not bad, f"{module} ({layer}) imports from higher layers: {bad}"


def test_no_internal_module_uses_the_public_types_module() -> None:
    users = [
        module
        for module, path in _modules()
        if module not in ("genai", "genai.types") and "genai.types" in _imports(path)
    ]
    assert users == []


def test_no_hand_typed_rpc_path() -> None:
    paths = [
        module
        for module, path in _modules()
        if '"/google.ai.generativelanguage' in path.read_text() and not module.startswith("genai.emulator")
    ]
    assert paths == []
