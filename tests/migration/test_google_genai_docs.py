"""Snippets of google-genai's documentation (its README's tour), run against the emulator on genai.Client.

The client line changes (``genai.Client(api_key=..., endpoint=..., insecure=True)`` for the
emulator); ``types`` is genai's where our messages take the same arguments, and google-genai's own
``types`` objects (pydantic) where the snippet builds them with google-genai helpers: both are accepted.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pydantic
import pytest
from google.genai import types as gtypes
from PIL import Image

import genai
from genai import types
from genai.testing import Emulator

MODEL = "gemini-2.0-flash-001"


@pytest.fixture
def client(emulator: Emulator) -> Iterator[genai.Client]:
    with genai.Client(api_key="GEMINI_API_KEY", endpoint=emulator.endpoint, insecure=True) as client:
        yield client


@pytest.fixture
def files_client(emulator: Emulator) -> Iterator[genai.Client]:
    """The client line of the files, caching and video guides: it also names the HTTP endpoint."""
    with genai.Client(
        api_key="GEMINI_API_KEY",
        endpoint=emulator.endpoint,
        http_endpoint=emulator.http_endpoint,
        insecure=True,
    ) as client:
        yield client


def test_generate_and_config(client: genai.Client) -> None:
    response = client.models.generate_content(model=MODEL, contents="Why is the sky blue?")
    assert response.text.startswith('You said: "Why is the sky blue".')

    response = client.models.generate_content(
        model=MODEL,
        contents="high",
        config=types.GenerateContentConfig(
            system_instruction="I say high, you say low", max_output_tokens=3, temperature=0.3
        ),
    )
    assert response.text == "You said:"  # three tokens under the emulator's rule
    assert response.finish_reason == "MAX_TOKENS" and response.usage_metadata.candidates_token_count == 3

    contents = gtypes.Content(role="user", parts=[gtypes.Part.from_text(text="Why is the sky blue?")])
    assert client.models.generate_content(model=MODEL, contents=contents).text.startswith("You said")
    conversation = [
        gtypes.UserContent(parts=[gtypes.Part.from_text(text="Hello")]),
        gtypes.ModelContent(parts=[gtypes.Part.from_text(text="Hi, how can I help?")]),
        gtypes.UserContent(parts=[gtypes.Part.from_text(text="Why is the sky blue?")]),
    ]
    response = client.models.generate_content(model=MODEL, contents=conversation)
    assert response.text.startswith('You said: "Why is the sky blue".')


def test_streams_and_async(client: genai.Client) -> None:
    unary = client.models.generate_content(model=MODEL, contents="Tell me a story in 300 words.").text
    pieces = []
    for chunk in client.models.generate_content_stream(model=MODEL, contents="Tell me a story in 300 words."):
        pieces.append(chunk.text)
    assert "".join(pieces) == unary

    async def main() -> str:
        response = await client.aio.models.generate_content(
            model=MODEL, contents="Tell me a story in 300 words."
        )
        text = ""
        async for chunk in await client.aio.models.generate_content_stream(
            model=MODEL, contents="Tell me a story in 300 words."
        ):
            text += chunk.text
        assert text == response.text
        await client.aio.aclose()
        return text

    assert asyncio.run(main()) == unary


def test_images_tokens_embeddings_and_models(client: genai.Client) -> None:
    image = Image.new("RGB", (4, 4), "blue")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = client.models.generate_content(model=MODEL, contents=["What is this image about?", image])
    assert response.text.startswith('You said: "What is this image about".')
    part = gtypes.Part.from_bytes(data=buffer.getvalue(), mime_type="image/png")
    assert client.models.generate_content(model=MODEL, contents=[part, "Describe it"]).text

    assert client.models.count_tokens(model=MODEL, contents="why is the sky blue?").total_tokens == 6

    response_e = client.models.embed_content(model="text-embedding-004", contents="why is the sky blue?")
    assert len(response_e.embeddings[0].values) == 768
    response_e = client.models.embed_content(
        model="text-embedding-004",
        contents=["why is the sky blue?", "What is your age?"],
        config=types.EmbedContentConfig(output_dimensionality=10),
    )
    assert [len(e.values) for e in response_e.embeddings] == [10, 10]

    assert any(model.name == "models/gemini-2.0-flash-001" for model in client.models.list())
    assert client.models.get(model=MODEL).name == "models/gemini-2.0-flash-001"


class CountryInfo(pydantic.BaseModel):
    name: str
    population: int
    capital: str


class InstrumentEnum(enum.Enum):
    PERCUSSION = "Percussion"
    STRING = "String"
    WOODWIND = "Woodwind"
    BRASS = "Brass"
    KEYBOARD = "Keyboard"


def test_structured_output(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="Give me information for the United States.",
        config=types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=CountryInfo
        ),
    )
    assert isinstance(response.parsed, CountryInfo)

    response = client.models.generate_content(
        model=MODEL,
        contents="Give me information for the United States.",
        config=types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema={
                "required": ["name", "population", "capital"],
                "properties": {
                    "name": {"type": "STRING"},
                    "population": {"type": "INTEGER"},
                    "capital": {"type": "STRING"},
                },
                "type": "OBJECT",
            },
        ),
    )
    assert set(response.parsed) == {"name", "population", "capital"}

    response = client.models.generate_content(
        model=MODEL,
        contents="What instrument plays multiple notes at once?",
        config={"response_mime_type": "text/x.enum", "response_schema": InstrumentEnum},
    )
    assert response.text in {i.value for i in InstrumentEnum}
    assert response.parsed is InstrumentEnum(response.text)


def test_function_calling_manual(client: genai.Client) -> None:
    function = types.FunctionDeclaration(
        name="get_current_weather",
        description="Get the current weather in a given location",
        parameters=types.Schema(
            type="OBJECT",
            properties={
                "location": types.Schema(
                    type="STRING", description="The city and state, e.g. San Francisco, CA"
                )
            },
            required=["location"],
        ),
    )
    tool = types.Tool(function_declarations=[function])
    response = client.models.generate_content(
        model=MODEL,
        contents="What is the weather like in Boston? Use get_current_weather.",
        config=types.GenerateContentConfig(tools=[tool]),
    )
    call = response.function_calls[0]
    assert call.name == "get_current_weather" and "location" in call.args

    function_response_part = gtypes.Part.from_function_response(name=call.name, response={"result": "sunny"})
    function_call_content = response.candidates[0].content
    response = client.models.generate_content(
        model=MODEL,
        contents=[
            gtypes.Content(role="user", parts=[gtypes.Part(text="What is the weather like in Boston?")]),
            function_call_content,
            gtypes.Content(role="user", parts=[function_response_part]),
        ],
        config=types.GenerateContentConfig(tools=[tool]),
    )
    assert response.text.startswith('The function get_current_weather returned {"result": "sunny"}.')


def test_safety_and_thinking(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents="[[block-candidate]] Say something bad.",
        config=types.GenerateContentConfig(
            safety_settings=[types.SafetySetting(category="HARM_CATEGORY_HARASSMENT", threshold="BLOCK_NONE")]
        ),
    )
    assert response.text
    response = client.models.generate_content(
        model="gemini-2.5-flash",
        contents="Think about it.",
        config=types.GenerateContentConfig(thinking_config=types.ThinkingConfig(include_thoughts=True)),
    )
    assert response.thoughts.startswith('Thinking about: "Think about it".')
    assert response.text.startswith('You said: "Think about it".')


def test_files_and_caches(files_client: genai.Client, tmp_path: Path) -> None:
    """The files and caching guides: the client line also names the emulator's HTTP endpoint."""
    client = files_client
    path = tmp_path / "a11.txt"
    path.write_text("Apollo 11 transcript. " * 200)

    myfile = client.files.upload(file=path)
    response = client.models.generate_content(
        model=MODEL, contents=["Could you summarize this file?", myfile]
    )
    assert response.text

    myfile = client.files.upload(file=str(path), config={"display_name": "a11", "mime_type": "text/plain"})
    while not myfile.state or myfile.state.name != "ACTIVE":
        time.sleep(0.05)
        myfile = client.files.get(name=myfile.name)
    assert myfile.display_name == "a11"
    assert myfile.name in [f.name for f in client.files.list()]

    cache = client.caches.create(
        model=MODEL,
        config=types.CreateCachedContentConfig(
            display_name="a11 transcript",
            system_instruction="You are an expert at analyzing transcripts.",
            contents=[myfile],
            ttl="300s",
        ),
    )
    response = client.models.generate_content(
        model=MODEL,
        contents="Please summarize this transcript",
        config=types.GenerateContentConfig(cached_content=cache.name),
    )
    assert response.usage_metadata.cached_content_token_count > 0
    client.caches.update(name=cache.name, config=types.UpdateCachedContentConfig(ttl="600s"))
    later = datetime.datetime.now(tz=datetime.timezone.utc) + datetime.timedelta(minutes=15)
    updated = client.caches.update(name=cache.name, config=types.UpdateCachedContentConfig(expire_time=later))
    assert updated.expire_time is not None and abs((updated.expire_time - later).total_seconds()) < 1
    assert cache.name in [c.name for c in client.caches.list()]
    assert client.caches.get(name=cache.name).display_name == "a11 transcript"
    client.caches.delete(name=cache.name)
    client.files.delete(name=myfile.name)
    with pytest.raises(genai.errors.NotFoundError):
        client.files.get(name=myfile.name)


