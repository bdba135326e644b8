"""Application services: the operations the CLI and the daemon share. No argument parsing, no
formatting; each function takes a configuration and a store and returns data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from tracker import feedstate
from tracker.clock import Clock, parse_duration, system_clock
from tracker.config import Config, FeedConfig
from tracker.errors import ConfigError, TrackerError
from tracker.events import FactAsserted, FactRetracted
from tracker.fetch import Fetcher, FetchLimits
from tracker.limits import parse_count
from tracker.polling import PollResult, poll_feed
from tracker.projections import runner_for
from tracker.projections.runner import CatchUp
from tracker.store import Store


def fetch_limits(config: Config) -> FetchLimits:
    settings = config.fetch
    return FetchLimits(
        connect_timeout=float(parse_duration(settings.connect_timeout)),
        read_timeout=float(parse_duration(settings.read_timeout)),
        deadline=float(parse_duration(settings.deadline)),
        max_body_bytes=settings.max_body_mb * 2**20,
        max_connections=settings.max_connections,
        max_per_host=settings.max_per_host,
    )


def make_fetcher(config: Config) -> Fetcher:
    limits = fetch_limits(config)
    allow = config.fetch.allow_private
    if config.fetch.user_agent:
        return Fetcher(limits, user_agent=config.fetch.user_agent, allow_private=allow)
    return Fetcher(limits, allow_private=allow)


@dataclass(frozen=True)
class FetchSummary:
    results: tuple[PollResult, ...]
    projection_errors: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> int:
        return sum(1 for r in self.results if not r.failed)

    @property
    def failed(self) -> tuple[PollResult, ...]:
        return tuple(r for r in self.results if r.failed)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def revised(self) -> int:
        return sum(r.revised for r in self.results)


async def fetch_feeds(
    config: Config,
    store: Store,
    feeds: Sequence[FeedConfig] | None = None,
    *,
    on_result: Callable[[PollResult], None] | None = None,
    clock: Clock = system_clock,
) -> FetchSummary:
    """Poll feeds now, concurrently within the configured bounds, whatever their schedule.

    When this returns every projection is caught up (each poll catches up in its own transaction,
    and a final catch-up covers events appended by other processes meanwhile).
    """
    selected = [f for f in (config.feeds if feeds is None else feeds) if f.enabled or feeds is not None]
    runner = runner_for(config)
    async with make_fetcher(config) as fetcher:

        async def one(feed: FeedConfig) -> PollResult:
            result = await poll_feed(feed, fetcher=fetcher, store=store, runner=runner, clock=clock)
            if on_result:
                on_result(result)
            return result

        results = await asyncio.gather(*(one(feed) for feed in selected))
    with store.transaction():
        final = runner.catch_up(store)
    errors = tuple(
        dict.fromkeys([e for r in results for e in r.projection_errors] + [str(f) for f in final.failures])
    )
    return FetchSummary(tuple(results), errors)


def rebuild(config: Config, store: Store) -> CatchUp:
    """Drop every projection and replay the whole log, in one transaction."""
    runner = runner_for(config)
    with store.transaction():
        return runner.catch_up(store, rebuild=True)


def catch_up(config: Config, store: Store, only: Sequence[str] | None = None) -> CatchUp:
    runner = runner_for(config)
    with store.transaction():
        return runner.catch_up(store, only=only)


def prune_polls(store: Store, older_than: datetime) -> int:
    with store.transaction():
        return feedstate.prune_polls(store, older_than)


def reset_feed(store: Store, feed_id: str) -> bool:
    with store.transaction():
        return feedstate.reset(store, feed_id)


def assert_fact(
    config: Config,
    store: Store,
    *,
    subject_id: str,
    value: str,
    day: date,
    precision: str,
    source: str,
    note: str | None,
    analyst: str | None,
) -> str:
    """Record an analyst's assertion (a state, or a count for a tally); returns its fact id."""
    subject = next((s for s in config.subjects if s.id == subject_id), None)
    if subject is None:
        raise ConfigError(f"no subject {subject_id!r} (known: {', '.join(s.id for s in config.subjects)})")
    state: str | None = None
    count: int | None = None
    if subject.kind == "tally":
        try:
            count = parse_count(value)
        except ValueError as exc:
            raise TrackerError(f"{subject_id} is a tally: give a count: {exc}") from None
    else:
        known = [s.id for s in subject.states]
        if value not in known:
            raise TrackerError(f"{subject_id} has no state {value!r} (states: {', '.join(known)})")
        state = value
    if urlsplit(source).scheme not in ("http", "https"):
        raise TrackerError(f"--source must be an http(s) URL (got {source!r})")
    event = FactAsserted(
        subject=subject_id,
        state=state,
        count=count,
        date=day,
        date_precision=precision,  # type: ignore[arg-type]
        source=source,
        note=note,
        analyst=analyst,
    )
    with store.transaction():
        result = store.append([event], meta={"by": analyst or "analyst"})
        runner_for(config).catch_up(store)
    if result.appended:
        return result.appended[0].id
    return event.event_id(0)  # the same assertion was already recorded


def retract_fact(config: Config, store: Store, *, fact_id: str, reason: str, analyst: str | None) -> bool:
    """Record a retraction; False if that fact was already retracted."""
    with store.transaction():
        runner_for(config).catch_up(store)
        known = store.conn.execute(
            "SELECT 1 FROM facts WHERE fact_id = ? UNION SELECT 1 FROM assertions WHERE fact_id = ?",
            (fact_id, fact_id),
        ).fetchone()
        if known is None:
            raise TrackerError(
                f"no fact {fact_id!r} (fact ids are in `tracker report --format json` evidence)"
            )
        result = store.append([FactRetracted(fact_id=fact_id, reason=reason, analyst=analyst)])
        runner_for(config).catch_up(store)
    return bool(result.appended)
