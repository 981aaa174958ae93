"""Deterministic, L2-normalised embedding vectors derived from the text alone.

The vector for a text is read from SHAKE-256 of the text: 4 bytes per component, read as a signed
32-bit integer, scaled, then normalised. SHAKE output is a prefix-stable stream, so asking for
`output_dimensionality=k` gives exactly the first k components of the full vector, re-normalised.
"""

from __future__ import annotations

import hashlib
import math
import struct

from genai_protos import content_pb2

_DOMAIN = b"genai-emulator/embedding\x00"


def embedding_text(content: content_pb2.Content) -> str:
    """The text that is embedded: the content's text parts joined by newlines."""
    return "\n".join(part.text for part in content.parts if part.WhichOneof("data") == "text")


def embed(text: str, dimension: int) -> list[float]:
    """A unit-length vector of `dimension` components for `text`."""
    raw = hashlib.shake_256(_DOMAIN + text.encode("utf-8")).digest(4 * dimension)
    values = struct.unpack(f"<{dimension}i", raw)
    norm = math.sqrt(math.fsum(v * v for v in values)) or 1.0
    return [v / norm for v in values]
