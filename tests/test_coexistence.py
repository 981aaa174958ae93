"""genai imports before or after the official packages in one process, and both keep working."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

USE_GENAI = """
import genai
from genai import types
c = types.Content(role="user", parts=[types.Part(text="hi")])
fc = types.FunctionCall(name="f")
fc.args.update({"x": [1, 2]})
wire = types.GenerateContentRequest(model="models/m", contents=[c]).SerializeToString()
"""

USE_OFFICIAL = """
from google.ai import generativelanguage_v1beta as official
oc = official.Content(role="user", parts=[official.Part(text="hi")])
official_req = official.GenerateContentRequest(model="models/m", contents=[oc])
from google.genai import types as gtypes
gc = gtypes.Content(role="user", parts=[gtypes.Part(text="hi")])
"""

CROSS_CHECK = """
assert official.GenerateContentRequest.serialize(official_req) == wire
assert types.GenerateContentRequest.FromString(wire).contents[0].parts[0].text == "hi"
assert gc.parts[0].text == "hi"
print("ok")
"""


@pytest.mark.parametrize("order", ["genai_first", "official_first"])
def test_both_import_orders_in_a_fresh_process(order: str) -> None:
    first, second = (USE_GENAI, USE_OFFICIAL) if order == "genai_first" else (USE_OFFICIAL, USE_GENAI)
    code = textwrap.dedent(first + second + CROSS_CHECK)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_genai_registers_nothing_in_the_default_pool() -> None:
    code = textwrap.dedent(
        USE_GENAI
        + """
from google.protobuf import descriptor_pool
try:
    descriptor_pool.Default().FindMessageTypeByName("google.ai.generativelanguage.v1beta.Content")
except KeyError:
    print("absent")
"""
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "absent", result.stderr
