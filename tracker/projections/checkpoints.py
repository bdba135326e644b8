"""The runner's bookkeeping tables: `projection_checkpoints` (how far each projection has folded
the log, under which fingerprint) and `projection_errors` (the events a projection could not apply
and went on without, and a failed finish()).

Both tables belong to the store's schema (`tracker.storage.schema`): rebuilding a projection never drops
them, only its own rows in them.
"""

from __future__ import annotations

from tracker.storage.connect import Executes
from tracker.storage.store import Store

_FINISH = "finish: "  # prefix of an error raised by a projection's finish(), not by an event
# A finish() a long catch-up leaves for its last chunk: pending like a failed one, so it runs.
DEFERRED = "deferred to the end of a catch-up in progress"


def load(db: Executes) -> dict[str, tuple[str, int]]:
    """Every stored checkpoint: projection name → (fingerprint, position)."""
    rows = db.execute("SELECT name, fingerprint, position FROM projection_checkpoints").fetchall()
    return {name: (fingerprint, position) for name, fingerprint, position in rows}


def current_position(store: Store, name: str, fingerprint: str) -> int:
    """How far projection `name` has folded the log, if it was built with `fingerprint`; else 0."""
    stored = load(store.conn).get(name)
    return stored[1] if stored and stored[0] == fingerprint else 0


def finished_position(store: Store, name: str, fingerprint: str) -> int:
    """`current_position`, for a projection whose derived tables are complete there: 0 while its
    last finish() has failed."""
    return 0 if name in failed_finish(store.conn) else current_position(store, name, fingerprint)


def save(db: Executes, name: str, fingerprint: str, position: int, at: str) -> None:
    db.execute(
        "INSERT INTO projection_checkpoints (name, fingerprint, position, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, "
        "position = excluded.position, updated_at = excluded.updated_at",
        [name, fingerprint, position, at],
    )


def record_error(
    db: Executes, name: str, position: int, error: str, at: str, event_id: str | None = None
) -> None:
    """Keep (or count again) the error a projection raised at `position`: on the event `event_id`,
    which it then goes on without (`skipped`), or in its finish() (no event id)."""
    db.execute(
        "INSERT INTO projection_errors (name, position, error, first_seen, last_seen, event_id, skipped) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name, position) DO UPDATE SET "
        "error = excluded.error, last_seen = excluded.last_seen, attempts = attempts + 1, "
        "event_id = excluded.event_id, skipped = excluded.skipped",
        [name, position, error, at, at, event_id, int(event_id is not None)],
    )


def forget_errors(db: Executes, name: str, first: int, last: int) -> None:
    """Forget the skipped events in positions first..last: the projection has now applied them."""
    db.execute(
        "DELETE FROM projection_errors WHERE name = ? AND skipped = 1 AND position BETWEEN ? AND ?",
        [name, first, last],
    )


def skipped_count(db: Executes, name: str) -> int:
    """How many events projection `name` went on without."""
    row = db.execute(
        "SELECT count(*) FROM projection_errors WHERE name = ? AND skipped = 1", [name]
    ).fetchone()
    return int(row[0])


def finish_error(error: str) -> str:
    """The text stored for an error raised by a projection's finish()."""
    return _FINISH + error


def clear_errors(db: Executes, name: str, *, finish_only: bool = False) -> None:
    """Forget a projection's errors (all of them, or only a failed finish())."""
    if finish_only:
        db.execute(
            "DELETE FROM projection_errors WHERE name = ? AND substr(error, 1, ?) = ?",
            [name, len(_FINISH), _FINISH],
        )
    else:
        db.execute("DELETE FROM projection_errors WHERE name = ?", [name])


def failed_finish(db: Executes) -> set[str]:
    """Projections whose last finish() failed (it is retried on the next catch-up)."""
    rows = db.execute(
        "SELECT DISTINCT name FROM projection_errors WHERE substr(error, 1, ?) = ?", [len(_FINISH), _FINISH]
    )
    return {name for (name,) in rows}


def last_error(db: Executes, name: str) -> str | None:
    """The error at the latest position a projection failed on, if any, with where it was."""
    row = db.execute(
        "SELECT position, event_id, error FROM projection_errors WHERE name = ? "
        "ORDER BY position DESC LIMIT 1",
        [name],
    ).fetchone()
    if row is None:
        return None
    position, event_id, error = row
    return f"position {position}" + (f" ({event_id})" if event_id else "") + f": {error}"


def skipped_events(store: Store) -> list[tuple[str, int, str, str]]:
    """Every event a projection went on without: (projection, position, event id, error); none
    in a store too old to record them (`tracker verify` audits such stores too)."""
    columns = {row[1] for row in store.conn.execute("PRAGMA table_info(projection_errors)")}
    if "skipped" not in columns:
        return []
    rows = store.conn.execute(
        "SELECT name, position, event_id, error FROM projection_errors WHERE skipped = 1 "
        "ORDER BY name, position"
    )
    return [(name, position, event_id, error) for name, position, event_id, error in rows]
