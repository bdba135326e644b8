"""The operational table `page_fetches`: which article pages are wanted, their attempts and
back-off, and what became of them. Not history (the texts themselves are events); it survives
restarts so that a page is neither fetched twice needlessly nor forgotten."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tracker.clock import format_utc
from tracker.config import FeedConfig, FullTextMode
from tracker.pages.policy import wants_page
from tracker.storage.connect import Executes
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


def enqueue_wanted(
    store: Store, feeds: Iterable[FeedConfig], now: datetime, teasers: Mapping[int, bool] | None = None
) -> int:
    """Queue the page of every current article version of `feeds` that wants one and is not queued
    for that version yet. Read from the `articles` projection, so an entry a crash left unqueued is
    queued by the next pass. Returns how many were queued. `teasers` gives, by log position, the
    versions whose text is known to be a teaser or not (`tracker.pages.policy.is_teaser`, worked out
    where they were parsed); the others' text is read from the log.

    A version that wants no page is marked as considered (a row `unwanted`, or the row it had keeps
    its status and moves to that version), so later passes do not convert its text again; a feed
    switched to `full_text = "always"` has its unwanted rows considered again.

    Each pass reads only what may have changed since the feed's last one (`_candidates`), so its
    cost follows what is new, not the size of the store; which pages are wanted is exactly what a
    reading of every article would decide (`tests/test_page_marks.py` compares the two)."""
    modes = {feed.id: feed.full_text for feed in feeds if feed.full_text != "never"}
    if not modes:
        return 0
    stamp = format_utc(now)
    rechecks: list[tuple[str, str]] = []
    marks = _marks(store, modes)
    considered: list[tuple[FullTextMode, tuple[Any, ...]]] = []
    for row in _candidates(store, modes, marks):
        stream, feed_id, *_, position, status, queued_for = row
        if status == "pending" and queued_for < position:
            rechecks.append((stream, feed_id))  # revised while its page waits: once it no longer does
            continue
        if (
            status is None
            or (queued_for < position and status != "pending")
            or (status == "unwanted" and modes[feed_id] == "always")
        ):
            considered.append((modes[feed_id], row[:5]))
    known = teasers or {}
    queued = record_decisions(store, _with_texts(store, considered, known), stamp, known)
    _advance_marks(store, modes, marks, rechecks)
    return queued


_UNWANTED = (
    "INSERT INTO page_fetches (stream, feed_id, entry_key, url, status, attempts, "
    "next_attempt_at, article_position, updated_at) VALUES (?, ?, ?, ?, 'unwanted', 0, ?, ?, ?) "
    "ON CONFLICT (stream) DO UPDATE SET article_position = excluded.article_position, "
    "updated_at = excluded.updated_at"
)
_QUEUED = (
    "INSERT INTO page_fetches (stream, feed_id, entry_key, url, status, attempts, next_attempt_at, "
    "article_position, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?) "
    "ON CONFLICT (stream) DO UPDATE SET url = excluded.url, status = 'pending', attempts = 0, "
    "next_attempt_at = excluded.next_attempt_at, article_position = excluded.article_position, "
    "updated_at = excluded.updated_at"
)


def record_decisions(
    store: Store,
    articles: Iterable[tuple[FullTextMode, tuple[Any, ...]]],
    stamp: str,
    teasers: Mapping[int, bool] | None = None,
) -> int:
    """Queue the page of each article version (stream, feed, entry key, link, summary, content,
    position) that wants one under its feed's mode, and mark the others considered, with one
    statement for each kind; returns how many pages were queued. A version in `teasers` is judged
    by its verdict there, not by its text."""
    decided: dict[bool, list[tuple[object, ...]]] = {True: [], False: []}  # by whether the page is wanted
    known = teasers or {}
    for mode, article in articles:
        wanted, values = _decision(mode, article, stamp, known)
        decided[wanted].append(values)
    for wanted, rows in decided.items():  # one row a stream: the order between them is free
        store.conn.executemany(_QUEUED if wanted else _UNWANTED, rows)
    return len(decided[True])


def _decision(
    mode: FullTextMode, article: tuple[Any, ...], stamp: str, teasers: Mapping[int, bool]
) -> tuple[bool, tuple[object, ...]]:
    """Whether the page of an article version (as `record_decisions` takes it) is wanted, and its row."""
    stream, feed_id, entry_key, link, summary, content, position = article
    values = (stream, feed_id, entry_key, link or "", stamp, position, stamp)  # a wanted page has a link
    return wants_page(mode, link, summary, content, teaser=teasers.get(position)), values


def _with_texts(
    store: Store, considered: list[tuple[FullTextMode, tuple[Any, ...]]], teasers: Mapping[int, bool]
) -> list[tuple[FullTextMode, tuple[Any, ...]]]:
    """The candidates (stream, feed, entry key, link, position) as `record_decisions` takes them:
    with their summary and content, read from the log for the versions judged by their text ("auto"
    mode, a verdict not known), None for the others."""
    unknown = [row[4] for mode, row in considered if mode == "auto" and row[4] not in teasers]
    texts: dict[int, tuple[str | None, str | None]] = {}
    if unknown:
        rows = store.conn.execute(_TEXTS, [json.dumps(unknown)])
        texts = {position: (summary, content) for position, summary, content in rows}
    return [(mode, (*row[:4], *texts.get(row[4], (None, None)), row[4])) for mode, row in considered]


_TEXTS = """
SELECT position, json_extract(data, '$.summary'), json_extract(data, '$.content') FROM events
WHERE position IN (SELECT value FROM json_each(?))
"""


# Which rows can change a decision, without reading every article: the article versions the log
# gained since the feed's mark, the articles revised while their page was pending, and, for a
# feed just switched to "always", its unwanted rows. Every other article was considered at its
# current version under its feed's mode, and would be decided the same way again. The log's
# article events lead (`CROSS JOIN` keeps SQLite from scanning the feeds' articles instead);
# of those, only the rows a decision may change are read (the articles revised while their page
# is pending among them, to be recorded as rechecks), and the text only of those it may need.
_CANDIDATES = """
SELECT a.stream, a.feed_id, a.entry_key, a.link, a.position, p.status, p.article_position
FROM (
    SELECT stream FROM events WHERE type IN ('ArticleObserved', 'ArticleRevised') AND position > ?
    UNION SELECT stream FROM page_rechecks WHERE feed_id IN ({feeds}){switched}
) AS c
CROSS JOIN article_rows AS a ON a.stream = c.stream
LEFT JOIN page_fetches AS p ON p.stream = a.stream
WHERE a.feed_id IN ({feeds}) AND (p.stream IS NULL OR p.article_position < a.position
                                 OR (p.status = 'unwanted' AND a.feed_id IN ({always})))
