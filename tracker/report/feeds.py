"""Data for `tracker feeds`: each configured or known feed's health, the daemon's heartbeat and
how far projections lag behind the log."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tracker.clock import Clock, format_duration, parse_utc, system_clock
from tracker.config import Config
from tracker.projections import runner_for
from tracker.store import Store

HEARTBEAT_STALE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class FeedHealthRow:
    feed_id: str
    url: str | None
    configured: bool
    health: str  # ok | failing | gone | never polled
    last_poll_at: str | None
    last_status: int | None
    last_outcome: str | None
    last_error: str | None
    consecutive_failures: int
    next_due_at: str | None
    backoff_reason: str | None
    articles: int
    moved_to: str | None


@dataclass(frozen=True, slots=True)
class FeedHealthReport:
    feeds: tuple[FeedHealthRow, ...]
    notes: tuple[str, ...]  # daemon liveness, projection lag, dead letters


def feed_health(store: Store, config: Config, clock: Clock = system_clock) -> FeedHealthReport:
    with store.snapshot():
        rows = (
            {
                row["feed_id"]: row
                for row in store.db.query(
                    "SELECT feed_id, url, health, last_poll_at, last_status, last_outcome, last_error, "
                    "consecutive_failures, next_due_at, backoff_reason, articles, moved_to FROM feed_health"
                )
            }
            if store.db["feed_health"].exists()
            else {}
        )
        feeds: list[FeedHealthRow] = []
        configured = {feed.id: feed for feed in config.feeds}
        for feed_id in [*configured, *sorted(set(rows) - set(configured))]:
            row = rows.get(feed_id)
            feeds.append(
                FeedHealthRow(
                    feed_id=feed_id,
                    url=configured[feed_id].url if feed_id in configured else (row or {}).get("url"),
                    configured=feed_id in configured,
                    health=row["health"]
                    if row and row["last_poll_at"]
                    else ("never polled" if not row else row["health"]),
                    last_poll_at=row["last_poll_at"] if row else None,
                    last_status=row["last_status"] if row else None,
                    last_outcome=row["last_outcome"] if row else None,
                    last_error=row["last_error"] if row else None,
                    consecutive_failures=row["consecutive_failures"] if row else 0,
                    next_due_at=row["next_due_at"] if row else None,
                    backoff_reason=row["backoff_reason"] if row else None,
                    articles=row["articles"] if row else 0,
                    moved_to=row["moved_to"] if row else None,
                )
            )
        notes = [*_daemon_notes(store, clock), *_projection_notes(store, config)]
    return FeedHealthReport(tuple(feeds), tuple(notes))


def _daemon_notes(store: Store, clock: Clock) -> list[str]:
    row = store.conn.execute("SELECT pid, started_at, beat_at, detail FROM daemon_heartbeat").fetchone()
    if row is None:
        return ["daemon: no daemon has run on this store"]
    pid, started_at, beat_at, detail = row
    age = clock() - parse_utc(beat_at)
    info = json.loads(detail)
    if info.get("state") == "stopped":
        return [f"daemon: stopped at {info.get('stopped_at', beat_at)} (pid {pid})"]
    if age > HEARTBEAT_STALE:
        return [f"daemon: not running (last heartbeat {format_duration(age.total_seconds())} ago, pid {pid})"]
    notes = [
        f"daemon: alive (pid {pid}, since {started_at}, heartbeat {format_duration(age.total_seconds())} ago)"
        + (f": {summary}" if (summary := _daemon_summary(info)) else "")
    ]
    if info.get("storage"):
        notes.append(f"daemon: polling paused, the store cannot be written: {info['storage']}")
    return notes  # the heartbeat's "lag" is shown live by the projection notes


def _daemon_summary(info: dict[str, Any]) -> str:
    """The heartbeat's counters in words; unknown keys are shown as they are."""
    parts = []
    if "feeds" in info:
        parts.append(f"{info['feeds']} feeds scheduled")
    if "polls" in info:
        parts.append(f"{info['polls']} polls")
    for key, label in (("failing", "failing"), ("gone", "gone")):
        ids = info.get(key)
        if isinstance(ids, list) and ids:
            shown = ", ".join(map(str, ids[:5])) + (", …" if len(ids) > 5 else "")
            parts.append(f"{len(ids)} {label} ({shown})")
    known = {"state", "feeds", "polls", "failing", "gone", "lag", "storage", "stopped_at"}
    parts.extend(f"{key} {value}" for key, value in info.items() if key not in known)
    return ", ".join(parts)


def _projection_notes(store: Store, config: Config) -> list[str]:
    runner = runner_for(config)
    notes = []
    for status in runner.status(store):
        if not status.fingerprint_ok:
            notes.append(
                f"projection {status.name}: out of date with the code or the subject rules "
                "(it rebuilds on the next fetch)"
            )
        elif status.lag:
            notes.append(f"projection {status.name}: {status.lag} events behind the log")
        if status.error:
            notes.append(f"projection {status.name}: stopped on an event: {status.error}")
    return notes
