"""Snippets of google-generativeai's documentation, run against the emulator.

Each test is the documented code with only the import and configure lines changed (``import genai``
instead of ``import google.generativeai as genai``; ``genai.configure`` pointed at the emulator).
Where the documentation prints a value, the test checks what the emulator deterministically answers.
Sources: the quickstart, the GenerativeModel and ChatSession references (../shared/reference), and
the structured output, safety settings, function calling and token counting guides.
"""

from __future__ import annotations

import asyncio
import datetime
import enum
import io
import pathlib
import time
from collections.abc import Iterator

import google.ai.generativelanguage as glm
import pytest
import typing_extensions as typing
from PIL import Image

import genai
from genai.testing import Emulator


@pytest.fixture(autouse=True)
def configured(emulator: Emulator) -> Iterator[None]:
    genai.configure(api_key="GOOGLE_API_KEY", endpoint=emulator.endpoint, insecure=True)  # the changed line
    yield
    genai.legacy._default_client = None


def _image() -> Image.Image:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "orange").save(buffer, format="JPEG")
    return Image.open(io.BytesIO(buffer.getvalue()))


def test_quickstart_text_and_stream() -> None:
    names = [m.name for m in genai.list_models() if "generateContent" in m.supported_generation_methods]
    assert "models/gemini-1.5-pro-latest" in names

    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    response = model.generate_content("What is the meaning of life?")
    assert response.text.startswith('You said: "What is the meaning of life".')
    assert not response.prompt_feedback.block_reason
    assert response.candidates[0].finish_reason.name == "STOP"
    assert response.candidates[0].content.parts[0].text == response.text

    response = model.generate_content("What is the meaning of life?", stream=True)
    try:
        response.text  # noqa: B018 - the quickstart's own lines
        raise AssertionError("the text of an unread stream must not be available")
    except Exception as e:
        assert f"{type(e).__name__}: {e}".startswith("IncompleteIterationError")  # noqa: PT017
    chunks = []
    for chunk in response:
        chunks.append(chunk.text)
    assert "".join(chunks) == response.text
    assert response.prompt_feedback.block_reason.name == "BLOCK_REASON_UNSPECIFIED"


def test_quickstart_images() -> None:
    img = _image()
    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    response = model.generate_content(img)
    assert response.text.startswith('You sent: "[image/jpeg]".')

    response = model.generate_content(
        ["Write a short, engaging blog post based on this picture.", img], stream=True
    )
    response.resolve()
    assert response.text.startswith('You said: "Write a short, engaging blog post based on')


def test_quickstart_chat() -> None:
    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    chat = model.start_chat(history=[])
    response = chat.send_message("In one sentence, explain how a computer works to a young child.")
    assert response.text
    assert len(chat.history) == 2

    response = chat.send_message(
        "Okay, how about a more detailed explanation to a high schooler?", stream=True
    )
    streamed = "".join(chunk.text for chunk in response)
    shown = [f"**{message.role}**: {message.parts[0].text}" for message in chat.history]
    assert shown[-1] == f"**model**: {streamed}"
    assert [m.role for m in chat.history] == ["user", "model", "user", "model"]

    assert model.count_tokens("What is the meaning of life?").total_tokens == 7  # the emulator: words + marks
    assert model.count_tokens(chat.history).total_tokens > model.count_tokens(chat.history[:2]).total_tokens


def test_quickstart_embeddings() -> None:
    result = genai.embed_content(
        model="models/embedding-001",
        content="What is the meaning of life?",
        task_type="retrieval_document",
        title="Embedding of single string",
    )
    assert len(result["embedding"]) == 768 and isinstance(result["embedding"][0], float)

    result = genai.embed_content(
        model="models/embedding-001",
        content=[
            "What is the meaning of life?",
            "How much wood would a woodchuck chuck?",
            "How does the brain work?",
        ],
        task_type="retrieval_document",
        title="Embedding of list of strings",
    )
    assert [len(v) for v in result["embedding"]] == [768, 768, 768]

    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    chat = model.start_chat()
    response = chat.send_message("In one sentence, explain how a computer works to a young child.")
    one = genai.embed_content(model="models/embedding-001", content=response.candidates[0].content)
    assert len(one["embedding"]) == 768
    many = genai.embed_content(model="models/embedding-001", content=chat.history)
    assert len(many["embedding"]) == 2


