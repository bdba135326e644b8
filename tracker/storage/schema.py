"""The store's schema and its migrations, in one place: numbered steps keyed by `user_version`.

A new store is created at the latest schema in one step (`SCHEMA`). An older store is brought up
to date on open by the steps after its `user_version`, each in the opening writer's transaction,
so a store is never left half-migrated; a read-only open of an older store is refused with the
command that upgrades it. A store newer than this code, a file that is not ours, or an SQLite
too old for STRICT tables is refused with a clear error.

Only what is not a projection lives here (the log and the operational tables beside it):
projections create and drop their own tables, and a change to one is a rebuild, not a migration.
To change this schema: edit `SCHEMA`, append a step to `MIGRATIONS` that turns the previous
version into it, and let `tests/test_migrations.py` prove both paths give the same tables.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tracker.errors import StoreError, StoreVersionError

APPLICATION_ID = 0x54524B31  # "TRK1"
MIN_SQLITE = (3, 37, 0)  # STRICT tables

# The latest schema: the log, and the operational tables beside it.
SCHEMA = """
CREATE TABLE events (
    position        INTEGER PRIMARY KEY,            -- global order; assigned under the write lock
    id              TEXT NOT NULL UNIQUE,           -- deterministic: the same observation, the same id
    stream          TEXT NOT NULL,
    version         INTEGER NOT NULL,               -- 1, 2, ... within the stream
    type            TEXT NOT NULL,                  -- registry name, never a Python path
    schema_version  INTEGER NOT NULL DEFAULT 1,
    data            TEXT NOT NULL CHECK (json_valid(data)),
    meta            TEXT NOT NULL CHECK (json_valid(meta)),
    occurred_at     TEXT,                           -- world time, ISO-8601 UTC (NULL if unknown)
    recorded_at     TEXT NOT NULL,                  -- when we recorded it, ISO-8601 UTC
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    UNIQUE (stream, version)
) STRICT;
CREATE INDEX events_type ON events (type, position);
CREATE INDEX events_recorded_at ON events (recorded_at);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only: DELETE refused'); END;
-- REPLACE deletes the old row without firing delete triggers unless recursive_triggers is on,
-- a per-connection setting a sqlite3 shell does not have; this closes the hole everywhere, on
-- every unique key a REPLACE could conflict on.
CREATE TRIGGER events_no_replace BEFORE INSERT ON events
WHEN EXISTS (SELECT 1 FROM events WHERE id = NEW.id OR position = NEW.position
             OR (stream = NEW.stream AND version = NEW.version))
BEGIN SELECT RAISE(ABORT, 'events are append-only: the event exists'); END;
-- Positions stay dense: a row can only be added at the end of the log.
CREATE TRIGGER events_dense_positions BEFORE INSERT ON events
WHEN NEW.position IS NOT (SELECT coalesce(max(position), 0) + 1 FROM events)
BEGIN SELECT RAISE(ABORT, 'events are append-only: position must follow the last event'); END;

CREATE TABLE projection_checkpoints (
    name         TEXT PRIMARY KEY,
    fingerprint  TEXT NOT NULL,     -- projection version + rules it depends on; a change rebuilds
    position     INTEGER NOT NULL,  -- last event position folded in
    updated_at   TEXT NOT NULL
) STRICT;

-- Events a projection could not apply (its dead letters): it went on past each one (`skipped`),
-- and tries it again at its next rebuild; a failed finish() is kept here too (`error` 'finish: …').
CREATE TABLE projection_errors (
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    error       TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 1,
    event_id    TEXT,                            -- the event at `position` (NULL for a finish)
    skipped     INTEGER NOT NULL DEFAULT 0,      -- 1: the projection went on without it
    PRIMARY KEY (name, position)
) STRICT;

-- Operational state of each feed's HTTP polling (not history: rebuilds leave it alone).
CREATE TABLE feed_polling (
    feed_id               TEXT PRIMARY KEY,
    url                   TEXT NOT NULL,
    etag                  TEXT,
    last_modified         TEXT,
    body_hash             TEXT,
    ttl_seconds           INTEGER,         -- the feed's own <ttl>, from the last parsed body
    last_poll_at          TEXT,
    last_success_at       TEXT,
    last_status           INTEGER,
    last_outcome          TEXT,
    last_error            TEXT,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    next_due_at           TEXT,
    backoff_reason        TEXT,
    gone                  INTEGER NOT NULL DEFAULT 0,
    revisions_deferred    INTEGER NOT NULL DEFAULT 0,  -- entry changes left unrecorded (churn)
    churn_since           TEXT              -- first poll whose changes were rate-limited, in a row
) STRICT;

