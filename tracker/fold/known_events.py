"""The events the fold knows so far while it judges one subject's mentions (identity.py), indexed so
that judging a mention looks only at the events it could report."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date

from tracker.clock import DatePrecision
from tracker.fold.cluster import LATE_REPORT_DAYS, SAME_CHANGE_DAYS
from tracker.fold.fact import Fact

COUNT_TOLERANCE = 0.05  # a retelling's count may differ this much from the event's (39 vs 40)


@dataclass(slots=True)
class KnownEvent:
    """An event known so far: its key, its date, and the fact that founded it."""

    key: object  # the count (tally) or state of the event
    day: date
    precision: DatePrecision
    founder: str  # fact id
    seq: int  # the order it became known in: the latest known is preferred
    surnames: set[str] = field(default_factory=set)  # of the people its news names


class KnownEvents:
    """The events known so far, indexed by day, month, year and key, so that judging a mention
    looks only at the events it could report (those of its day's window, of its month, of its
    year, or of its count) rather than at all of them."""

    def __init__(self) -> None:
        # Day-precision events in order of their day, and their days' ordinals: a day's window is
        # one slice of them, found by bisection.
        self.day_ordinals: list[int] = []
        self.by_day: list[KnownEvent] = []
        self.by_month: dict[tuple[int, int], list[KnownEvent]] = {}  # day- and month-precision events
        self.month_only: dict[tuple[int, int], list[KnownEvent]] = {}  # month-precision events
        self.by_year: dict[int, list[KnownEvent]] = {}  # year-precision events
        self.by_key: dict[object, list[KnownEvent]] = {}

    def add(self, event: KnownEvent) -> None:
        day = event.day
        if event.precision == "year":
            self.by_year.setdefault(day.year, []).append(event)
        else:
            self.by_month.setdefault((day.year, day.month), []).append(event)
            if event.precision == "month":
                self.month_only.setdefault((day.year, day.month), []).append(event)
            else:
                ordinal = day.toordinal()
                at = bisect_right(self.day_ordinals, ordinal)
                self.day_ordinals.insert(at, ordinal)
                self.by_day.insert(at, event)
        self.by_key.setdefault(event.key, []).append(event)

    def near(self, fact: Fact) -> list[KnownEvent]:
        """Events whose period the fact may share, or that it may report late: at day precision
        those dated from a late report's reach before its day to the day after it, with the events
        of its month known only to their month; at month precision those of its month; at year
        precision those of its year; and at every precision the events of its year known only to
        their year."""
        day = fact.event_date
        if fact.date_precision == "day":
            ordinal, ordinals = day.toordinal(), self.day_ordinals
            first = bisect_left(ordinals, ordinal - LATE_REPORT_DAYS)
            found = self.by_day[first : bisect_right(ordinals, ordinal + SAME_CHANGE_DAYS, first)]
            found += self.month_only.get((day.year, day.month), ())
        elif fact.date_precision == "month":
            found = list(self.by_month.get((day.year, day.month), ()))
        else:
            found = [e for m in range(1, 13) for e in self.by_month.get((day.year, m), ())]
        return found + self.by_year.get(day.year, [])

    def with_key(self, key: object) -> list[KnownEvent]:
        if isinstance(key, int):
            tolerance = max(1, round(COUNT_TOLERANCE * key)) + 1
            return [e for k in range(key - tolerance, key + tolerance + 1) for e in self.by_key.get(k, ())]
        return list(self.by_key.get(key, ()))
