"""The sync and async faces offer the same methods with the same parameters; the public names are pinned."""

from __future__ import annotations

import inspect

import genai


def _public_signatures(cls: type) -> dict[str, list[str]]:
    return {
        name: list(inspect.signature(member).parameters)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_models_twins_match() -> None:
    assert _public_signatures(genai.Models) == _public_signatures(genai.AsyncModels)
    for name, member in inspect.getmembers(genai.AsyncModels, inspect.isfunction):
        if not name.startswith("_") and name != "list":
            assert inspect.iscoroutinefunction(member), name


def test_public_api_snapshot() -> None:
    assert sorted(genai.__all__) == sorted(
        [
            "APIError",
            "AsyncClient",
            "AsyncGenerateContentStream",
            "AsyncModels",
            "CallOptions",
            "Candidate",
            "ChatSession",
            "Client",
            "EmbedContentConfig",
            "GenAIError",
            "GenerateContentConfig",
            "GenerateContentResponse",
            "GenerateContentStream",
            "GenerationConfig",
            "GenerativeModel",
            "IncompleteIterationError",
            "Models",
            "PromptFeedback",
            "RetryOptions",
            "SafetyRating",
            "StreamAccumulator",
            "configure",
            "embed_content",
            "errors",
            "get_model",
            "list_models",
            "protos",
            "types",
        ]
    )
    for name in genai.__all__:
        assert hasattr(genai, name), name


def test_every_status_users_catch_has_a_class() -> None:
    for name in [
        "InvalidArgumentError",
        "NotFoundError",
        "PermissionDeniedError",
        "UnauthenticatedError",
        "ResourceExhaustedError",
        "DeadlineExceededError",
        "UnavailableError",
        "InternalError",
        "CancelledError",
    ]:
        cls = getattr(genai.errors, name)
        assert issubclass(cls, genai.errors.APIError) and issubclass(cls, genai.GenAIError)
