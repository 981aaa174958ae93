"""Merge streamed ``GenerateContentResponse`` chunks into the one response they add up to.

Pure and I/O-free: feed it chunks with :meth:`StreamAccumulator.add`, read the merged response with
:attr:`StreamAccumulator.snapshot` (any time) or :meth:`StreamAccumulator.final` (at the end).

    >>> acc = StreamAccumulator()
    >>> for piece in ("Hel", "lo"):
    ...     acc.add(pb.GenerateContentResponse(candidates=[
    ...         pb.Candidate(content=pb.Content(role="model", parts=[pb.Part(text=piece)]))]))
    >>> acc.final().candidates[0].content.parts[0].text
    'Hello'

Merging is per candidate ``index``. Adjacent text parts with the same ``thought`` flag become one part;
their pieces are kept in a list and joined only when a message is built, so the total cost is linear
in the size of the stream. The rules for every other field are on :class:`StreamAccumulator`.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from genai._wire import messages as pb

__all__ = ["StreamAccumulator"]


class _TextRun:
    """Adjacent plain text parts with one ``thought`` flag, and at most one thought signature."""

    __slots__ = ("pieces", "signature", "thought")

    def __init__(self, text: str, thought: bool, signature: bytes) -> None:
        self.pieces = [text]
        self.thought = thought
        self.signature = signature

    def build(self, part: pb.Part) -> None:
        pieces = self.pieces
        text = pieces[0] if len(pieces) == 1 else "".join(pieces)
        # Keep the joined string: a later snapshot joins one piece plus whatever arrived since.
        self.pieces = [text]
        part.text = text
        if self.thought:
            part.thought = True
        if self.signature:
            part.thought_signature = self.signature


# ListFields() returns the descriptor's own FieldDescriptor objects, so the hot paths compare with ``is``.
_PART_TEXT = pb.Part.DESCRIPTOR.fields_by_name["text"]
_CANDIDATE_CONTENT = pb.Candidate.DESCRIPTOR.fields_by_name["content"]
_CANDIDATE_INDEX = pb.Candidate.DESCRIPTOR.fields_by_name["index"]
# The response fields StreamAccumulator.add() reads with direct accessors (cheaper than ListFields).
_RESPONSE_FIELDS = frozenset(
    {"candidates", "prompt_feedback", "usage_metadata", "model_version", "response_id"}
)
# Any other field (a newer proto) goes to the later-wins ``_extra`` merge.
_RESPONSE_OTHERS = tuple(
    field for field in pb.GenerateContentResponse.DESCRIPTOR.fields if field.name not in _RESPONSE_FIELDS
)


def _is_plain_text(part: pb.Part) -> bool:
    # A text part is merged only when text, thought and thought_signature are all it carries; one with
    # video_metadata or part_metadata is kept whole so nothing is lost.
    return part.WhichOneof("data") == "text" and not (
        part.HasField("part_metadata") or part.WhichOneof("metadata")
    )


def _merge_field(dst: Message, field: FieldDescriptor, value: Any) -> None:
    """Merge one set field into ``dst``: repeated appended (maps: by key); singular fields replaced."""
    if field.is_repeated:
        getattr(dst, field.name).MergeFrom(value)
    elif field.message_type is not None:
        getattr(dst, field.name).CopyFrom(value)
    else:
        setattr(dst, field.name, value)


def _merge_later_wins(dst: Message, src: Message) -> None:
    """Merge every set field of ``src`` into ``dst`` with :func:`_merge_field`."""
    for field, value in src.ListFields():
        _merge_field(dst, field, value)


class _CandidateState:
    """Everything merged so far for one candidate index."""

    __slots__ = (
        "avg_logprobs",
        "citation",
        "extra",
        "finish_message",
        "finish_reason",
        "grounding",
        "grounding_attributions",
        "has_content",
        "has_index",
        "index",
        "logprobs",
        "parts",
        "role",
        "safety",
        "token_count",
        "url_context",
    )

    def __init__(self, index: int) -> None:
        self.index = index
        self.has_index = False
        self.has_content = False
        self.role = ""
        self.parts: list[_TextRun | pb.Part] = []
        self.finish_reason = 0
        self.finish_message: str | None = None
        self.safety: dict[int, pb.SafetyRating] = {}
        self.citation: pb.CitationMetadata | None = None
        self.grounding: pb.GroundingMetadata | None = None
        self.grounding_attributions: list[pb.GroundingAttribution] = []
        self.logprobs: pb.LogprobsResult | None = None
        self.avg_logprobs = 0.0
        self.token_count = 0
        self.url_context: pb.UrlContextMetadata | None = None
        # Fields this module does not know yet (a newer proto): merged with later-wins rules.
        self.extra: pb.Candidate | None = None

    def add(self, cand: pb.Candidate) -> None:
        for field, value in cand.ListFields():
            # Nearly every chunk carries content, most an index: test those first, by identity.
            if field is _CANDIDATE_CONTENT:
                self.has_content = True
                if not self.role:  # read role only until one arrives: the first one is kept
                    self.role = value.role
                self._add_parts(value.parts)
            elif field is _CANDIDATE_INDEX:
                self.has_index = True
            else:
                self._add_field(field, value)

    def _add_field(self, field: FieldDescriptor, value: Any) -> None:
        name = field.name
        if name == "finish_reason":
            self.finish_reason = value
        elif name == "finish_message":
            if value or self.finish_message is None:
                self.finish_message = value
        elif name == "safety_ratings":
            for rating in value:
                self.safety[rating.category] = rating
        elif name == "citation_metadata":
            if self.citation is None:
                self.citation = pb.CitationMetadata()
            _merge_later_wins(self.citation, value)
        elif name == "grounding_metadata":
            if self.grounding is None:
                self.grounding = pb.GroundingMetadata()
            _merge_later_wins(self.grounding, value)
        elif name == "grounding_attributions":
            self.grounding_attributions.extend(value)
        elif name == "logprobs_result":
            self._add_logprobs(value)
        elif name == "avg_logprobs":
            self.avg_logprobs = value
        elif name == "token_count":
            self.token_count = value
        elif name == "url_context_metadata":
            if self.url_context is None:
                self.url_context = pb.UrlContextMetadata()
            _merge_later_wins(self.url_context, value)
        else:
            if self.extra is None:
                self.extra = pb.Candidate()
            _merge_field(self.extra, field, value)

    def _add_parts(self, parts: Any) -> None:
        entries = self.parts
        for part in parts:
            fields = part.ListFields()
            if len(fields) == 1 and fields[0][0] is _PART_TEXT:
                # The common part, text and nothing else: one ListFields call tells and reads it.
                text, thought, signature = fields[0][1], False, b""
            elif _is_plain_text(part):
                text, thought, signature = part.text, part.thought, part.thought_signature
            else:
                entries.append(part)
                continue
            last = entries[-1] if entries else None
            if isinstance(last, _TextRun) and last.thought == thought and not (signature and last.signature):
                last.pieces.append(text)
                if signature:
                    last.signature = signature
            else:
                entries.append(_TextRun(text, thought, signature))

    def _add_logprobs(self, value: pb.LogprobsResult) -> None:
        if self.logprobs is None:
            self.logprobs = pb.LogprobsResult()
        merged = self.logprobs
        for field, item in value.ListFields():
            if field.name == "log_probability_sum":
                merged.log_probability_sum = merged.log_probability_sum + item
            else:
                _merge_field(merged, field, item)

    def build(self, cand: pb.Candidate) -> None:
        if self.has_index:
            cand.index = self.index
        if self.has_content:
            content = cand.content
            content.SetInParent()
            if self.role:
                content.role = self.role
            out = content.parts
            for entry in self.parts:
                if isinstance(entry, _TextRun):
                    entry.build(out.add())
                else:
                    out.add().CopyFrom(entry)
        if self.finish_reason:
            cand.finish_reason = self.finish_reason  # type: ignore[assignment]
        if self.finish_message is not None:
            cand.finish_message = self.finish_message
        if self.safety:
            cand.safety_ratings.extend(self.safety.values())
        if self.citation is not None:
            cand.citation_metadata.CopyFrom(self.citation)
        if self.grounding_attributions:
            cand.grounding_attributions.extend(self.grounding_attributions)
        if self.grounding is not None:
            cand.grounding_metadata.CopyFrom(self.grounding)
        if self.logprobs is not None:
            cand.logprobs_result.CopyFrom(self.logprobs)
        if self.avg_logprobs:
            cand.avg_logprobs = self.avg_logprobs
        if self.token_count:
            cand.token_count = self.token_count
        if self.url_context is not None:
            cand.url_context_metadata.CopyFrom(self.url_context)
        if self.extra is not None:
            cand.MergeFrom(self.extra)


class StreamAccumulator:
    """Adds up the chunks of a ``stream_generate_content`` call into one ``GenerateContentResponse``.

        >>> acc = StreamAccumulator()
        >>> acc.add(pb.GenerateContentResponse(model_version="gemini-x"))
        >>> acc.chunks, acc.final().model_version
        (1, 'gemini-x')

    Per candidate (matched by ``index``; by position in the chunk when ``index`` is unset):

    * parts in arrival order; adjacent text parts with the same ``thought`` flag merge into one part.
      A signed text part passes its ``thought_signature`` to the merged part; if that part already has
      a signature, the new text starts a new part, so no signature is lost. Non-text parts (function
      calls, inline data, code, ...) and text parts with extra metadata are kept as they came.
    * ``content.role`` from the first chunk that has one;
    * ``finish_reason`` the last non-zero value, ``finish_message`` the last non-empty one;
    * ``safety_ratings`` merged by category (a later rating replaces an earlier one in its place);
    * ``citation_metadata.citation_sources``, ``grounding_attributions``,
      ``url_context_metadata.url_metadata`` and ``logprobs_result`` candidates appended;
      ``logprobs_result.log_probability_sum`` summed;
    * ``grounding_metadata``: repeated fields appended, singular fields replaced by later ones;
    * ``avg_logprobs`` and ``token_count``: the last non-zero value.

    For the response: ``prompt_feedback`` from the first chunk that carries one, ``usage_metadata``
    from the last, ``model_version`` and ``response_id`` the last non-empty values. Candidates come
    out sorted by index.

    The accumulator keeps references to the parts of the chunks it was given: do not change a chunk
    after adding it.
    """

    __slots__ = (
        "_candidates",
        "_chunks",
        "_extra",
        "_final",
        "_model_version",
        "_prompt_feedback",
        "_response_id",
        "_usage",
    )

    def __init__(self) -> None:
        self._candidates: dict[int, _CandidateState] = {}
        self._chunks = 0
        self._prompt_feedback: pb.PromptFeedback | None = None
        self._usage: pb.GenerateContentResponseUsageMetadata | None = None
        self._model_version = ""
        self._response_id = ""
        self._extra: pb.GenerateContentResponse | None = None
        self._final: pb.GenerateContentResponse | None = None

    @property
    def chunks(self) -> int:
        """How many chunks were added so far.

        >>> StreamAccumulator().chunks
        0
        """
        return self._chunks

    def add(self, chunk: pb.GenerateContentResponse) -> None:
        """Merge one streamed chunk.

        >>> StreamAccumulator().add(pb.GenerateContentResponse())
        """
        if not isinstance(chunk, pb.GenerateContentResponse):
            raise TypeError(
                f"StreamAccumulator.add() takes a types.GenerateContentResponse, not {type(chunk).__name__}"
            )
        self._chunks += 1
        self._final = None
        # Direct accessors instead of ListFields: this runs for every streamed chunk.
        states = self._candidates
        for position, cand in enumerate(chunk.candidates):
            # An unset index reads 0, so only a 0 at a later position needs HasField to tell them apart.
            key = cand.index
            if not key and position and not cand.HasField("index"):
                key = position
            state = states.get(key)
            if state is None:
                state = states[key] = _CandidateState(key)
            state.add(cand)
        if chunk.HasField("usage_metadata"):
            self._usage = chunk.usage_metadata
        if self._prompt_feedback is None and chunk.HasField("prompt_feedback"):
            self._prompt_feedback = chunk.prompt_feedback
        model_version = chunk.model_version
        if model_version:
            self._model_version = model_version
        response_id = chunk.response_id
        if response_id:
            self._response_id = response_id
        if _RESPONSE_OTHERS:  # empty for this proto; a field added later is merged, not dropped
            self._add_others(chunk)

    def _add_others(self, chunk: pb.GenerateContentResponse) -> None:
        """Merge the set fields that :meth:`add` does not read itself, with later-wins rules."""
        for field, value in chunk.ListFields():
            if field.name not in _RESPONSE_FIELDS:
                if self._extra is None:
                    self._extra = pb.GenerateContentResponse()
                _merge_field(self._extra, field, value)

    @property
    def snapshot(self) -> pb.GenerateContentResponse:
        """A new message with everything merged so far; adding more chunks later is unaffected.

        >>> StreamAccumulator().snapshot == pb.GenerateContentResponse()
        True
        """
        out = pb.GenerateContentResponse()
        for key in sorted(self._candidates):
            self._candidates[key].build(out.candidates.add())
        if self._prompt_feedback is not None:
            out.prompt_feedback.CopyFrom(self._prompt_feedback)
        if self._usage is not None:
            out.usage_metadata.CopyFrom(self._usage)
        if self._model_version:
            out.model_version = self._model_version
        if self._response_id:
            out.response_id = self._response_id
        if self._extra is not None:
            out.MergeFrom(self._extra)
        return out

    def final(self) -> pb.GenerateContentResponse:
        """The merged response; the same object on repeated calls until another chunk is added.

        >>> StreamAccumulator().final() == pb.GenerateContentResponse()
        True
        """
        if self._final is None:
            self._final = self.snapshot
        return self._final
