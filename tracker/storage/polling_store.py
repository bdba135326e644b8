"""The operational tables beside the log, in SQL: each feed's polling state, the poll log and
the daemon's heartbeat.

Not history: validators, last poll and next due live in `feed_polling` (one row per feed); every
poll adds a row to the prunable `polls`, written in the same transaction as the poll's events;
a running daemon keeps one row in `daemon_heartbeat`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from tracker.clock import format_utc
from tracker.storage.store import Store


@dataclass(frozen=True, slots=True)
class FeedPolling:
    """One feed's row of `feed_polling`: HTTP validators and schedule."""

    feed_id: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    consecutive_failures: int = 0
    gone: bool = False
    next_due_at: str | None = None
    last_poll_at: str | None = None
    ttl_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class PollRecord:
    """What one poll did; one row of `polls`, and the feed's new `feed_polling` row."""

    feed_id: str
    url: str
    started_at: datetime
    duration_ms: int
    outcome: str  # ok | not-modified | unchanged | failed
    status: int | None = None
    error_category: str | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    bytes: int = 0
    entries: int = 0
    new_articles: int = 0
    revisions: int = 0
    revisions_deferred: int = 0  # changed entries not revised: rate-limited
    ttl_seconds: int | None = None  # the <ttl> of the body this poll parsed


_STATE_COLUMNS = (
    "feed_id, url, etag, last_modified, body_hash, consecutive_failures, gone, next_due_at, last_poll_at, "
    "ttl_seconds"
)


def _state(row: tuple[Any, ...]) -> FeedPolling:
    return FeedPolling(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6]), row[7], row[8], row[9])


def load(store: Store, feed_id: str) -> FeedPolling:
    row = store.conn.execute(
        f"SELECT {_STATE_COLUMNS} FROM feed_polling WHERE feed_id = ?",  # noqa: S608 - fixed columns
        (feed_id,),
    ).fetchone()
    return FeedPolling(feed_id) if row is None else _state(row)


def load_all(store: Store) -> dict[str, FeedPolling]:
    """Every feed's state in one query (the daemon reads it every few seconds)."""
    rows = store.conn.execute(f"SELECT {_STATE_COLUMNS} FROM feed_polling").fetchall()  # noqa: S608
    return {row[0]: _state(row) for row in rows}


class PollWrite(NamedTuple):
    """A poll's row of `polls`, and what its feed's `feed_polling` row becomes."""

    poll: PollRecord
    consecutive_failures: int
    gone: bool
    next_due: datetime | None
    backoff_reason: str | None


def record(
    store: Store,
    poll: PollRecord,
    *,
    consecutive_failures: int,
    gone: bool,
    next_due: datetime | None,
    backoff_reason: str | None,
) -> None:
    """Append the poll to the log of polls and update the feed's state (inside a transaction)."""
    record_many(store, [PollWrite(poll, consecutive_failures, gone, next_due, backoff_reason)])


_INSERT_POLL = (
    "INSERT INTO polls (feed_id, url, started_at, duration_ms, outcome, status, error_category, error, "
    "etag, last_modified, bytes, entries, new_articles, revisions, revisions_deferred) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_STATE = (
    "INSERT INTO feed_polling (feed_id, url, etag, last_modified, body_hash, last_poll_at, "
    "last_success_at, last_status, last_outcome, last_error, consecutive_failures, next_due_at, "
    "backoff_reason, gone, ttl_seconds, revisions_deferred, churn_since) "
    "VALUES (:feed_id, :url, :etag, :last_modified, :body_hash, :started, :success, :status, :outcome, "
    ":error, :failures, :next_due, :reason, :gone, :ttl, :deferred, :churning) "
    "ON CONFLICT (feed_id) DO UPDATE SET url = excluded.url, "
    "etag = CASE WHEN :succeeded THEN excluded.etag ELSE etag END, "
    "last_modified = CASE WHEN :succeeded THEN excluded.last_modified ELSE last_modified END, "
    "body_hash = coalesce(excluded.body_hash, body_hash), last_poll_at = excluded.last_poll_at, "
    "last_success_at = coalesce(excluded.last_success_at, last_success_at), "
    "last_status = excluded.last_status, last_outcome = excluded.last_outcome, "
    "last_error = excluded.last_error, consecutive_failures = excluded.consecutive_failures, "
    "next_due_at = excluded.next_due_at, backoff_reason = excluded.backoff_reason, gone = excluded.gone, "
    "ttl_seconds = CASE WHEN :parsed THEN excluded.ttl_seconds ELSE ttl_seconds END, "
    "revisions_deferred = revisions_deferred + :deferred, "
    # Churn starts with a poll whose changes were rate-limited, ends with a parsed poll
    # that changed nothing (a churning feed revises or defers its entries on every poll).
    "churn_since = CASE WHEN :deferred THEN coalesce(churn_since, :started) "
    "WHEN :parsed AND :revisions = 0 THEN NULL ELSE churn_since END"
)


