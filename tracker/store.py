"""The append-only event store in SQLite: the only writer of `events`.

Hygiene (see the README for the reasons): WAL set once at creation; every connection sets
`busy_timeout`, `foreign_keys` and `synchronous=FULL`; writes start with `BEGIN IMMEDIATE`, so
"read the chain head, then insert" is atomic; triggers refuse UPDATE, DELETE and REPLACE of an
event from any connection, the sqlite3 shell included; `application_id` marks our files and
`user_version` drives migrations. Read-only commands open `mode=ro`, so a mistyped path never
creates an empty database and a reader never takes the write lock.

Each row carries `hash = sha256(prev_hash || canonical(row))`; `tracker.chain` audits it, and
seals each transaction's new head when a key is configured (see there for what each proves).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from tracker import chain
from tracker.clock import Clock, format_utc, system_clock
from tracker.errors import (
    ConcurrencyError,
    StoreError,
    StoreNotFound,
    StoreVersionError,
    VerificationFailed,
)
from tracker.events import GENESIS_HASH, Event, RecordedEvent, decode, encode

APPLICATION_ID = 0x54524B31  # "TRK1"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 10_000
_READ_BATCH = 1000

# Everything that is not a projection: the log, and the operational tables beside it.
_SCHEMA = """
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

-- Events a projection failed on; its checkpoint stays before them until the code is fixed.
CREATE TABLE projection_errors (
    name        TEXT NOT NULL,
    position    INTEGER NOT NULL,
    error       TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (name, position)
) STRICT;

