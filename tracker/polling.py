"""One poll of one feed, end to end: fetch → parse → one transaction that appends the events,
records the poll and the feed's new HTTP state, and catches projections up (the caller names
which: interpretation is slow, and belongs after the transaction, see INLINE_PROJECTIONS).

Whatever goes wrong with a feed (network, HTTP status, hostile body, a parser crash) becomes a
failed poll of that feed, recorded like any other; it never escapes to stop other feeds."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tracker.clock import Clock, system_clock
from tracker.config import FeedConfig
from tracker.errors import FeedError, HTTPStatusFailure
from tracker.net.fetch import Fetcher, FetchResult
from tracker.projections.runner import ProjectionRunner
from tracker.schedule import NextPoll, next_poll
from tracker.storage import log_queries, polling_store
from tracker.storage.store import Store
from tracker.streams import feed_stream
from tracker.textsafe import clean_text

# A poll that parses nothing and changes no feed's health (a 304) appends no event: the event
# models, the entry planner and the parse pool load only when a poll needs them.
if TYPE_CHECKING:
    from tracker.events import Event, RecordedEvent
    from tracker.parsing.model import ParsedFeed
    from tracker.parsing.pool import ParsePool

HEALTH_TYPES = ("FeedFailed", "FeedRecovered", "FeedGone")
# Projections cheap enough to catch up inside a poll's transaction; interpretation comes after.
INLINE_PROJECTIONS = ("articles", "feed_history")
_MAX_ERROR_TEXT = 300


@dataclass(frozen=True, slots=True)
class PollResult:
    feed_id: str
    outcome: str  # ok | not-modified | unchanged | failed
    status: int | None
    entries: int
    new: int
    revised: int
    bytes: int
    duration: float
    error: str | None
    category: str | None
    health_event: str | None  # type of the feed-health event this poll appended, if any
    next_due_reason: str
    projection_errors: tuple[str, ...]
    next_due: datetime | None = None  # None: gone, not polled again until the user acts
    ttl_seconds: int | None = None  # the feed's <ttl> this poll scheduled with
    skipped: tuple[str, ...] = ()  # entries left out of an ok poll, each with its reason
    deferred: int = 0  # changed entries not revised this time: rate-limited (`tracker.revisions`)

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"


class _InternalFailure(FeedError):
    """An unexpected exception while handling one feed's response (a parser crash, say)."""

    category = "internal"


async def poll_feed(
    feed: FeedConfig,
    *,
    fetcher: Fetcher,
    store: Store,
    runner: ProjectionRunner,
    parser: ParsePool,
    projections: Sequence[str] | None = None,
    clock: Clock = system_clock,
) -> PollResult:
    """Poll `feed` once, whatever its schedule. `projections` limits the inline catch-up.

    Parsing runs in `parser`'s worker processes. A poll that parses nothing schedules with the
    `<ttl>` the feed gave last time (kept in `feed_polling`).
    """
    fetched = await fetch_feed(feed, polling_store.load(store, feed.id), fetcher, parser, clock)
    # Waits for the write lock without blocking the loop. A poll that parsed nothing (a 304, an
    # unchanged body, a failure) is polled again if a power cut loses it: no wait for the disk.
    async with store.transaction_async(durable=fetched.durable):
        recorded = record_poll(store, feed, fetched, clock)
        caught_up = runner.catch_up(store, only=projections, prefetched=log_tail(store, recorded.appended))
    return dataclasses.replace(recorded.result, projection_errors=tuple(str(f) for f in caught_up.failures))


@dataclass(frozen=True, slots=True)
class RecordedPoll:
    result: PollResult
    appended: tuple[RecordedEvent, ...]  # the events this poll appended, in log order
    write: polling_store.PollWrite  # its row of the poll log and its feed's new state


@dataclass(frozen=True, slots=True)
class PlannedPoll:
    """What a poll will append (its entries' and its feed's health events) and when the feed is
    due next: read from the log, nothing written yet."""

    feed: FeedConfig
    fetched: Fetched
    entries: _Entries
    events: tuple[Event, ...]
    schedule: NextPoll


def log_tail(store: Store, appended: Sequence[RecordedEvent]) -> tuple[int, Sequence[RecordedEvent]] | None:
    """`appended` as a catch-up's `prefetched` (the position before them, the events), when they
    are the whole tail of the log, one after another: the projections then apply them as they
    were appended instead of reading them back and decoding them again. None otherwise."""
    if not appended:
        return None
    after, last = appended[0].position - 1, appended[-1].position
    if len(appended) != last - after or store.head()[0] != last:
        return None
    return after, appended


def record_poll(
    store: Store, feed: FeedConfig, fetched: Fetched, clock: Clock = system_clock
) -> RecordedPoll:
    """The store half of a poll, inside the caller's transaction: append the entries' and the
    feed's health events, record the poll and the feed's new HTTP state. Projections are the
    caller's to catch up (their errors are not in the result)."""
    recorded = append_poll(store, plan_poll(store, feed, fetched, clock))
    polling_store.record_many(store, [recorded.write])
    return recorded


