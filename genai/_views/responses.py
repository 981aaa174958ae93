"""Read-only views over ``GenerateContentResponse`` messages: ``.text``, ``.parts``, ``.parsed`` ...

A view wraps a message and does nothing until a property is read, so wrapping every streamed chunk
costs next to nothing.

    >>> raw = pb.GenerateContentResponse(candidates=[pb.Candidate(
    ...     content=pb.Content(role="model", parts=[pb.Part(text="Hi")]), finish_reason="STOP")])
    >>> view = GenerateContentResponse(raw)
    >>> view.text, view.finish_reason, view.candidates[0].finish_reason.name
    ('Hi', 'STOP', 'STOP')
"""

from __future__ import annotations

import enum
import json
from typing import TYPE_CHECKING, Any, Generic

from google.protobuf.message import Message

from genai import errors
from genai._views.enums import to_py_enum
from genai._wire import messages as pb

__all__ = ["Candidate", "GenerateContentResponse", "PromptFeedback", "SafetyRating"]

# What ``.parsed`` returns: the Python type given as ``response_schema``, ``Any`` when unknown. The
# default (PEP 696) is for type checkers only: typing.TypeVar takes none before Python 3.13.
if TYPE_CHECKING:
    from typing_extensions import TypeVar

    T = TypeVar("T", default=Any)
else:
    from typing import TypeVar

    T = TypeVar("T")

_FR = pb.FinishReason
# Finish reasons that mean the candidate's content was withheld (blocked or filtered). STOP and
# MAX_TOKENS are normal ends; MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS and
# NO_IMAGE are failures of the model, not blocks, and values newer than this list never count.
_WITHHOLDING = frozenset(
    {
        _FR.SAFETY,
        _FR.RECITATION,
        _FR.OTHER,
        _FR.LANGUAGE,
        _FR.BLOCKLIST,
        _FR.PROHIBITED_CONTENT,
        _FR.SPII,
        _FR.IMAGE_SAFETY,
        _FR.IMAGE_PROHIBITED_CONTENT,
        _FR.IMAGE_OTHER,
        _FR.IMAGE_RECITATION,
    }
)
_NOTABLE = frozenset({pb.HarmProbability.MEDIUM, pb.HarmProbability.HIGH})
_UNSET: Any = object()


def _enum_name(wrapper: Any, value: int) -> str:
    """The proto name of an enum value; ``UNKNOWN_<value>`` for a value this proto lacks."""
    try:
        return str(wrapper.Name(value))
    except ValueError:
        return f"UNKNOWN_{int(value)}"


def _text_of(cand: pb.Candidate, thought: bool) -> str:
    # A part that carries no text reads as "": no need to ask which oneof member is set.
    parts = cand.content.parts
    if len(parts) == 1:  # the common streamed chunk: skip the generator and join
        part = parts[0]
        return part.text if part.thought == thought else ""
    return "".join(p.text for p in parts if p.thought == thought)


def _notable_ratings(ratings: Any) -> str:
    """``" (HARM_CATEGORY_X: HIGH, ...)"`` for ratings that blocked or are MEDIUM/HIGH, else ``""``."""
    found = [
        f"{_enum_name(pb.HarmCategory, r.category)}: {_enum_name(pb.HarmProbability, r.probability)}"
        for r in ratings
        if r.blocked or r.probability in _NOTABLE
    ]
    return f" ({', '.join(found)})" if found else ""


def _takes_bare_text(schema: Any) -> bool:
    """Whether ``schema`` is a Python Enum or str Literal, which text/x.enum answers in bare text."""
    import typing

    if isinstance(schema, type) and issubclass(schema, enum.Enum):
        return True
    return typing.get_origin(schema) is typing.Literal


