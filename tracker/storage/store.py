"""The append-only event store in SQLite: the only writer of `events`.

Hygiene (see the README for the reasons): WAL set once at creation; opening the file and each
connection's settings (`synchronous` FULL unless TRACKER_SYNCHRONOUS says NORMAL) are
`tracker.storage.connect`; writes start with `BEGIN IMMEDIATE`, so "read the chain head, then
insert" is atomic; triggers refuse UPDATE, DELETE and REPLACE of an event from any connection;
`tracker.storage.schema` creates and migrates the schema (`user_version`) on open.

Each row carries `hash = sha256(prev_hash || its stored values joined by U+001F)` (`chain_hash`);
`tracker.storage.chain` audits the chain, and seals each transaction's new head when a key is
configured (see there for what each proves).
"""

from __future__ import annotations

import contextlib
import functools
import json
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker.clock import Clock, format_utc, system_clock
from tracker.errors import ConcurrencyError, StoreError
from tracker.storage import chain
from tracker.storage.connect import BUSY_TIMEOUT_MS, check_path, configure, connect, quick_check
from tracker.storage.lock_wait import begin_immediate
from tracker.storage.schema import check_sqlite, prepare
from tracker.storage.storage_faults import describe

if TYPE_CHECKING:
    import sqlite_utils

    from tracker.events import Event, RecordedEvent
    from tracker.storage.audit import Audit, VerifyReport

_READ_BATCH = 1000
_IN_CHUNK = 500  # values per `IN (…)` list, well under SQLite's variable limit

_COLUMNS = ", ".join(chain.HASHED_COLUMNS)


class AppendResult(NamedTuple):
    """What an append did (a named tuple, built at import in a twentieth of a dataclass's time)."""

    appended: tuple[RecordedEvent, ...]
    already_present: int  # events whose id was already in the log (a no-op, by design)