-- Operational state of each feed's HTTP polling (not history: rebuilds leave it alone).
CREATE TABLE feed_state (
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
    gone                  INTEGER NOT NULL DEFAULT 0
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
    revisions       INTEGER NOT NULL DEFAULT 0
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
"""

_COLUMNS = "position, id, stream, version, type, schema_version, data, meta, occurred_at, recorded_at"


def _canonical(row: Sequence[object]) -> bytes:
    # Fields joined by the unit separator: no stored value can contain a raw U+001F (data and
    # meta are JSON, which escapes it; ids, streams and timestamps are generated), so the
    # encoding is unambiguous; NULL is the empty field, which no stored value is.
    return "\x1f".join("" if value is None else str(value) for value in row).encode("utf-8")


def chain_hash(prev_hash: str, row: Sequence[object]) -> str:
    """sha256(prev_hash bytes || canonical JSON of the row's stored values)."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + _canonical(row)).hexdigest()


@dataclass(frozen=True, slots=True)
class AppendResult:
    appended: tuple[RecordedEvent, ...]
    already_present: int  # events whose id was already in the log (a no-op, by design)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    events: int
    head_position: int
    head_hash: str
    integrity: str


class Store:
    """A connection to one events.db. Not thread-safe: use it from the thread that opened it."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        *,
        readonly: bool,
        clock: Clock,
        key: chain.SealKey | None = None,
    ) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self.clock = clock
        self.key = key  # seals the head of every transaction that appends
        self._appended = False
        self.db = sqlite_utils.Database(conn)

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        readonly: bool = False,
        create: bool = True,
        clock: Clock = system_clock,
        key: chain.SealKey | None = None,
    ) -> Store:
        """Open (or, for a writer with `create`, make) a store. Readers never create a file.

        A writer seals with `key`, else with the key file named by TRACKER_KEY_FILE, if set.
        """
        path = Path(path)
        if key is None and not readonly and os.environ.get(chain.KEY_FILE_ENV):
            key = chain.load_key(os.environ[chain.KEY_FILE_ENV])
        if (readonly or not create) and not path.is_file():
            raise StoreNotFound(f"{path}: no such database (run `tracker fetch` or `tracker demo` first)")
        if readonly:
            uri = f"{path.resolve().as_uri()}?mode=ro"
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        else:
            if path.parent and not path.parent.exists():
                raise StoreError(f"{path}: directory {path.parent} does not exist")
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
            store = cls(conn, path, readonly=readonly, clock=clock, key=key)
            store._check_or_create()
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return store

    def _check_or_create(self) -> None:
        app_id = self.conn.execute("PRAGMA application_id").fetchone()[0]
        user_version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if app_id == 0 and user_version == 0:
            has_tables = self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if has_tables:
                raise StoreVersionError(f"{self.path}: not a tracker database (it has other tables)")
            if self.readonly:
                raise StoreVersionError(f"{self.path}: empty database")
            self._create()
            return
        if app_id != APPLICATION_ID:
            raise StoreVersionError(f"{self.path}: not a tracker database (application_id {app_id:#x})")
        if user_version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path}: written by a newer tracker (schema {user_version}, this one knows "
                f"{SCHEMA_VERSION}); upgrade tracker"
            )
        if not self.readonly and chain.outdated_guards(self.conn):
            with self.transaction():
                chain.upgrade_guards(self.conn, _split_sql(_SCHEMA))

    def _create(self) -> None:
        self.conn.execute("PRAGMA journal_mode = WAL")  # persists in the file
        with self.transaction():
            # executescript would COMMIT our transaction first; run statement by statement.
            for statement in _split_sql(_SCHEMA):
                self.conn.execute(statement)
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """BEGIN IMMEDIATE … COMMIT: take the write lock before reading anything.

        Everything inside commits together or not at all (sqlite-utils calls nest as savepoints).
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        self.conn.execute("BEGIN IMMEDIATE")
        self._appended = False
        try:
            yield self
            self._seal_if_appended()
        except BaseException:
            if self.conn.in_transaction:  # SQLITE_FULL and friends may already have rolled back
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _seal_if_appended(self) -> None:
        """With a key, seal the head a transaction that appended leaves (see tracker.chain)."""
        if self._appended and self.key is not None:
            chain.seal(self.conn, self.key)

    @contextlib.asynccontextmanager
    async def transaction_async(self, *, patience: float = BUSY_TIMEOUT_MS / 1000) -> AsyncIterator[Store]:
        """transaction() for code on an event loop: the write lock held by another process is waited
        for in short asyncio sleeps between attempts that do not wait, never in SQLite's busy handler,
        which would freeze the loop. After `patience` seconds it fails as a busy timeout does.

        The body must not await: another task on the loop could use the connection mid-transaction.
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        deadline, pause = time.monotonic() + patience, 0.005
        while True:
            try:
                with self.busy_wait(0):
                    self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.1)
        self._appended = False
        try:
            yield self
            self._seal_if_appended()
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def busy_wait(self, seconds: float) -> Iterator[None]:
        """Within the block, SQLite waits at most `seconds` for a lock another connection holds."""
        self.conn.execute(f"PRAGMA busy_timeout = {round(seconds * 1000)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Store]:
        """A consistent read: every query inside sees the same committed state."""
        if self.conn.in_transaction:
            yield self
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    # --- appending ------------------------------------------------------------------------------

    def append(
        self,
        events: Iterable[Event],
        *,
        meta: Mapping[str, Any] | None = None,
        expected_versions: Mapping[str, int] | None = None,
    ) -> AppendResult:
        """Append events in order, inside the caller's transaction.

        An event whose id is already stored is skipped: appending the same observation twice is a
        no-op. `expected_versions` maps a stream to the version it must have before this append
        (0 = the stream must not exist); a mismatch raises ConcurrencyError.
        """
        if not self.conn.in_transaction:
            raise StoreError("append() must run inside store.transaction()")
        meta_dict = dict(meta or {})
        meta_json = json.dumps(meta_dict, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        position, prev_hash = self.head()
        versions: dict[str, int] = {}
        for stream, expected in (expected_versions or {}).items():
            actual = self.stream_version(stream)
            if actual != expected:
                raise ConcurrencyError(f"stream {stream}: expected version {expected}, found {actual}")
            versions[stream] = actual
        recorded_at = format_utc(self.clock())
        events = list(events)
        streams = [event.stream() for event in events]
        versions = {**self._stream_versions(s for s in streams if s not in versions), **versions}
        # Ids as they would be if nothing were skipped, looked up in one query; an id that a skip
        # changes (a version-dependent id) is looked up on its own below.
        planned: dict[str, int] = dict(versions)
        candidates = []
        for event, stream in zip(events, streams, strict=True):
            planned[stream] += 1
            candidates.append(event.event_id(planned[stream]))
        present = self._existing_ids(candidates)
        rows: list[tuple[object, ...]] = []
        appended: list[RecordedEvent] = []
        skipped = 0
        for event, stream, candidate in zip(events, streams, candidates, strict=True):
            version = versions[stream] + 1
            event_id = event.event_id(version)
            exists = event_id in present if event_id == candidate else self._has_id(event_id)
            if exists:
                skipped += 1
                continue
            occurred = event.occurred_at()
            row = (
                position + 1,
                event_id,
                stream,
                version,
                event.type,
                event.schema_version,
                encode(event),
                meta_json,
                format_utc(occurred) if occurred else None,
                recorded_at,
            )
            digest = chain_hash(prev_hash, row)
            rows.append((*row, prev_hash, digest))
            appended.append(
                RecordedEvent(row[0], event_id, stream, version, event, meta_dict, row[8], recorded_at)
            )
            position, prev_hash, versions[stream] = position + 1, digest, version
            present.add(event_id)  # the same observation twice in one batch is one event
        self.conn.executemany(
            f"INSERT INTO events ({_COLUMNS}, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",  # noqa: S608
            rows,
        )
        self._appended = self._appended or bool(rows)
        return AppendResult(tuple(appended), skipped)

    def _stream_versions(self, streams: Iterable[str]) -> dict[str, int]:
        """Current version of each stream (0 for a new one), in chunked queries."""
        wanted = list(dict.fromkeys(streams))
        versions = dict.fromkeys(wanted, 0)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT stream, max(version) FROM events WHERE stream IN ({marks}) GROUP BY stream"  # noqa: S608
            versions.update(self.conn.execute(sql, chunk).fetchall())
        return versions

    def _existing_ids(self, ids: Sequence[str]) -> set[str]:
        wanted = list(dict.fromkeys(ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT id FROM events WHERE id IN ({marks})"  # noqa: S608 - placeholders only
            found.update(row[0] for row in self.conn.execute(sql, chunk))
        return found

    def _has_id(self, event_id: str) -> bool:
        return self.conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is not None

    # --- reading --------------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """(last position, its hash); (0, GENESIS_HASH) for an empty log."""
        row = self.conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, GENESIS_HASH)

    def stream_version(self, stream: str) -> int:
        row = self.conn.execute("SELECT max(version) FROM events WHERE stream = ?", (stream,)).fetchone()
        return int(row[0] or 0)

    def stream_heads(self, streams: Iterable[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        """For each stream that exists: (its last version, that event's data as a dict)."""
        heads: dict[str, tuple[int, dict[str, Any]]] = {}
        wanted = list(dict.fromkeys(streams))
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT stream, version, data FROM events AS e WHERE stream IN ({marks}) "  # noqa: S608
                "AND version = (SELECT max(version) FROM events WHERE stream = e.stream)",
                chunk,
            )
            for stream, version, data in rows:
                heads[stream] = (version, json.loads(data))
        return heads

    def last_in_stream(self, stream: str, types: Sequence[str] | None = None) -> RecordedEvent | None:
        """The stream's latest event (of one of `types`, if given)."""
        sql = f"SELECT {_COLUMNS} FROM events WHERE stream = ?"  # noqa: S608 - constant columns
        if types:
            sql += f" AND type IN ({','.join('?' * len(types))})"
        row = self.conn.execute(sql + " ORDER BY version DESC LIMIT 1", (stream, *(types or ()))).fetchone()
        return decode(*row) if row else None

    def read(
        self,
        *,
        after: int = 0,
        until: int | None = None,
        types: Sequence[str] | None = None,
        recorded_after: str | None = None,
        limit: int | None = None,
    ) -> Iterator[RecordedEvent]:
        """Events in log order, fetched in batches (safe on logs of any size)."""
        remaining = limit
        while remaining is None or remaining > 0:
            clauses, params = ["position > ?"], [after]
            if until is not None:
                clauses.append("position <= ?")
                params.append(until)
            if types:
                clauses.append(f"type IN ({','.join('?' * len(types))})")
                params.extend(types)  # type: ignore[arg-type]
            if recorded_after is not None:
                clauses.append("recorded_at > ?")
                params.append(recorded_after)  # type: ignore[arg-type]
            batch = _READ_BATCH if remaining is None else min(_READ_BATCH, remaining)
            where = " AND ".join(clauses)  # fixed clauses with placeholders
            sql = f"SELECT {_COLUMNS} FROM events WHERE {where} ORDER BY position LIMIT ?"  # noqa: S608
            rows = self.conn.execute(sql, (*params, batch)).fetchall()
            for row in rows:
                yield decode(*row)
            if len(rows) < batch:
                return
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    # --- verifying ------------------------------------------------------------------------------

    def audit(
        self, *, checkpoint: tuple[int, str] | None = None, key: chain.SealKey | None = None
    ) -> chain.Audit:
        """Every check of `tracker.chain`: problems come back as findings, never as exceptions."""
        return chain.audit(self.conn, _split_sql(_SCHEMA), checkpoint=checkpoint, key=key)

    def verify(self) -> VerifyReport:
        """Audit the log; raise VerificationFailed naming every problem and the first bad position."""
        result = self.audit()
        if result.findings:
            positioned = next((f.position for f in result.findings if f.position is not None), None)
            raise VerificationFailed("; ".join(map(str, result.findings)), positioned)
        return VerifyReport(result.events, result.head_position, result.head_hash, "ok")


def _split_sql(script: str) -> list[str]:
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
