"""Dates and their periods, and the date the reports of one change settle on."""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable
from datetime import date

from tracker.clock import DatePrecision as Precision
from tracker.fold.fact import Fact

SAME_CHANGE_DAYS = 1  # day-precision reports this close describe one change
LATE_REPORT_DAYS = 7  # a report dated by its article, of the same count or state: how late it may come


# --- dates --------------------------------------------------------------------------------------


def period_end(day: date, precision: Precision) -> date:
    """Last day of the period a date stands for."""
    if precision == "year":
        return date(day.year, 12, 31)
    if precision == "month":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def happened_by(fact: Fact, as_of: date | None) -> bool:
    """A month-precision event is before D only if its whole month is."""
    return as_of is None or period_end(fact.event_date, fact.date_precision) <= as_of


def same_period(a: date, a_precision: Precision, b: date, b_precision: Precision) -> bool:
    coarse = "year" if "year" in (a_precision, b_precision) else "month"
    if a_precision == b_precision == "day":
        return abs((a - b).days) <= SAME_CHANGE_DAYS
    if coarse == "year":
        return a.year == b.year
    return (a.year, a.month) == (b.year, b.month)


# --- reports of one change ------------------------------------------------------------------------


_Day = date  # the `date` property below shadows the type inside the class


class Cluster:
    """The reports of one change (grouped by identity.py), and the date they settle on."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.facts: list[Fact] = list(facts)
        self._settled: tuple[_Day, Precision] | None = None

    @property
    def analyst(self) -> bool:
        return any(f.analyst for f in self.facts)

    @property
    def precision(self) -> Precision:
        return self._settle()[1]

    @property
    def date(self) -> date:
        return self._settle()[0]

    def _settle(self) -> tuple[_Day, Precision]:
        """The analyst's date, else the most reported sentence date, else the earliest date."""
        if self._settled is None:
            order: dict[str, int] = {"day": 0, "month": 1, "year": 2}
            precision = min((f.date_precision for f in self.facts), key=lambda p: order[p])
            pool = (
                [f for f in self.facts if f.analyst]
                or [f for f in self.facts if f.date_precision == precision and f.date_basis == "sentence"]
                or [f for f in self.facts if f.date_precision == precision]
            )
            counts = Counter(f.event_date for f in pool)
            best = max(counts.values())
            self._settled = (min(d for d, n in counts.items() if n == best), precision)
        return self._settled
