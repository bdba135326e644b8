"""`feed_history`: each feed as the log tells it (failing, recovered, gone, moved), with article
counts; and the `feed_health` view that users and `tracker feeds` read.

Three names, three jobs: `feed_history` is this projection (history, rebuilt from the log);
`feed_polling` is the operational polling state (validators, last poll, consecutive failures, next
due: not history, kept across rebuilds, see `tracker.storage.polling_store`); `feed_health` joins the two,
one row per feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from tracker.events import (
    ArticleObserved,
    ArticleRevised,
    FeedFailed,
    FeedGone,
    FeedMoved,
    FeedRecovered,
    RecordedEvent,
)
from tracker.projections.runner import Projection
from tracker.storage.store import Store

if TYPE_CHECKING:
    import sqlite_utils

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
        event = recorded.event
        if not isinstance(
            event, ArticleObserved | ArticleRevised | FeedFailed | FeedRecovered | FeedGone | FeedMoved
        ):
            return
        db.execute("INSERT INTO feed_history (feed_id) VALUES (?) ON CONFLICT DO NOTHING", [event.feed_id])
        at = recorded.recorded_at
        if isinstance(event, ArticleObserved):
            sql, params = "articles = articles + 1, last_article_at = ?", [at]
        elif isinstance(event, ArticleRevised):
            sql, params = "revisions = revisions + 1", []
        elif isinstance(event, FeedFailed):
            sql = (
                "health = 'failing', health_since = ?, category = ?, reason = ?, "
                "failures_recorded = failures_recorded + 1"
            )
            params = [at, event.category, event.reason]
        elif isinstance(event, FeedRecovered):
            sql, params = "health = 'ok', health_since = ?, category = NULL, reason = NULL", [at]
        elif isinstance(event, FeedGone):
            sql, params = (
                "health = 'gone', health_since = ?, category = 'gone', reason = ?",
                [at, f"HTTP {event.status} Gone"],
            )
        else:
            sql, params = "moved_to = ?", [event.new_url]
        db.execute(f"UPDATE feed_history SET {sql} WHERE feed_id = ?", [*params, event.feed_id])  # noqa: S608


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
