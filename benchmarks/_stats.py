"""Repeats and their summary: median, min, max and spread."""

from __future__ import annotations

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """The per-repeat values of one measurement (already divided down to one call or one reply)."""

    values: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    @property
    def spread(self) -> float:
        """(max - min) / median, as a fraction; 0 for a single value."""
        median = self.median
        return (self.high - self.low) / median if median else 0.0


def ratio(ours: Sample, baseline: Sample) -> float:
    return ours.median / baseline.median if baseline.median else float("inf")
