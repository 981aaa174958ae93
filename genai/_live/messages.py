"""Views over what a live session receives: ``LiveServerMessage`` (one message) and ``LiveTurn`` (a turn).

    >>> raw = pb.BidiGenerateContentServerMessage()
    >>> raw.server_content.model_turn.parts.add(text="Hel")
    text: "Hel"
    >>> turn = LiveTurn()
    >>> turn.add(LiveServerMessage(raw)); turn.add(LiveServerMessage(raw))
    >>> turn.text
    'HelHel'

A message of a kind this version does not know (no field of the ``message_type`` oneof set, the
unknown fields kept in ``raw``) is delivered as it is, with ``kind`` None; so is a message carrying
only ``usage_metadata``. Nothing here raises on what a server sends. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any

from genai._wire import messages as pb

__all__ = ["LiveServerMessage", "LiveTurn", "add_usage", "cut_short"]


class LiveServerMessage:
    """One server message of a live session; ``raw`` is the message, the properties read it.

    >>> LiveServerMessage(pb.BidiGenerateContentServerMessage(setup_complete={})).kind
    'setup_complete'
    """

    __slots__ = ("_content", "_usage", "kind", "raw", "reconnect", "turn_complete", "unknown_json")

    kind: str | None
    """The set field of the ``message_type`` oneof (``"server_content"``, ``"tool_call"`` ...) or None."""
    turn_complete: bool
    """Whether this message ends the model's turn."""
    unknown_json: dict[str, Any] | None
    """Over WebSocket, a message of a kind this version does not know: its top-level JSON fields that
    this version does not know, as sent (None otherwise; over gRPC they are kept in ``raw``)."""
    reconnect: Any
    """Set (a ``ReconnectEvent``) on the message a receiver is given when a reconnection cut the turn
    in flight short: made by the session, not sent by the server, it says ``interrupted`` (a player
    drops what it buffered: the re-sent turn's reply comes whole). None on every other message."""
    _content: pb.BidiGenerateContentServerContent | None
    _usage: pb.UsageMetadata | None

    def __init__(self, raw: pb.BidiGenerateContentServerMessage) -> None:
        self.raw = raw
        # Read once: every receiver and the session's bookkeeping look at them (an audio chunk
        # is one such message; each field read of a protobuf message costs a lookup).
        kind = self.kind = raw.WhichOneof("message_type")
        if kind == "server_content":
            content = self._content = raw.server_content
            self.turn_complete = content.turn_complete
        else:
            self._content = None
            self.turn_complete = False
        self._usage = raw.usage_metadata if raw.HasField("usage_metadata") else None
        self.unknown_json = None
        self.reconnect = None

    @property
    def server_content(self) -> pb.BidiGenerateContentServerContent | None:
        return self._content

    @property
    def tool_call(self) -> pb.BidiGenerateContentToolCall | None:
        return self.raw.tool_call if self.raw.HasField("tool_call") else None

    @property
    def tool_call_cancellation(self) -> pb.BidiGenerateContentToolCallCancellation | None:
        return self.raw.tool_call_cancellation if self.raw.HasField("tool_call_cancellation") else None

    @property
    def go_away(self) -> pb.GoAway | None:
        return self.raw.go_away if self.raw.HasField("go_away") else None

    @property
    def session_resumption_update(self) -> pb.SessionResumptionUpdate | None:
        return self.raw.session_resumption_update if self.raw.HasField("session_resumption_update") else None

    @property
    def usage_metadata(self) -> pb.UsageMetadata | None:
        return self._usage

    @property
    def text(self) -> str | None:
        """The text of this message's model turn (thoughts left out), or None when it has none."""
        content = self._content
        if content is None:
            return None
        texts = [p.text for p in content.model_turn.parts if p.HasField("text") and not p.thought]
        return "".join(texts) if texts else None

    @property
    def data(self) -> bytes | None:
        """The inline data (audio) of this message's model turn, joined, or None when it has none."""
        content = self._content
        if content is None:
            return None
        parts = content.model_turn.parts
        if len(parts) == 1:  # the common case: one chunk of audio
            part = parts[0]
            return part.inline_data.data if part.HasField("inline_data") else None
        blobs = [p.inline_data.data for p in parts if p.HasField("inline_data")]
        return b"".join(blobs) if blobs else None

    @property
    def interrupted(self) -> bool:
        """Whether client input cut the model's reply short (a player should drop what it buffered)."""
        content = self._content
        return content is not None and content.interrupted

    def __repr__(self) -> str:
        kind = self.kind or ("usage_metadata" if self.raw.HasField("usage_metadata") else "unknown")
        return f"LiveServerMessage({kind}, {self.raw.ByteSize()} bytes)"


