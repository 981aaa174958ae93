"""The deterministic reply engine: GenerateContentRequest -> Reply (pure, no gRPC).

The rules are documented for users in docs/emulator.md; in short, every invented word comes from a
SplitMix64 stream seeded with SHA-256 of the request's contents, system instruction, generation
config and tools, so the same request always gets the same reply.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from genai_protos import content_pb2, generative_service_pb2, safety_pb2

from . import _schema_values, _tokens
from ._calls import function_calls, last_turn, response_words, text_of
from ._random import Rng, digest
from ._schema_graph import SchemaError
from ._schemas import RequestSchemas, compile_schemas

gs = generative_service_pb2
FinishReason = gs.Candidate.FinishReason
HarmCategory = safety_pb2.HarmCategory
Probability = safety_pb2.SafetyRating.HarmProbability
Threshold = safety_pb2.SafetySetting.HarmBlockThreshold

BLOCK_PROMPT = "[[block-prompt]]"
BLOCK_CANDIDATE = "[[block-candidate]]"
PROMPT_TRIGGER_CATEGORY = HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT
CANDIDATE_TRIGGER_CATEGORY = HarmCategory.HARM_CATEGORY_HARASSMENT
STANDARD_CATEGORIES = (
    HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT,
    HarmCategory.HARM_CATEGORY_HATE_SPEECH,
    HarmCategory.HARM_CATEGORY_HARASSMENT,
    HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT,
)
EXCERPT_WORDS = 8
MIN_FILLER, FILLER_SPREAD = 8, 17  # 8..24 invented words
MIN_THOUGHT, THOUGHT_SPREAD = 6, 7  # 6..12 invented words


# Enum values and rating lists are looked up once: protobuf enum attribute access is slow.
STOP = FinishReason.STOP
MAX_TOKENS = FinishReason.MAX_TOKENS
SAFETY = FinishReason.SAFETY
_NO_BLOCK = (Threshold.BLOCK_NONE, Threshold.OFF)


def _ratings(
    high: HarmCategory.ValueType | None = None, blocked: bool = False
) -> tuple[safety_pb2.SafetyRating, ...]:
    return tuple(
        safety_pb2.SafetyRating(
            category=category,
            probability=Probability.HIGH if category == high else Probability.NEGLIGIBLE,
            blocked=blocked and category == high,
        )
        for category in STANDARD_CATEGORIES
    )


NORMAL_RATINGS = _ratings()
PROMPT_BLOCK_RATINGS = _ratings(PROMPT_TRIGGER_CATEGORY, blocked=True)
CANDIDATE_BLOCK_RATINGS = _ratings(CANDIDATE_TRIGGER_CATEGORY, blocked=True)


@dataclass(frozen=True)
class Shape:
    """Call metadata that changes the reply (x-emulator-reply-words, -chunks, -count-contents).

    Streaming and unary calls with the same Shape produce the same text.
    """

    reply_words: int | None = None
    chunks: int | None = None
    count_contents: bool = False  # x-emulator-count-contents: the marker before a plain-text reply


@dataclass
class CandidateReply:
    """One candidate, before it is laid out as a unary response or as stream chunks."""

    index: int
    finish_reason: FinishReason.ValueType
    safety_ratings: Sequence[safety_pb2.SafetyRating]
    blocked: bool = False
    thought: str = ""
    thought_signature: bytes = b""
    text: str = ""
    calls: list[content_pb2.Part] = field(default_factory=list)

    def thought_part(self) -> content_pb2.Part:
        return content_pb2.Part(text=self.thought, thought=True, thought_signature=self.thought_signature)

    def parts(self) -> list[content_pb2.Part]:
        """All parts of the finished candidate: thought, then text or function calls."""
        parts = [self.thought_part()] if self.thought else []
        if self.text:
            parts.append(content_pb2.Part(text=self.text))
        parts.extend(self.calls)
        return parts


@dataclass
class Reply:
    """Everything needed to emit the response, unary or streamed."""

    model_version: str
    response_id: str
    candidates: list[CandidateReply]
    usage: gs.GenerateContentResponse.UsageMetadata
    prompt_feedback: gs.GenerateContentResponse.PromptFeedback | None = None


def request_digest(request: gs.GenerateContentRequest) -> bytes:
    """SHA-256 over the serialized contents, system instruction, generation config and tools."""
    pieces = [b"contents", *(c.SerializeToString(deterministic=True) for c in request.contents)]
    if request.HasField("system_instruction"):
        pieces += [b"system_instruction", request.system_instruction.SerializeToString(deterministic=True)]
    if request.HasField("generation_config"):
        pieces += [b"generation_config", request.generation_config.SerializeToString(deterministic=True)]
    pieces += [b"tools", *(t.SerializeToString(deterministic=True) for t in request.tools)]
    return digest(*pieces)


def _quote(text: str) -> list[str]:
    """The first EXCERPT_WORDS words of `text`, quoted and ending a sentence."""
    words = text.split(maxsplit=EXCERPT_WORDS)  # not the whole text: it may be megabytes long
    if not words:
        return []
    cut = words[:EXCERPT_WORDS]
    cut[-1] = cut[-1].rstrip(".!?,;:") or cut[-1]  # the quote ends its own sentence
    if len(words) > EXCERPT_WORDS:
        cut[-1] += "..."
    cut[0] = '"' + cut[0]
    cut[-1] += '".'
    return cut


def _media_summary(content: content_pb2.Content) -> str:
    kinds = []
    for part in content.parts:
        kind = part.WhichOneof("data")
        if kind == "inline_data":
            kinds.append(part.inline_data.mime_type or "application/octet-stream")
        elif kind == "file_data":
            kinds.append(part.file_data.mime_type or part.file_data.file_uri)
        elif kind is not None:
            kinds.append(kind)
    return "[" + ", ".join(kinds) + "]"


def contents_marker(contents: Sequence[content_pb2.Content]) -> str:
    """`[N contents: U user, M model]`: what x-emulator-count-contents puts before a text reply."""
    model = sum(1 for content in contents if content.role == "model")
    return f"[{len(contents)} contents: {len(contents) - model} user, {model} model]"


def _prefix_words(request: gs.GenerateContentRequest, shape: Shape) -> list[str]:
    """The recognisable opening: the contents marker if asked for, an echo of the last turn (or of
    function results), then of the system instruction."""
    words = contents_marker(request.contents).split() if shape.count_contents else []
    responses = response_words(request.contents)
    if responses:
        words += responses
    else:
        turn = last_turn(request.contents)
        text = text_of(turn)
        words += (
            ["You", "said:", *_quote(text)]
            if text.strip()
            else ["You", "sent:", *_quote(_media_summary(turn))]
        )
    if request.HasField("system_instruction"):
        system = text_of(request.system_instruction)
        if system.strip():
            words += ["Instructions:", *_quote(system)]
    return words


def plain_words(request: gs.GenerateContentRequest, rng: Rng, shape: Shape) -> list[str]:
    """The plain-text answer as words: the prefix, then invented words, ending with a period."""
    prefix = _prefix_words(request, shape)
    filler = MIN_FILLER + rng.below(FILLER_SPREAD)
    total = len(prefix) + filler if shape.reply_words is None else shape.reply_words
    if shape.chunks is not None:
        total = max(total, shape.chunks)
    if total <= len(prefix):
        return prefix[:total]
    words = prefix + rng.words(total - len(prefix))
    words[-1] += "."
    return words


def _json_text(request: gs.GenerateContentRequest, seed: bytes, shape: Shape, schemas: RequestSchemas) -> str:
    rng = Rng(digest(seed, b"json"))
    value: Any
    if schemas.response is not None:
        budget = _schema_values.Budget()
        value = _schema_values.generate_at(schemas.response, rng, budget, schemas.response_field)
    else:
        value = {"text": " ".join(plain_words(request, Rng(seed), Shape(shape.reply_words)))}
    text = json.dumps(value, ensure_ascii=False)
    if shape.chunks is not None and len(text) < shape.chunks:
        text += " " * (shape.chunks - len(text))  # trailing spaces keep the JSON valid
    return text


def _answer_text(
    request: gs.GenerateContentRequest, seed: bytes, shape: Shape, schemas: RequestSchemas
) -> tuple[str, FinishReason.ValueType]:
    config = request.generation_config
    mime = config.response_mime_type
    if mime == "application/json":
        text = _json_text(request, seed, shape, schemas)
    elif mime == "text/x.enum":
        text = Rng(digest(seed, b"enum")).choice(config.response_schema.enum)
    else:
        text = " ".join(plain_words(request, Rng(seed), shape))
    finish = STOP
    stops = [s for s in config.stop_sequences if s]
    if stops:
        cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
        if cut >= 0:
            text = text[:cut]
    if config.HasField("max_output_tokens") and config.max_output_tokens > 0:
        text, truncated = _tokens.truncate_tokens(text, config.max_output_tokens)
        if truncated:
            finish = MAX_TOKENS
    return text, finish


def _thinking(request: gs.GenerateContentRequest) -> tuple[bool, int]:
    config = request.generation_config.thinking_config
    if not (request.generation_config.HasField("thinking_config") and config.include_thoughts):
        return False, 0
    budget = config.thinking_budget if config.HasField("thinking_budget") else -1
    return budget != 0, budget


def _candidate(
    request: gs.GenerateContentRequest, base: bytes, index: int, shape: Shape, schemas: RequestSchemas
) -> CandidateReply:
    seed = base if index == 0 else digest(base, b"candidate", str(index).encode())
    candidate = CandidateReply(index=index, finish_reason=STOP, safety_ratings=NORMAL_RATINGS)
    thinking, budget = _thinking(request)
    if thinking:
        rng = Rng(digest(seed, b"thought"))
        count = MIN_THOUGHT + rng.below(THOUGHT_SPREAD)
        words = [
            "Thinking",
            "about:",
            *_quote(text_of(last_turn(request.contents)) or "the request"),
            *rng.words(count),
        ]
        thought = " ".join(words) + "."
        if budget > 0:
            thought, _ = _tokens.truncate_tokens(thought, budget)
        candidate.thought = thought
        candidate.thought_signature = digest(seed, b"thought-signature")
    candidate.calls = function_calls(request, seed, schemas)
    if not candidate.calls:
        candidate.text, candidate.finish_reason = _answer_text(request, seed, shape, schemas)
    return candidate


def _disabled(request: gs.GenerateContentRequest, category: HarmCategory.ValueType) -> bool:
    return any(s.category == category and s.threshold in _NO_BLOCK for s in request.safety_settings)


def plan_reply(
    request: gs.GenerateContentRequest, shape: Shape = Shape(), schemas: RequestSchemas | None = None
) -> Reply:
    """Decide the whole reply for a validated request (`schemas`: its compiled schemas, if at hand).

    Raises SchemaError (with `field` set) if a schema's shortest value is too deep to write.
    """
    if schemas is None:
        schemas, problems = compile_schemas(request)
        if problems:
            field, problem = problems[0]
            raise SchemaError(problem, field)
    base = request_digest(request)
    system = request.system_instruction if request.HasField("system_instruction") else None
    counts = _tokens.count_prompt(request.contents, system, request.tools)
    prompt_tokens = sum(counts.values())
    usage = gs.GenerateContentResponse.UsageMetadata(
        prompt_token_count=prompt_tokens, prompt_tokens_details=_tokens.details(counts)
    )
    reply = Reply(
        model_version=request.model.removeprefix("models/"),
        response_id=base64.urlsafe_b64encode(base[:16]).decode().rstrip("="),
        candidates=[],
        usage=usage,
    )
    prompt_text = " ".join(text_of(c) for c in request.contents)
    if BLOCK_PROMPT in prompt_text and not _disabled(request, PROMPT_TRIGGER_CATEGORY):
        reply.prompt_feedback = gs.GenerateContentResponse.PromptFeedback(
            block_reason=gs.GenerateContentResponse.PromptFeedback.BlockReason.SAFETY,
            safety_ratings=PROMPT_BLOCK_RATINGS,
        )
        usage.total_token_count = prompt_tokens
        return reply
    config = request.generation_config
    count = config.candidate_count if config.HasField("candidate_count") else 1
    if BLOCK_CANDIDATE in prompt_text and not _disabled(request, CANDIDATE_TRIGGER_CATEGORY):
        reply.candidates = [
            CandidateReply(
                index=i,
                finish_reason=SAFETY,
                safety_ratings=CANDIDATE_BLOCK_RATINGS,
                blocked=True,
            )
            for i in range(count)
        ]
        usage.total_token_count = prompt_tokens
        return reply
    reply.candidates = [_candidate(request, base, i, shape, schemas) for i in range(count)]
    answer = 0
    thoughts = 0
    for candidate in reply.candidates:
        answer += _tokens.text_tokens(candidate.text) + sum(
            _tokens.part_tokens(p)[1] for p in candidate.calls
        )
        thoughts += _tokens.text_tokens(candidate.thought)
    usage.candidates_token_count = answer
    usage.thoughts_token_count = thoughts
    usage.total_token_count = prompt_tokens + answer + thoughts
    if answer:
        usage.candidates_tokens_details.add(modality=_tokens.TEXT, token_count=answer)
    return reply


def to_response(reply: Reply) -> gs.GenerateContentResponse:
    """The unary GenerateContentResponse for a reply."""
    response = gs.GenerateContentResponse(
        model_version=reply.model_version, response_id=reply.response_id, usage_metadata=reply.usage
    )
    if reply.prompt_feedback is not None:
        response.prompt_feedback.CopyFrom(reply.prompt_feedback)
    for c in reply.candidates:
        candidate = response.candidates.add(
            index=c.index, finish_reason=c.finish_reason, safety_ratings=c.safety_ratings
        )
        if not c.blocked:
            candidate.content.role = "model"
            candidate.content.parts.extend(c.parts())
    return response
