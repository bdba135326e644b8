"""When to poll a feed next. Pure policy: no clock of its own, no I/O.

The user's interval is honoured as given. A server may ask for more time (Retry-After, or
Cache-Control max-age / ttl); that is honoured within bounds, so a server can neither make us
hammer it nor park a feed for a month. Consecutive failures back off exponentially from the
interval, with jitter, capped at a day; a feed is never disabled silently. 410 Gone stops
polling until the user acts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = 24 * 3600  # consecutive failures never push a poll further than a day away
MAX_SERVER_DELAY = 2 * 24 * 3600  # Retry-After / max-age beyond this is clamped
MIN_SERVER_DELAY = 60  # a server's own delay never asks for polling faster than this


@dataclass(frozen=True, slots=True)
class NextPoll:
    due: datetime | None  # None: do not poll again until the user acts (410 Gone)
    reason: str  # "interval", "retry-after", "max-age", "backoff (3 failures)", "gone"


def next_poll(
    now: datetime,
    interval: float,
    *,
    consecutive_failures: int = 0,
    retry_after: float | None = None,
    max_age: float | None = None,
    gone: bool = False,
    rng: random.Random | None = None,
) -> NextPoll:
    if gone:
        return NextPoll(None, "gone")
    delay, reason = float(interval), "interval"
    if consecutive_failures > 0:
        # interval · 2^(n-1), ±10% jitter so many failing feeds do not retry in lockstep.
        backoff = min(interval * 2 ** min(consecutive_failures - 1, 30), MAX_BACKOFF)
        jitter = (rng or random).uniform(0.9, 1.1)
        if backoff > delay:
            delay, reason = min(backoff * jitter, MAX_BACKOFF), f"backoff ({consecutive_failures} failures)"
    for asked, name in ((retry_after, "retry-after"), (max_age if consecutive_failures == 0 else None, "max-age")):
        if asked is not None and asked > delay:
            bounded = min(max(asked, MIN_SERVER_DELAY), MAX_SERVER_DELAY)
            if bounded > delay:
                delay, reason = bounded, name
    return NextPoll(now + timedelta(seconds=delay), reason)