def test_quickstart_safety_settings_and_typed_messages() -> None:
    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    response = model.generate_content("[[block-candidate]] [Questionable prompt here]")
    assert response.candidates[0].finish_reason.name == "SAFETY"
    response = model.generate_content(
        "[[block-candidate]] [Questionable prompt here]", safety_settings={"HARASSMENT": "block_none"}
    )
    assert response.text

    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    response = model.generate_content(
        glm.Content(
            parts=[
                glm.Part(text="Write a short, engaging blog post based on this picture."),
                glm.Part(inline_data=glm.Blob(mime_type="image/jpeg", data=b"\xff\xd8\xff\xe0 jpeg bytes")),
            ],
        ),
        stream=True,
    )
    response.resolve()
    assert response.text.startswith('You said: "Write a short, engaging blog post based on')


def test_quickstart_multi_turn_and_generation_config() -> None:
    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    messages = [{"role": "user", "parts": ["Briefly explain how a computer works to a young child."]}]
    response = model.generate_content(messages)
    messages.append({"role": "model", "parts": [response.text]})
    messages.append(
        {"role": "user", "parts": ["Okay, how about a more detailed explanation to a high school student?"]}
    )
    response = model.generate_content(messages)
    assert response.text.startswith('You said: "Okay, how about a more detailed explanation')

    response = model.generate_content(
        "Tell me a story about a magic backpack.",
        generation_config=genai.types.GenerationConfig(
            candidate_count=1, stop_sequences=["x"], max_output_tokens=20, temperature=1.0
        ),
    )
    text = response.text
    assert response.candidates[0].finish_reason.name in ("MAX_TOKENS", "STOP")
    assert "x" not in text


class Recipe(typing.TypedDict):
    recipe_name: str
    ingredients: list[str]


class Choice(enum.Enum):
    PERCUSSION = "Percussion"
    STRING = "String"
    WOODWIND = "Woodwind"
    BRASS = "Brass"
    KEYBOARD = "Keyboard"


def test_structured_output_guide() -> None:
    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    result = model.generate_content(
        "List a few popular cookie recipes.",
        generation_config=genai.GenerationConfig(
            response_mime_type="application/json", response_schema=list[Recipe]
        ),
    )
    import json

    recipes = json.loads(result.text)
    assert recipes and all(set(r) == {"recipe_name", "ingredients"} for r in recipes)

    result = model.generate_content(
        ["What kind of instrument is this:", _image()],
        generation_config=genai.GenerationConfig(response_mime_type="text/x.enum", response_schema=Choice),
    )
    assert result.text in {c.value for c in Choice}

    result = model.generate_content(
        "List a few popular cookie recipes.",
        generation_config={"response_mime_type": "application/json"},
    )
    assert json.loads(result.text)


def test_safety_settings_guide() -> None:
    model = genai.GenerativeModel("gemini-1.5-flash")
    blocked = "[[block-prompt]] [[block-candidate]] Write a mean story"
    response = model.generate_content(blocked)
    assert response.prompt_feedback.block_reason.name == "SAFETY"
    response = model.generate_content(
        blocked,
        safety_settings={
            "HATE": "BLOCK_NONE",
            "HARASSMENT": "BLOCK_NONE",
            "SEXUAL": "BLOCK_NONE",
            "DANGEROUS": "BLOCK_NONE",
        },
    )
    assert response.text
    response = model.generate_content(
        blocked, safety_settings={"sex": "block_none", "danger": "none", "harassment": "off"}
    )
    assert response.text
    response = model.generate_content(blocked, safety_settings="BLOCK_NONE")
    assert response.text
    response = model.generate_content(
        "[[block-candidate]] story",
        safety_settings={
            genai.types.HarmCategory.HARM_CATEGORY_HARASSMENT: genai.types.HarmBlockThreshold.BLOCK_NONE
        },
    )
    assert response.text


