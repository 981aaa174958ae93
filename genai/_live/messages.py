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

__all__ = ["LiveServerMessage", "LiveTurn", "add_usage"]


class LiveServerMessage:
    """One server message of a live session; ``raw`` is the message, the properties read it.

    >>> LiveServerMessage(pb.BidiGenerateContentServerMessage(setup_complete={})).kind
    'setup_complete'
    """

    __slots__ = ("raw",)

    def __init__(self, raw: pb.BidiGenerateContentServerMessage) -> None:
        self.raw = raw

    @property
    def kind(self) -> str | None:
        """The set field of the ``message_type`` oneof (``"server_content"``, ``"tool_call"`` ...) or None."""
        kind: str | None = self.raw.WhichOneof("message_type")
        return kind

    @property
    def server_content(self) -> pb.BidiGenerateContentServerContent | None:
        return self.raw.server_content if self.raw.HasField("server_content") else None

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
        return self.raw.usage_metadata if self.raw.HasField("usage_metadata") else None

    @property
    def text(self) -> str | None:
        """The text of this message's model turn (thoughts left out), or None when it has none."""
        if not self.raw.HasField("server_content"):
            return None
        texts = [
            p.text for p in self.raw.server_content.model_turn.parts if p.HasField("text") and not p.thought
        ]
        return "".join(texts) if texts else None

    @property
    def data(self) -> bytes | None:
        """The inline data (audio) of this message's model turn, joined, or None when it has none."""
        if not self.raw.HasField("server_content"):
            return None
        blobs = [
            p.inline_data.data for p in self.raw.server_content.model_turn.parts if p.HasField("inline_data")
        ]
        return b"".join(blobs) if blobs else None

    @property
    def turn_complete(self) -> bool:
        """Whether this message ends the model's turn."""
        return self.raw.HasField("server_content") and self.raw.server_content.turn_complete

    @property
    def interrupted(self) -> bool:
        """Whether client input cut the model's reply short (a player should drop what it buffered)."""
        return self.raw.HasField("server_content") and self.raw.server_content.interrupted

    def __repr__(self) -> str:
        kind = self.kind or ("usage_metadata" if self.raw.HasField("usage_metadata") else "unknown")
        return f"LiveServerMessage({kind}, {self.raw.ByteSize()} bytes)"


class LiveTurn:
    """What one model turn said, accumulated from its messages (``add``); pieces are joined when read.

    ``text``, ``audio`` (bytes) with ``audio_mime_type``, ``input_transcription`` and
    ``output_transcription``, ``tool_calls``, ``grounding`` (GroundingMetadata of each message that
    had some), ``usage`` (every message's usage summed), ``interrupted``, ``complete``
    (turn_complete seen), ``reconnected`` (the connection was replaced before the turn completed:
    the session sent the turn again) and ``messages`` (how many were added).
    """

    def __init__(self) -> None:
        self._text: list[str] = []
        self._audio: list[bytes] = []
        self._input: list[str] = []
        self._output: list[str] = []
        self.audio_mime_type: str | None = None
        self.tool_calls: list[pb.FunctionCall] = []
        self.grounding: list[pb.GroundingMetadata] = []
        self.usage = pb.UsageMetadata()
        self.interrupted = False
        self.complete = False
        self.reconnected = False  # cut short by a reconnection (the turn was sent again)
        self.messages = 0

    def add(self, message: LiveServerMessage) -> None:
        """Take one message of the turn into account."""
        self.messages += 1
        raw = message.raw
        if raw.HasField("usage_metadata"):
            add_usage(self.usage, raw.usage_metadata)
        if raw.HasField("tool_call"):
            self.tool_calls.extend(raw.tool_call.function_calls)
        if not raw.HasField("server_content"):
            return
        content = raw.server_content
        for part in content.model_turn.parts:
            if part.HasField("text") and not part.thought:
                self._text.append(part.text)
            elif part.HasField("inline_data"):
                self._audio.append(part.inline_data.data)
                self.audio_mime_type = self.audio_mime_type or part.inline_data.mime_type
        if content.HasField("input_transcription"):
            self._input.append(content.input_transcription.text)
        if content.HasField("output_transcription"):
            self._output.append(content.output_transcription.text)
        if content.HasField("grounding_metadata"):
            self.grounding.append(content.grounding_metadata)
        self.interrupted = self.interrupted or content.interrupted
        self.complete = self.complete or content.turn_complete

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def audio(self) -> bytes:
        return b"".join(self._audio)

    @property
    def input_transcription(self) -> str:
        return "".join(self._input)

    @property
    def output_transcription(self) -> str:
        return "".join(self._output)

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
