"""When to poll a feed next. Pure policy: no clock of its own, no I/O.

The rules, in order:

* **The user's interval is honoured as given** (a short one only draws a warning), with a little
  jitter (±5%, at most ±30 s) so feeds started together drift apart.
* **Failures back off**: after n consecutive failures the delay is interval · 2^(n-1), ±10% jitter,
  capped at a day (or the interval, if that is longer). A failing feed is never disabled: it keeps
  being tried at the cap, and `tracker feeds` shows why and when.
* **Retry-After** (429/503; seconds or an HTTP-date, parsed by fetch) is a floor: the next poll is
  never earlier, but a server can park a feed for at most a day.
* **Freshness** (Cache-Control max-age, Expires, RSS `<ttl>`) may stretch the interval on success,
  never shorten it, and never beyond 4× the interval or a day, whichever is less: a feed that says
  "fresh for a week" is still checked within 4 intervals.
* **410 Gone** stops polling until the user acts (`tracker feeds reset ID`, or a new URL).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_BACKOFF = 24 * 3600  # consecutive failures never push a poll further than a day away
MAX_RETRY_AFTER = 24 * 3600  # a server's Retry-After is honoured up to a day
FRESHNESS_FACTOR = 4  # max-age / ttl may stretch the interval at most this much ...
MAX_FRESHNESS = 24 * 3600  # ... and never past a day
BACKOFF_JITTER = 0.10  # ± fraction of a backoff delay
INTERVAL_JITTER = 0.05  # ± fraction of the interval ...
MAX_INTERVAL_JITTER = 30.0  # ... but never more than this many seconds
STARTUP_SPREAD = 60.0  # feeds due at start are spread over at most this many seconds
_RNG = random.Random()  # one a process: seeding one from the OS for every poll costs more than drawing


@dataclass(frozen=True, slots=True)
class NextPoll:
    due: datetime | None  # None: do not poll again until the user acts (410 Gone)
    reason: str  # "interval", "retry-after", "max-age", "ttl", "backoff (3 failures)", "gone"
    delay: float = 0.0  # seconds from `now` to `due`


def next_poll(
    now: datetime,
    interval: float,
    *,
    consecutive_failures: int = 0,
    retry_after: float | None = None,
    max_age: float | None = None,
    ttl: float | None = None,
    gone: bool = False,
    rng: random.Random | None = None,
) -> NextPoll:
    """The next poll after one that ended at `now` with `consecutive_failures` failures in a row."""
    if gone:
        return NextPoll(None, "gone")
    rng = rng or _RNG
    interval = float(interval)
    if consecutive_failures > 0:
        delay, reason = _backoff(interval, consecutive_failures, rng)
    else:
        delay, reason = _jittered_interval(interval, rng), "interval"
        freshness = _freshness(interval, max_age, ttl)
        if freshness is not None and freshness[0] > delay:
            delay, reason = freshness
    if retry_after is not None and retry_after > delay:
        cap = max(MAX_RETRY_AFTER, interval)
        delay, reason = (retry_after, "retry-after") if retry_after <= cap else (cap, "retry-after (capped)")
    return NextPoll(now + timedelta(seconds=delay), reason, delay)


def first_due(
    now: datetime,
    interval: float,
    *,
    next_due_at: datetime | None,
    rng: random.Random | None = None,
) -> datetime:
    """When a daemon that is starting should first poll a feed.

    A feed whose stored next poll is still ahead waits for it (a restart does not hammer anyone),
    unless it is further ahead than this policy ever plans (written while the clock was wrong);
    the others are spread over a short window so that a thousand feeds do not start at once.
    """
    if next_due_at is not None and now < next_due_at <= now + timedelta(seconds=longest_wait(interval)):
        return next_due_at
    spread = min(float(interval), STARTUP_SPREAD)
    return now + timedelta(seconds=(rng or _RNG).uniform(0.0, spread))


def longest_wait(interval: float) -> float:
    """The furthest ahead `next_poll` ever plans for a feed with this interval (gone aside)."""
    return max(
        interval + min(interval * INTERVAL_JITTER, MAX_INTERVAL_JITTER),
        interval * FRESHNESS_FACTOR,
        float(MAX_BACKOFF),
        float(MAX_RETRY_AFTER),
        float(MAX_FRESHNESS),
    )


def schedulable(now: datetime, interval: float, *, margin: float = 0.0) -> bool:
    """Whether every time the policy may plan for this interval, `margin` seconds on top, is a valid
    datetime (an interval of millions of days would overflow the calendar later, mid-poll)."""
    try:
        now + timedelta(seconds=longest_wait(interval) + interval + margin)
    except (OverflowError, ValueError):
        return False
    return True


def _backoff(interval: float, failures: int, rng: random.Random) -> tuple[float, str]:
    cap = max(float(MAX_BACKOFF), interval)
    raw = interval * 2.0 ** min(failures - 1, 40)
    delay = min(raw * rng.uniform(1 - BACKOFF_JITTER, 1 + BACKOFF_JITTER), cap)
    delay = max(delay, interval * (1 - BACKOFF_JITTER))
    noun = "failure" if failures == 1 else "failures"
    reason = f"backoff ({failures} {noun})" if raw < cap else f"backoff ({failures} {noun}, capped)"
    return delay, reason


def _jittered_interval(interval: float, rng: random.Random) -> float:
    spread = min(interval * INTERVAL_JITTER, MAX_INTERVAL_JITTER)
    return interval + rng.uniform(-spread, spread)


def _freshness(interval: float, max_age: float | None, ttl: float | None) -> tuple[float, str] | None:
    """How long the server says the feed stays fresh, bounded to [interval, min(4·interval, 1 day)]."""
    hints = [(value, name) for value, name in ((max_age, "max-age"), (ttl, "ttl")) if value is not None]
    if not hints:
        return None
    asked, reason = max(hints)
    ceiling = max(interval, min(FRESHNESS_FACTOR * interval, float(MAX_FRESHNESS)))
    return max(interval, min(asked, ceiling)), reason
