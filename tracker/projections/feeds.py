"""`feed_history`: each feed as the log tells it (failing, recovered, gone, moved), with article
counts; and the `feed_health` view that users and `tracker feeds` read.

Three names, three jobs: `feed_history` is this projection (history, rebuilt from the log);
`feed_polling` is the operational polling state (validators, last poll, consecutive failures, next
due: not history, kept across rebuilds, see `tracker.storage.polling_store`); `feed_health` joins the two,
one row per feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from tracker.projections.runner import Projection
from tracker.storage.store import Store

if TYPE_CHECKING:
    import sqlite_utils

    from tracker.events import FeedFailed, FeedGone, FeedMoved, FeedRecovered, RecordedEvent

    _HealthEvent = FeedFailed | FeedRecovered | FeedGone | FeedMoved

_TABLE = """
CREATE TABLE feed_history (
    feed_id          TEXT PRIMARY KEY,
    health           TEXT NOT NULL DEFAULT 'ok',  -- ok | failing | gone
    health_since     TEXT,                        -- recorded_at of the last health change
    category         TEXT,                        -- failure category while failing
    reason           TEXT,                        -- failure reason while failing
    moved_to         TEXT,                        -- target of a permanent redirect, if one was seen
    failures_recorded INTEGER NOT NULL DEFAULT 0, -- FeedFailed events so far
    articles         INTEGER NOT NULL DEFAULT 0,
    revisions        INTEGER NOT NULL DEFAULT 0,
    last_article_at  TEXT                         -- recorded_at of the newest article
) STRICT
"""

_VIEW = """
CREATE VIEW feed_health AS
SELECT
    coalesce(s.feed_id, f.feed_id) AS feed_id,
    s.url, coalesce(f.health, 'ok') AS health, f.health_since, f.category, f.reason, f.moved_to,
    s.last_poll_at, s.last_success_at, s.last_status, s.last_outcome, s.last_error,
    coalesce(s.consecutive_failures, 0) AS consecutive_failures, s.next_due_at, s.backoff_reason,
    s.etag, s.last_modified, coalesce(f.articles, 0) AS articles, coalesce(f.revisions, 0) AS revisions,
    f.last_article_at
FROM feed_polling AS s LEFT JOIN feed_history AS f ON f.feed_id = s.feed_id
UNION ALL
SELECT f.feed_id, NULL, f.health, f.health_since, f.category, f.reason, f.moved_to,
    NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, f.articles, f.revisions, f.last_article_at
FROM feed_history AS f WHERE f.feed_id NOT IN (SELECT feed_id FROM feed_polling)
"""


class FeedHistoryProjection(Projection):
    name: ClassVar[str] = "feed_history"
    version: ClassVar[int] = 1
    handles: ClassVar[frozenset[str] | None] = frozenset(
        {"ArticleObserved", "ArticleRevised", "FeedFailed", "FeedRecovered", "FeedGone", "FeedMoved"}
    )

    def create(self, db: sqlite_utils.Database) -> None:
        db.execute(_TABLE)
        db.execute(_VIEW)

    def drop(self, db: sqlite_utils.Database) -> None:
        db.execute("DROP VIEW IF EXISTS feed_health")
        db.execute("DROP TABLE IF EXISTS feed_history")

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        self.apply_batch(db, [recorded])

    def apply_batch(self, db: sqlite_utils.Database, events: Sequence[RecordedEvent]) -> None:
        """Rows are created in the order their feeds first appear; the article counts (columns no
        other event touches) are summed per feed and written with one statement; the rare health
        events are applied one by one, in log order."""
        from tracker.events import (
            ArticleObserved,
            ArticleRevised,
            FeedFailed,
            FeedGone,
            FeedMoved,
            FeedRecovered,
        )

        handled = (ArticleObserved, ArticleRevised, FeedFailed, FeedRecovered, FeedGone, FeedMoved)
        feeds: dict[str, list[Any]] = {}  # feed id -> [articles, revisions, last article at]
        health: list[tuple[_HealthEvent, str]] = []
        for recorded in events:
            event = recorded.event
            if not isinstance(event, handled):
                continue
            counts = feeds.setdefault(event.feed_id, [0, 0, None])
            if isinstance(event, ArticleObserved):
                counts[0] += 1
                counts[2] = recorded.recorded_at
            elif isinstance(event, ArticleRevised):
                counts[1] += 1
            else:
                health.append((event, recorded.recorded_at))
        db.conn.executemany(
            "INSERT INTO feed_history (feed_id) VALUES (?) ON CONFLICT DO NOTHING", [(f,) for f in feeds]
        )
        db.conn.executemany(
            "UPDATE feed_history SET articles = articles + ?, revisions = revisions + ?, "
            "last_article_at = coalesce(?, last_article_at) WHERE feed_id = ?",
            [(*counts, feed_id) for feed_id, counts in feeds.items() if counts[0] or counts[1]],
        )
        for event, at in health:
            sql, params = _health_change(event, at)
            db.execute(f"UPDATE feed_history SET {sql} WHERE feed_id = ?", params)  # noqa: S608


def _health_change(event: _HealthEvent, at: str) -> tuple[str, list[object]]:
    """The assignments a feed's health event makes to its row, and their parameters (the feed id last)."""
    from tracker.events import FeedFailed, FeedGone, FeedRecovered

    if isinstance(event, FeedFailed):
        sql = (
            "health = 'failing', health_since = ?, category = ?, reason = ?, "
            "failures_recorded = failures_recorded + 1"
        )
        return sql, [at, event.category, event.reason, event.feed_id]
    if isinstance(event, FeedRecovered):
        return "health = 'ok', health_since = ?, category = NULL, reason = NULL", [at, event.feed_id]
    if isinstance(event, FeedGone):
        sql = "health = 'gone', health_since = ?, category = 'gone', reason = ?"
        return sql, [at, f"HTTP {event.status} Gone", event.feed_id]
    return "moved_to = ?", [event.new_url, event.feed_id]


@dataclass(frozen=True, slots=True)
class FeedHealth:
    """One row of the `feed_health` view."""

    feed_id: str
    url: str | None
    health: str  # ok | failing | gone
    last_poll_at: str | None
    last_status: int | None
    last_error: str | None
    consecutive_failures: int
    next_due_at: str | None
    backoff_reason: str | None
    articles: int
    moved_to: str | None


def load_health(store: Store) -> dict[str, FeedHealth]:
    """Every row of `feed_health` by feed id; empty before the projection first ran."""
    if not store.db["feed_health"].exists():
        return {}
    rows = store.db.execute(
        "SELECT feed_id, url, health, last_poll_at, last_status, last_error, consecutive_failures, "
        "next_due_at, backoff_reason, articles, moved_to FROM feed_health"
    )
    return {row[0]: FeedHealth(*row) for row in rows}


def articles_by_feed(store: Store) -> dict[str, int]:
    """How many articles each feed has brought (first observations: the `articles` table's rows per
    feed, when both projections stand at one position and went on without no event)."""
    return dict(store.conn.execute("SELECT feed_id, articles FROM feed_history WHERE articles > 0"))
