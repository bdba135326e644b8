"""The ranges values from outside (command line, feeds.toml, analysts) must lie in, checked where
they enter so that no later arithmetic can overflow.

- dates and datetimes: 1900-01-01 through 9998-12-31 (UTC); a day's end and a microsecond's
  step either way stay representable;
- durations: at most ten years (`tracker.clock.MAX_DURATION_DAYS`);
- an analyst's count: 0 through MAX_COUNT;
- log positions: 0 through 2^63 − 1, SQLite's largest integer.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from tracker.clock import parse_utc

EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(9998, 12, 31)
MAX_COUNT = 1_000_000
MAX_POSITION = 2**63 - 1


def check_day(day: date) -> date:
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"must be between {EARLIEST_DAY} and {LATEST_DAY} (got {day})")
    return day


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` within range."""
    try:
        day = date.fromisoformat(text.strip()) if text.strip().isascii() else None
    except ValueError:
        day = None
    if day is None or len(text.strip()) != 10:
        raise ValueError(f"expected a date YYYY-MM-DD (got {text[:40]!r})")
    return check_day(day)


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
