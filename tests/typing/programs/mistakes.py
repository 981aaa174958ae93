"""Deliberate type errors that mypy --strict must report: each line marked ``# E: <code>`` is one.

Type-checked (never run) by tests/typing/test_user_programs.py.
"""

from __future__ import annotations

import dataclasses

import genai
from genai import types

client = genai.Client(timeout="5")  # E: arg-type
client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config=5)  # E: call-overload
client.models.generate_content(model="gemini-2.5-flash", contents="Hi", config={"temprature": 1})  # E: call-overload
response = client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
count: str = response.usage_metadata.total_token_count  # E: assignment
response.candidates[0].finish_reason.nam  # E: attr-defined


@dataclasses.dataclass
class Recipe:
    name: str


recipe = client.models.generate_content(
    model="gemini-2.5-flash",
    contents="A quick pasta",
    config=types.GenerateContentConfig(response_schema=Recipe),
).parsed
recipe.minutes  # E: attr-defined
client.models.embed_content(model="m", contents="x", config={"dimensions": 3})  # E: arg-type
vector = genai.embed_content(model="models/embedding-001", content="Hi")["embedding"]
vector[0].upper()  # E: attr-defined
model = genai.GenerativeModel("gemini-2.5-flash")
model.generate_content("Hi", request_options={"timeout": "soon"})  # E: arg-type
model.generate_content("Hi").prompt_feedback.block_reason.nam  # E: attr-defined
chat = client.chats.create(model="gemini-2.5-flash")
chat.send_message("Hi", config={"temprature": 1})  # E: arg-type
chat.get_history()[0].rol  # E: attr-defined