def plan_poll(store: Store, feed: FeedConfig, fetched: Fetched, clock: Clock = system_clock) -> PlannedPoll:
    """A poll's events and schedule, judged against the log inside the caller's transaction."""
    entries = _plan_entries(store, feed, fetched.parsed, clock)
    health = _health_events(store, feed, fetched.state.consecutive_failures, fetched.error, fetched.result)
    return PlannedPoll(
        feed, fetched, entries, (*entries.events, *health), _schedule(feed, fetched.state, fetched, clock)
    )


def append_poll(store: Store, planned: PlannedPoll) -> RecordedPoll:
    """Append a planned poll's events, if any; its poll record and state are the caller's to
    write (`polling_store.record_many`): with its events, or with other polls that append none."""
    feed, fetched, entries, schedule = planned.feed, planned.fetched, planned.entries, planned.schedule
    state = fetched.state
    # The appended events, not the plan, are counted: another process may have been first.
    appended = store.append(planned.events, meta={"feed": feed.id}).appended if planned.events else ()
    counted = _Appended.count(appended)
    write = polling_store.PollWrite(
        _poll_record(feed, fetched, entries, counted),
        consecutive_failures=_failures(state, fetched),
        gone=fetched.gone,
        next_due=schedule.due,
        backoff_reason=schedule.reason,
    )
    result = PollResult(
        feed_id=feed.id,
        outcome=fetched.outcome,
        status=fetched.status,
        entries=fetched.entries,
        new=counted.new,
        revised=counted.revised,
        bytes=fetched.bytes,
        duration=fetched.duration,
        error=_error_text(fetched.error) if fetched.error else None,
        category=fetched.error.category if fetched.error else None,
        health_event=counted.health_event,
        next_due_reason=schedule.reason,
        projection_errors=(),
        next_due=schedule.due,
        ttl_seconds=_ttl(state, feed, fetched),
        skipped=entries.skipped,
        deferred=entries.deferred,
    )
    return RecordedPoll(result, tuple(appended), write)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What the network half of a poll gave: the response, its entries, or why there are none;
    with the feed's polling state it started from and when it started."""

    state: polling_store.FeedPolling
    started_at: datetime
    result: FetchResult | None
    parsed: ParsedFeed | None  # None: failed, not modified, or the same body as last time
    error: FeedError | None
    body_hash: str | None
    duration: float

    @property
    def durable(self) -> bool:
        """False for a poll that parsed nothing: polled again if a power cut loses its record."""
        return self.parsed is not None

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "failed"
        if self.result is not None and self.result.status == 304:
            return "not-modified"
        return "unchanged" if self.parsed is None else "ok"

    @property
    def status(self) -> int | None:
        if isinstance(self.error, HTTPStatusFailure):
            return self.error.status
        return self.result.status if self.result else None

    @property
    def gone(self) -> bool:
        return isinstance(self.error, HTTPStatusFailure) and self.error.gone

    @property
    def entries(self) -> int:
        return len(self.parsed.entries) if self.parsed else 0

    @property
    def bytes(self) -> int:
        return self.result.bytes_read if self.result else 0


async def fetch_feed(
    feed: FeedConfig, state: polling_store.FeedPolling, fetcher: Fetcher, parser: ParsePool, clock: Clock
) -> Fetched:
    """The network half of a poll from `state`: fetch the feed (conditionally, while its URL is the
    one the validators belong to) and parse a new body; any failure becomes the poll's error."""
    started_at = clock()
    same_url = state.url == feed.url
    started = time.monotonic()
    result: FetchResult | None = None
    parsed: ParsedFeed | None = None
    error: FeedError | None = None
    body_hash: str | None = None
    try:
        result = await fetcher.fetch(
            feed.url,
            etag=state.etag if same_url else None,
            last_modified=state.last_modified if same_url else None,
            headers=feed.headers,
        )
        if result.body is not None:
            body_hash = hashlib.sha256(result.body).hexdigest()
            # Many servers ignore validators: an identical body is not parsed again.
            if not (same_url and body_hash == state.body_hash):
                parsed = await parser.parse_async(
                    result.body, content_type=result.content_type, url=result.url
                )
    except FeedError as exc:
        error = exc
    except Exception as exc:  # a bug or a resource error on hostile input: this feed fails, not the pass
        error = _InternalFailure(f"{type(exc).__name__}: {exc}"[:_MAX_ERROR_TEXT])
    return Fetched(state, started_at, result, parsed, error, body_hash, time.monotonic() - started)


@dataclass(frozen=True, slots=True)
class _Entries:
    """The entries as events to append, those left out (with why), revisions deferred, verdicts."""

    events: tuple[Event, ...] = ()
    skipped: tuple[str, ...] = ()
    deferred: int = 0
    teasers: dict[tuple[str, str], bool] = dataclasses.field(default_factory=dict)


