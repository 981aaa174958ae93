"""Lays a Reply out as StreamGenerateContent chunks whose texts concatenate to the unary text.

Default layout: four words per chunk, then (when there was more than one chunk) a final chunk with
no parts that carries finish_reason, safety ratings and usage metadata, as the real API often does.
With x-emulator-chunks: N, exactly N chunks, and the last one carries the finish data itself.
Chunk messages are built lazily, one per `next()`, so long streams cost O(total text).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from genai_protos import content_pb2, generative_service_pb2

from ._generate import CandidateReply, Reply, to_response

gs = generative_service_pb2
WORDS_PER_CHUNK = 4
_PIECE = re.compile(r"\s*\S+")


def _pieces(text: str) -> list[str]:
    """Words with their leading whitespace; trailing whitespace rides on the last piece."""
    pieces = _PIECE.findall(text)
    used = sum(map(len, pieces))
    if used < len(text):
        if pieces:
            pieces[-1] += text[used:]
        else:
            pieces = [text]
    return pieces


def split_words(text: str, per_chunk: int = WORDS_PER_CHUNK) -> list[str]:
    """Consecutive groups of `per_chunk` words (exact concatenation)."""
    pieces = _pieces(text)
    return ["".join(pieces[i : i + per_chunk]) for i in range(0, len(pieces), per_chunk)]


def split_even(text: str, n: int) -> list[str]:
    """Exactly n slices concatenating to `text`: whole words when there are at least n words,
    else characters; slices are empty only when the text has fewer than n characters."""
    pieces = _pieces(text)
    if len(pieces) >= n:
        bounds = [len(pieces) * k // n for k in range(n + 1)]
        return ["".join(pieces[bounds[k] : bounds[k + 1]]) for k in range(n)]
    bounds = [len(text) * k // n for k in range(n + 1)] if len(text) >= n else list(range(len(text) + 1))
    slices = [text[bounds[k] : bounds[k + 1]] for k in range(len(bounds) - 1)]
    return slices + [""] * (n - len(slices))


def _splittable(reply: Reply) -> bool:
    return bool(reply.candidates) and all(not c.blocked and not c.calls for c in reply.candidates)


def chunk_count(reply: Reply, chunks: int | None) -> int:
    """How many chunks `iter_chunks` will produce."""
    if not _splittable(reply):
        return 1
    if chunks is not None:
        return chunks
    text_chunks = max(len(split_words(c.text)) for c in reply.candidates)
    return 1 if text_chunks <= 1 else text_chunks + 1


def _piece_chunk(
    reply: Reply, j: int, plans: list[tuple[CandidateReply, list[str]]], last: bool
) -> gs.GenerateContentResponse:
    response = gs.GenerateContentResponse(model_version=reply.model_version, response_id=reply.response_id)
    for candidate, slices in plans:
        parts: list[content_pb2.Part] = []
        if j == 0 and candidate.thought:
            parts.append(candidate.thought_part())
        if j < len(slices) and slices[j]:
            parts.append(content_pb2.Part(text=slices[j]))
        if not parts and not last:
            continue
        out = response.candidates.add(index=candidate.index)
        if parts:
            out.content.role = "model"
            out.content.parts.extend(parts)
        if last:
            out.finish_reason = candidate.finish_reason
            out.safety_ratings.extend(candidate.safety_ratings)
    if last:
        response.usage_metadata.CopyFrom(reply.usage)
    return response


@dataclass
class Layout:
    """How a reply is cut: each candidate's text slices (`plans` None: the reply is one chunk)."""

    plans: list[tuple[CandidateReply, list[str]]] | None
    pieces: int  # chunks that carry text
    trailer: bool  # whether a last chunk without text carries the finish data


def layout(reply: Reply, chunks: int | None = None) -> Layout:
    """Cut the reply's texts (the part of streaming whose work grows with the reply)."""
    if not _splittable(reply):
        # Prompt blocks, safety blocks and function calls arrive whole, in one chunk.
        return Layout(None, 1, False)
    if chunks is not None:
        return Layout([(c, split_even(c.text, chunks)) for c in reply.candidates], chunks, False)
    plans = [(c, split_words(c.text)) for c in reply.candidates]
    count = max(len(slices) for _, slices in plans)
    return Layout(None, 1, False) if count <= 1 else Layout(plans, count, True)


def iter_chunks(
    reply: Reply, chunks: int | None = None, cut: Layout | None = None
) -> Iterator[gs.GenerateContentResponse]:
    """The stream for `reply` (cut by `cut`, if it was cut already); see the module docstring."""
    if cut is None:
        cut = layout(reply, chunks)
    if cut.plans is None:
        yield to_response(reply)
        return
    for j in range(cut.pieces):
        yield _piece_chunk(reply, j, cut.plans, last=not cut.trailer and j == cut.pieces - 1)
    if cut.trailer:
        yield _piece_chunk(reply, cut.pieces, cut.plans, last=True)
