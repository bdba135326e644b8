"""The ranges values from outside (command line, feeds.toml, analysts) must lie in, checked where
they enter so that no later arithmetic can overflow.

- dates and datetimes: 1900-01-01 through 9998-12-31 (UTC); a day's end and a microsecond's
  step either way stay representable;
- durations: at most ten years (`tracker.clock.MAX_DURATION_DAYS`);
- an analyst's count: 0 through MAX_COUNT;
- log positions: 0 through 2^63 − 1, SQLite's largest integer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from tracker.clock import DatePrecision, parse_utc

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
MAX_COUNT = 1_000_000
MAX_POSITION = 2**63 - 1


def check_day(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY} and {LATEST_DAY} (got {day})")
    return day


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar day, month or year, as a user writes it: "2025-09-11", "2025-09", "2025"."""

    first: date
    last: date
    precision: DatePrecision


_PERIOD = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?", re.ASCII)


def parse_period(text: str) -> Period:
    """The one date grammar of the command line: YYYY-MM-DD, YYYY-MM or YYYY, within range."""
    match = _PERIOD.fullmatch(text.strip())
    reason = f"expected a date as YYYY-MM-DD, YYYY-MM or YYYY (got {text[:40]!r})"
    if not match:
        raise ValueError(reason)
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    try:
        if day is not None and month is not None:
            period = Period(date(year, month, day), date(year, month, day), "day")
        elif month is not None:
            following = date(year + month // 12, month % 12 + 1, 1)
            period = Period(date(year, month, 1), following - timedelta(days=1), "month")
        else:
            period = Period(date(year, 1, 1), date(year, 12, 31), "year")
    except ValueError:
        raise ValueError(reason) from None
    check_day(period.first)
    check_day(period.last)
    return period


def parse_moment(text: str) -> datetime:
    """An ISO-8601 date or datetime (naive means UTC), within range, as aware UTC."""
    candidate = text.strip()
    # Checked before conversion to UTC: 0001-01-01T00:00:00+01:00 has no UTC representation.
    try:
        raw = datetime.fromisoformat(candidate.replace("Z", "+00:00")) if candidate.isascii() else None
    except ValueError:
        raw = None
    if raw is None:
        raise ValueError(f"expected an ISO date or datetime (got {text[:40]!r})")
    check_day(raw.date())
    moment = parse_utc(candidate)
    check_day(moment.date())
    return moment.astimezone(UTC)


def parse_count(text: str) -> int:
    """A count written in ASCII digits, 0 through MAX_COUNT."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"expected a count in digits (got {text[:40]!r})")
    if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        raise ValueError(f"must be at most {MAX_COUNT:,} (got {text[:40]!r})")
    return int(digits)