def _strip_fence(text: str) -> str:
    """The body of a single Markdown code fence around the whole text (```json ... ```), else the text."""
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```") and len(stripped) >= 6:
        body = stripped[3:-3]
        first_line, sep, rest = body.partition("\n")
        if sep and (not first_line.strip() or first_line.strip().isalnum()):
            return rest
    return text


class SafetyRating:
    """A view of one ``types.SafetyRating`` whose ``category``/``probability`` are ``IntEnum`` members.

    >>> r = SafetyRating(pb.SafetyRating(category="HARM_CATEGORY_HARASSMENT", probability="LOW"))
    >>> r.category.name, r.probability.name
    ('HARM_CATEGORY_HARASSMENT', 'LOW')
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: pb.SafetyRating) -> None:
        self._raw = raw

    @property
    def raw(self) -> pb.SafetyRating:
        """The wrapped message."""
        return self._raw

    @property
    def category(self) -> enum.IntEnum:
        """``HarmCategory`` member (``UNKNOWN_<value>`` for a value this proto does not know)."""
        return to_py_enum("HarmCategory", self._raw.category)

    @property
    def probability(self) -> enum.IntEnum:
        """``HarmProbability`` member (``UNKNOWN_<value>`` for a value this proto does not know)."""
        return to_py_enum("HarmProbability", self._raw.probability)

    @property
    def blocked(self) -> bool:
        """Whether this rating caused the block."""
        return self._raw.blocked

    if not TYPE_CHECKING:  # fields a newer proto adds; typed code reads them from `.raw`

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__") or name == "_raw":
                raise AttributeError(name)
            return getattr(self._raw, name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SafetyRating):
            return self._raw == other._raw
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_text_format(self._raw)})"


class Candidate:
    """A view of one ``types.Candidate``: enum members for ``finish_reason``, text helpers.

        >>> c = Candidate(pb.Candidate(finish_reason="MAX_TOKENS"))
        >>> c.finish_reason.name
        'MAX_TOKENS'

    Attributes not defined here are read from the message (``c.avg_logprobs``, ``c.finish_message``).
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: pb.Candidate) -> None:
        self._raw = raw

    @property
    def raw(self) -> pb.Candidate:
        """The wrapped message."""
        return self._raw

    @property
    def content(self) -> pb.Content:
        """The ``Content`` message (``.parts``, ``.role``); empty when the candidate has none."""
        return self._raw.content

    @property
    def parts(self) -> list[pb.Part]:
        """The content's parts, as a list."""
        return list(self._raw.content.parts)

    @property
    def finish_reason(self) -> enum.IntEnum:
        """``FinishReason`` member, e.g. ``.name == "STOP"`` (``UNKNOWN_<value>`` for a new value)."""
        return to_py_enum("FinishReason", self._raw.finish_reason)

    @property
    def safety_ratings(self) -> list[SafetyRating]:
        """The ratings as :class:`SafetyRating` views."""
        return [SafetyRating(r) for r in self._raw.safety_ratings]

    @property
    def index(self) -> int:
        """The candidate's index (0 when unset)."""
        return self._raw.index

    @property
    def text(self) -> str:
        """The non-thought text parts joined (``""`` when there are none; never raises)."""
        return _text_of(self._raw, thought=False)

    @property
    def token_count(self) -> int:
        """Tokens in this candidate (0 when the server did not say)."""
        return self._raw.token_count

    @property
    def citation_metadata(self) -> pb.CitationMetadata:
        """The citation message (empty when unset)."""
        return self._raw.citation_metadata

    @property
    def grounding_metadata(self) -> pb.GroundingMetadata:
        """The grounding message (empty when unset)."""
        return self._raw.grounding_metadata

    @property
    def finish_message(self) -> str:
        """Why the model stopped, in words, when the server says (``""`` otherwise)."""
        return self._raw.finish_message

    @property
    def grounding_attributions(self) -> list[pb.GroundingAttribution]:
        """Attributions of the sources the answer drew on."""
        return list(self._raw.grounding_attributions)

    @property
    def avg_logprobs(self) -> float:
        """Average log probability of the candidate's tokens (0.0 when not returned)."""
        return self._raw.avg_logprobs

    @property
    def logprobs_result(self) -> pb.LogprobsResult:
        """Per-token log probabilities (empty unless requested)."""
        return self._raw.logprobs_result

    @property
    def url_context_metadata(self) -> pb.UrlContextMetadata:
        """What the URL context tool retrieved (empty when unused)."""
        return self._raw.url_context_metadata

    if not TYPE_CHECKING:  # fields a newer proto adds; typed code reads them from `.raw`

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__") or name == "_raw":
                raise AttributeError(name)
            return getattr(self._raw, name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Candidate):
            return self._raw == other._raw
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_text_format(self._raw)})"


class PromptFeedback:
    """A view of ``types.PromptFeedback``: ``block_reason`` as an ``IntEnum`` member, rating views.

    Never None: a reply without feedback reads as an empty one (``block_reason.name`` is
    ``"BLOCK_REASON_UNSPECIFIED"``, which is falsy), as google-generativeai users expect.

    >>> fb = PromptFeedback(pb.PromptFeedback(block_reason="SAFETY"))
    >>> fb.block_reason.name, bool(PromptFeedback(pb.PromptFeedback()).block_reason)
    ('SAFETY', False)
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: pb.PromptFeedback) -> None:
        self._raw = raw

    @property
    def raw(self) -> pb.PromptFeedback:
        """The wrapped message."""
        return self._raw

    @property
    def block_reason(self) -> enum.IntEnum:
        """``BlockReason`` member (``BLOCK_REASON_UNSPECIFIED``, 0, when the prompt was not blocked)."""
        return to_py_enum("BlockReason", self._raw.block_reason)

    @property
    def safety_ratings(self) -> list[SafetyRating]:
        """The prompt's ratings as :class:`SafetyRating` views."""
        return [SafetyRating(r) for r in self._raw.safety_ratings]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PromptFeedback):
            return self._raw == other._raw
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_text_format(self._raw)})"


def _text_format(msg: Message) -> str:
    from google.protobuf import text_format

    body = text_format.MessageToString(msg, as_utf8=True).rstrip("\n")
    return "{\n" + "\n".join("  " + line for line in body.split("\n")) + "\n}" if body else "{}"


class GenerateContentResponse(Generic[T]):
    """A view of a ``types.GenerateContentResponse`` (one reply, or one streamed chunk).

        >>> GenerateContentResponse(pb.GenerateContentResponse()).text
        ''

    ``schema`` is the ``response_schema`` the request used: when it is a Python type (a class,
    ``list[X]``, an Enum, ...) :attr:`parsed` converts the reply into it (and is typed as it).
    """

    __slots__ = ("_parsed", "_raw", "_schema")

    def __init__(self, raw: pb.GenerateContentResponse, *, schema: Any = None) -> None:
        self._raw = raw
        self._schema = schema
        self._parsed: Any = _UNSET

    @property
    def raw(self) -> pb.GenerateContentResponse:
        """The wrapped message."""
        return self._raw

    def _first(self) -> pb.Candidate | None:
        candidates = self._raw.candidates
        return candidates[0] if candidates else None

    @property
    def text(self) -> str:
        """The first candidate's text parts joined, thought parts left out.

            >>> GenerateContentResponse(pb.GenerateContentResponse(candidates=[
            ...     pb.Candidate(content=pb.Content(parts=[pb.Part(text="a"), pb.Part(text="b")]))
            ... ])).text
            'ab'

        ``""`` when there is no text for an ordinary reason (a chunk with only usage or a finish
        reason, a function call). Raises :class:`~genai.errors.BlockedPromptError` when the prompt was
        blocked, :class:`~genai.errors.BlockedCandidateError` when the candidate has no text because
        it finished for a reason that withholds content (SAFETY, RECITATION, ...).
        """
        candidates = self._raw.candidates
        if not candidates:
            self._check_prompt()
            return ""
        cand = candidates[0]
        text = _text_of(cand, thought=False)
        if text:
            return text
        reason = cand.finish_reason
        if reason in _WITHHOLDING:
            message = f"the candidate was blocked: {_enum_name(_FR, reason)}"
            if cand.finish_message:
                message += f" ({cand.finish_message})"
            message += _notable_ratings(cand.safety_ratings)
            raise errors.BlockedCandidateError(message)
        return ""

    def _check_prompt(self) -> None:
        if not self._raw.HasField("prompt_feedback"):
            return
        feedback = self._raw.prompt_feedback
        if feedback.block_reason:
            reason = _enum_name(pb.PromptFeedbackBlockReason, feedback.block_reason)
            raise errors.BlockedPromptError(
                f"the prompt was blocked: {reason}{_notable_ratings(feedback.safety_ratings)}"
            )

    @property
    def parts(self) -> list[pb.Part]:
        """The first candidate's parts (``[]`` without a candidate)."""
        cand = self._first()
        return list(cand.content.parts) if cand is not None else []

    @property
    def function_calls(self) -> list[pb.FunctionCall]:
        """Every ``FunctionCall`` in the first candidate's parts, in order.

        >>> GenerateContentResponse(pb.GenerateContentResponse()).function_calls
        []
        """
        return [p.function_call for p in self.parts if p.WhichOneof("data") == "function_call"]

    @property
    def thoughts(self) -> str:
        """The first candidate's thought text joined (``""`` when it has none)."""
        cand = self._first()
        return _text_of(cand, thought=True) if cand is not None else ""

    @property
    def thought_parts(self) -> list[pb.Part]:
        """The first candidate's parts marked ``thought``."""
        return [p for p in self.parts if p.thought]

    @property
    def candidates(self) -> list[Candidate]:
        """Every candidate, as :class:`Candidate` views."""
        return [Candidate(c) for c in self._raw.candidates]

    @property
    def prompt_feedback(self) -> PromptFeedback:
        """Why the prompt was blocked, if it was (an empty feedback, never None, when it was not)."""
        return PromptFeedback(self._raw.prompt_feedback)

    @property
    def usage_metadata(self) -> pb.GenerateContentResponseUsageMetadata:
        """Token counts; all zero (never None) when this reply or chunk carries none.

        ``response.raw.HasField("usage_metadata")`` tells whether the server sent any.
        """
        return self._raw.usage_metadata

    @property
    def finish_reason(self) -> str | None:
        """The first candidate's finish reason name (``"STOP"``, ...), ``None`` when unset."""
        cand = self._first()
        if cand is None or not cand.finish_reason:
            return None
        return _enum_name(_FR, cand.finish_reason)

    @property
    def model_version(self) -> str:
        """The model version that answered."""
        return self._raw.model_version

    @property
    def response_id(self) -> str:
        """The server's id for this response."""
        return self._raw.response_id

    @property
    def parsed(self) -> T:
        """The JSON reply decoded; converted to the requested type when ``schema`` was a Python type.

            >>> GenerateContentResponse(pb.GenerateContentResponse(candidates=[pb.Candidate(
            ...     content=pb.Content(parts=[pb.Part(text='{"a": 1}')]))])).parsed
            {'a': 1}

        A single Markdown code fence around the JSON is tolerated. With ``response_mime_type``
        ``"text/x.enum"`` the reply is the bare value (``DRAMA``, not JSON): it is matched against an
        Enum or Literal schema as it is. Raises :class:`~genai.errors.ResponseParseError` (a
        ``ValueError``) when the text is not JSON or does not fit the type. Computed once.
        """
        if self._parsed is _UNSET:
            self._parsed = self._parse()
        parsed: T = self._parsed
        return parsed

    def _parse(self) -> Any:
        text = self.text
        if not text.strip():
            reason = self.finish_reason
            raise errors.ResponseParseError(
                "the response has no text to parse as JSON"
                + (f" (finish reason: {reason})" if reason else "")
            )
        schema = self._schema
        try:
            data = json.loads(_strip_fence(text))
        except json.JSONDecodeError as exc:
            if _takes_bare_text(schema):  # text/x.enum replies are the value itself, not JSON
                return self._fit(text.strip(), schema)
            excerpt = text if len(text) <= 80 else text[:77] + "..."
            hint = " (the reply was cut off: MAX_TOKENS)" if self.finish_reason == "MAX_TOKENS" else ""
            raise errors.ResponseParseError(
                f"the response is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
                f"{hint}; text: {excerpt!r}"
            ) from exc
        if schema is None:
            return data
        return self._fit(data, schema)

    @staticmethod
    def _fit(data: Any, schema: Any) -> Any:
        # parse_as returns the data unchanged for a Schema message or a dict.
        from genai._coercion.schema import parse_as

        try:
            return parse_as(data, schema)
        except errors.GenAIError:
            raise
        except (TypeError, ValueError) as exc:
            raise errors.ResponseParseError(f"the response JSON does not fit {schema!r}: {exc}") from exc

    def to_dict(self) -> dict[str, Any]:
        """The message as a JSON-ready dict with proto field names (``finish_reason``, ...).

        >>> GenerateContentResponse(pb.GenerateContentResponse(model_version="m")).to_dict()
        {'model_version': 'm'}
        """
        from google.protobuf import json_format

        return json_format.MessageToDict(self._raw, preserving_proto_field_name=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, GenerateContentResponse):
            return self._raw == other._raw
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        raw = self._raw
        fields: list[str] = []
        cand = self._first()
        if cand is not None:
            text = _text_of(cand, thought=False)
            fields.append(f"text={text if len(text) <= 60 else text[:57] + '...'!r}")
            calls = [p.function_call.name for p in cand.content.parts if p.HasField("function_call")]
            if calls:
                fields.append(f"function_calls={calls!r}")
            if cand.finish_reason:
                fields.append(f"finish_reason={_enum_name(_FR, cand.finish_reason)}")
            if len(raw.candidates) > 1:
                fields.append(f"candidates={len(raw.candidates)}")
        if raw.HasField("prompt_feedback") and raw.prompt_feedback.block_reason:
            reason = _enum_name(pb.PromptFeedbackBlockReason, raw.prompt_feedback.block_reason)
            fields.append(f"block_reason={reason}")
        if raw.HasField("usage_metadata"):
            u = raw.usage_metadata
            fields.append(
                f"usage=(prompt={u.prompt_token_count}, candidates={u.candidates_token_count}, "
                f"total={u.total_token_count})"
            )
        return f"{type(self).__name__}({', '.join(fields)})"
