"""The composition root: the one place that builds the application from a configuration.

config → store → projections (their runner) → parse pool → fetcher. The CLI, the report and the
demo get a `Tracker` from `open_tracker()`; the daemon, which opens its store under its own lock
and runs a pool sized by its options, builds the same parts with `projection_runner()`,
`parse_pool()` and `make_fetcher()`. Nothing else constructs them.

Heavy imports stay lazy: httpx (fetch), feedparser (the parse pool's workers) and APScheduler are
loaded only by the paths that poll, so `tracker --help` and `tracker report` never import them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.clock import Clock, parse_duration, system_clock
from tracker.config import Config
from tracker.projections import default_projections
from tracker.projections.runner import ProjectionRunner
from tracker.store import Store

if TYPE_CHECKING:
    from tracker.fetch import Fetcher, FetchLimits
    from tracker.parsing.pool import ParsePool

__all__ = [
    "Tracker",
    "assemble",
    "fetch_limits",
    "make_fetcher",
    "open_tracker",
    "parse_pool",
    "projection_runner",
]


def projection_runner(config: Config) -> ProjectionRunner:
    """Every projection, built for the configuration's subjects and publishers."""
    return ProjectionRunner(default_projections(config.subjects, config.publishers))


def fetch_limits(config: Config) -> FetchLimits:
    """The `[fetch]` table as the fetcher's limits (durations in seconds, sizes in bytes)."""
    from tracker.fetch import FetchLimits

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
    """An HTTP fetcher for the configuration (use it as an async context manager)."""
    from tracker.fetch import Fetcher

    limits = fetch_limits(config)
    allow = config.fetch.allow_private
    if config.fetch.user_agent:
        return Fetcher(limits, user_agent=config.fetch.user_agent, allow_private=allow)
    return Fetcher(limits, allow_private=allow)


def parse_pool(workers: int | None = None, *, timeout: float | None = None) -> ParsePool:
    """A pool of parse worker processes; by default one or two, as the machine allows."""
    from tracker.parsing.pool import ParsePool

    size = workers if workers is not None else max(1, min(2, os.cpu_count() or 1))
    return ParsePool(size) if timeout is None else ParsePool(size, timeout=timeout)


@dataclass
class Tracker:
    """The assembled application: a configuration, an open store and the projections over it.

    The parse pool is started on first use and stopped by `close()`; a Tracker that never polls
    never starts one.
    """

    config: Config
    store: Store
    runner: ProjectionRunner
    _parser: ParsePool | None = field(default=None, init=False, repr=False)

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def parser(self) -> ParsePool:
        if self._parser is None:
            self._parser = parse_pool()
        return self._parser

    def fetcher(self) -> Fetcher:
        return make_fetcher(self.config)

    def close(self) -> None:
        if self._parser is not None:
            self._parser.close()
            self._parser = None
        self.store.close()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_tracker(
    config: Config,
    db_path: str | Path,
    *,
    readonly: bool = False,
    create: bool = False,
    clock: Clock = system_clock,
) -> Tracker:
    """Open the store at `db_path` and assemble the application around it.

    Only the commands that record observations (fetch, daemon, demo) pass `create`; readers open
    the store read-only, so a mistyped path is an error, never an empty database. A store
    `tracker demo` wrote is read with the demo's outlets, whatever feeds.toml says.
    """
    from tracker.demo.outlets import reading_config

    store = Store.open(db_path, readonly=readonly, create=create, clock=clock)
    try:
        config = reading_config(config, store)
    except BaseException:
        store.close()
        raise
    return assemble(config, store)


def assemble(config: Config, store: Store) -> Tracker:
    """The application around a store that is already open (it is closed with the Tracker)."""
    return Tracker(config, store, projection_runner(config))