-- One row per poll: prunable (`tracker prune`), so politeness can be checked in SQL.
CREATE TABLE polls (
    id              INTEGER PRIMARY KEY,
    feed_id         TEXT NOT NULL,
    url             TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    duration_ms     INTEGER NOT NULL,
    outcome         TEXT NOT NULL,       -- ok | not-modified | unchanged | failed
    status          INTEGER,
    error_category  TEXT,
    error           TEXT,
    etag            TEXT,
    last_modified   TEXT,
    bytes           INTEGER NOT NULL DEFAULT 0,
    entries         INTEGER NOT NULL DEFAULT 0,
    new_articles    INTEGER NOT NULL DEFAULT 0,
    revisions       INTEGER NOT NULL DEFAULT 0,
    revisions_deferred  INTEGER NOT NULL DEFAULT 0  -- changed entries not recorded: rate-limited
) STRICT;
CREATE INDEX polls_feed ON polls (feed_id, started_at);
CREATE INDEX polls_started ON polls (started_at);

-- Written by a running daemon so other processes can tell it is alive and how far it lags.
CREATE TABLE daemon_heartbeat (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    beat_at     TEXT NOT NULL,
    detail      TEXT NOT NULL CHECK (json_valid(detail))
) STRICT;

-- One row per article page wanted (`full_text`): its fetch attempts, so retries survive restarts.
CREATE TABLE page_fetches (
    stream           TEXT PRIMARY KEY,     -- the article's stream
    feed_id          TEXT NOT NULL,
    entry_key        TEXT NOT NULL,
    url              TEXT NOT NULL,        -- the entry's link
    status           TEXT NOT NULL,        -- pending | fetched | given-up
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,                 -- category: reason, of the last failed attempt
    final_url        TEXT,
    content_hash     TEXT,                 -- of the last text recorded
    article_position INTEGER NOT NULL,     -- the article version the row was queued for
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX page_fetches_due ON page_fetches (status, next_attempt_at);

-- How far each feed's articles have been considered for their pages, so that a pass reads only
-- the article versions the log gained since: the `articles` projection's checkpoint at the feed's
-- last pass, and the feed's `full_text` mode then.
CREATE TABLE page_marks (
    feed_id    TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    full_text  TEXT NOT NULL
) STRICT;

-- Articles revised while their page was pending: considered again once it no longer is.
CREATE TABLE page_rechecks (
    stream   TEXT PRIMARY KEY,         -- the article's stream
    feed_id  TEXT NOT NULL
) STRICT;

-- `feed_polling` under its name up to schema 1, for the queries written against it.
CREATE VIEW feed_state AS SELECT * FROM feed_polling;
"""


def split_sql(script: str) -> list[str]:
    """Split a schema script into statements; trigger bodies keep their inner semicolons."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        buffer += line + "\n"
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def _created_again(*prefixes: str) -> tuple[str, ...]:
    """The latest schema's statements that begin with one of `prefixes`, as a step that adds
    them: IF NOT EXISTS, as a store whose version was set back by hand may have them already."""
    return tuple(
        s.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1).replace(
            "CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1
        )
        for s in split_sql(SCHEMA)
        if s.startswith(prefixes)
    )


# MIGRATIONS[n] turns schema n into schema n + 1.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 1 → 2: `feed_state` (operational polling state) became `feed_polling`, with a view under the
    # old name; the `feed_status` projection became `feed_history` and is rebuilt from the log.
    1: (
        "DROP VIEW IF EXISTS feed_health",
        "DROP TABLE IF EXISTS feed_status",
        "DELETE FROM projection_checkpoints WHERE name = 'feed_status'",
        "DELETE FROM projection_errors WHERE name = 'feed_status'",
        "ALTER TABLE feed_state RENAME TO feed_polling",
        "CREATE VIEW feed_state AS SELECT * FROM feed_polling",
    ),
    # 2 → 3: the REPLACE guard also covers (stream, version), the log's other unique key.
    2: (
        "DROP TRIGGER events_no_replace",
        next(s for s in split_sql(SCHEMA) if s.startswith("CREATE TRIGGER events_no_replace ")),
    ),
    # 3 → 4: projections go on past an event they cannot apply (marked `skipped`, with its id);
    # entries that change on every poll have their revisions rate-limited, the rest counted.
    3: (
        "ALTER TABLE projection_errors ADD COLUMN event_id TEXT",
        "ALTER TABLE projection_errors ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE feed_polling ADD COLUMN revisions_deferred INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE feed_polling ADD COLUMN churn_since TEXT",
        "ALTER TABLE polls ADD COLUMN revisions_deferred INTEGER NOT NULL DEFAULT 0",
        "DROP VIEW feed_state",  # `SELECT *` views keep the columns they were made with
        "CREATE VIEW feed_state AS SELECT * FROM feed_polling",
    ),
    # 4 → 5: article pages' fetch state.
    4: _created_again("CREATE TABLE page_fetches", "CREATE INDEX page_"),
    # 5 → 6: how far each feed's articles have been considered for their pages. A store without
    # marks has every article considered once more by its next pass, as every pass did before.
    5: _created_again("CREATE TABLE page_marks", "CREATE TABLE page_rechecks"),
}
SCHEMA_VERSION = 1 + len(MIGRATIONS)


