"""Noticing when the wall clock jumps, and keeping poll times honest across the jump.

APScheduler fires jobs by wall-clock time: after a backward step it would wait for the clock to
catch up (an hour's step, an hour of silence), after a forward step everything looks overdue. The
daemon therefore remembers each feed's next poll on the monotonic clock too (`DueTimes`), and a
watchdog (`ClockWatch`) compares how far the two clocks moved since its last look; after a jump,
every job is put back at "now + what was left", on the new wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

JUMP_THRESHOLD = 10.0  # seconds of disagreement between the clocks that count as a jump


class ClockWatch:
    """Compares wall-clock and monotonic progress between calls to `check()`."""

    def __init__(
        self,
        threshold: float = JUMP_THRESHOLD,
        *,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self._wall = wall
        self._monotonic = monotonic
        self._last_wall = wall()
        self._last_monotonic = monotonic()

    def check(self) -> float | None:
        """Seconds the wall clock jumped since the last check (negative: backwards), or None."""
        wall, mono = self._wall(), self._monotonic()
        jump = (wall - self._last_wall) - (mono - self._last_monotonic)
        self._last_wall, self._last_monotonic = wall, mono
        return jump if abs(jump) > self.threshold else None


class DueTimes:
    """Each feed's next poll as a monotonic deadline, convertible to wall time at any moment."""

    def __init__(
        self,
        *,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._monotonic = monotonic
        self._due: dict[str, float] = {}

    def set(self, feed_id: str, due: datetime) -> None:
        self._due[feed_id] = self._monotonic() + (due - self._now()).total_seconds()

    def discard(self, feed_id: str) -> None:
        self._due.pop(feed_id, None)

    def remaining(self, feed_id: str) -> float | None:
        """Seconds until the feed's next poll (negative if overdue), or None if none is planned."""
        due = self._due.get(feed_id)
        return None if due is None else due - self._monotonic()

    def snapshot(self) -> dict[str, float]:
        return dict(self._due)

    def restore(self, snapshot: dict[str, float]) -> None:
        self._due = dict(snapshot)

    def wall_times(self) -> Iterator[tuple[str, datetime]]:
        """Every planned poll on the current wall clock: now + what is left of its wait."""
        now, mono = self._now(), self._monotonic()
        for feed_id, due in list(self._due.items()):
            yield feed_id, now + timedelta(seconds=max(0.0, due - mono))