def cut_short(event: Any) -> LiveServerMessage:
    """The ``interrupted`` message a receiver is given for a turn that a reconnection cut short.

    >>> message = cut_short("the event")
    >>> message.interrupted, message.turn_complete, message.reconnect
    (True, False, 'the event')
    """
    raw = pb.BidiGenerateContentServerMessage()
    raw.server_content.interrupted = True
    message = LiveServerMessage(raw)
    message.reconnect = event
    return message


class LiveTurn:
    """What one model turn said, accumulated from its messages (``add``); pieces are joined when read.

    ``text``, ``audio`` (bytes) with ``audio_mime_type``, ``input_transcription`` and
    ``output_transcription``, ``tool_calls``, ``grounding`` (GroundingMetadata of each message that
    had some), ``usage`` (every message's usage summed), ``interrupted``, ``complete``
    (turn_complete seen), ``reconnected`` (the connection was replaced before the turn completed:
    the session sent the turn again) and ``messages`` (how many were added).
    """

    def __init__(self) -> None:
        # The turn's server contents, kept as they came: text, audio and transcriptions are read
        # out of them when asked for, so that adding a message (every audio chunk) stays cheap.
        self._contents: list[pb.BidiGenerateContentServerContent] = []
        self.tool_calls: list[pb.FunctionCall] = []
        self.usage = pb.UsageMetadata()
        self.complete = False
        self.reconnected = False  # cut short by a reconnection (the turn was sent again)
        self.messages = 0

    def add(self, message: LiveServerMessage) -> None:
        """Take one message of the turn into account."""
        self.messages += 1
        content = message._content
        if content is not None:
            self._contents.append(content)
            if message.turn_complete:
                self.complete = True
        elif message.kind == "tool_call":
            self.tool_calls.extend(message.raw.tool_call.function_calls)
        usage = message._usage
        if usage is not None:
            add_usage(self.usage, usage)

    @property
    def interrupted(self) -> bool:
        """Whether client input cut the turn short (a player should drop what it buffered)."""
        return any(content.interrupted for content in self._contents)

    @property
    def grounding(self) -> list[pb.GroundingMetadata]:
        """The grounding metadata of each of the turn's messages that had some."""
        return [
            content.grounding_metadata for content in self._contents if content.HasField("grounding_metadata")
        ]

    @property
    def text(self) -> str:
        return "".join(
            part.text
            for content in self._contents
            for part in content.model_turn.parts
            if part.HasField("text") and not part.thought
        )

    @property
    def audio(self) -> bytes:
        return b"".join(
            part.inline_data.data
            for content in self._contents
            for part in content.model_turn.parts
            if part.HasField("inline_data")
        )

    @property
    def audio_mime_type(self) -> str | None:
        """The mime type of the turn's first inline data (None when it has none)."""
        for content in self._contents:
            for part in content.model_turn.parts:
                if part.HasField("inline_data"):
                    mime_type: str = part.inline_data.mime_type
                    return mime_type
        return None

    @property
    def input_transcription(self) -> str:
        return "".join(
            content.input_transcription.text
            for content in self._contents
            if content.HasField("input_transcription")
        )

    @property
    def output_transcription(self) -> str:
        return "".join(
            content.output_transcription.text
            for content in self._contents
            if content.HasField("output_transcription")
        )

    def __repr__(self) -> str:
        return (
            f"LiveTurn(messages={self.messages}, text={len(self.text)} chars, audio={len(self.audio)} bytes, "
            f"tool_calls={len(self.tool_calls)}, interrupted={self.interrupted}, complete={self.complete})"
        )


_COUNTS = [f.name for f in pb.UsageMetadata.DESCRIPTOR.fields if not f.is_repeated]
_DETAILS = [f.name for f in pb.UsageMetadata.DESCRIPTOR.fields if f.is_repeated]


def add_usage(total: pb.UsageMetadata, more: Any) -> None:
    """Add ``more``'s token counts to ``total`` (the per-modality details summed by modality).

    >>> total = pb.UsageMetadata(total_token_count=3)
    >>> add_usage(total, pb.UsageMetadata(total_token_count=4)); total.total_token_count
    7
    """
    for name in _COUNTS:
        value = getattr(more, name)
        if value:
            setattr(total, name, getattr(total, name) + value)
    for name in _DETAILS:
        extra = getattr(more, name)
        if not extra:
            continue
        mine = getattr(total, name)
        for item in extra:
            for existing in mine:
                if existing.modality == item.modality:
                    existing.token_count += item.token_count
                    break
            else:
                mine.add().CopyFrom(item)