def _plan_entries(store: Store, feed: FeedConfig, parsed: ParsedFeed | None, clock: Clock) -> _Entries:
    """Plan the entries' events against the log's heads (inside the transaction, so they hold)."""
    if parsed is None:
        return _Entries()
    from tracker import ingest

    streams = ingest.streams_for(feed.id, parsed.entries)
    heads = store.stream_heads(streams)
    recorded = log_queries.stream_recorded(store, heads)
    plan = ingest.plan(feed.id, parsed.entries, heads, recorded=recorded, now=clock())
    return _Entries(tuple(plan.events), parsed.unreadable + plan.skipped, plan.deferred, plan.teasers)


def _failures(state: polling_store.FeedPolling, fetched: Fetched) -> int:
    return state.consecutive_failures + 1 if fetched.error else 0


def _ttl(state: polling_store.FeedPolling, feed: FeedConfig, fetched: Fetched) -> int | None:
    """The feed's <ttl>: this body's, or the one it gave last time at the same URL."""
    if fetched.parsed is not None:
        return fetched.parsed.ttl_seconds
    return state.ttl_seconds if state.url == feed.url else None


def _schedule(feed: FeedConfig, state: polling_store.FeedPolling, fetched: Fetched, clock: Clock) -> NextPoll:
    error, result = fetched.error, fetched.result
    return next_poll(
        clock(),
        feed.interval_seconds,
        consecutive_failures=_failures(state, fetched),
        retry_after=error.retry_after if isinstance(error, HTTPStatusFailure) else None,
        max_age=result.max_age if result else None,
        ttl=_ttl(state, feed, fetched) if error is None else None,
        gone=fetched.gone,
    )


@dataclass(frozen=True, slots=True)
class _Appended:
    new: int
    revised: int
    health_event: str | None  # type of the feed-health event appended, if any

    @classmethod
    def count(cls, appended: Sequence[RecordedEvent]) -> _Appended:
        return cls(
            new=sum(1 for e in appended if e.type == "ArticleObserved"),
            revised=sum(1 for e in appended if e.type == "ArticleRevised"),
            health_event=next((e.type for e in appended if e.type in (*HEALTH_TYPES, "FeedMoved")), None),
        )


def _poll_record(
    feed: FeedConfig, fetched: Fetched, entries: _Entries, appended: _Appended
) -> polling_store.PollRecord:
    """The poll log's row and the feed's new HTTP state."""
    error, result, parsed = fetched.error, fetched.result, fetched.parsed
    keep_hash = parsed is not None or fetched.outcome == "unchanged"
    return polling_store.PollRecord(
        feed_id=feed.id,
        url=feed.url,
        started_at=fetched.started_at,
        duration_ms=round(fetched.duration * 1000),
        outcome=fetched.outcome,
        status=fetched.status,
        error_category=error.category if error else ("entries" if entries.skipped else None),
        error=_error_text(error) if error else _skipped_text(entries.skipped),
        etag=result.etag if result else None,
        last_modified=result.last_modified if result else None,
        body_hash=fetched.body_hash if keep_hash else None,
        bytes=fetched.bytes,
        entries=fetched.entries,
        new_articles=appended.new,
        revisions=appended.revised,
        revisions_deferred=entries.deferred,
        ttl_seconds=parsed.ttl_seconds if parsed is not None else None,
    )


def _error_text(error: FeedError) -> str:
    """An error's text as stored: server-supplied parts may carry anything a str can."""
    return clean_text(str(error))[:_MAX_ERROR_TEXT]


def _skipped_text(skipped: Sequence[str]) -> str | None:
    """One line for the poll log: how many entries were left out, and why the first was."""
    if not skipped:
        return None
    noun = "entry" if len(skipped) == 1 else "entries"
    return f"{len(skipped)} {noun} skipped; first: {skipped[0]}"[:_MAX_ERROR_TEXT]


def _health_events(
    store: Store,
    feed: FeedConfig,
    consecutive_failures: int,
    error: FeedError | None,
    result: FetchResult | None,
) -> list[Event]:
    """Feed-health transitions, judged against the last one in the log: a poll that changes
    nothing about the feed's health appends nothing."""
    last = log_queries.last_type(store, feed_stream(feed.id), HEALTH_TYPES)
    health = {"FeedFailed": "failing", "FeedGone": "gone"}.get(last, "ok") if last else "ok"
    gone = isinstance(error, HTTPStatusFailure) and error.gone
    moved = result.permanent_redirect if result is not None else None
    unchanged = (health == "ok") if error is None else (health == "gone" if gone else health != "ok")
    if unchanged and not moved:
        return []  # the usual poll: healthy and still healthy, or failing and still failing
    from tracker.events import FeedFailed, FeedGone, FeedMoved, FeedRecovered

    events: list[Event] = []
    if error is not None:
        status = error.status if isinstance(error, HTTPStatusFailure) else None
        if gone:
            if health != "gone":
                events.append(FeedGone(feed_id=feed.id, url=feed.url))
        elif health == "ok":
            reason = _error_text(error)
            events.append(
                FeedFailed(
                    feed_id=feed.id, category=error.category, reason=reason, status=status, url=feed.url
                )
            )
    elif health != "ok":
        events.append(FeedRecovered(feed_id=feed.id, failures=max(1, consecutive_failures), url=feed.url))
    if moved:
        events.append(FeedMoved(feed_id=feed.id, url=feed.url, new_url=moved))
    return events