def record_many(store: Store, writes: Sequence[PollWrite]) -> None:
    """Append polls to the log of polls and update their feeds' states, one statement each for
    all of them (inside a transaction; at most one poll per feed)."""
    store.conn.executemany(_INSERT_POLL, [_poll_row(write.poll) for write in writes])
    store.conn.executemany(_UPSERT_STATE, [_state_row(write) for write in writes])


def _poll_row(poll: PollRecord) -> tuple[object, ...]:
    return (
        poll.feed_id, poll.url, format_utc(poll.started_at), poll.duration_ms, poll.outcome, poll.status,
        poll.error_category, poll.error, poll.etag, poll.last_modified, poll.bytes, poll.entries,
        poll.new_articles, poll.revisions, poll.revisions_deferred,
    )  # fmt: skip


def _state_row(write: PollWrite) -> dict[str, object]:
    poll = write.poll
    started = format_utc(poll.started_at)
    succeeded = poll.outcome != "failed"
    return {
        "feed_id": poll.feed_id,
        "url": poll.url,
        "etag": poll.etag,
        "last_modified": poll.last_modified,
        "body_hash": poll.body_hash,
        "started": started,
        "success": started if succeeded else None,
        "status": poll.status,
        "outcome": poll.outcome,
        "error": poll.error,
        "failures": write.consecutive_failures,
        "next_due": format_utc(write.next_due) if write.next_due else None,
        "reason": write.backoff_reason,
        "gone": int(write.gone),
        "succeeded": int(succeeded),
        "parsed": int(poll.outcome == "ok"),
        "ttl": poll.ttl_seconds,
        "deferred": poll.revisions_deferred,
        "churning": started if poll.revisions_deferred else None,
        "revisions": poll.revisions,
    }


def transaction_open(store: Store) -> bool:
    """Whether the polls' transaction is still open: SQLite ends one itself on some errors (a full
    disk, an I/O error), and then every poll written in it is lost with it."""
    return store.conn.in_transaction


def reset(store: Store, feed_id: str) -> bool:
    """Forget a feed's failures and gone mark so it is polled again (`tracker feeds reset`)."""
    cursor = store.conn.execute(
        "UPDATE feed_polling SET gone = 0, consecutive_failures = 0, next_due_at = NULL, "
        "backoff_reason = NULL WHERE feed_id = ?",
        (feed_id,),
    )
    return cursor.rowcount > 0


def prune_polls(store: Store, older_than: datetime) -> int:
    cursor = store.conn.execute("DELETE FROM polls WHERE started_at < ?", (format_utc(older_than),))
    return cursor.rowcount


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The daemon's row: who beats, since when, last beat, and what it said (`detail`)."""

    pid: int
    started_at: str
    beat_at: str
    detail: dict[str, Any]


def write_heartbeat(store: Store, *, started_at: datetime, now: datetime, detail: Mapping[str, Any]) -> None:
    """Write this process's heartbeat (inside the caller's transaction)."""
    store.conn.execute(
        "INSERT INTO daemon_heartbeat (id, pid, started_at, beat_at, detail) VALUES (1, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, started_at = excluded.started_at, "
        "beat_at = excluded.beat_at, detail = excluded.detail",
        (
            os.getpid(),
            format_utc(started_at),
            format_utc(now),
            json.dumps(dict(detail), ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        ),
    )


def read_heartbeat(store: Store) -> Heartbeat | None:
    """The last heartbeat a daemon wrote on this store, or None if none ever ran."""
    row = store.conn.execute("SELECT pid, started_at, beat_at, detail FROM daemon_heartbeat").fetchone()
    return None if row is None else Heartbeat(row[0], row[1], row[2], json.loads(row[3]))


@dataclass(frozen=True, slots=True)
class Churn:
    """A feed whose entries change on (nearly) every poll: its revisions are rate-limited."""

    feed_id: str
    since: str  # the first poll, of the current run, whose changes were rate-limited
    deferred: int  # changes not recorded, in all


def churning(store: Store) -> list[Churn]:
    """Feeds whose revisions are being rate-limited now, by id."""
    rows = store.conn.execute(
        "SELECT feed_id, churn_since, revisions_deferred FROM feed_polling "
        "WHERE churn_since IS NOT NULL ORDER BY feed_id"
    )
    return [Churn(*row) for row in rows]
