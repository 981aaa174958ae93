"""google-generativeai style code (the quickstart's) runs with only the import and configure lines changed."""

from __future__ import annotations

import asyncio
import datetime
import pathlib

import pytest

import genai
from genai.testing import Emulator


@pytest.mark.usefixtures("configured")
def test_quickstart_flow() -> None:
    names = [m.name for m in genai.list_models() if "generateContent" in m.supported_generation_methods]
    assert "models/gemini-1.5-pro-latest" in names

    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    response = model.generate_content("What is the meaning of life?")
    # The emulator echoes the prompt (final punctuation dropped), then invented words.
    assert response.text.startswith('You said: "What is the meaning of life". ')
    assert response.candidates[0].finish_reason.name == "STOP"
    assert response.prompt_feedback.block_reason.name == "BLOCK_REASON_UNSPECIFIED"

    streamed = model.generate_content("What is the meaning of life?", stream=True)
    with pytest.raises(genai.types.IncompleteIterationError):
        _ = streamed.text
    pieces = [chunk.text for chunk in streamed]
    assert "".join(pieces) == streamed.text == response.text

    lazy = model.generate_content("What is the meaning of life?", stream=True)
    lazy.resolve()
    assert lazy.text == response.text

    config_model = genai.GenerativeModel("gemini-1.5-pro-latest")
    capped = config_model.generate_content(
        "Tell me a story about a magic backpack.",
        generation_config=genai.types.GenerationConfig(
            candidate_count=1, stop_sequences=["x"], max_output_tokens=4
        ),
    )
    # 4 tokens: You, said, :, " (the stop sequence "x" does not occur in them).
    assert capped.text == 'You said: "'
    assert capped.candidates[0].finish_reason.name == "MAX_TOKENS"

    counted = model.count_tokens("What is the meaning of life?").total_tokens
    assert counted == response.usage_metadata.prompt_token_count == 7  # 6 words and "?"


@pytest.mark.usefixtures("configured")
def test_chat_session_history_and_rewind() -> None:
    model = genai.GenerativeModel("gemini-1.5-pro-latest")
    chat = model.start_chat(history=[])
    first = chat.send_message("In one sentence, explain how a computer works to a young child.")
    assert first.text.startswith('You said: "In one sentence, explain how a computer works...". ')
    streamed = chat.send_message("Okay, how about a more detailed explanation?", stream=True)
    assert len(chat.history) == 2  # the streamed turn commits only when it completes
    text = "".join(chunk.text for chunk in streamed)
    assert len(chat.history) == 4
    assert [m.role for m in chat.history] == ["user", "model", "user", "model"]
    assert chat.history[3].parts[0].text == text
    assert chat.history[0].parts[0].text.startswith("In one sentence")

    user, reply = chat.rewind()
    assert user.parts[0].text.startswith("Okay") and reply.parts[0].text == text
    assert len(chat.history) == 2
    turns = [chat.history[0].parts[0].text, chat.history[1].parts[0].text]
    assert model.count_tokens(chat.history).total_tokens == sum(
        model.count_tokens(text).total_tokens for text in turns
    )


@pytest.mark.usefixtures("configured")
def test_chat_errors_and_abandoned_streams_leave_history_intact() -> None:
    chat = genai.GenerativeModel("gemini-2.5-flash").start_chat()
    chat.send_message("hello")
    with pytest.raises(genai.errors.InvalidArgumentError):
        chat.send_message(
            "fail", request_options={"metadata": [("x-emulator-fail", "INVALID_ARGUMENT:always")]}
        )
    assert len(chat.history) == 2
    abandoned = chat.send_message("a long story", stream=True)
    next(iter(abandoned))
    chat.send_message("next question")  # the abandoned stream is closed and never committed
    assert [c.parts[0].text for c in chat.history[::2]] == ["hello", "next question"]
    blocked = chat.send_message("[[block-prompt]]")
    with pytest.raises(genai.types.BlockedPromptException):
        _ = blocked.text
    assert len(chat.history) == 4
    history = chat.history
    history[0].parts[0].text = "mutated"
    assert chat.history[0].parts[0].text == "hello"


@pytest.mark.usefixtures("configured")
def test_async_facade() -> None:
    model = genai.GenerativeModel("gemini-2.5-flash")

    async def main() -> None:
        response = await model.generate_content_async("async quickstart")
        assert response.text.startswith('You said: "async quickstart". ')
        stream = await model.generate_content_async("async quickstart", stream=True)
        text = "".join([chunk.text async for chunk in stream])
        assert text == response.text == stream.text
        chat = model.start_chat()
        reply = await chat.send_message_async("hi there")
        assert reply.text.startswith('You said: "hi there". ')
        assert [c.parts[0].text for c in chat.history] == ["hi there", reply.text]
        await genai.legacy.default_client().aio.aclose()

    asyncio.run(main())