ORDER BY a.position
"""
_SWITCHED = "\n    UNION SELECT stream FROM page_fetches WHERE status = 'unwanted' AND feed_id IN ({})"
Marks = dict[str, tuple[int, str]]  # feed → (position, full_text) of its last pass


def _marks(store: Store, modes: Mapping[str, FullTextMode]) -> Marks:
    rows = store.conn.execute(
        f"SELECT feed_id, position, full_text FROM page_marks WHERE feed_id IN ({_placeholders(modes)})",  # noqa: S608
        list(modes),
    )
    return {feed_id: (position, mode) for feed_id, position, mode in rows}


def _placeholders(values: Iterable[object]) -> str:
    return ",".join("?" for _ in values)


def _candidates(store: Store, modes: Mapping[str, FullTextMode], marks: Marks) -> list[tuple[Any, ...]]:
    since = min(marks.get(feed_id, (0, ""))[0] for feed_id in modes)
    always = [f for f, mode in modes.items() if mode == "always"]
    switched = [f for f in always if marks.get(f, (0, ""))[1] != "always"]
    union = _SWITCHED.format(_placeholders(switched)) if switched else ""
    sql = _CANDIDATES.format(feeds=_placeholders(modes), switched=union, always=_placeholders(always))
    return store.conn.execute(sql, [since, *modes, *switched, *modes, *always]).fetchall()


def _advance_marks(
    store: Store, modes: Mapping[str, FullTextMode], marks: Marks, rechecks: list[tuple[str, str]]
) -> None:
    """Move each feed's mark to the articles the projection holds now (never back: a rebuild in
    progress holds fewer, and starts the marks over itself), and keep the rechecks still due."""
    row = store.conn.execute("SELECT position FROM projection_checkpoints WHERE name = 'articles'").fetchone()
    head = row[0] if row else 0
    moved = []
    for feed_id, mode in modes.items():
        position = max(head, marks.get(feed_id, (0, ""))[0])
        if marks.get(feed_id) != (position, mode):
            moved.append((feed_id, position, mode))
    store.conn.executemany(
        "INSERT INTO page_marks (feed_id, position, full_text) VALUES (?, ?, ?) ON CONFLICT (feed_id) "
        "DO UPDATE SET position = excluded.position, full_text = excluded.full_text",
        moved,
    )
    store.conn.execute(f"DELETE FROM page_rechecks WHERE feed_id IN ({_placeholders(modes)})", list(modes))  # noqa: S608
    store.conn.executemany("INSERT INTO page_rechecks (stream, feed_id) VALUES (?, ?)", rechecks)


def forget_marks(db: Executes) -> None:
    """Start every feed's mark over: the `articles` table they count is being rebuilt, and may
    come back with an article version it skipped before (one a projection could not apply)."""
    db.execute("DELETE FROM page_marks")


def due(store: Store, feed_ids: Iterable[str], now: datetime) -> list[WantedPage]:
    """Pending pages of these feeds whose next attempt is due, oldest first."""
    ids = list(feed_ids)
    if not ids:
        return []
    rows = store.conn.execute(
        "SELECT stream, feed_id, entry_key, url, attempts FROM page_fetches WHERE status = 'pending' "  # noqa: S608
        f"AND next_attempt_at <= ? AND feed_id IN ({_placeholders(ids)}) "
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
