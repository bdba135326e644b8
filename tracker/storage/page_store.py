"""The operational table `page_fetches`: which article pages are wanted, their attempts and
back-off, and what became of them. Not history (the texts themselves are events); it survives
restarts so that a page is neither fetched twice needlessly nor forgotten."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.clock import format_utc
from tracker.config import FeedConfig
from tracker.pages.policy import wants_page
from tracker.storage.store import Store

_FIRST_RETRY = timedelta(minutes=5)  # doubled at each failed attempt
_MAX_ERROR_TEXT = 300


@dataclass(frozen=True, slots=True)
class WantedPage:
    stream: str  # the article's stream
    feed_id: str
    entry_key: str
    url: str
    attempts: int


@dataclass(frozen=True, slots=True)
class PageCounts:
    """One feed's pages, as `tracker feeds` shows them."""

    fetched: int = 0
    pending: int = 0
    failing: int = 0  # pending after at least one failed attempt
    given_up: int = 0
    last_error: str | None = None


def enqueue_wanted(store: Store, feeds: Iterable[FeedConfig], now: datetime) -> int:
    """Queue the page of every current article version of `feeds` that wants one and is not queued
    for that version yet. Read from the `articles` projection, so an entry a crash left unqueued is
    queued by the next pass. Returns how many were queued.

    A version that wants no page is marked as considered (a row `unwanted`, or the row it had keeps
    its status and moves to that version), so later passes do not convert its text again; under
    `full_text = "always"` the test is cheap and every unwanted row is considered again."""
    modes = {feed.id: feed.full_text for feed in feeds if feed.full_text != "never"}
    if not modes:
        return 0
    marks = ",".join("?" * len(modes))
    always = [feed_id for feed_id, mode in modes.items() if mode == "always"]
    rows = store.conn.execute(
        "SELECT a.stream, a.feed_id, a.entry_key, a.link, a.summary, a.content, a.position "  # noqa: S608
        "FROM articles AS a LEFT JOIN page_fetches AS p ON p.stream = a.stream "
        f"WHERE a.feed_id IN ({marks}) AND (p.stream IS NULL OR "
        "(p.article_position < a.position AND p.status != 'pending') "
        f"OR (p.status = 'unwanted' AND a.feed_id IN ({','.join('?' * len(always))})))",
        [*modes, *always],
    ).fetchall()
    stamp = format_utc(now)
    queued = 0
    for stream, feed_id, entry_key, link, summary, content, position in rows:
        if not wants_page(modes[feed_id], link, summary, content):
            store.conn.execute(
                "INSERT INTO page_fetches (stream, feed_id, entry_key, url, status, attempts, "
                "next_attempt_at, article_position, updated_at) VALUES (?, ?, ?, ?, 'unwanted', 0, ?, ?, ?) "
                "ON CONFLICT (stream) DO UPDATE SET article_position = excluded.article_position, "
                "updated_at = excluded.updated_at",
                (stream, feed_id, entry_key, link or "", stamp, position, stamp),
            )
            continue
        store.conn.execute(
            "INSERT INTO page_fetches (stream, feed_id, entry_key, url, status, attempts, next_attempt_at, "
            "article_position, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
            "ON CONFLICT (stream) DO UPDATE SET url = excluded.url, status = 'pending', attempts = 0, "
            "next_attempt_at = excluded.next_attempt_at, article_position = excluded.article_position, "
            "updated_at = excluded.updated_at",
            (stream, feed_id, entry_key, link, stamp, position, stamp),
        )
        queued += 1
    return queued


def due(store: Store, feed_ids: Iterable[str], now: datetime) -> list[WantedPage]:
    """Pending pages of these feeds whose next attempt is due, oldest first."""
    ids = list(feed_ids)
    if not ids:
        return []
    rows = store.conn.execute(
        "SELECT stream, feed_id, entry_key, url, attempts FROM page_fetches WHERE status = 'pending' "  # noqa: S608
        f"AND next_attempt_at <= ? AND feed_id IN ({','.join('?' * len(ids))}) "
        "ORDER BY next_attempt_at, stream",
        [format_utc(now), *ids],
    ).fetchall()
    return [WantedPage(*row) for row in rows]


def record_fetched(store: Store, stream: str, final_url: str, content_hash: str, now: datetime) -> None:
    stamp = format_utc(now)
    store.conn.execute(
        "UPDATE page_fetches SET status = 'fetched', attempts = attempts + 1, last_error = NULL, "
        "final_url = ?, content_hash = ?, updated_at = ? WHERE stream = ?",
        (final_url, content_hash, stamp, stream),
    )


def record_failure(
    store: Store, page: WantedPage, error: str, now: datetime, *, max_attempts: int, final: bool
) -> bool:
    """Count a failed attempt; back off, or give up after `max_attempts` (at once when `final`:
    a refusal that another try would repeat). Returns whether the page was given up."""
    attempts = page.attempts + 1
    given_up = final or attempts >= max_attempts
    retry_at = now + _FIRST_RETRY * 2 ** (attempts - 1)
    store.conn.execute(
        "UPDATE page_fetches SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ?, "
        "updated_at = ? WHERE stream = ?",
        (
            "given-up" if given_up else "pending",
            attempts,
            format_utc(retry_at),
            error[:_MAX_ERROR_TEXT],
            format_utc(now),
            page.stream,
        ),
    )
    return given_up


def counts(store: Store) -> dict[str, PageCounts]:
    """Per feed: pages fetched, pending, failing and given up, and the latest error."""
    result: dict[str, PageCounts] = {}
    rows = store.conn.execute(
        "SELECT feed_id, sum(status = 'fetched'), sum(status = 'pending'), "
        "sum(status = 'pending' AND attempts > 0), sum(status = 'given-up'), "
        "(SELECT last_error FROM page_fetches AS q WHERE q.feed_id = p.feed_id AND last_error IS NOT NULL "
        "ORDER BY updated_at DESC, stream LIMIT 1) "
        "FROM page_fetches AS p GROUP BY feed_id"
    ).fetchall()
    for feed_id, fetched, pending, failing, given_up, last_error in rows:
        result[feed_id] = PageCounts(fetched, pending, failing, given_up, last_error)
    return result
