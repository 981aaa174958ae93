"""A typed user program: the README's tour and the google-generativeai facade, under mypy --strict.

Type-checked (never run) by tests/typing/test_user_programs.py. ``assert_type`` pins the exact type
of what the API returns: an Any where the type is known fails it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import pathlib
from typing import Any

from typing_extensions import assert_type

import genai
from genai import types

client = genai.Client()

response = client.models.generate_content(model="gemini-2.5-flash", contents="Why is the sky blue?")
assert_type(response, genai.GenerateContentResponse[Any])
assert_type(response.text, str)
assert_type(response.finish_reason, str | None)
assert_type(response.usage_metadata.total_token_count, int)
assert_type(response.candidates, list[genai.Candidate])
assert_type(response.parts, list[types.Part])

with client.models.generate_content_stream(model="gemini-2.5-flash", contents="Tell me a story") as stream:
    for chunk in stream:
        print(chunk.text, end="")
        assert_type(chunk, genai.GenerateContentResponse[Any])
assert_type(stream.response.usage_metadata.candidates_token_count, int)

response = client.models.generate_content(
    model="gemini-2.5-flash",
    contents=["Describe this picture", pathlib.Path("cat.png")],
    config=types.GenerateContentConfig(
        system_instruction="Answer in one sentence.",
        temperature=0.2,
        max_output_tokens=200,
        safety_settings={"harassment": "block_only_high"},
        timeout=30,
        retry=genai.RetryOptions(attempts=3),
    ),
)
response = client.models.generate_content(
    model="gemini-2.5-flash", contents="Hi", config={"temperature": 0.2, "max_output_tokens": 64}
)


@dataclasses.dataclass
class Recipe:
    name: str
    minutes: int


class Genre(enum.Enum):
    DRAMA = "DRAMA"
    COMEDY = "COMEDY"


recipe = client.models.generate_content(
    model="gemini-2.5-flash",
    contents="A quick pasta",
    config=types.GenerateContentConfig(response_mime_type="application/json", response_schema=Recipe),
).parsed
recipes = client.models.generate_content(
    model="gemini-2.5-flash",
    contents="Three quick pastas",
    config=types.GenerateContentConfig(response_mime_type="application/json", response_schema=list[Recipe]),
).parsed
genre = client.models.generate_content(
    model="gemini-2.5-flash",
    contents="Which genre?",
    config=types.GenerateContentConfig(response_mime_type="text/x.enum", response_schema=Genre),
).parsed
assert_type(recipe, Recipe)
assert_type(recipes, list[Recipe])
assert_type(genre, Genre)


def get_weather(city: str, days: int) -> str:
    """Forecast for a city."""
    return city * days


calls = client.models.generate_content(
    model="gemini-2.5-flash", contents="Weather in Prague?", config={"tools": [get_weather]}
).function_calls
assert_type(calls, list[types.FunctionCall])
assert_type([call.name for call in calls], list[str])

assert_type(client.models.count_tokens(model="gemini-2.5-flash", contents="How many?").total_tokens, int)
vectors = client.models.embed_content(model="gemini-embedding-001", contents=["a", "b"]).embeddings
assert_type(list(vectors[0].values), list[float])
for model in client.models.list():
    assert_type(model, types.Model)
    assert_type(model.input_token_limit, int)
afc = client.models.generate_content(
    model="gemini-2.5-flash",
    contents="Weather in Prague?",
    config={"tools": [get_weather], "automatic_function_calling": {"maximum_remote_calls": 3}},
)
assert_type(afc.automatic_function_calling_history, list[types.Content])

# Chats.
talk = client.chats.create(model="gemini-2.5-flash", config={"system_instruction": "Be brief."})
assert_type(talk, genai.Chat[Any])
assert_type(talk.send_message("Hi").text, str)
assert_type(talk.send_message(["Hi", pathlib.Path("cat.png")], config={"temperature": 0.1}).text, str)
with talk.send_message_stream("Tell me more") as chat_stream:
    for chat_chunk in chat_stream:
        assert_type(chat_chunk.text, str)
assert_type(talk.get_history(), list[types.Content])
assert_type(talk.get_history(curated=True), list[types.Content])
assert_type(talk.history[0], types.Content)
assert_type(talk.rewind(), types.ChatTurn)
assert_type(talk.last, genai.GenerateContentResponse[Any] | None)
assert_type(talk.usage.total_token_count, int)
saved = types.history_to_json(talk.get_history(curated=True))
assert_type(saved, str)
restored = client.chats.create(model="gemini-2.5-flash", history=types.history_from_json(saved))
typed_chat = client.chats.create(
    model="gemini-2.5-flash", config=types.GenerateContentConfig(response_schema=Recipe)
)
assert_type(typed_chat.send_message("A pasta").parsed, Recipe)

candidate = response.candidates[0]
assert_type(candidate.finish_reason.name, str)
assert_type(candidate.safety_ratings[0].probability.name, str)
assert_type(candidate.token_count, int)
assert_type(candidate.avg_logprobs, float)
assert_type(response.prompt_feedback.block_reason.name, str)
assert_type(response.prompt_feedback.safety_ratings, list[genai.SafetyRating])


async def main() -> None:
    reply = await client.aio.models.generate_content(model="gemini-2.5-flash", contents="Hi")
    assert_type(reply.text, str)
    async with await client.aio.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi") as s:
        async for piece in s:
            assert_type(piece.text, str)
    typed = await client.aio.models.generate_content(
        model="gemini-2.5-flash",
        contents="A pasta",
        config=types.GenerateContentConfig(response_schema=Recipe),
    )
    assert_type(typed.parsed, Recipe)
    async_chat = client.aio.chats.create(model="gemini-2.5-flash")
    assert_type(async_chat, genai.AsyncChat[Any])
    assert_type((await async_chat.send_message("Hi")).text, str)
    async with await async_chat.send_message_stream("More") as async_chat_stream:
        async for async_piece in async_chat_stream:
            assert_type(async_piece.text, str)
    async for listed in client.aio.models.list():
        assert_type(listed.name, str)
    live_config: types.LiveConnectConfigDict = {"response_modalities": ["AUDIO"], "tools": [get_weather]}
    async with client.aio.live.connect(model="gemini-live-2.5-flash", config=live_config) as async_live:
        assert_type(async_live, genai.AsyncSession)
        await async_live.send_client_content(turns="Hello")
        await async_live.send_realtime_input(audio=b"\x00\x00" * 320)
        async for live_message in async_live.receive():
            assert_type(live_message, types.LiveServerMessage)
            assert_type(live_message.data, bytes | None)
        assert_type((await async_live.receive_turn()).audio, bytes)
    await client.aio.aclose()


asyncio.run(main())

# Live sessions, sync face (generated), over WebSocket.
with client.live.connect(
    model="gemini-live-2.5-flash",
    config=types.LiveConnectConfig(response_modalities=["TEXT"], session_resumption=True),
    transport="websocket",
    on_reconnect=lambda event: print(event.reason, event.resent),
    reconnect=types.ReconnectPolicy(attempts=3),
) as live:
    assert_type(live, genai.Session)
    live.send_client_content(turns=["Hi", "there"], turn_complete=True)
    live.send_realtime_input(text="and more")
    for live_message in live.receive():
        assert_type(live_message.text, str | None)
        assert_type(live_message.kind, str | None)
        if live_message.tool_call is not None:
            live.send_tool_response(function_responses=[{"id": "c1", "name": "f", "response": {}}])
    live_turn = live.receive_turn()
    assert_type(live_turn, types.LiveTurn)
    assert_type(live_turn.text, str)
    assert_type(live_turn.interrupted, bool)
    assert_type(live.usage.total_token_count, int)
    assert_type(live.reconnects, list[types.ReconnectEvent])
    assert_type(live.resumption_handle, str | None)

# Cached contents.
cache = client.caches.create(
    model="gemini-2.5-flash",
    config={"contents": ["A long document."], "system_instruction": "Be brief", "ttl": 3600},
)
assert_type(cache, genai.CachedContent)
assert_type(cache.name, str)
assert_type(cache.expire_time, datetime.datetime | None)
assert_type(cache.usage_metadata.total_token_count, int)
client.caches.update(name=cache.name, config=genai.UpdateCachedContentConfig(ttl=datetime.timedelta(hours=2)))
for listed_cache in client.caches.list(config={"page_size": 10}):
    assert_type(listed_cache, genai.CachedContent)
with client.caches.create(model="gemini-2.5-flash", config={"contents": "x"}) as scoped_cache:
    assert_type(scoped_cache, genai.CachedContent)
client.caches.delete(name=cache.name)


async def caches_async() -> None:
    async with await client.aio.caches.create(model="gemini-2.5-flash", config={"contents": "x"}) as cached:
        assert_type(cached, genai.AsyncCachedContent)
        async for other in client.aio.caches.list():
            assert_type(other, genai.AsyncCachedContent)


# Files, operations, tuned models and prediction.
upload = client.files.upload(
    "talk.mp4", display_name="talk", on_progress=lambda sent, total: None, wait=True, wait_timeout=300
)
assert_type(upload, genai.File)
assert_type(upload.state, genai.FileState)
assert_type(upload.wait_active(timeout=60), genai.File)
assert_type(
    client.files.upload(file=b"x", config={"display_name": "x", "mime_type": "text/plain"}), genai.File
)
assert_type(client.files.get(upload.name), genai.File)
assert_type(client.files.wait(upload.name, timeout=60), genai.File)
for listed_file in client.files.list(config={"page_size": 10}):
    assert_type(listed_file, genai.File)
waited_reply = client.models.generate_content(
    model="gemini-2.5-flash", contents=[upload, "Summarise"], config={"wait_for_files": 120}
)
assert_type(waited_reply, genai.GenerateContentResponse[Any])
tuning = client.tunings.create(base_model="gemini-2.5-flash", training_dataset=[("1", "2")])
assert_type(tuning, genai.Operation)
assert_type(client.operations.get(tuning.name), genai.Operation)
assert_type(client.operations.get(tuning), genai.Operation)
assert_type(tuning.wait(timeout=600, on_progress=lambda op: None), genai.Operation)
assert_type(tuning.done, bool)
assert_type(
    client.models.predict(model="imagen-3.0-generate-002", instances=[{"prompt": "a cat"}]).images,
    list[bytes],
)
video_job = client.models.predict_long_running(model="veo-2.0-generate-001", instances=[{"prompt": "a cat"}])
assert_type(video_job.wait(timeout=600).videos(), genai.GeneratedVideos)
first_video = video_job.videos()[0]
assert_type(first_video, genai.GeneratedVideo)
assert_type(client.models.download_video(first_video), bytes)
assert_type(client.models.download_video(first_video, "out.mp4"), pathlib.Path)
veo = client.models.generate_videos(
    model="veo-2.0-generate-001", prompt="a cat", config=types.GenerateVideosConfig(aspect_ratio="16:9")
)
assert_type(veo, genai.Operation)
assert_type(first_video.video.video_bytes, bytes | None)


async def files_async() -> None:
    uploaded = await client.aio.files.upload("talk.mp4", wait=True)
    assert_type(uploaded, genai.AsyncFile)
    assert_type(await uploaded.wait_active(), genai.AsyncFile)
    assert_type(await client.aio.operations.get("tunedModels/t/operations/o"), genai.AsyncOperation)


client.close()

try:
    client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
except genai.errors.ResourceExhaustedError as error:
    assert_type(error.retry_delay, float | None)
    assert_type(error.quota_violations, tuple[genai.errors.QuotaViolation, ...])
except genai.errors.APIError as error:
    assert_type(error.message, str)
    assert_type(error.field_violations, tuple[genai.errors.FieldViolation, ...])

# The google-generativeai style.
genai.configure(api_key="...")
legacy = genai.GenerativeModel(
    "gemini-2.5-flash", generation_config=genai.types.GenerationConfig(temperature=0.5)
)
answer = legacy.generate_content("What is the meaning of life?")
assert_type(answer.text, str)
assert_type(answer.candidates[0].finish_reason.name, str)
assert_type(answer.prompt_feedback.block_reason.name, str)
assert_type(answer.usage_metadata.total_token_count, int)
for streamed in legacy.generate_content("Tell me a story", stream=True):
    assert_type(streamed.text, str)
chat = legacy.start_chat(history=[])
chat.send_message("Hello")
for message in chat.history:
    assert_type(message, types.Content)
user, reply = chat.rewind()
assert_type(genai.embed_content(model="models/embedding-001", content="Hi")["embedding"], list[float])
many = genai.embed_content(model="models/embedding-001", content=["a", "b"])["embedding"]
assert_type(many, list[list[float]])
from_cache = genai.GenerativeModel.from_cached_content(
    genai.caching.CachedContent.create(model="gemini-2.5-flash")
)
assert_type(from_cache.cached_content, str | None)
structured = legacy.generate_content(
    "List a few popular cookie recipes.",
    generation_config=genai.GenerationConfig(
        response_mime_type="application/json", response_schema=list[Recipe]
    ),
)
assert_type(structured.text, str)


# Prediction: images, and a video job whose videos download with the key in a header.
prediction = client.models.predict(model="imagen-3.0-generate-002", instances=[{"prompt": "a fox"}])
assert_type(prediction, genai.PredictResponse)
assert_type(prediction.images[0], bytes)
video_op = client.models.predict_long_running(
    model="veo-2.0-generate-001", instances=[{"prompt": "a fox"}], parameters={"sampleCount": 2}
)
assert_type(video_op, genai.Operation)
videos = video_op.wait(timeout=600).videos()
assert_type(videos, genai.GeneratedVideos)
assert_type(videos[0], genai.GeneratedVideo)
assert_type(client.models.download_video(videos[0], "fox.mp4"), pathlib.Path)
assert_type(client.models.download_video(videos[0]), bytes)
