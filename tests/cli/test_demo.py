"""`genai demo` (what `make demo` runs): a streamed generation, then a chat whose model calls a function."""

from __future__ import annotations

import io
import json

import genai
from genai._cli.args import DEFAULT_MODEL
from genai._cli.demo import WEATHER_PROMPT, get_weather, scripted_chat, scripted_messages
from genai.cli import DEMO_PROMPT
from genai.testing import Emulator
from tests.cli.conftest import run_process


def test_the_demo_streams_then_chats_and_runs_a_function(client: genai.Client) -> None:
    result = run_process("--emulator", "demo")
    assert result.status == 0, result.err
    reply = client.models.generate_content(model=DEFAULT_MODEL, contents=DEMO_PROMPT).text
    generation, chat = result.out.split("\n\n", 1)
    assert generation == f"> {DEMO_PROMPT}\n{reply}"

    blocks = chat.split("\n\n")
    first, weather, last = scripted_messages(on_emulator=True)
    assert [block.splitlines()[0] for block in blocks[:3]] == [f"> {first}", f"> {weather}", f"> {last}"]
    assert "[[call:get_weather]]" in weather
    # The weather turn: the call the model made, what the Python function returned, the answer.
    _, call, result_line, answer = blocks[1].splitlines()
    assert call.startswith('  [call] get_weather({"city": "')
    city = json.loads(call[len("  [call] get_weather(") : -1])["city"]
    returned = json.dumps(get_weather(city), sort_keys=True)
    assert result_line == f"  [result] get_weather -> {returned}"
    assert answer.startswith(f"The function get_weather returned {returned}.")
    assert blocks[3].startswith("[chat: 8 contents in the history; ")
    assert len(blocks) == 4


def test_the_real_api_gets_a_plain_question() -> None:
    assert scripted_messages(on_emulator=False)[1] == WEATHER_PROMPT
    assert all("[[" not in message for message in scripted_messages(on_emulator=False))
    # Against a server that does not call the function (the emulator without its trigger), the
    # demo still runs through: three turns, no call shown.
    out = io.StringIO()
    with Emulator() as emulator, emulator.client() as client:
        scripted_chat(client, DEFAULT_MODEL, on_emulator=False, out=out)
    assert "[call]" not in out.getvalue() and out.getvalue().count("\n> ") == 3
