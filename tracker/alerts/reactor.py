"""The alert reactor: after the projections catch up, record what changed since its checkpoint
as deliveries (in the transaction that advances the checkpoint), then deliver what is due.

What is announced: the difference between the story as known at the reactor's checkpoint and
as known at the head of the log, both folded with today's rules. So a change is announced once,
when the log first holds it; a rebuild (rules edited, code upgraded) re-reads old articles under
new rules but announces nothing, since old history is on both sides of the comparison (the new
reading shows in `tracker report`). The checkpoint starts at the head when the reactor first
runs (`start`), so switching alerts on announces what is learned from then on, not the past.

Delivery happens after commit, outside any transaction, one thread per destination, each attempt
bounded by its timeout: a slow or failing destination never holds up another, or polling. A
failed attempt is retried after `retry_after`, doubling up to an hour, with the same key.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tracker.alerts import outbox
from tracker.alerts.announce import announcements
from tracker.alerts.destinations import send
from tracker.alerts.settings import AlertConfig
from tracker.changes import diff_stories
from tracker.clock import Clock, format_utc, parse_duration, parse_utc, system_clock
from tracker.config import Config
from tracker.report.changes import fold_at
from tracker.storage.store import Store

MAX_RETRY_SECONDS = 3600
LEASE_MARGIN = timedelta(seconds=30)  # beyond the attempt's own timeout

Sender = Callable[[AlertConfig, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    alert_id: str
    key: str
    error: str | None  # None: delivered


def start(store: Store, clock: Clock = system_clock) -> None:
    """Give the reactor its starting checkpoint (the head) if it has none: call before polling."""
    with store.transaction():
        outbox.ensure_tables(store)
        outbox.start_at(store, store.head()[0], format_utc(clock()))


def record_changes(store: Store, config: Config, clock: Clock = system_clock) -> int:
    """Record a delivery for every change learned since the checkpoint, for every destination
    that wants it, and advance the checkpoint to the head; returns the deliveries recorded."""
    start(store, clock)
    with store.snapshot():
        since = outbox.checkpoint(store) or 0
        head = store.head()[0]
        if head <= since:
            return 0
        found = announcements(diff_stories(fold_at(store, config, since), fold_at(store, config, head)))
    recorded = 0
    at = format_utc(clock())
    with store.transaction():
        if not outbox.advance(store, since, head, at):
            return 0  # another process recorded these changes meanwhile
        for announcement in found:
            for alert in config.alerts:
                if alert.wants(announcement.kind, announcement.subject):
                    recorded += outbox.add_intent(
                        store,
                        alert_id=alert.id,
                        change_key=announcement.key,
                        kind=announcement.kind,
                        subject=announcement.subject,
                        payload=announcement.payload,
                        positions=(since, head),
                        at=at,
                    )
    return recorded


def deliver_due(
    store: Store, alerts: Sequence[AlertConfig], clock: Clock = system_clock, sender: Sender = send
) -> list[Outcome]:
    """Send every due delivery, destinations in parallel; record each outcome."""
    if not alerts:
        return []
    by_id = {alert.id: alert for alert in alerts}
    now = clock()
    longest = max(parse_duration(alert.timeout) for alert in alerts)
    with store.transaction():
        outbox.ensure_tables(store)
        due = outbox.claim_due(
            store, list(by_id), format_utc(now), format_utc(now + timedelta(seconds=longest) + LEASE_MARGIN)
        )
    if not due:
        return []
    queues: dict[str, list[outbox.Delivery]] = {}
    for delivery in due:
        queues.setdefault(delivery.alert_id, []).append(delivery)

    def drain(alert_id: str) -> list[tuple[outbox.Delivery, str | None]]:
        results: list[tuple[outbox.Delivery, str | None]] = []
        for delivery in queues[alert_id]:
            try:
                sender(by_id[alert_id], delivery.payload)
                results.append((delivery, None))
            except Exception as exc:  # a destination's failure is recorded, never raised
                results.append((delivery, str(exc) or type(exc).__name__))
        return results

    with ThreadPoolExecutor(max_workers=len(queues), thread_name_prefix="tracker-alert") as pool:
        finished = [result for batch in pool.map(drain, list(queues)) for result in batch]
    outcomes = []
    with store.transaction():
        for delivery, error in finished:
            at = clock()
            if error is None:
                outbox.record_delivered(store, delivery.id, format_utc(at))
            else:
                delay = retry_delay(by_id[delivery.alert_id], delivery.attempts + 1)
                outbox.record_failed(store, delivery.id, format_utc(at), error, format_utc(at + delay))
            outcomes.append(Outcome(delivery.alert_id, delivery.change_key, error))
    return outcomes


def retry_delay(alert: AlertConfig, attempts: int) -> timedelta:
    """After the n-th failed attempt: retry_after, doubled each time, at most an hour."""
    first = parse_duration(alert.retry_after)
    return timedelta(seconds=min(MAX_RETRY_SECONDS, first * 2 ** max(0, attempts - 1)))


def seconds_until_due(
    store: Store, alerts: Sequence[AlertConfig], clock: Clock = system_clock
) -> float | None:
    """How long until the next pending delivery is due (None: nothing pending)."""
    with store.snapshot():
        if not outbox.has_tables(store):
            return None
        due = outbox.next_due(store, [alert.id for alert in alerts])
    if due is None:
        return None
    return max(0.0, (parse_utc(due) - clock()).total_seconds())


def react(store: Store, config: Config, clock: Clock = system_clock) -> list[Outcome]:
    """Record what changed, then deliver what is due: what `tracker fetch` and the daemon run
    after the projections catch up."""
    record_changes(store, config, clock)
    return deliver_due(store, config.alerts, clock)


def status(store: Store) -> dict[str, outbox.AlertStatus]:
    with store.snapshot():
        return outbox.statuses(store)


def send_sample(alert: AlertConfig, sender: Sender = send) -> None:
    """`tracker alerts test`: send a sample payload now, outside the delivery record."""
    from tracker.alerts.announce import sample

    sender(alert, sample().payload)
