"""Seeds and a tiny deterministic generator for the emulator's replies.

Everything the emulator invents (words, JSON values, vectors) is derived from SHA-256 digests of
request bytes, never from Python's randomised `hash()`, so a reply is identical across processes,
machines and Python versions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_MASK64 = (1 << 64) - 1

# The vocabulary for invented text. Sixty-four plain, distinct, lower-case words; kept stable
# because documented replies (and users' snapshot tests) depend on it.
WORDS: tuple[str, ...] = (
    "amber", "anchor", "aurora", "autumn", "basalt", "beacon", "breeze", "canyon",
    "cedar", "cinder", "cobalt", "comet", "coral", "crystal", "delta", "drift",
    "ember", "falcon", "fern", "fjord", "garnet", "glacier", "grove", "harbor",
    "hazel", "horizon", "indigo", "island", "jasper", "juniper", "kestrel", "lagoon",
    "lantern", "lichen", "lumen", "maple", "marble", "meadow", "meteor", "nebula",
    "nimbus", "oasis", "opal", "orbit", "pebble", "prairie", "quartz", "quill",
    "raven", "reef", "ripple", "saffron", "sierra", "spruce", "summit", "thistle",
    "timber", "tundra", "umber", "valley", "velvet", "willow", "yarrow", "zephyr",
)  # fmt: skip


def digest(*pieces: bytes) -> bytes:
    """SHA-256 over length-prefixed pieces (so b"ab"+b"c" and b"a"+b"bc" differ)."""
    h = hashlib.sha256()
    for piece in pieces:
        h.update(len(piece).to_bytes(8, "big"))
        h.update(piece)
    return h.digest()


class Rng:
    """SplitMix64 seeded from a digest: fast, tiny, and identical everywhere."""

    __slots__ = ("_state",)

    def __init__(self, seed: bytes) -> None:
        self._state = int.from_bytes(seed[:8], "big")

    def next(self) -> int:
        """Return the next 64-bit value."""
        self._state = (self._state + 0x9E3779B97F4A7C15) & _MASK64
        z = self._state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK64
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        """Return a value in range(n); n must be positive."""
        return self.next() % n

    def choice(self, items: Sequence[T]) -> T:
        """Pick one element of a non-empty sequence."""
        return items[self.next() % len(items)]

    def words(self, count: int) -> list[str]:
        """`count` words drawn from WORDS."""
        words = WORDS
        return [words[self.next() & 63] for _ in range(count)]
