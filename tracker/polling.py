"""One poll of one feed, end to end: fetch → parse → one transaction that appends the events,
records the poll and the feed's new HTTP state, and catches projections up (the caller names
which: interpretation is slow, and belongs after the transaction, see INLINE_PROJECTIONS).

Whatever goes wrong with a feed (network, HTTP status, hostile body, a parser crash) becomes a
failed poll of that feed, recorded like any other; it never escapes to stop other feeds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tracker import ingest
from tracker.clock import Clock, system_clock
from tracker.config import FeedConfig
from tracker.errors import FeedError, HTTPStatusFailure
from tracker.events import Event, FeedFailed, FeedGone, FeedMoved, FeedRecovered, feed_stream
from tracker.net.fetch import Fetcher, FetchResult
from tracker.parsing.feed import ParsedFeed
from tracker.parsing.pool import ParsePool
from tracker.projections.runner import ProjectionRunner
from tracker.schedule import next_poll
from tracker.storage import log_queries, polling_store
from tracker.storage.store import Store
from tracker.textsafe import clean_text

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
    `<ttl>` the feed gave last time (kept in `feed_state`).
    """
    # Long on purpose: one poll read top to bottom (fetch, parse, ingest, record, schedule); every
    # failure path ends in the same record-and-schedule step, which shares these locals.
    state = polling_store.load(store, feed.id)
    same_url = state.url == feed.url
    started_at, started = clock(), time.monotonic()
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
    duration = time.monotonic() - started

    if error is not None:
        outcome = "failed"
    elif result is not None and result.status == 304:
        outcome = "not-modified"
    elif parsed is None:
        outcome = "unchanged"
    else:
        outcome = "ok"

    async with store.transaction_async():  # waits for the write lock without blocking the loop
        events: list[Event] = []
        skipped: tuple[str, ...] = ()
        deferred = 0
        if parsed is not None:
            streams = ingest.streams_for(feed.id, parsed.entries)
            heads = store.stream_heads(streams)
            recorded = log_queries.stream_recorded(store, heads)
            plan = ingest.plan(feed.id, parsed.entries, heads, recorded=recorded, now=clock())
            events.extend(plan.events)
            skipped = parsed.unreadable + plan.skipped
            deferred = plan.deferred
        events.extend(_health_events(store, feed, state.consecutive_failures, error, result))

        failures = state.consecutive_failures + 1 if error else 0
        gone = isinstance(error, HTTPStatusFailure) and error.gone
        retry_after = error.retry_after if isinstance(error, HTTPStatusFailure) else None
        ttl = parsed.ttl_seconds if parsed is not None else (state.ttl_seconds if same_url else None)
        schedule = next_poll(
            clock(),
            feed.interval_seconds,
            consecutive_failures=failures,
            retry_after=retry_after,
            max_age=result.max_age if result else None,
            ttl=ttl if error is None else None,
            gone=gone,
        )
        status = error.status if isinstance(error, HTTPStatusFailure) else (result.status if result else None)
        # The appended events, not the plan, are counted: another process may have been first.
        appended = store.append(events, meta={"feed": feed.id}).appended
        new = sum(1 for e in appended if e.type == "ArticleObserved")
        revised = sum(1 for e in appended if e.type == "ArticleRevised")
        health = next((e.type for e in appended if e.type in (*HEALTH_TYPES, "FeedMoved")), None)
        polling_store.record(
            store,
            polling_store.PollRecord(
                feed_id=feed.id,
                url=feed.url,
                started_at=started_at,
                duration_ms=round(duration * 1000),
                outcome=outcome,
                status=status,
                error_category=error.category if error else ("entries" if skipped else None),
                error=_error_text(error) if error else _skipped_text(skipped),
                etag=result.etag if result else None,
                last_modified=result.last_modified if result else None,
                body_hash=body_hash if parsed is not None or outcome == "unchanged" else None,
                bytes=result.bytes_read if result else 0,
                entries=len(parsed.entries) if parsed else 0,
                new_articles=new,
                revisions=revised,
                revisions_deferred=deferred,
                ttl_seconds=parsed.ttl_seconds if parsed is not None else None,
            ),
            consecutive_failures=failures,
            gone=gone,
            next_due=schedule.due,
            backoff_reason=schedule.reason,
        )
        caught_up = runner.catch_up(store, only=projections)

    return PollResult(
        feed_id=feed.id,
        outcome=outcome,
        status=status,
        entries=len(parsed.entries) if parsed else 0,
        new=new,
        revised=revised,
        bytes=result.bytes_read if result else 0,
        duration=duration,
        error=_error_text(error) if error else None,
        category=error.category if error else None,
        health_event=health,
        next_due_reason=schedule.reason,
        projection_errors=tuple(str(f) for f in caught_up.failures),
        next_due=schedule.due,
        ttl_seconds=ttl,
        skipped=skipped,
        deferred=deferred,
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
    last = store.last_in_stream(feed_stream(feed.id), HEALTH_TYPES)
    health = {"FeedFailed": "failing", "FeedGone": "gone"}.get(last.type, "ok") if last else "ok"
    events: list[Event] = []
    if error is not None:
        status = error.status if isinstance(error, HTTPStatusFailure) else None
        if isinstance(error, HTTPStatusFailure) and error.gone:
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
    if result is not None and result.permanent_redirect:
        events.append(FeedMoved(feed_id=feed.id, url=feed.url, new_url=result.permanent_redirect))
    return events