def check_sqlite(version: tuple[int, int, int] = sqlite3.sqlite_version_info) -> None:
    """Refuse an SQLite library too old for the schema (STRICT tables need 3.37)."""
    if version < MIN_SQLITE:
        have, need = ".".join(map(str, version)), ".".join(map(str, MIN_SQLITE))
        raise StoreError(
            f"SQLite {have} is too old: tracker needs {need} or newer (STRICT tables); "
            "use a Python built with a newer SQLite"
        )


def prepare(conn: sqlite3.Connection, path: Path, *, readonly: bool, older: bool = False) -> None:
    """Create the schema in an empty file, or migrate an older one; refuse anything else. A
    reader with `older` takes an older store as it is (to audit it, never to read it as current).

    Runs outside any transaction; opens its own `BEGIN IMMEDIATE` when it writes.
    """
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    if app_id == 0 and user_version == 0:
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StoreVersionError(f"{path}: not a tracker database (it has other tables)")
        if readonly:
            raise StoreVersionError(f"{path}: empty database")
        conn.execute("PRAGMA journal_mode = WAL")  # persists in the file
        if not _upgrade(conn, 0, [*split_sql(SCHEMA), f"PRAGMA application_id = {APPLICATION_ID}"]):
            prepare(conn, path, readonly=readonly)  # another process created it meanwhile: check it
        return
    if app_id != APPLICATION_ID:
        raise StoreVersionError(f"{path}: not a tracker database (application_id {app_id:#x})")
    if user_version > SCHEMA_VERSION:
        raise StoreVersionError(
            f"{path}: written by a newer tracker (schema {user_version}, this one knows "
            f"{SCHEMA_VERSION}); upgrade tracker"
        )
    if user_version == 0:
        raise StoreVersionError(
            f"{path}: not a usable tracker store: it carries tracker's mark but no schema (damaged, "
            "or made by another program)"
        )
    if user_version < SCHEMA_VERSION and not (readonly and older):
        if readonly:
            raise StoreVersionError(
                f"{path}: written by an older tracker (schema {user_version}, this one needs "
                f"{SCHEMA_VERSION}); `tracker rebuild` upgrades it"
            )
        if not migrate(conn, user_version):
            prepare(conn, path, readonly=readonly)  # another process migrated it meanwhile: check it
        return
    if readonly and older:
        return  # an audit (`tracker verify`) names what is missing itself
    missing = [t for t in _REQUIRED if not _has_table(conn, t)]
    if missing:
        raise StoreVersionError(
            f"{path}: not a usable tracker store: it carries tracker's mark but has no "
            f"{missing[0]} table (damaged, or tables dropped by hand)"
        )


_REQUIRED = ("events", "projection_checkpoints", "projection_errors", "feed_polling", "polls")


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone()
    return row is not None


def migrate(conn: sqlite3.Connection, from_version: int) -> bool:
    """Run every step after `from_version`, and record the new version, in one transaction;
    False if the file was no longer at `from_version` once the write lock was taken."""
    steps = [sql for n in range(from_version, SCHEMA_VERSION) for sql in MIGRATIONS[n]]
    return _upgrade(conn, from_version, steps)


def _upgrade(conn: sqlite3.Connection, from_version: int, statements: list[str]) -> bool:
    """Run the statements and set `user_version` to the latest, all in one transaction; False,
    doing nothing, if another process changed the file since its version was read."""
    # executescript would COMMIT first; one statement at a time keeps it one transaction.
    # `PRAGMA user_version` is transactional: a crash leaves the old schema with its old number.
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != from_version:
            conn.execute("ROLLBACK")
            return False
        for statement in statements:
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")  # an int constant: no parameter
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return True
