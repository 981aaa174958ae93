"""Audio for live sessions (pure): what the emulator hears in 16 kHz PCM and what it says in 24 kHz.

Input is 16-bit little-endian mono PCM at 16 kHz (`audio/pcm;rate=16000`, or `audio/pcm`):

* a stretch of audio is *speech* when some sample reaches SPEECH_LEVEL in absolute value, else
  silence;
* the transcript has one word per WORD_BYTES (250 ms) window of a user turn's audio that holds
  speech (a shorter last window counts too); the word is picked by SHA-256 of the window's bytes,
  so the same audio always gives the same words and different audio, usually, other words.

Output is 16-bit little-endian mono PCM at 24 kHz (`audio/pcm;rate=24000`): each word of the reply
becomes OUTPUT_WORD_SECONDS of a sine tone whose pitch is chosen by the word, so the same reply
always gives the same bytes.
"""

from __future__ import annotations

import array
import functools
import math
import sys

from genai_protos import content_pb2

from ._random import WORDS, digest

INPUT_RATE = 16_000
OUTPUT_RATE = 24_000
INPUT_MIME = "audio/pcm;rate=16000"
OUTPUT_MIME = "audio/pcm;rate=24000"
BYTES_PER_SECOND_IN = INPUT_RATE * 2
WORD_BYTES = BYTES_PER_SECOND_IN // 4  # 250 ms of input audio per transcribed word
SPEECH_LEVEL = 1000  # |sample| at or above this is speech (about -30 dBFS)
OUTPUT_WORD_SECONDS = 0.1
_OUTPUT_WORD_SAMPLES = int(OUTPUT_RATE * OUTPUT_WORD_SECONDS)
_AMPLITUDE = 8000
_TONES = 64


def parse_mime(mime_type: str) -> tuple[str, dict[str, str]]:
    """`("audio/pcm", {"rate": "16000"})` for `"audio/pcm;rate=16000"` (lowercased, spaces ignored)."""
    head, *params = [piece.strip() for piece in mime_type.lower().split(";")]
    values: dict[str, str] = {}
    for param in params:
        key, _, value = param.partition("=")
        values[key.strip()] = value.strip()
    return head, values


def accepts_input(mime_type: str) -> bool:
    """Whether realtime audio of this MIME type is taken: 16 kHz PCM (`audio/pcm` means 16 kHz)."""
    head, params = parse_mime(mime_type)
    return head == "audio/pcm" and params.get("rate", "16000") == "16000" and set(params) <= {"rate"}


def _samples(data: bytes) -> array.array[int]:
    samples = array.array("h")
    samples.frombytes(data[: len(data) - len(data) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    return samples


def has_speech(data: bytes) -> bool:
    """Whether some 16-bit sample of `data` reaches SPEECH_LEVEL."""
    samples = _samples(data)
    if not samples:
        return False
    return max(max(samples), -min(samples)) >= SPEECH_LEVEL


def input_seconds(byte_count: int) -> float:
    """How long `byte_count` bytes of 16 kHz 16-bit audio last."""
    return byte_count / BYTES_PER_SECOND_IN


def heard_word(window: bytes) -> str:
    """The word a window of speech is transcribed as."""
    return WORDS[digest(b"heard", window)[0] % len(WORDS)]


@functools.lru_cache(maxsize=_TONES)
def _tone(index: int) -> bytes:
    frequency = 220.0 + 20.0 * index
    step = 2 * math.pi * frequency / OUTPUT_RATE
    samples = array.array("h", (int(_AMPLITUDE * math.sin(step * i)) for i in range(_OUTPUT_WORD_SAMPLES)))
    if sys.byteorder == "big":
        samples.byteswap()
    return samples.tobytes()


def spoken(words: list[str]) -> bytes:
    """The 24 kHz PCM the emulator "speaks" for `words`: one tone per word, chosen by the word."""
    return b"".join(_tone(digest(b"tone", word.encode())[0] % _TONES) for word in words)


def output_seconds(byte_count: int) -> float:
    """How long `byte_count` bytes of 24 kHz 16-bit audio last."""
    return byte_count / (OUTPUT_RATE * 2)


class RealtimeTurn:
    """The user turn being built from realtime input."""

    def __init__(self) -> None:
        self.active = False  # inside an activity (detected speech, or between the client's markers)
        self.audio = 0  # bytes of audio in the turn
        self.silence = 0  # bytes of trailing silence (automatic detection)
        self.window = bytearray()
        self.words: list[str] = []
        self.texts: list[str] = []
        self.frames: list[str] = []

    def hear(self, data: bytes) -> list[str]:
        """Add audio to the turn; the words of the 250 ms windows it completes."""
        self.audio += len(data)
        self.window += data
        heard = []
        while len(self.window) >= WORD_BYTES:
            window = bytes(self.window[:WORD_BYTES])
            del self.window[:WORD_BYTES]
            if has_speech(window):
                heard.append(heard_word(window))
        self.words += heard
        return heard

    def finish(self) -> list[str]:
        """The word of a last, shorter window holding speech."""
        window, self.window = bytes(self.window), bytearray()
        if window and has_speech(window):
            self.words.append(heard_word(window))
            return [self.words[-1]]
        return []

    @property
    def empty(self) -> bool:
        return not (self.audio or self.texts or self.frames)

    def content(self) -> content_pb2.Content:
        """The turn as a user content: an audio part (without its bytes), the transcript and texts
        as text, a part per video frame (without its bytes)."""
        content = content_pb2.Content(role="user")
        if self.audio:
            content.parts.add().inline_data.mime_type = "audio/pcm;rate=16000"
        text = " ".join([*self.words, *self.texts])
        if text:
            content.parts.add(text=text)
        for mime in self.frames:
            content.parts.add().inline_data.mime_type = mime
        return content
