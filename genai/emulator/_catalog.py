"""The emulator's model catalog: realistic metadata for current and legacy public models.

Built once at import (it is constant). Generation resolves models here; GetModel and ListModels
serve the copies each server's store holds (`_backend`).
"""

from __future__ import annotations

from dataclasses import dataclass

from genai_protos import model_pb2

GENERATE = ("generateContent", "streamGenerateContent", "countTokens")
CACHEABLE = (*GENERATE, "createCachedContent", "batchGenerateContent")
EMBED = ("embedContent", "batchEmbedContents")
LIVE = ("bidiGenerateContent", "countTokens")  # the live (BidiGenerateContent) models
PREDICT = ("predict",)  # image generation (PredictionService.Predict)
PREDICT_LONG_RUNNING = ("predictLongRunning",)  # video generation (PredictionService.PredictLongRunning)


@dataclass(frozen=True)
class CatalogEntry:
    """One model: its public metadata plus what the emulator needs to serve it."""

    model: model_pb2.Model
    embedding_dimension: int = 0

    @property
    def name(self) -> str:
        """The full model name, "models/..."."""
        return self.model.name

    def supports(self, method: str) -> bool:
        """Whether `method` (e.g. "generateContent") is in supported_generation_methods."""
        return method in self.model.supported_generation_methods


def _gemini(
    base: str,
    version: str,
    display: str,
    description: str,
    *,
    input_limit: int = 1_048_576,
    output_limit: int = 8_192,
    methods: tuple[str, ...] = CACHEABLE,
    temperature: float = 1.0,
    max_temperature: float = 2.0,
    top_p: float = 0.95,
    top_k: int = 40,
    thinking: bool = False,
    name: str | None = None,
) -> CatalogEntry:
    return CatalogEntry(
        model_pb2.Model(
            name=f"models/{name or base}",
            base_model_id=base,
            version=version,
            display_name=display,
            description=description,
            input_token_limit=input_limit,
            output_token_limit=output_limit,
            supported_generation_methods=methods,
            temperature=temperature,
            max_temperature=max_temperature,
            top_p=top_p,
            top_k=top_k,
            thinking=thinking,
        )
    )


def _embedding(base: str, version: str, display: str, description: str, dimension: int) -> CatalogEntry:
    methods = (*EMBED, "countTokens") if base.startswith("gemini-") else EMBED
    return CatalogEntry(
        model_pb2.Model(
            name=f"models/{base}",
            base_model_id=base,
            version=version,
            display_name=display,
            description=description,
            input_token_limit=2_048,
            output_token_limit=1,
            supported_generation_methods=methods,
        ),
        embedding_dimension=dimension,
    )


def _media(base: str, version: str, display: str, description: str, methods: tuple[str, ...]) -> CatalogEntry:
    return CatalogEntry(
        model_pb2.Model(
            name=f"models/{base}",
            base_model_id=base,
            version=version,
            display_name=display,
            description=description,
            input_token_limit=480,
            output_token_limit=8_192,
            supported_generation_methods=methods,
        )
    )


