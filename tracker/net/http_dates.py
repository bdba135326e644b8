"""HTTP date and delay headers (Retry-After, Expires, Date) as Python values. Pure."""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, datetime

DELTA_SECONDS = re.compile(r"[0-9]{1,10}")


def retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP-date (a past date is 0); anything else None."""
    if value is None:
        return None
    value = value.strip()
    if DELTA_SECONDS.fullmatch(value):
        return float(value)
    when = http_date(value)
    if when is None:
        return None
    return max(0.0, (when - now).total_seconds())


def http_date(value: str) -> datetime | None:
    if not value or value.lstrip().startswith("-"):
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC with no claim about the origin's zone
        when = when.replace(tzinfo=UTC)
    return when
