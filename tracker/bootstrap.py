"""The composition root: the one place that builds the application from a configuration.

config → store → projections (their runner) → parse and page extraction pools → fetcher. The
CLI, the report and the demo get a `Tracker` from `open_tracker()`; the daemon, which opens its
store under its own lock and runs a pool sized by its options, builds the same parts with
`projection_runner()`, `parse_pool()`, `extract_pool()`, `LazyInterpretPool` (over
`interpret_pool()`) and `make_fetcher()`. Nothing else constructs them.

Heavy imports stay lazy: httpx (fetch), feedparser (the parse pool's workers) and APScheduler are
loaded only by the paths that poll, so `tracker --help` and `tracker report` never import them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.clock import Clock, parse_duration, system_clock
from tracker.config import Config
from tracker.projections import default_projections
from tracker.projections.facts import Interpreted, Interpreter, interpret_in_process
from tracker.projections.runner import ProjectionRunner
from tracker.storage.store import Store
from tracker.subjects import Subject

if TYPE_CHECKING:
    from tracker.events import ArticleTextFetched, RecordedEvent
    from tracker.interpretation.pool import InterpretPool
    from tracker.net.fetch import Fetcher, FetchLimits
    from tracker.pages.extract_pool import ExtractPool
    from tracker.parsing.pool import ParsePool

__all__ = [
    "LazyInterpretPool",
    "Tracker",
    "assemble",
    "extract_pool",
    "fetch_limits",
    "interpret_pool",
    "make_fetcher",
    "open_tracker",
    "parse_pool",
    "projection_runner",
]


def projection_runner(config: Config, interpreter: Interpreter = interpret_in_process) -> ProjectionRunner:
    """Every projection, built for the configuration's subjects and publishers; articles are
    interpreted by `interpreter` (in this process unless given a pool's)."""
    return ProjectionRunner(default_projections(config.subjects, config.publishers, interpreter))


class LazyInterpretPool:
    """An interpreter that starts its pool of worker processes (`tracker.interpretation`) on first
    use: one per core, or `workers`, or TRACKER_WORKERS. A command that interprets nothing starts
    none, and does not even import the pool."""

    def __init__(self, workers: int | None = None, *, budget: float | None = None) -> None:
        self.workers = workers
        self.budget = budget  # CPU seconds per article; None: the pool's default
        self._pool: InterpretPool | None = None

    def __call__(
        self,
        events: Sequence[RecordedEvent],
        subjects: Sequence[Subject],
        pages: Mapping[int, ArticleTextFetched] | None = None,
    ) -> dict[int, Interpreted]:
        if self._pool is None:
            self._pool = interpret_pool(self.workers, budget=self.budget)
        return self._pool.interpret(events, subjects, pages)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def fetch_limits(config: Config) -> FetchLimits:
    """The `[fetch]` table as the fetcher's limits (durations in seconds, sizes in bytes)."""
    from tracker.net.fetch import FetchLimits

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
    from tracker.net.fetch import Fetcher

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


def interpret_pool(workers: int | None = None, *, budget: float | None = None) -> InterpretPool:
    """A pool of interpreting worker processes: `workers`, else TRACKER_WORKERS, else one per
    core; `budget`: CPU seconds per article (None: the pool's default)."""
    from tracker.interpretation.pool import BUDGET, InterpretPool

    return InterpretPool(workers, budget=BUDGET if budget is None else budget)


def extract_pool(budget: float | None = None) -> ExtractPool:
    """A pool of page extraction worker processes: one, or two when the machine has the cores
    (pages wait on the network far more than on extraction); `budget`: CPU seconds per page
    (None: the pool's default)."""
    from tracker.pages.extract_pool import BUDGET, ExtractPool

    size = max(1, min(2, (os.cpu_count() or 1) // 2))
    return ExtractPool(size, budget=BUDGET if budget is None else budget)


@dataclass
class Tracker:
    """The assembled application: a configuration, an open store and the projections over it.

    The parse and page extraction pools are started on first use and stopped by `close()`; a
    Tracker that never polls never starts one.
    """

    config: Config
    store: Store
    runner: ProjectionRunner
    interpreter: LazyInterpretPool = field(default_factory=LazyInterpretPool)
    page_budget: float | None = None  # CPU seconds to extract one page; None: the default
    _parser: ParsePool | None = field(default=None, init=False, repr=False)
    _extractor: ExtractPool | None = field(default=None, init=False, repr=False)

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def parser(self) -> ParsePool:
        if self._parser is None:
            self._parser = parse_pool()
        return self._parser

    def extractor(self) -> ExtractPool:
        if self._extractor is None:
            self._extractor = extract_pool(self.page_budget)
        return self._extractor

    def fetcher(self) -> Fetcher:
        return make_fetcher(self.config)

    def close(self) -> None:
        if self._parser is not None:
            self._parser.close()
            self._parser = None
        if self._extractor is not None:
            self._extractor.close()
            self._extractor = None
        self.interpreter.close()
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
    workers: int | None = None,
    page_budget: float | None = None,
    check: bool = False,
) -> Tracker:
    """Open the store at `db_path` and assemble the application around it.

    Only the commands that record observations (fetch, daemon, demo) pass `create`; readers open
    the store read-only, so a mistyped path is an error, never an empty database. A store
    `tracker demo` wrote is read with the demo's outlets, whatever feeds.toml says. `workers` sets
    how many processes interpret articles (default: TRACKER_WORKERS, else one per core);
    `page_budget` the CPU seconds a page's extraction may take; `check` checks the store's pages
    first.
    """
    from tracker.demo.outlets import reading_config

    store = Store.open(db_path, readonly=readonly, create=create, clock=clock, check=check)
    try:
        config = reading_config(config, store)
    except BaseException:
        store.close()
        raise
    return assemble(config, store, workers=workers, page_budget=page_budget)


def assemble(
    config: Config, store: Store, *, workers: int | None = None, page_budget: float | None = None
) -> Tracker:
    """The application around a store that is already open (it is closed with the Tracker)."""
    interpreter = LazyInterpretPool(workers)
    return Tracker(config, store, projection_runner(config, interpreter), interpreter, page_budget)