_ENTRIES: tuple[CatalogEntry, ...] = (
    _gemini(
        "gemini-2.5-pro",
        "2.5",
        "Gemini 2.5 Pro",
        "Stable Gemini 2.5 Pro: the most capable 2.5 model, with thinking, for complex reasoning and code.",
        output_limit=65_536,
        top_k=64,
        thinking=True,
    ),
    _gemini(
        "gemini-2.5-flash",
        "001",
        "Gemini 2.5 Flash",
        "Stable Gemini 2.5 Flash: a fast, cost-efficient multimodal model with thinking.",
        output_limit=65_536,
        top_k=64,
        thinking=True,
    ),
    _gemini(
        "gemini-2.5-flash-lite",
        "001",
        "Gemini 2.5 Flash-Lite",
        "Stable Gemini 2.5 Flash-Lite: the smallest 2.5 model, tuned for throughput and low cost.",
        output_limit=65_536,
        top_k=64,
        thinking=True,
    ),
    _gemini(
        "gemini-2.0-flash",
        "2.0",
        "Gemini 2.0 Flash",
        "Gemini 2.0 Flash: fast multimodal generation with tool use.",
    ),
    _gemini(
        "gemini-2.0-flash",
        "2.0",
        "Gemini 2.0 Flash 001",
        "The stable, pinned version of Gemini 2.0 Flash (the name google-genai's documentation uses).",
        name="gemini-2.0-flash-001",
    ),
    _gemini(
        "gemini-2.0-flash-lite",
        "2.0",
        "Gemini 2.0 Flash-Lite",
        "Gemini 2.0 Flash-Lite: a lighter, cheaper 2.0 Flash.",
    ),
    _gemini(
        "gemini-1.5-flash",
        "001",
        "Gemini 1.5 Flash",
        "Gemini 1.5 Flash: fast and versatile multimodal model (legacy).",
        input_limit=1_000_000,
    ),
    _gemini(
        "gemini-1.5-flash",
        "001",
        "Gemini 1.5 Flash Latest",
        "Alias that points to the most recent Gemini 1.5 Flash release (legacy).",
        input_limit=1_000_000,
        name="gemini-1.5-flash-latest",
    ),
    _gemini(
        "gemini-1.5-pro",
        "002",
        "Gemini 1.5 Pro",
        "Gemini 1.5 Pro: mid-size multimodal model with a two-million-token context (legacy).",
        input_limit=2_000_000,
    ),
    _gemini(
        "gemini-1.5-pro",
        "001",
        "Gemini 1.5 Pro Latest",
        "Alias that points to the most recent Gemini 1.5 Pro release (legacy).",
        input_limit=2_000_000,
        name="gemini-1.5-pro-latest",
    ),
    _gemini(
        "gemini-pro",
        "001",
        "Gemini 1.0 Pro",
        "The original Gemini 1.0 Pro text model (legacy name used in older documentation).",
        input_limit=30_720,
        output_limit=2_048,
        methods=GENERATE,
        temperature=0.9,
        max_temperature=1.0,
        top_p=1.0,
        top_k=1,
    ),
    _gemini(
        "gemini-pro-vision",
        "001",
        "Gemini 1.0 Pro Vision",
        "The original Gemini 1.0 Pro Vision model for text and images (legacy name used in older docs).",
        input_limit=12_288,
        output_limit=4_096,
        methods=GENERATE,
        temperature=0.4,
        max_temperature=1.0,
        top_p=1.0,
        top_k=32,
    ),
    _gemini(
        "gemini-live-2.5-flash",
        "001",
        "Gemini Live 2.5 Flash",
        "Gemini 2.5 Flash for live sessions: low-latency bidirectional text and audio.",
        input_limit=131_072,
        methods=LIVE,
        top_k=64,
    ),
    _gemini(
        "gemini-live-2.5-flash-preview",
        "001",
        "Gemini Live 2.5 Flash Preview",
        "Preview of Gemini 2.5 Flash for live sessions (text and audio, in and out).",
        input_limit=131_072,
        methods=LIVE,
        top_k=64,
    ),
    _gemini(
        "gemini-2.0-flash-live-001",
        "001",
        "Gemini 2.0 Flash Live 001",
        "Gemini 2.0 Flash for live sessions: bidirectional streaming of text, audio and video.",
        input_limit=131_072,
        methods=LIVE,
    ),
    _embedding(
        "gemini-embedding-001",
        "001",
        "Gemini Embedding 001",
        "Gemini text embeddings: 3072 dimensions, truncatable with output_dimensionality.",
        3072,
    ),
    _embedding(
        "text-embedding-004",
        "004",
        "Text Embedding 004",
        "Text embeddings with 768 dimensions.",
        768,
    ),
    _embedding(
        "embedding-001",
        "001",
        "Embedding 001",
        "Legacy text embeddings with 768 dimensions.",
        768,
    ),
    _media(
        "imagen-3.0-generate-002",
        "002",
        "Imagen 3.0",
        "Imagen 3: images from a text prompt (PredictionService.Predict).",
        PREDICT,
    ),
    _media(
        "veo-2.0-generate-001",
        "2.0",
        "Veo 2",
        "Veo 2: short videos from a text prompt (PredictionService.PredictLongRunning).",
        PREDICT_LONG_RUNNING,
    ),
)

_BY_NAME = {entry.name: entry for entry in _ENTRIES}


def entries() -> tuple[CatalogEntry, ...]:
    """Every model, in listing order."""
    return _ENTRIES


def find(name: str) -> CatalogEntry | None:
    """The entry for a full model name ("models/..."), or None."""
    return _BY_NAME.get(name)