def test_function_calling_guide_manual() -> None:
    def multiply(a: float, b: float) -> float:
        """returns a * b."""
        return a * b

    model = genai.GenerativeModel(model_name="gemini-1.5-flash", tools=[multiply])
    chat = model.start_chat()
    response = chat.send_message(
        "I have 57 cats, each owns 44 mittens, please multiply how many mittens is that?"
    )
    fc = response.candidates[0].content.parts[0].function_call
    assert fc.name == "multiply" and set(fc.args) == {"a", "b"}
    result = multiply(fc.args["a"], fc.args["b"])
    response = chat.send_message(
        genai.protos.Content(
            parts=[
                genai.protos.Part(
                    function_response=genai.protos.FunctionResponse(
                        name="multiply", response={"result": result}
                    )
                )
            ]
        )
    )
    assert response.text.startswith("The function multiply returned")
    assert len(chat.history) == 4


def test_system_instruction_and_token_counting_guides() -> None:
    model = genai.GenerativeModel(
        "models/gemini-1.5-flash", system_instruction="You are a cat. Your name is Neko."
    )
    response = model.generate_content("Good morning! How are you?")
    assert 'Instructions: "You are a cat. Your name is Neko".' in response.text
    total = model.count_tokens("The quick brown fox jumps over the lazy dog.").total_tokens
    assert (
        response.usage_metadata.prompt_token_count
        == model.count_tokens("Good morning! How are you?").total_tokens
    )
    assert total > 0
    assert genai.get_model("models/gemini-1.5-flash").input_token_limit > 0


def test_chat_session_reference() -> None:
    model = genai.GenerativeModel("models/gemini-1.5-flash")
    chat = model.start_chat()
    response = chat.send_message("Hello")
    assert response.text
    response = chat.send_message("Hello again")
    assert len(chat.history) == 4
    user, reply = chat.rewind()
    assert user.parts[0].text == "Hello again" and reply.role == "model"
    assert chat.last is not None

    async def main() -> str:
        reply = await chat.send_message_async("Hello, asynchronously")
        await genai.legacy.default_client().aio.aclose()
        return reply.text

    assert asyncio.run(main())
    assert len(chat.history) == 4


def test_files_and_caching_guides(emulator: Emulator, tmp_path: pathlib.Path) -> None:
    genai.configure(  # the changed line: the emulator, and its HTTP endpoint for the bytes
        api_key="GOOGLE_API_KEY",
        endpoint=emulator.endpoint,
        http_endpoint=emulator.http_endpoint,
        insecure=True,
    )
    media = tmp_path
    (media / "poem.txt").write_text("Roses are red,\nviolets are blue.\n")

    myfile = genai.upload_file(media / "poem.txt")
    model = genai.GenerativeModel("gemini-1.5-flash")
    result = model.generate_content([myfile, "\n\n", "Can you add a few more lines to this poem?"])
    assert result.text

    video_file = genai.upload_file(path=media / "poem.txt", display_name="poem", mime_type="text/plain")
    while video_file.state.name == "PROCESSING":
        time.sleep(0.05)
        video_file = genai.get_file(video_file.name)
    assert video_file.state.name == "ACTIVE"
    assert video_file.name in [f.name for f in genai.list_files()]

    cache = genai.caching.CachedContent.create(
        model="models/gemini-1.5-flash",
        display_name="poem (text)",
        system_instruction="You are an expert poet.",
        contents=[video_file],
        ttl=datetime.timedelta(minutes=5),
    )
    model = genai.GenerativeModel.from_cached_content(cached_content=cache)
    response = model.generate_content(["Continue the poem."])
    assert response.usage_metadata.cached_content_token_count > 0
    cache.update(ttl=datetime.timedelta(hours=2))
    assert cache.name in [c.name for c in genai.caching.CachedContent.list()]
    cache.delete()
    genai.delete_file(video_file.name)
    myfile.delete()
    assert not {myfile.name, video_file.name} & {f.name for f in genai.list_files()}
