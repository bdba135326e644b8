"""The alert reactor's tables: its checkpoint and its delivery record (an outbox).

Operational state beside the log, like `feed_polling`: a rebuild of the projections leaves it
alone, so a rebuild never moves the reactor's checkpoint back and never re-announces anything.
The intent to deliver a change is recorded in the same transaction as the checkpoint's advance;
the delivery happens after commit, and its outcome is recorded afterwards. A delivery is claimed
for a short lease first, so two processes (the daemon and a `tracker fetch`) never send the same
row at once, and a process killed mid-send leaves a row that is sent again once the lease ends,
with the same idempotency key.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracker.storage.store import Store

_TABLES = (
    """
    CREATE TABLE IF NOT EXISTS alert_reactor (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        position    INTEGER NOT NULL,   -- last log position whose changes were recorded
        updated_at  TEXT NOT NULL
    ) STRICT
    """,
    """
    CREATE TABLE IF NOT EXISTS alert_deliveries (
        id               INTEGER PRIMARY KEY,
        alert_id         TEXT NOT NULL,     -- the [[alerts]] table's id
        change_key       TEXT NOT NULL,     -- idempotency key, sent with every attempt
        kind             TEXT NOT NULL,     -- state | tally | conflict | retraction | test
        subject          TEXT NOT NULL,
        payload          TEXT NOT NULL CHECK (json_valid(payload)),
        from_position    INTEGER NOT NULL,  -- the change was learned after this position
        to_position      INTEGER NOT NULL,  -- ... by this one
        created_at       TEXT NOT NULL,
        status           TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  TEXT NOT NULL,
        claimed_until    TEXT,
        last_attempt_at  TEXT,
        last_error       TEXT,
        delivered_at     TEXT,
        UNIQUE (alert_id, change_key)
    ) STRICT
    """,
    "CREATE INDEX IF NOT EXISTS alert_deliveries_due ON alert_deliveries (status, next_attempt_at)",
)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    alert_id: str
    change_key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class AlertStatus:
    alert_id: str
    delivered: int
    pending: int
    last_delivered_at: str | None
    last_error: str | None
    next_attempt_at: str | None


def ensure_tables(store: Store) -> None:
    """Create the reactor's tables if this store has none yet (inside a write transaction)."""
    for statement in _TABLES:
        store.conn.execute(statement)


def has_tables(store: Store) -> bool:
    sql = "SELECT count(*) FROM sqlite_master WHERE name IN ('alert_reactor', 'alert_deliveries')"
    return int(store.conn.execute(sql).fetchone()[0]) == 2


def checkpoint(store: Store) -> int | None:
    row = store.conn.execute("SELECT position FROM alert_reactor WHERE id = 1").fetchone()
    return None if row is None else int(row[0])


def start_at(store: Store, position: int, at: str) -> None:
    """Set the checkpoint where the reactor first starts; never moves an existing one."""
    store.conn.execute(
        "INSERT INTO alert_reactor (id, position, updated_at) VALUES (1, ?, ?) ON CONFLICT DO NOTHING",
        (position, at),
    )


def advance(store: Store, expected: int, position: int, at: str) -> bool:
    """Move the checkpoint from `expected` to `position`; False if another process moved it."""
    cursor = store.conn.execute(
        "UPDATE alert_reactor SET position = ?, updated_at = ? WHERE id = 1 AND position = ?",
        (position, at, expected),
    )
    return cursor.rowcount == 1


def add_intent(
    store: Store,
    *,
    alert_id: str,
    change_key: str,
    kind: str,
    subject: str,
    payload: dict[str, Any],
    positions: tuple[int, int],
    at: str,
) -> bool:
    """Record the intent to deliver one change to one destination; False if already recorded."""
    cursor = store.conn.execute(
        "INSERT INTO alert_deliveries (alert_id, change_key, kind, subject, payload, from_position, "
        "to_position, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (alert_id, change_key, kind, subject, json.dumps(payload, ensure_ascii=False), *positions, at, at),
    )
    return cursor.rowcount == 1


def claim_due(store: Store, alert_ids: Sequence[str], now: str, lease_until: str) -> list[Delivery]:
    """Pending deliveries to these destinations that are due and not claimed by another process;
    claims them until `lease_until` (inside a write transaction)."""
    if not alert_ids:
        return []
    marks = ", ".join("?" for _ in alert_ids)
    rows = store.conn.execute(
        "SELECT id, alert_id, change_key, payload, attempts FROM alert_deliveries "  # noqa: S608 - marks only
        f"WHERE status = 'pending' AND alert_id IN ({marks}) AND next_attempt_at <= ? "
        "AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id",
        (*alert_ids, now, now),
    ).fetchall()
    for row in rows:
        store.conn.execute(
            "UPDATE alert_deliveries SET claimed_until = ? WHERE id = ?", (lease_until, row[0])
        )
    return [Delivery(row[0], row[1], row[2], json.loads(row[3]), row[4]) for row in rows]


def record_delivered(store: Store, delivery_id: int, at: str) -> None:
    store.conn.execute(
        "UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, "
        "last_attempt_at = ?, last_error = NULL, claimed_until = NULL WHERE id = ?",
        (at, at, delivery_id),
    )


def record_failed(store: Store, delivery_id: int, at: str, error: str, next_attempt_at: str) -> None:
    store.conn.execute(
        "UPDATE alert_deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_error = ?, "
        "next_attempt_at = ?, claimed_until = NULL WHERE id = ?",
        (at, error[:500], next_attempt_at, delivery_id),
    )


def next_due(store: Store, alert_ids: Sequence[str]) -> str | None:
    """When the earliest pending delivery to these destinations is due."""
    if not alert_ids:
        return None
    marks = ", ".join("?" for _ in alert_ids)
    row = store.conn.execute(
        "SELECT min(max(next_attempt_at, coalesce(claimed_until, ''))) FROM alert_deliveries "  # noqa: S608
        f"WHERE status = 'pending' AND alert_id IN ({marks})",
        tuple(alert_ids),
    ).fetchone()
    return None if row is None else row[0]


def statuses(store: Store) -> dict[str, AlertStatus]:
    """Per destination: deliveries made and pending, the last success, the last error."""
    if not has_tables(store):
        return {}
    rows = store.conn.execute(
        "SELECT alert_id, sum(status = 'delivered'), sum(status = 'pending'), max(delivered_at), "
        "(SELECT last_error FROM alert_deliveries AS d WHERE d.alert_id = a.alert_id "
        " AND d.last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1), "
        "min(CASE WHEN status = 'pending' THEN next_attempt_at END) "
        "FROM alert_deliveries AS a GROUP BY alert_id"
    ).fetchall()
    return {row[0]: AlertStatus(row[0], int(row[1]), int(row[2]), row[3], row[4], row[5]) for row in rows}
