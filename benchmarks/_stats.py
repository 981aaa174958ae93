"""Repeats and their summary: median, min, max and spread; paired ratios between two sides."""

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


@dataclass(frozen=True)
class Ratio:
    """ours / baseline: the median of the per-repeat ratios, and their min and max."""

    median: float
    low: float
    high: float


def ratio(ours: Sample, baseline: Sample) -> Ratio:
    """Per-repeat ratios when both were measured in the same repeats (back to back), else of medians.

    Repeat i of each side ran in the same stretch of time, so a slow stretch on a shared machine
    hits both: the median of the paired ratios is steadier than the ratio of the two medians.
    """
    if len(ours.values) == len(baseline.values) and all(ours.values + baseline.values):
        pairs = [a / b for a, b in zip(ours.values, baseline.values, strict=True)]
        return Ratio(statistics.median(pairs), min(pairs), max(pairs))
    value = ours.median / baseline.median if baseline.median else float("inf")
    return Ratio(value, value, value)
