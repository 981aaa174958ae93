"""genai: a fast, typed gRPC client for the Gemini API (google.ai.generativelanguage v1beta).

With a key in GEMINI_API_KEY or GOOGLE_API_KEY::

    import genai
    client = genai.Client()
    client.models.generate_content(model="gemini-2.5-flash", contents="Hello").text

The same against a local emulator (``genai.testing.Emulator``, or ``python -m genai.emulator``):

>>> local = genai.Client(endpoint=emulator.endpoint, insecure=True)
>>> local.models.generate_content(model="gemini-2.5-flash", contents="Hello").text
'You said: "Hello". ...'
>>> local.close()
"""

from typing import TYPE_CHECKING, Any

from genai import errors as errors
from genai import protos as protos
from genai import types as types
from genai._aio.chats import AsyncChat, AsyncChats
from genai._aio.live import AsyncLive, AsyncSession
from genai._aio.models import AsyncModels
from genai._aio.streams import AsyncGenerateContentStream
from genai._client import AsyncClient, Client
from genai._coercion.generation_config import GenerationConfig
from genai._live.config import LiveConnectConfig
from genai._requests.config import EmbedContentConfig, GenerateContentConfig
from genai._sync.chats import Chat, Chats
from genai._sync.live import Live, Session
from genai._sync.models import Models
from genai._sync.streams import GenerateContentStream
from genai._transport.options import CallOptions, RetryOptions
from genai._version import VERSION
from genai._views.accumulate import StreamAccumulator
from genai._views.predictions import GeneratedVideo, GeneratedVideos, PredictResponse
from genai._views.responses import Candidate, GenerateContentResponse, PromptFeedback, SafetyRating
from genai.errors import APIError, GenAIError, IncompleteIterationError
from genai.legacy import (
    ChatSession,
    GenerativeModel,
    configure,
    delete_file,
    embed_content,
    get_file,
    get_model,
    list_files,
    list_models,
    upload_file,
)

if TYPE_CHECKING:  # loaded on first use (below): most programs never touch them
    from genai import caching as caching
    from genai._aio.caches import AsyncCachedContent, AsyncCaches
    from genai._aio.files import AsyncFile, AsyncFiles
    from genai._aio.operations import AsyncOperation, AsyncOperations
    from genai._aio.tunings import AsyncTunings
    from genai._requests.caches import (
        CreateCachedContentConfig,
        ListCachedContentsConfig,
        UpdateCachedContentConfig,
    )
    from genai._requests.files import UploadSession
    from genai._sync.caches import CachedContent, Caches
    from genai._sync.files import File, Files
    from genai._sync.operations import Operation, Operations
    from genai._sync.tunings import Tunings
    from genai._views.files import FileState

# The resource services (caches, files, tunings) and the caching facade load on first use,
# which keeps them out of `import genai` (cold import is measured: docs/benchmarks.md).
_LAZY = {
    "caching": ("genai.caching", None),
    "AsyncCachedContent": ("genai._aio.caches", "AsyncCachedContent"),
    "AsyncCaches": ("genai._aio.caches", "AsyncCaches"),
    "AsyncOperation": ("genai._aio.operations", "AsyncOperation"),
    "AsyncOperations": ("genai._aio.operations", "AsyncOperations"),
    "AsyncTunings": ("genai._aio.tunings", "AsyncTunings"),
    "AsyncFile": ("genai._aio.files", "AsyncFile"),
    "AsyncFiles": ("genai._aio.files", "AsyncFiles"),
    "File": ("genai._sync.files", "File"),
    "Files": ("genai._sync.files", "Files"),
    "FileState": ("genai._views.files", "FileState"),
    "UploadSession": ("genai._requests.files", "UploadSession"),
    "CachedContent": ("genai._sync.caches", "CachedContent"),
    "Caches": ("genai._sync.caches", "Caches"),
    "Operation": ("genai._sync.operations", "Operation"),
    "Operations": ("genai._sync.operations", "Operations"),
    "Tunings": ("genai._sync.tunings", "Tunings"),
    "CreateCachedContentConfig": ("genai._requests.caches", "CreateCachedContentConfig"),
    "ListCachedContentsConfig": ("genai._requests.caches", "ListCachedContentsConfig"),
    "UpdateCachedContentConfig": ("genai._requests.caches", "UpdateCachedContentConfig"),
}


def __getattr__(name: str) -> Any:
    """``genai.Caches``, ``genai.caching`` ...: imported when first asked for."""
    found = _LAZY.get(name)
    if found is None:
        raise AttributeError(f"module 'genai' has no attribute {name!r}")
    import importlib

    module = importlib.import_module(found[0])
    value = module if found[1] is None else getattr(module, found[1])
    globals()[name] = value
    return value


__version__ = VERSION

__all__ = [
    "Session",
    "LiveConnectConfig",
    "Live",
    "AsyncSession",
    "AsyncLive",
    "APIError",
    "AsyncCachedContent",
    "AsyncCaches",
    "AsyncChat",
    "AsyncFile",
    "AsyncFiles",
    "AsyncChats",
    "AsyncClient",
    "AsyncGenerateContentStream",
    "AsyncModels",
    "AsyncOperation",
    "AsyncOperations",
    "AsyncTunings",
    "CallOptions",
    "Candidate",
    "CachedContent",
    "Caches",
    "Chat",
    "ChatSession",
    "Chats",
    "Client",
    "File",
    "FileState",
    "Files",
    "UploadSession",
    "delete_file",
    "get_file",
    "list_files",
    "upload_file",
    "CreateCachedContentConfig",
    "EmbedContentConfig",
    "GenAIError",
    "GenerateContentConfig",
    "GenerateContentResponse",
    "GenerateContentStream",
    "GeneratedVideo",
    "GeneratedVideos",
    "GenerationConfig",
    "GenerativeModel",
    "IncompleteIterationError",
    "ListCachedContentsConfig",
    "Models",
    "Operation",
    "Operations",
    "PredictResponse",
    "Tunings",
    "PromptFeedback",
    "RetryOptions",
    "SafetyRating",
    "UpdateCachedContentConfig",
    "StreamAccumulator",
    "caching",
    "configure",
    "embed_content",
    "errors",
    "get_model",
    "list_models",
    "protos",
    "types",
]
