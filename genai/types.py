"""Every message and enum of the v1beta API under one flat name, plus the typed configs.

    >>> from genai import types
    >>> types.Content(role="user", parts=[types.Part(text="hi")]).parts[0].text
    'hi'

Nested types whose short name is unique are exported under it (``types.FinishReason`` is
``types.Candidate.FinishReason``); where short names clash the parent's name is prefixed
(``types.FunctionCallingConfigMode``, ``types.PromptFeedbackBlockReason``). The message classes are
the generated protobuf classes; they live in a private descriptor pool so that genai imports
cleanly next to the official packages.
"""

from typing import TYPE_CHECKING, Any

from genai_protos.flat import *  # noqa: F403
from genai_protos.flat import __all__ as _messages

from genai._chats.records import ChatTurn
from genai._chats.saved import history_from_json, history_to_json
from genai._live.config import LiveConnectConfig, LiveConnectConfigDict
from genai._live.messages import LiveServerMessage, LiveTurn
from genai._live.resume import ReconnectPolicy
from genai._live.state import ReconnectEvent
from genai._requests.config import AutomaticFunctionCallingConfig, EmbedContentConfig, GenerateContentConfig
from genai._transport.options import CallOptions, RetryOptions
from genai.errors import BlockedCandidateError, BlockedPromptError, IncompleteIterationError

if TYPE_CHECKING:  # loaded on first use (below), as the services they configure are
    from genai._requests.caches import (
        CreateCachedContentConfig,
        ListCachedContentsConfig,
        UpdateCachedContentConfig,
    )
    from genai._requests.files import UploadFileConfigDict as UploadFileConfig
    from genai._requests.videos import GenerateVideosConfig

# google-genai's config names for the resource services, so that its code runs with `from genai
# import types`: `types.CreateCachedContentConfig(ttl="300s", ...)`, `types.UploadFileConfig(...)`.
_LAZY = {
    "CreateCachedContentConfig": ("genai._requests.caches", "CreateCachedContentConfig"),
    "UpdateCachedContentConfig": ("genai._requests.caches", "UpdateCachedContentConfig"),
    "ListCachedContentsConfig": ("genai._requests.caches", "ListCachedContentsConfig"),
    "UploadFileConfig": ("genai._requests.files", "UploadFileConfigDict"),
    "GenerateVideosConfig": ("genai._requests.videos", "GenerateVideosConfig"),
}


def __getattr__(name: str) -> Any:
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module 'genai.types' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(found[0]), found[1])
    globals()[name] = value
    return value


# google-generativeai spells these in genai.types; the same classes under their familiar names.
BlockedPromptException = BlockedPromptError
StopCandidateException = BlockedCandidateError

__all__ = [
    *_messages,
    "GenerateContentConfig",
    "EmbedContentConfig",
    "AutomaticFunctionCallingConfig",
    "ChatTurn",
    "LiveConnectConfig",
    "LiveConnectConfigDict",
    "LiveServerMessage",
    "LiveTurn",
    "ReconnectPolicy",
    "ReconnectEvent",
    "history_to_json",
    "history_from_json",
    "CallOptions",
    "RetryOptions",
    "IncompleteIterationError",
    "BlockedPromptException",
    "StopCandidateException",
    "CreateCachedContentConfig",
    "UpdateCachedContentConfig",
    "ListCachedContentsConfig",
    "UploadFileConfig",
    "GenerateVideosConfig",
]
