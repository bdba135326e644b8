"""Application services: the operations the CLI and the daemon share. No argument parsing, no
formatting; each function takes a configuration and a store and returns data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tracker import feedstate
from tracker.clock import Clock, parse_duration, system_clock
from tracker.config import Config, FeedConfig
from tracker.fetch import Fetcher, FetchLimits
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
    if config.fetch.user_agent:
        return Fetcher(limits, user_agent=config.fetch.user_agent)
    return Fetcher(limits)


@dataclass(frozen=True)
class FetchSummary:
    results: tuple[PollResult, ...]
    catch_up: CatchUp | None = None
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
    errors = tuple(dict.fromkeys([e for r in results for e in r.projection_errors] + [str(f) for f in final.failures]))
    return FetchSummary(tuple(results), final, errors)


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
