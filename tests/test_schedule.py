"""The polling policy: interval, backoff, Retry-After, freshness hints, gone."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tracker.schedule import (
    FRESHNESS_FACTOR,
    MAX_BACKOFF,
    MAX_FRESHNESS,
    MAX_RETRY_AFTER,
    first_due,
    longest_wait,
    next_poll,
    schedulable,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def delays(interval: float, rounds: int = 200, **kwargs: object) -> list[float]:
    rng = random.Random(7)
    return [next_poll(NOW, interval, rng=rng, **kwargs).delay for _ in range(rounds)]  # type: ignore[arg-type]


def test_a_healthy_feed_is_polled_at_its_interval_with_small_jitter() -> None:
    got = delays(600)
    assert all(570 <= d <= 630 for d in got)  # ±5%
    assert max(got) - min(got) > 20, "no jitter at all: feeds started together stay in lockstep"
    long = delays(6 * 3600)
    assert all(abs(d - 6 * 3600) <= 30 for d in long), "jitter is capped at 30 s"
    result = next_poll(NOW, 600, rng=random.Random(1))
    assert result.reason == "interval"
    assert result.due == NOW + timedelta(seconds=result.delay)


def test_the_users_interval_is_honoured_even_when_short() -> None:
    assert all(1.9 <= d <= 2.1 for d in delays(2))


def test_backoff_doubles_per_failure_within_jitter() -> None:
    for failures in range(1, 8):
        expected = 60 * 2 ** (failures - 1)
        got = delays(60, consecutive_failures=failures)
        assert all(expected * 0.9 <= d <= expected * 1.1 for d in got), failures
    result = next_poll(NOW, 60, consecutive_failures=3, rng=random.Random(1))
    assert result.reason == "backoff (3 failures)"


def test_backoff_is_capped_at_a_day_and_never_gives_up() -> None:
    for failures in (12, 20, 60, 10_000):
        got = delays(1800, consecutive_failures=failures)
        assert all(d <= MAX_BACKOFF for d in got)
        assert all(d >= MAX_BACKOFF * 0.9 for d in got)
        result = next_poll(NOW, 1800, consecutive_failures=failures)
        assert result.due is not None, "a failing feed is never disabled"
        assert result.reason.endswith("capped)")


def test_an_interval_longer_than_the_cap_is_still_the_floor() -> None:
    two_days = 2 * 86400
    assert all(d >= two_days * 0.9 for d in delays(two_days, consecutive_failures=5))


@pytest.mark.parametrize(
    ("retry_after", "expected", "reason"),
    [
        (3600, 3600, "retry-after"),  # honoured above the interval
        (10 * 86400, MAX_RETRY_AFTER, "retry-after (capped)"),  # a server cannot park us for 10 days
    ],
)
def test_retry_after_is_a_floor_and_is_clamped(retry_after: float, expected: float, reason: str) -> None:
    result = next_poll(NOW, 300, consecutive_failures=1, retry_after=retry_after)
    assert result.delay == expected
    assert result.reason == reason


def test_retry_after_shorter_than_the_backoff_does_not_hurry_us() -> None:
    result = next_poll(NOW, 300, consecutive_failures=4, retry_after=5, rng=random.Random(3))
    assert result.delay >= 300 * 8 * 0.9
    assert result.reason.startswith("backoff")
    past = next_poll(NOW, 300, consecutive_failures=1, retry_after=0, rng=random.Random(3))
    assert past.delay >= 270, "a Retry-After date in the past is 0: the interval still applies"


@pytest.mark.parametrize("hint", ["max_age", "ttl"])
def test_freshness_hints_stretch_the_interval_within_bounds(hint: str) -> None:
    stretched = next_poll(NOW, 600, **{hint: 1800})  # type: ignore[arg-type]
    assert stretched.delay == 1800
    assert stretched.reason == hint.replace("_", "-")
    capped = next_poll(NOW, 600, **{hint: 7 * 86400})  # type: ignore[arg-type]
    assert capped.delay == FRESHNESS_FACTOR * 600, "never more than 4 intervals"
    daily = next_poll(NOW, 12 * 3600, **{hint: 30 * 86400})  # type: ignore[arg-type]
    assert daily.delay == MAX_FRESHNESS, "and never more than a day"
    short = next_poll(NOW, 600, rng=random.Random(2), **{hint: 5})  # type: ignore[arg-type]
    assert 570 <= short.delay <= 630 and short.reason == "interval", "a hint never makes us poll faster"


def test_freshness_hints_do_not_apply_to_failures() -> None:
    result = next_poll(NOW, 600, consecutive_failures=1, max_age=3 * 3600, ttl=3 * 3600, rng=random.Random(1))
    assert result.delay <= 660
    assert result.reason.startswith("backoff")


def test_gone_is_not_polled_again() -> None:
    result = next_poll(NOW, 600, consecutive_failures=1, retry_after=60, gone=True)
    assert result.due is None
    assert result.reason == "gone"


def test_no_plan_reaches_beyond_the_longest_wait() -> None:
    rng = random.Random(11)
    for interval in (2, 600, 86400, 3 * 86400):
        limit = longest_wait(interval)
        for kwargs in ({}, {"consecutive_failures": 50}, {"retry_after": 10**9}, {"max_age": 10**9}):
            assert next_poll(NOW, interval, rng=rng, **kwargs).delay <= limit  # type: ignore[arg-type]


def test_first_due_waits_for_a_stored_time_ahead_and_spreads_the_rest() -> None:
    ahead = NOW + timedelta(minutes=20)
    assert first_due(NOW, 600, next_due_at=ahead) == ahead, "a restart does not hammer anyone"
    rng = random.Random(5)
    past = [first_due(NOW, 600, next_due_at=NOW - timedelta(hours=1), rng=rng) for _ in range(200)]
    never = [first_due(NOW, 600, next_due_at=None, rng=rng) for _ in range(200)]
    for due in past + never:
        assert NOW <= due <= NOW + timedelta(seconds=60)
    assert len({d.second for d in never}) > 20, "a thousand feeds do not start in the same second"
    wrong_clock = NOW + timedelta(days=365 * 200)  # written while the clock said 2226
    assert first_due(NOW, 600, next_due_at=wrong_clock, rng=rng) <= NOW + timedelta(seconds=60)
    short = [first_due(NOW, 2, next_due_at=None, rng=rng) for _ in range(50)]
    assert all(NOW <= due <= NOW + timedelta(seconds=2) for due in short)


def test_an_interval_is_schedulable_only_if_every_planned_time_fits_the_calendar() -> None:
    year = 365 * 86400.0
    assert schedulable(NOW, 30 * 60) and schedulable(NOW, 1000 * year)
    assert not schedulable(NOW, 3_000_000 * 86400.0), "3000000d: now + 4 intervals is past year 9999"
    assert not schedulable(NOW, 1e300), "beyond what a timedelta holds"
    assert schedulable(NOW, 30 * 60, margin=3600) and not schedulable(NOW, 30 * 60, margin=1e13)
    for interval in (60.0, 1000 * year):  # whatever next_poll plans for a schedulable interval fits
        next_poll(NOW, interval, consecutive_failures=40, retry_after=interval * 9)
        next_poll(NOW, interval, max_age=interval * 9, ttl=interval * 9)
