"""The scripted chat of `genai demo` (and `make demo`): three turns, one of which runs a Python function.

The model is given ``get_weather`` as a tool; the client's automatic function calling runs it when
the model asks, sends the result back, and the model answers from it. The emulator calls a function
only when told to (``[[call:NAME]]`` in the message, see docs/emulator.md), so the message that asks
for the weather carries that trigger there, and is plain English for the real API.
"""

from __future__ import annotations

from typing import Any, TextIO

from genai._cli.show import counted, part_summary, shorten
from genai._client import Client
from genai._requests.config import GenerateContentConfig
from genai._sync.chats import Chat

__all__ = ["WEATHER_PROMPT", "get_weather", "scripted_chat", "scripted_messages"]

WEATHER_PROMPT = "What is the weather like in Lisbon right now?"
_EMULATOR_TRIGGER = " [[call:get_weather]]"


def get_weather(city: str) -> dict[str, Any]:
    """The current weather in a city.

    Args:
        city: The city's name, such as "Lisbon".
    """
    # A demo needs no weather service: the same answer for any city shows the round trip.
    return {"city": city, "sky": "sunny", "celsius": 24}


def scripted_messages(on_emulator: bool) -> list[str]:
    """The demo's messages; the second makes the model call ``get_weather``."""
    weather = WEATHER_PROMPT + (_EMULATOR_TRIGGER if on_emulator else "")
    return ["Hi! I am planning a day out in Lisbon.", weather, "Thanks. Anything I should pack?"]


def _stream_reply(chat: Chat[Any], message: str, out: TextIO) -> None:
    with chat.send_message_stream(message) as stream:
        for chunk in stream:
            out.write(chunk.text)
            out.flush()
    out.write("\n")


def _function_reply(chat: Chat[Any], message: str, out: TextIO) -> None:
    """Send without streaming, then show the function calls and results this turn made, and the reply."""
    before = len(chat.history)
    response = chat.send_message(message)
    # The history the calls were made with: the chat so far, this message, then the rounds of calls.
    for content in response.automatic_function_calling_history[before + 1 :]:
        for part in content.parts:
            out.write(f"  {shorten(part_summary(part))}\n")
    out.write(response.text + "\n")


def scripted_chat(client: Client, model: str, *, on_emulator: bool, out: TextIO) -> None:
    """Run the demo's chat against ``client``, printing each message, function call and reply."""
    chat = client.chats.create(model=model, config=GenerateContentConfig(tools=[get_weather]))
    first, weather, last = scripted_messages(on_emulator)
    for message, reply in ((first, _stream_reply), (weather, _function_reply), (last, _stream_reply)):
        out.write(f"\n> {message}\n")
        reply(chat, message, out)
    usage, contents = chat.usage, counted(len(chat.history), "content")
    out.write(
        f"\n[chat: {contents} in the history; {usage.prompt_token_count} prompt + "
        f"{usage.candidates_token_count} reply tokens in all]\n"
    )