class Store:
    """A connection to one events.db. Not thread-safe: use it from the thread that opened it."""

    def __init__(
        self, conn: sqlite3.Connection, path: Path, *, readonly: bool, clock: Clock, key: chain.SealKey | None
    ) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly
        self.clock = clock
        self.key = key  # seals the head of every transaction that appends
        self._appended = False

    @functools.cached_property
    def db(self) -> sqlite_utils.Database:
        """The connection through sqlite-utils, which the projections' tables are built with; made
        on first use: a command that only reads with plain SQL (`conn`) never imports it."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        readonly: bool = False,
        create: bool = True,
        clock: Clock = system_clock,
        key: chain.SealKey | None = None,
        older: bool = False,
        check: bool = False,
        synchronous: str | None = None,
    ) -> Store:
        """Open (or, for a writer with `create`, make) a store. Readers never create a file.

        A writer seals with `key`, else with the key file named by TRACKER_KEY_FILE, if set. A
        reader with `older` accepts a store an older tracker wrote, for auditing it as it is.
        `check` runs `PRAGMA quick_check` first (see `tracker.storage.connect`).
        `synchronous` is "full" or "normal" (default: TRACKER_SYNCHRONOUS, else "full").
        """
        path = Path(path)
        check_sqlite()
        if key is None and not readonly:
            key = chain.key_from_environment()
        check_path(path, readonly=readonly, create=create)
        conn = connect(path, readonly=readonly)
        try:
            configure(conn, busy_timeout_ms=BUSY_TIMEOUT_MS, synchronous=synchronous)
            if check:
                quick_check(conn, path)
            prepare(conn, path, readonly=readonly, older=older)
            store = cls(conn, path, readonly=readonly, clock=clock, key=key)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(describe(exc, path, busy_wait=BUSY_TIMEOUT_MS / 1000)) from None
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """BEGIN IMMEDIATE … COMMIT: take the write lock before reading anything.

        Everything inside commits together or not at all (sqlite-utils calls nest as savepoints).
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        self.conn.execute("BEGIN IMMEDIATE")
        with self._committed():
            yield self

    @contextlib.contextmanager
    def _committed(self) -> Iterator[None]:
        """The body of a transaction just begun: sealed and committed, or rolled back if it raises."""
        self._appended = False
        try:
            yield
            if self._appended and self.key is not None:  # with a key, seal the head it leaves
                chain.seal(self.conn, self.key)
        except BaseException:
            if self.conn.in_transaction:  # SQLITE_FULL and friends may already have rolled back
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    @contextlib.asynccontextmanager
    async def transaction_async(
        self, *, patience: float = BUSY_TIMEOUT_MS / 1000, durable: bool = True
    ) -> AsyncIterator[Store]:
        """transaction() for code on an event loop: the write lock held by another process is waited
        for in short asyncio sleeps between attempts that do not wait, never in SQLite's busy handler,
        which would freeze the loop. After `patience` seconds it fails as a busy timeout does.

        Not `durable`: the commit does not wait for the disk (NORMAL for this transaction): a power
        cut may lose it, never tear it. Only for writes derived again if lost (a poll that parsed nothing).

        The body must not await: another task on the loop could use the connection mid-transaction.
        """
        if self.readonly:
            raise StoreError(f"{self.path}: opened read-only")
        level = None if durable else int(self.conn.execute("PRAGMA synchronous").fetchone()[0])
        try:
            await begin_immediate(self.conn, patience, BUSY_TIMEOUT_MS, restore=level)
            with self._committed():
                yield self
        finally:
            if level is not None:  # the connection's own level (FULL, or NORMAL by choice)
                self.conn.execute(f"PRAGMA synchronous = {level}")

    @contextlib.contextmanager
    def busy_wait(self, seconds: float) -> Iterator[None]:
        """Within the block, SQLite waits at most `seconds` for a lock another connection holds."""
        self.conn.execute(f"PRAGMA busy_timeout = {round(seconds * 1000)}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    @contextlib.contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        """A nested unit inside the caller's transaction, rolled back alone if its body raises.
        `name` is an SQL identifier chosen by the code, never user input."""
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:  # an I/O error may have rolled the whole transaction back
                self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.conn.execute(f"RELEASE SAVEPOINT {name}")
            raise
        self.conn.execute(f"RELEASE SAVEPOINT {name}")

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
        # Long on purpose: ids, versions, the hash chain and the insert are one step each, in the
        # order the chain needs them; split, the invariants between them would be harder to check.
        from tracker.events import RecordedEvent, encode, planned_ids  # models load on first use

        if not self.conn.in_transaction:
            raise StoreError("append() must run inside store.transaction()")
        meta_dict = dict(meta or {})
        meta_json = json.dumps(meta_dict, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        position, prev_hash = self.head()
        versions = self._checked_versions(expected_versions or {})
        recorded_at = format_utc(self.clock())
        events = list(events)
        streams = [event.stream() for event in events]
        versions = {**self._stream_versions(s for s in streams if s not in versions), **versions}
        planned = planned_ids(events, streams, versions)
        present = self._existing_ids([event_id for _, event_id in planned])
        rows: list[tuple[object, ...]] = []
        appended: list[RecordedEvent] = []
        skipped = 0
        prev_digest = bytes.fromhex(prev_hash)
        for event, stream, (planned_version, planned_id) in zip(events, streams, planned, strict=True):
            version = versions[stream] + 1
            if version == planned_version:  # nothing before it in its stream was skipped
                event_id, exists = planned_id, planned_id in present
            else:
                event_id = event.event_id(version)
                exists = event_id in present or bool(self._existing_ids([event_id]))
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
            prev_digest = chain.next_digest(prev_digest, row)
            digest = prev_digest.hex()
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

    def _checked_versions(self, expected_versions: Mapping[str, int]) -> dict[str, int]:
        """The streams' versions, if each is the one expected; else ConcurrencyError."""
        versions: dict[str, int] = {}
        for stream, expected in expected_versions.items():
            actual = self.stream_version(stream)
            if actual != expected:
                raise ConcurrencyError(f"stream {stream}: expected version {expected}, found {actual}")
            versions[stream] = actual
        return versions

    def _stream_versions(self, streams: Iterable[str]) -> dict[str, int]:
        """Current version of each stream (0 for a new one)."""
        versions = dict.fromkeys(streams, 0)
        sql = "SELECT stream, max(version) FROM events WHERE stream IN ({marks}) GROUP BY stream"
        versions.update(self._select_in(sql, versions))
        return versions

    def _existing_ids(self, ids: Sequence[str]) -> set[str]:
        return {row[0] for row in self._select_in("SELECT id FROM events WHERE id IN ({marks})", ids)}

    def _select_in(self, sql: str, values: Iterable[object]) -> Iterator[tuple[Any, ...]]:
        """The rows of `sql` for every distinct value, whose `{marks}` is the IN list's placeholders;
        run in chunks, so any number of values stays under SQLite's variable limit."""
        wanted = list(dict.fromkeys(values))
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start : start + _IN_CHUNK]
            yield from self.conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)

    def head(self) -> tuple[int, str]:
        """(last position, its hash); (0, chain.GENESIS_HASH) for an empty log."""
        row = self.conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
        return (row[0], row[1]) if row else (0, chain.GENESIS_HASH)

    def stream_version(self, stream: str) -> int:
        row = self.conn.execute("SELECT max(version) FROM events WHERE stream = ?", (stream,)).fetchone()
        return int(row[0] or 0)

    def stream_heads(self, streams: Iterable[str]) -> dict[str, tuple[int, dict[str, Any]]]:
        """For each stream that exists: (its last version, that event's data as a dict)."""
        sql = (
            "SELECT stream, version, data FROM events AS e WHERE stream IN ({marks}) "
            "AND version = (SELECT max(version) FROM events WHERE stream = e.stream)"
        )
        rows = self._select_in(sql, streams)
        return {stream: (version, json.loads(data)) for stream, version, data in rows}

    def last_in_stream(self, stream: str, types: Sequence[str] | None = None) -> RecordedEvent | None:
        """The stream's latest event (of one of `types`, if given)."""
        from tracker.events import decode

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
        from tracker.events import decode_rows

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
            yield from decode_rows(rows)
            if len(rows) < batch:
                return
            after = rows[-1][0]
            if remaining is not None:
                remaining -= len(rows)

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM events").fetchone()[0])

    def page_usage(self) -> tuple[int, int]:
        """(pages in use, the most pages the file may grow to): room left before SQLITE_FULL."""
        pages = self.conn.execute("PRAGMA page_count").fetchone()[0]
        limit = self.conn.execute("PRAGMA max_page_count").fetchone()[0]
        return int(pages), int(limit)

    def checkpoint_wal(self) -> tuple[int, int, int]:
        """`PRAGMA wal_checkpoint(TRUNCATE)`: (busy, WAL frames, frames checkpointed)."""
        busy, frames, done = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return int(busy), int(frames), int(done)

    def audit(
        self,
        *,
        checkpoint: tuple[int, str] | None = None,
        key: chain.SealKey | None = None,
        full: bool = False,
    ) -> Audit:
        """Every check of `tracker.storage.audit` (`full`: `PRAGMA integrity_check` too), as findings."""
        from tracker.storage.audit import audit  # only `verify` audits: its records cost start-up time

        return audit(self.conn, checkpoint=checkpoint, key=key, full=full)

    def verify(self, *, full: bool = False) -> VerifyReport:
        """Audit the log; raise VerificationFailed naming every problem and the first bad position."""
        from tracker.storage.audit import verify

        return verify(self.conn, full=full)
