"""Which replies make a valid chat turn: the one place the rule lives.

    >>> answer = pb.Content(role="model", parts=[pb.Part(text="Hello")])
    >>> is_valid_reply(pb.GenerateContentResponse(candidates=[pb.Candidate(content=answer)]))
    True
    >>> is_valid_reply(pb.GenerateContentResponse())  # no candidate: a blocked prompt, say
    False

A turn is valid, and so goes into the curated history (the context sent with the next message),
when the reply's first candidate has content with at least one part, and that candidate was not
stopped for safety or policy reasons. So:

* a reply whose final chunk carries only usage, or only a finish reason, is valid: what counts is
  the merged reply, whose content came in the earlier chunks;
* a part of a kind this version does not know (a field added to the API later) is a part: it does
  not make the turn invalid;
* a reply with a function call is valid (the next message may carry the function's response);
* a reply cut by ``max_output_tokens`` is valid (its text is what the model said);
* a blocked prompt (no candidate), a candidate without content or with only empty text, and a
  candidate stopped for SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY or a
  malformed function call are invalid.

An invalid turn still goes into the comprehensive history (``get_history(curated=False)``), so a
caller can see what happened; a turn whose call failed or whose stream was abandoned goes into
neither (there is no complete reply to record).
"""

from __future__ import annotations

from genai._requests.encode import contents_field
from genai._wire import messages as pb

__all__ = ["BLOCKING_FINISH_REASONS", "encode_reply", "is_valid_reply", "reply_content"]

_FinishReason = pb.Candidate.FinishReason
# Finish reasons that mean the candidate was withheld or is unusable (its content is not an answer).
BLOCKING_FINISH_REASONS = frozenset(
    getattr(_FinishReason, name)
    for name in (
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "MALFORMED_FUNCTION_CALL",
    )
    if hasattr(_FinishReason, name)
)
_MODEL_ROLE = "model"
_CONTENTS_TAG = 0x12  # GenerateContentRequest.contents = 2, length-delimited
_EMPTY_MODEL = contents_field(pb.Content(role=_MODEL_ROLE).SerializeToString())


def reply_content(reply: pb.GenerateContentResponse) -> pb.Content:
    """The first candidate's content as a model turn (a copy; empty when there is no candidate).

    >>> reply_content(pb.GenerateContentResponse()).role
    'model'
    """
    content = pb.Content()
    if reply.candidates:
        content.CopyFrom(reply.candidates[0].content)
    content.role = _MODEL_ROLE
    return content


def encode_reply(reply: pb.GenerateContentResponse) -> tuple[bytes, bool]:
    """``reply_content(reply)`` as a request's ``contents`` field, and ``is_valid_reply(reply)``.

    >>> encode_reply(pb.GenerateContentResponse())
    (b'\\x12\\x07\\x12\\x05model', False)

    Reads the first candidate once, and copies its content only when its role is not "model"
    already (the service always says "model").
    """
    candidates = reply.candidates
    if not candidates:
        return _EMPTY_MODEL, False
    candidate = candidates[0]
    content = candidate.content
    if content.role != _MODEL_ROLE:
        content = reply_content(reply)
    data = content.SerializeToString(deterministic=True)
    # contents_field(data), inline for contents under 16 KiB: this runs right after the reply comes,
    # when every further function called costs microseconds of cold caches.
    size = len(data)
    if size < 0x80:
        encoded = bytes((_CONTENTS_TAG, size)) + data
    elif size < 0x4000:
        encoded = bytes((_CONTENTS_TAG, (size & 0x7F) | 0x80, size >> 7)) + data
    else:
        encoded = contents_field(data)
    if candidate.finish_reason in BLOCKING_FINISH_REASONS:
        return encoded, False
    for part in content.parts:
        if part.text or _has_substance(part):  # a non-empty text always counts: no need to look further
            return encoded, True
    return encoded, False


def is_valid_reply(reply: pb.GenerateContentResponse) -> bool:
    """Whether the reply makes a valid turn (see the module docstring for the rule).

    >>> stopped = pb.Candidate(content=pb.Content(parts=[pb.Part(text="x")]), finish_reason="SAFETY")
    >>> is_valid_reply(pb.GenerateContentResponse(candidates=[stopped]))
    False
    """
    candidates = reply.candidates
    if not candidates:
        return False
    candidate = candidates[0]
    if candidate.finish_reason in BLOCKING_FINISH_REASONS:
        return False
    # A non-empty text always counts: no need to look further.
    return any(part.text or _has_substance(part) for part in candidate.content.parts)


def _has_substance(part: pb.Part) -> bool:
    """A part counts unless it is an empty text (an unknown kind of part counts)."""
    fields = part.ListFields()
    if not fields:  # nothing this version knows: a newer kind of part if it carries anything at all
        return bool(part.SerializeToString())
    if part.HasField("text") and not part.text:
        return any(field.name not in ("text", "thought", "thought_signature") for field, _ in fields)
    return True
