"""The RPC table: every method of the API with its full path, message classes and streaming kind.

    >>> GenerativeService.GenerateContent.path
    '/google.ai.generativelanguage.v1beta.GenerativeService/GenerateContent'

Generated from the descriptors (genai_protos.rpcs, written by scripts/generate.py): code that calls
a method names it here, never by a hand-typed path.
"""

from genai_protos.rpcs import (
    CacheService,
    DiscussService,
    FileService,
    GenerativeService,
    ModelService,
    Operations,
    PermissionService,
    PredictionService,
    RetrieverService,
    Rpc,
    TextService,
)

__all__ = [
    "CacheService",
    "DiscussService",
    "FileService",
    "GenerativeService",
    "ModelService",
    "Operations",
    "PermissionService",
    "PredictionService",
    "RetrieverService",
    "Rpc",
    "TextService",
]
