"""The wheel ships every package of the source tree (a new subpackage must be listed in setup.cfg)."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[1]


def test_every_package_is_listed_in_setup_cfg() -> None:
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "genai").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    found |= {
        "genai_protos"
        + "".join("." + part for part in init.parent.relative_to(REPO / "generated/genai_protos").parts)
        for init in (REPO / "generated/genai_protos").rglob("__init__.py")
    }
    assert found == listed


def test_the_resource_services_load_on_first_use() -> None:
    """`import genai` leaves out caches, tunings and the caching facade (cold import is measured);
    they load when first asked for, by attribute or from the client."""
    code = (
        "import sys, genai\n"
        "lazy = ('genai.caching', 'genai._sync.caches', 'genai._aio.caches', 'genai._sync.tunings',\n"
        "        'genai._sync.files', 'genai._aio.files', 'genai._sync.operations',\n"
        "        'genai._aio.operations', 'genai._requests.files', 'importlib.metadata')\n"
        "assert not [m for m in lazy if m in sys.modules], [m for m in lazy if m in sys.modules]\n"
        "assert genai.Caches.__name__ == 'Caches' and genai.caching.CachedContent\n"
        "client = genai.Client('k', endpoint='127.0.0.1:1', insecure=True)\n"
        "assert client.caches is client.caches and type(client.aio.tunings).__name__ == 'AsyncTunings'\n"
        "client.close()\n"
        "try:\n    genai.NoSuchName\nexcept AttributeError as err:\n    assert 'NoSuchName' in str(err)\n"
        "else:\n    raise AssertionError('no AttributeError')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