def test_video_generation(files_client: genai.Client, emulator: Emulator, tmp_path: Path) -> None:
    """The video guide: generate_videos, the polling loop on client.operations.get(operation), and
    client.files.download(file=video) then video.save(path)."""
    client = files_client
    operation = client.models.generate_videos(
        model="veo-2.0-generate-001",
        prompt="Panning wide shot of a calico kitten sleeping in the sunshine",
        config=gtypes.GenerateVideosConfig(
            person_generation="dont_allow", aspect_ratio="16:9", number_of_videos=2
        ),
    )
    while not operation.done:
        time.sleep(0.05)
        operation = client.operations.get(operation)
    saved = []
    for n, generated_video in enumerate(operation.response.generated_videos):
        client.files.download(file=generated_video.video)
        generated_video.video.save(tmp_path / f"video{n}.mp4")
        saved.append((tmp_path / f"video{n}.mp4").read_bytes())
    assert len(saved) == 2 and all(data[4:8] == b"ftyp" for data in saved)
    started = [c for c in emulator.calls if c.method == "PredictLongRunning"][-1].request
    parameters = started.parameters.struct_value.fields
    assert parameters["aspectRatio"].string_value == "16:9" and parameters["sampleCount"].number_value == 2
    assert started.instances[0].struct_value.fields["prompt"].string_value.startswith("Panning")
    # The same with genai's own config; a setting the API does not take is refused by name.
    again = client.models.generate_videos(
        model="veo-2.0-generate-001",
        prompt="a cat",
        config=types.GenerateVideosConfig(duration_seconds=5),
    )
    assert again.wait(timeout=10).response.rai_media_filtered_count == 0
    # From an image (google-genai's Image, or its bytes): sent as base64 with its type.
    png = io.BytesIO()
    Image.new("RGB", (4, 4), "orange").save(png, format="PNG")
    from_image = client.models.generate_videos(
        model="veo-2.0-generate-001",
        image=gtypes.Image(image_bytes=png.getvalue(), mime_type="image/png"),
    )
    assert from_image.wait(timeout=10).done
    sent = [c for c in emulator.calls if c.method == "PredictLongRunning"][-1].request
    image = sent.instances[0].struct_value.fields["image"].struct_value.fields
    assert image["mimeType"].string_value == "image/png" and image["bytesBase64Encoded"].string_value
    with pytest.raises(ValueError, match=r"config\.output_gcs_uri: not a setting"):
        client.models.generate_videos(
            model="veo-2.0-generate-001", prompt="a", config={"output_gcs_uri": "gs://x"}
        )
    with pytest.raises(ValueError, match="give a prompt, an image, or both"):
        client.models.generate_videos(model="veo-2.0-generate-001")
    with pytest.raises(TypeError, match=r"config\.number_of_videos: expected int; got str"):
        client.models.generate_videos(
            model="veo-2.0-generate-001", prompt="a", config={"number_of_videos": "2"}
        )
