"""Application services: the operations the CLI, the demo and the daemon share.

No argument parsing, no formatting, no SQL: each function takes the assembled application
(`tracker.bootstrap.Tracker`), or only the store when that is all it needs, and returns data.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from tracker.bootstrap import Tracker
from tracker.config import FeedConfig
from tracker.errors import TrackerError
from tracker.limits import parse_count
from tracker.projections.facts import fact_ids_like
from tracker.projections.runner import CatchUp
from tracker.projections.stepped import catch_up_in_steps
from tracker.storage import page_store, polling_store
from tracker.storage.store import Store

if TYPE_CHECKING:  # polling imports httpx; only the fetch path loads it
    from tracker.alerts.reactor import Outcome
    from tracker.net.fetch import Fetcher
    from tracker.pages.fetching import PagePass
    from tracker.polling import PollResult


@dataclass(frozen=True)
class FetchSummary:
    results: tuple[PollResult, ...]
    projection_errors: tuple[str, ...] = field(default_factory=tuple)
    alerts: tuple[Outcome, ...] = field(default_factory=tuple)  # delivery attempts after the pass
    pages: PagePass | None = None  # article pages fetched after the polls (`full_text`)

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
    tracker: Tracker,
    feeds: Sequence[FeedConfig] | None = None,
    *,
    on_result: Callable[[PollResult], None] | None = None,
) -> FetchSummary:
    """Poll feeds now, concurrently within the configured bounds, whatever their schedule.

    When this returns every projection is caught up: polls commit their events in groups, with
    the cheap projections (articles, feed history; `tracker.pollgroups`); interpretation follows,
    in worker processes and short transactions, and covers events appended by other processes
    meanwhile. The changes it brought are recorded for the configured alerts, whose due
    deliveries have been attempted.
    """
    from tracker.pollgroups import PollGroups
    from tracker.polling import INLINE_PROJECTIONS

    store, runner = tracker.store, tracker.runner
    if tracker.config.alerts:
        from tracker.alerts import reactor

        reactor.start(store, tracker.clock)
    candidates = tracker.config.feeds if feeds is None else feeds
    selected = [f for f in candidates if f.enabled or feeds is not None]
    # A new version of a projection the polls write is replayed here, in short transactions, not
    # in the first group's transaction (nothing to do, and no transaction, when they are current).
    catch_up_in_steps(store, runner, only=INLINE_PROJECTIONS)
    parser = tracker.parser()
    polls = PollGroups(store, runner, projections=INLINE_PROJECTIONS, clock=tracker.clock)
    async with tracker.fetcher() as fetcher:

        async def one(feed: FeedConfig) -> PollResult:
            result = await polls.poll(feed, fetcher=fetcher, parser=parser)
            if on_result:
                on_result(result)
            return result

        results = await asyncio.gather(*(one(feed) for feed in selected))
        # After every poll has committed: a slow page never delays a feed.
        pages = await _fetch_pages(tracker, fetcher, selected, polls.teasers)
    final = catch_up_in_steps(store, runner)
    errors = tuple(
        dict.fromkeys([e for r in results for e in r.projection_errors] + [str(f) for f in final.failures])
    )
    alerts: tuple[Outcome, ...] = ()
    if tracker.config.alerts:
        from tracker.alerts import reactor

        alerts = tuple(reactor.react(store, tracker.config, tracker.clock))
    return FetchSummary(tuple(results), errors, alerts, pages)


async def _fetch_pages(
    tracker: Tracker, fetcher: Fetcher, feeds: Sequence[FeedConfig], teasers: Mapping[int, bool]
) -> PagePass | None:
    """The article pages `feeds` want (`full_text`), fetched once the polls are done (`teasers`:
    what their parses found of the versions they appended); None when none is due, as after a
    pass that found nothing new: the page fetcher and its extraction pool are then not even
    imported."""
    store, clock = tracker.store, tracker.clock
    async with store.transaction_async():
        page_store.enqueue_wanted(store, feeds, clock(), teasers)
    if not page_store.due(store, [feed.id for feed in feeds], clock()):
        return None
    from tracker.pages.fetching import fetch_pages

    tools = (fetcher, tracker.extractor())
    return await fetch_pages(store, tracker.runner, feeds, tools, tracker.config.fetch, clock)


def rebuild(tracker: Tracker) -> CatchUp:
    """Drop every projection and replay the whole log, in short transactions (so other processes
    keep writing), interpreting articles in parallel (`tracker.projections.stepped`)."""
    return catch_up_in_steps(tracker.store, tracker.runner, rebuild=True)


def catch_up(tracker: Tracker, only: Sequence[str] | None = None) -> CatchUp:
    """Bring projections (every one, or `only` these) up to the head of the log."""
    return catch_up_in_steps(tracker.store, tracker.runner, only=only)


def prune_polls(store: Store, older_than: datetime) -> int:
    """Delete poll-log rows older than `older_than`; returns how many."""
    with store.transaction():
        return polling_store.prune_polls(store, older_than)


def reset_feed(store: Store, feed_id: str) -> bool:
    """Clear a feed's failures and gone mark; False if it was never polled."""
    with store.transaction():
        return polling_store.reset(store, feed_id)


def assert_fact(
    tracker: Tracker,
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
    from tracker.events import FactAsserted

    subject = tracker.config.subject(subject_id)
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
    store = tracker.store
    catch_up_in_steps(store, tracker.runner)  # any backlog first, interpreted outside the lock
    with store.transaction():
        result = store.append([event], meta={"by": analyst or "analyst"})
        tracker.runner.catch_up(store)
    if result.appended:
        return result.appended[0].id
    return event.event_id(0)  # the same assertion was already recorded


MIN_FACT_PREFIX = 4


def retract_fact(tracker: Tracker, *, fact_id: str, reason: str, analyst: str | None) -> tuple[str, bool]:
    """Record a retraction of the fact `fact_id` names (its full id, or a unique prefix of its hex
    digits as the text report shows them); returns (the full id, whether it was recorded: False
    when that fact was already retracted)."""
    from tracker.events import FactRetracted

    store = tracker.store
    catch_up_in_steps(store, tracker.runner)  # any backlog first, interpreted outside the lock
    with store.transaction():
        tracker.runner.catch_up(store)
        full_id = _one_fact(store, fact_id)
        result = store.append([FactRetracted(fact_id=full_id, reason=reason, analyst=analyst)])
        tracker.runner.catch_up(store)
    return full_id, bool(result.appended)


def _one_fact(store: Store, given: str) -> str:
    matches = fact_ids_like(store, given) if ":" in given or len(given) >= MIN_FACT_PREFIX else []
    if given in matches:
        return given
    if len(matches) == 1:
        return matches[0]
    if not matches:
        hint = f"give at least {MIN_FACT_PREFIX} characters; " if len(given) < MIN_FACT_PREFIX else ""
        raise TrackerError(f"no fact {given!r} ({hint}fact ids are shown as [fact …] in `tracker report`)")
    raise TrackerError(f"fact id {given!r} is ambiguous: {', '.join(matches)}")
