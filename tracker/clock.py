"""Time in one place: an injectable clock and the one UTC text format the store uses.

Every timestamp column holds fixed-width ISO-8601 UTC text, so that string comparison in SQL
(`recorded_at <= '2025-09-12T00:00:00.000000Z'`) is time comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Literal

Clock = Callable[[], datetime]

# How precise an event date is. A coarser date is stored as the first day of its month or year.
DatePrecision = Literal["day", "month", "year"]


def system_clock() -> datetime:
    return datetime.now(UTC)


def format_utc(moment: datetime) -> str:
    """`2025-09-11T10:00:00.000000Z`. Naive datetimes are refused: they have no place in the store."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    m = moment.astimezone(UTC)
    day = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
    return f"{day}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond:06d}Z"


def parse_utc(text: str) -> datetime:
    """Inverse of format_utc; also accepts any ISO-8601 text with an offset (naive means UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The first instant after `day` ends, in UTC: "by the end of D" means `< end_of_day(D)`."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


_DURATION = re.compile(r"^\s*([0-9]{1,12})\s*(s|m|h|d)\s*$", re.ASCII)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The longest duration accepted anywhere (intervals, timeouts, ages): ten years, far inside what
# every later sum with a date can take.
MAX_DURATION_DAYS = 3650


def parse_duration(text: str) -> int:
    """`"90s"`, `"15m"`, `"2h"`, `"30d"` → seconds, at most MAX_DURATION_DAYS. Raises ValueError
    with a readable reason."""
    match = _DURATION.match(text)
    if not match:
        raise ValueError(f'must be a duration like "90s", "15m", "2h" or "1d" (got {text[:40]!r})')
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f"must be a positive duration (got {text!r})")
    if seconds > MAX_DURATION_DAYS * 86400:
        raise ValueError(f"must be at most {MAX_DURATION_DAYS}d (got {text!r})")
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: 45s, 15m, 2h, 3d, 1h30m."""
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    return "".join(parts[:2])
