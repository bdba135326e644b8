"""The scorer both evaluations share: counts of hits, false positives and misses, and when a
predicted event's date matches the expected one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.clock import DatePrecision

# A day-precision date matches an expected date this many days away (as the timeline merges outlets).
DAY_TOLERANCE = 1


@dataclass(slots=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """1.0 when nothing was predicted: no prediction was wrong."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


def date_matches(predicted: date, precision: DatePrecision, expected: date) -> bool:
    """A predicted date at `precision` against an expected day: within `DAY_TOLERANCE` days, or in
    the same month or year at a coarser precision."""
    if precision == "day":
        return abs((predicted - expected).days) <= DAY_TOLERANCE
    if precision == "month":
        return (predicted.year, predicted.month) == (expected.year, expected.month)
    return predicted.year == expected.year
