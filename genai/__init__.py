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

from genai import caching as caching
from genai import errors as errors
from genai import protos as protos
from genai import types as types
from genai._aio.caches import AsyncCachedContent, AsyncCaches
from genai._aio.chats import AsyncChat, AsyncChats
from genai._aio.files import AsyncFile, AsyncFiles
from genai._aio.live import AsyncLive, AsyncSession
from genai._aio.models import AsyncModels
from genai._aio.operations import AsyncOperation, AsyncOperations
from genai._aio.streams import AsyncGenerateContentStream
from genai._aio.tunings import AsyncTunings
from genai._client import AsyncClient, Client
from genai._coercion.generation_config import GenerationConfig
from genai._live.config import LiveConnectConfig
from genai._requests.caches import (
    CreateCachedContentConfig,
    ListCachedContentsConfig,
    UpdateCachedContentConfig,
)
from genai._requests.config import EmbedContentConfig, GenerateContentConfig
from genai._requests.files import UploadSession
from genai._sync.caches import CachedContent, Caches
from genai._sync.chats import Chat, Chats
from genai._sync.files import File, Files
from genai._sync.live import Live, Session
from genai._sync.models import Models
from genai._sync.operations import Operation, Operations
from genai._sync.streams import GenerateContentStream
from genai._sync.tunings import Tunings
from genai._transport.options import CallOptions, RetryOptions
from genai._views.accumulate import StreamAccumulator
from genai._views.files import FileState
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

__version__ = "0.1.0"

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
    "GenerationConfig",
    "GenerativeModel",
    "IncompleteIterationError",
    "ListCachedContentsConfig",
    "Models",
    "Operation",
    "Operations",
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
