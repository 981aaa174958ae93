"""The wheel ships every package of the source tree (a new subpackage must be listed in setup.cfg)."""

from __future__ import annotations

import configparser
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
