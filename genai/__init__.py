"""genai: a fast, typed gRPC client for the Gemini API (google.ai.generativelanguage v1beta)."""

from genai import types as types

__all__ = ["types"]
