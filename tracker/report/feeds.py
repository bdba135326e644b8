"""Data for `tracker feeds`: each configured or known feed's health, the daemon's heartbeat and
how far projections lag behind the log."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from tracker.bootstrap import Tracker
from tracker.clock import format_duration, parse_utc
from tracker.projections.facts import skipped_by_feed
from tracker.projections.feeds import FeedHealth, load_health
from tracker.storage.polling_store import churning, read_heartbeat

HEARTBEAT_STALE = timedelta(minutes=2)


@dataclass(frozen=True, slots=True)
class FeedHealthRow(FeedHealth):
    """A `feed_health` row, for a configured feed or one the store alone knows; `health` is
    "never polled" for a configured feed the store has not seen yet."""

    configured: bool


@dataclass(frozen=True, slots=True)
class FeedHealthReport:
    feeds: tuple[FeedHealthRow, ...]
    notes: tuple[str, ...]  # daemon liveness, projection lag, dead letters


def feed_health(tracker: Tracker) -> FeedHealthReport:
    """Configured feeds first, in their order, then feeds only the store knows, by id."""
    store = tracker.store
    with store.snapshot():
        rows = load_health(store)
        feeds: list[FeedHealthRow] = []
        configured = {feed.id: feed for feed in tracker.config.feeds}
        for feed_id in [*configured, *sorted(set(rows) - set(configured))]:
            row = rows.get(feed_id) or FeedHealth(
                feed_id, None, "never polled", None, None, None, 0, None, None, 0, None
            )
            url = configured[feed_id].url if feed_id in configured else row.url
            values = {**asdict(row), "url": url, "configured": feed_id in configured}
            if row.health == "failing" and row.consecutive_failures == 0:
                values["health"] = "reset"  # `tracker feeds reset`: the next poll decides
            feeds.append(FeedHealthRow(**values))
        notes = [*_daemon_notes(tracker), *_churn_notes(tracker), *_projection_notes(tracker)]
        notes += _skipped_notes(tracker)
    return FeedHealthReport(tuple(feeds), tuple(notes))


def _daemon_notes(tracker: Tracker) -> list[str]:
    heartbeat = read_heartbeat(tracker.store)
    if heartbeat is None:
        return ["daemon: no daemon has run on this store"]
    pid, info = heartbeat.pid, heartbeat.detail
    age = tracker.clock() - parse_utc(heartbeat.beat_at)
    if info.get("state") == "stopped":
        return [f"daemon: stopped at {info.get('stopped_at', heartbeat.beat_at)} (pid {pid})"]
    if age > HEARTBEAT_STALE:
        return [f"daemon: not running (last heartbeat {format_duration(age.total_seconds())} ago, pid {pid})"]
    notes = [
        f"daemon: alive (pid {pid}, since {heartbeat.started_at}, "
        f"heartbeat {format_duration(age.total_seconds())} ago)"
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


def _churn_notes(tracker: Tracker) -> list[str]:
    return [
        f"feed {churn.feed_id}: its entries change on nearly every poll; revisions rate-limited since "
        f"{churn.since} ({churn.deferred:,} changes not recorded; each entry's latest text still is, "
        "at most once per period that grows with its age)"
        for churn in churning(tracker.store)
    ]


def _projection_notes(tracker: Tracker) -> list[str]:
    notes = []
    for status in tracker.runner.status(tracker.store):
        if not status.fingerprint_ok:
            notes.append(
                f"projection {status.name}: out of date with the code or the subject rules "
                "(it rebuilds on the next fetch)"
            )
        elif status.lag:
            notes.append(f"projection {status.name}: {status.lag} events behind the log")
        if status.skipped:
            noun = "event" if status.skipped == 1 else "events"
            notes.append(
                f"projection {status.name}: went on without {status.skipped} {noun} it could not apply "
                f"(retried at its next rebuild; see projection_errors), latest: {status.error}"
            )
        elif status.error:
            notes.append(f"projection {status.name}: {status.error}")
    return notes


def _skipped_notes(tracker: Tracker) -> list[str]:
    """Articles whose interpretation was given up (over their time budget, say), per feed."""
    return [
        f"feed {feed_id}: {count} article version{'s' if count != 1 else ''} not interpreted ({reason})"
        for feed_id, (count, reason) in sorted(skipped_by_feed(tracker.store).items())
    ]