@pytest.mark.usefixtures("configured")
def test_embed_content_dict_shape() -> None:
    result = genai.embed_content(
        model="models/embedding-001",
        content="What is the meaning of life?",
        task_type="retrieval_document",
        title="Embedding of single string",
    )
    assert len(result["embedding"]) == 768
    client = genai.legacy.default_client()
    same = client.models.embed_content(model="embedding-001", contents="What is the meaning of life?")
    assert result["embedding"] == list(same.embeddings[0].values)  # task type and title do not matter
    many = genai.embed_content(
        model="models/embedding-001", content=["a", "b", "c"], output_dimensionality=16
    )
    config = {"output_dimensionality": 16}
    assert many["embedding"] == [
        list(
            client.models.embed_content(model="embedding-001", contents=text, config=config)
            .embeddings[0]
            .values
        )
        for text in ["a", "b", "c"]
    ]
    model = genai.get_model("models/embedding-001")
    assert "embedContent" in model.supported_generation_methods


@pytest.mark.usefixtures("configured")
def test_safety_settings_shortcut_unblocks() -> None:
    model = genai.GenerativeModel("gemini-2.5-flash")
    blocked = model.generate_content("[[block-candidate]] questionable")
    with pytest.raises(genai.types.StopCandidateException):
        _ = blocked.text
    allowed = model.generate_content(
        "[[block-candidate]] questionable", safety_settings={"HARASSMENT": "block_none"}
    )
    assert allowed.text.startswith('You said: "[[block-candidate]] questionable". ')


def test_generate_content_never_runs_functions_and_a_chat_runs_them_only_when_asked(configured: None) -> None:
    ran: list[str] = []

    def lookup(city: str) -> str:
        """Look a city up."""
        ran.append(city)
        return "found"

    model = genai.GenerativeModel("gemini-2.5-flash", tools=[lookup])
    reply = model.generate_content("please lookup Paris")
    assert [call.name for call in reply.function_calls] == ["lookup"] and ran == []
    manual = model.start_chat()
    assert [call.name for call in manual.send_message("please lookup Paris").function_calls] == ["lookup"]
    assert ran == []
    chat = model.start_chat(enable_automatic_function_calling=True)
    answer = chat.send_message("please lookup Paris")
    assert len(ran) == 1 and answer.text.startswith("The function lookup returned")
    assert [content.role for content in chat.history] == ["user", "model", "user", "model"]
    assert chat.history[2].parts[0].function_response.name == "lookup"


@pytest.mark.usefixtures("configured")
def test_caching_and_a_model_from_cached_content(emulator: Emulator) -> None:
    from genai import caching

    cache = caching.CachedContent.create(
        model="gemini-2.5-flash",
        display_name="notes",
        system_instruction="Be brief",
        contents=["Meeting notes: ship on Friday."],
        ttl=datetime.timedelta(minutes=5),
    )
    assert cache.usage_metadata.total_token_count == 9  # Meeting notes : ship on Friday . + Be brief
    assert (cache.model, cache.display_name) == ("models/gemini-2.5-flash", "notes")
    assert caching.CachedContent.get(cache.name) == caching.CachedContent(cache.name) == cache
    assert cache.name in [c.name for c in caching.CachedContent.list()]
    first_expiry = cache.expire_time
    assert first_expiry is not None
    cache.update(ttl=datetime.timedelta(hours=2))
    assert cache.expire_time is not None and cache.expire_time > first_expiry + datetime.timedelta(hours=1)

    temperatures = []
    for model in (
        genai.GenerativeModel.from_cached_content(cache, generation_config={"temperature": 0.5}),
        genai.GenerativeModel.from_cached_content(cache.name),
    ):
        assert (model.model_name, model.cached_content) == ("models/gemini-2.5-flash", cache.name)
        emulator.reset()
        response = model.generate_content("When do we ship?")
        assert response.usage_metadata.cached_content_token_count == 9
        [call] = [c for c in emulator.calls if c.method == "GenerateContent"]
        assert call.request.cached_content == cache.name
        assert not call.request.HasField("system_instruction")
        config = call.request.generation_config
        temperatures.append(config.temperature if config.HasField("temperature") else None)
    assert temperatures == [0.5, None]
    cache.delete()
    with pytest.raises(genai.errors.NotFoundError):
        caching.CachedContent.get(cache.name)
    with pytest.raises(TypeError, match="cached_content: expected a cache name str"):
        genai.GenerativeModel.from_cached_content(42)


@pytest.mark.usefixtures("configured")
def test_files_in_google_generativeai_shapes(tmp_path: pathlib.Path) -> None:
    pytest.importorskip("httpx2")
    path = tmp_path / "notes.txt"
    path.write_text("The launch moved to Friday.")
    # The google-generativeai documentation's flow: upload, poll get_file while PROCESSING, generate.
    video_file = genai.upload_file(path=str(path), display_name="notes")
    while video_file.state.name == "PROCESSING":
        video_file = genai.get_file(video_file.name)
    assert video_file.state.name == "ACTIVE" and video_file.state == "ACTIVE"
    assert (video_file.display_name, video_file.mime_type) == ("notes", "text/plain")
    assert video_file.uri.endswith(video_file.name)
    model = genai.GenerativeModel("gemini-2.5-flash")
    assert model.generate_content([video_file, "When is the launch?"]).text
    assert video_file.name in [f.name for f in genai.list_files()]
    one_shot = genai.upload_file(path, mime_type="text/plain", resumable=False)
    genai.delete_file(video_file.name)
    genai.delete_file(one_shot)
    names = [f.name for f in genai.list_files(page_size=1)]
    assert video_file.name not in names and one_shot.name not in names
    with pytest.raises(genai.errors.NotFoundError):
        genai.get_file(video_file.name)
