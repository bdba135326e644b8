"""A clock for tests: it only moves when told to, so a test can ask about exact moments."""

from __future__ import annotations

from datetime import UTC, datetime


class StepClock:
    def __init__(self, now: datetime = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
