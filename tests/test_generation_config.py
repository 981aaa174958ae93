"""genai.GenerationConfig: the message's fields as a dataclass that also takes Python types."""

from __future__ import annotations

import dataclasses
import enum

import pytest

import genai
from genai import types
from genai.testing import Emulator


def test_fields_are_exactly_the_messages() -> None:
    ours = [field.name for field in dataclasses.fields(genai.GenerationConfig)]
    assert ours == [field.name for field in types.GenerationConfig.DESCRIPTOR.fields]


@dataclasses.dataclass
class Recipe:
    recipe_name: str
    minutes: int


def test_python_types_and_enum_names_become_the_message() -> None:
    config = genai.GenerationConfig(
        response_mime_type="application/json",
        response_schema=list[Recipe],
        temperature=0.5,
        stop_sequences=["x"],
        response_modalities=["text"],
        media_resolution="media_resolution_low",
        thinking_config={"thinking_budget": 64},
    )
    message = config.to_message()
    assert message.response_schema.type == types.Type.ARRAY
    assert list(message.response_schema.items.property_ordering) == ["recipe_name", "minutes"]
    assert message.temperature == 0.5 and list(message.stop_sequences) == ["x"]
    assert message.response_modalities == [types.GenerationConfigModality.TEXT]
    assert message.thinking_config.thinking_budget == 64
    with pytest.raises(TypeError, match=r"generation_config\.temperature"):
        genai.GenerationConfig(temperature="hot").to_message()  # type: ignore[arg-type]


def test_parsed_follows_a_python_schema_given_there(emulator: Emulator) -> None:
    class Color(enum.Enum):
        RED = "red"
        BLUE = "blue"

    with emulator.client() as client:
        config = genai.GenerateContentConfig(
            generation_config=genai.GenerationConfig(
                response_mime_type="application/json", response_schema=Recipe
            )
        )
        recipe = client.models.generate_content(
            model="gemini-2.5-flash", contents="pasta", config=config
        ).parsed
        assert isinstance(recipe, Recipe)
        color = client.models.generate_content(
            model="gemini-2.5-flash",
            contents="a color",
            config={"response_mime_type": "text/x.enum", "response_schema": Color},
        ).parsed
        assert isinstance(color, Color)
