"""The audit behind `tracker verify`: the file, the hash chain, the schema, checkpoints and seals.

What each check proves, and what it cannot:

- **The file** (always): `PRAGMA quick_check`, every page of every table and index sound; with
  `full` (`tracker verify --full`), `PRAGMA integrity_check`, which also proves each index holds
  exactly its table's rows (the duplicate check relies on the `id` index), at four times the cost.
- **The hash chain** (always): every row's hash covers its contents and the previous hash, so an
  edit, a removed row in the middle or a reordering is found, naming the first bad position. It
  proves order, not authenticity: anyone who can write the file can rewrite history and recompute
  every hash after it, or cut the tail off, and the chain alone is consistent again.
- **The schema** (always): the `events` table and its guard triggers must be exactly as created;
  a dropped or altered trigger is reported even when no row was touched yet. A store from before
  schema 3 has the older REPLACE guard: a note, not a problem, until a writer migrates it.
- **Traces of a cut tail** (always, best effort): projection checkpoints and seals that name
  positions beyond the last event show that events were removed. A writer who also rewrites those
  tables leaves no such trace.
- **A checkpoint** (`--checkpoint POSITION:HASH`, the head printed with every report): the log must
  still hold that position with that hash. This catches a rewritten-and-rechained history and a
  cut tail up to that point, for whoever kept the checkpoint outside the database; a report's
  reader who saved its head is a witness, as in Certificate Transparency.
- **Seals** (a key file: `--key-file PATH` / `TRACKER_KEY_FILE`): every write transaction by a
  process that has the key records HMAC-SHA256(key, position:hash) of the new head in
  `chain_seals`. Verifying with the key proves each sealed head was written by a key holder, so
  rewriting and re-chaining without the key is detected, and so is a cut tail past the last seal
  or events appended after it without the key. A key holder can still rewrite everything and seal
  it again; and restoring an older copy of the whole file is undetectable without a checkpoint.
"""

from __future__ import annotations

import hmac
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import VerificationFailed
from tracker.storage.chain import GENESIS_HASH, SealKey
from tracker.storage.chain_walk import walk_chain
from tracker.storage.file_check import start_file_check
from tracker.storage.schema import SCHEMA, SCHEMA_VERSION, split_sql

# The REPLACE guard as stores before schema 3 have it, before it also covered (stream, version):
# a writer migrates it on open; until then `verify` says so without failing.
OUTDATED_GUARDS = {
    "events_no_replace": "CREATE TRIGGER events_no_replace BEFORE INSERT ON events WHEN EXISTS (SELECT 1 "
    "FROM events WHERE id = NEW.id OR position = NEW.position) BEGIN SELECT RAISE(ABORT, 'events are "
    "append-only: the event exists'); END",
}


@dataclass(frozen=True, slots=True)
class Finding:
    problem: str
    position: int | None = None

    def __str__(self) -> str:
        return self.problem


@dataclass(slots=True)
class Audit:
    events: int = 0
    head_position: int = 0
    head_hash: str = GENESIS_HASH
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # worth knowing, not a failure

    def add(self, problem: str, position: int | None = None) -> None:
        self.findings.append(Finding(problem, position))


@dataclass(frozen=True, slots=True)
class VerifyReport:
    events: int
    head_position: int
    head_hash: str
    integrity: str


def verify(conn: sqlite3.Connection, *, full: bool = False) -> VerifyReport:
    """Audit the log; raise VerificationFailed naming every problem and the first bad position."""
    result = audit(conn, full=full)
    if result.findings:
        positioned = next((f.position for f in result.findings if f.position is not None), None)
        raise VerificationFailed("; ".join(map(str, result.findings)), positioned)
    return VerifyReport(result.events, result.head_position, result.head_hash, "ok")


def audit(
    conn: sqlite3.Connection,
    *,
    checkpoint: tuple[int, str] | None = None,
    key: SealKey | None = None,
    full: bool = False,
) -> Audit:
    """Every check in the module docstring; problems are findings, never exceptions. `full` runs
    `PRAGMA integrity_check` instead of `quick_check` (see `_integrity`)."""
    result = Audit()
    integrity = start_file_check(conn, full=full)
    try:
        if _schema(conn, split_sql(SCHEMA), result):
            _chain(conn, result)
            _traces_of_a_cut_tail(conn, result)
            if checkpoint is not None:
                _checkpoint(conn, checkpoint, result)
            _seals(conn, key, result)
    except sqlite3.DatabaseError as exc:
        result.add(f"the database cannot be read: {exc}")
    try:
        problem = integrity()
    except sqlite3.DatabaseError as exc:
        problem = f"the database cannot be read: {exc}"
    if problem is not None:
        result.findings.insert(0, Finding(problem))  # the file first: it may explain the rest
    return result


def _normalised(sql: str) -> str:
    return " ".join(sql.rstrip().rstrip(";").split())


def _schema(conn: sqlite3.Connection, expected: Sequence[str], result: Audit) -> bool:
    """Compare the table and trigger definitions; False when there is no `events` table to check."""
    stored = {
        name: _normalised(sql or "")
        for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE tbl_name = 'events'")
    }
    # The older guard is expected only where the schema number says a migration is still due.
    older = conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION
    for statement in expected:
        match = re.match(r"CREATE (TABLE|TRIGGER) (\w+)(?: BEFORE \w+ ON (\w+))?", statement)
        if match is None or (match.group(3) or match.group(2)) != "events":
            continue
        kind, name = match.group(1).lower(), match.group(2)
        if name not in stored:
            result.add(f"schema: the {kind} {name} is missing")
        elif stored[name] == OUTDATED_GUARDS.get(name) and older:
            result.notes.append(f"the trigger {name} is from an older tracker; any write command upgrades it")
        elif stored[name] != _normalised(statement):
            result.add(f"schema: the {kind} {name} differs from the one tracker creates")
    return "events" in stored


def _chain(conn: sqlite3.Connection, result: Audit) -> None:
    walked = walk_chain(conn)
    if walked.first_problem is not None:
        result.add(*walked.first_problem)
    if walked.broken > 1:
        result.add(f"{walked.broken} rows in all break the chain")
    result.events = walked.rows
    result.head_position, result.head_hash = walked.head_position, walked.head_hash


def _traces_of_a_cut_tail(conn: sqlite3.Connection, result: Audit) -> None:
    head = result.head_position
    for name, position in _rows(conn, "SELECT name, position FROM projection_checkpoints"):
        if position > head:
            result.add(
                f"the log ends at position {head} but projection {name!r} has folded events up to "
                f"{position}: events were removed from the end",
                head + 1,
            )


def _checkpoint(conn: sqlite3.Connection, checkpoint: tuple[int, str], result: Audit) -> None:
    position, digest = checkpoint
    if position == 0:
        if digest != GENESIS_HASH:
            result.add("checkpoint 0 must name the genesis hash (64 zeros)")
        return
    row = conn.execute("SELECT hash FROM events WHERE position = ?", (position,)).fetchone()
    if row is None:
        result.add(
            f"checkpoint {position}: the log no longer reaches that position (it ends at "
            f"{result.head_position}): events were removed",
            position,
        )
    elif row[0] != digest:
        result.add(
            f"checkpoint {position}: the log there has hash {row[0][:16]}…, not the saved "
            f"{digest[:16]}…: history up to that position was rewritten",
            position,
        )


def _seals(conn: sqlite3.Connection, key: SealKey | None, result: Audit) -> None:
    seals = _rows(conn, "SELECT position, hash, key_id, mac FROM chain_seals ORDER BY position")
    table_exists = _has_table(conn, "chain_seals")
    if key is None:
        if table_exists:
            result.notes.append("this store is sealed with a key: pass --key-file to check the seals")
        for position, digest, _, _ in seals:  # without the key, seals still pin their hashes
            if not _seal_matches_chain(conn, position, digest, result):
                break
        return
    if not seals:
        result.add("no seals: this store was never written with this key, or its seals were removed")
        return
    for position, digest, key_id, mac in seals:
        if key_id != key.key_id or not hmac.compare_digest(mac, key.mac(position, digest)):
            result.add(f"seal at position {position} was not made with this key", position)
            return
        if not _seal_matches_chain(conn, position, digest, result):
            return
    last = seals[-1][0]
    if last < result.head_position:
        result.add(
            f"positions {last + 1}–{result.head_position} are not sealed: they were appended without the key",
            last + 1,
        )


def _seal_matches_chain(conn: sqlite3.Connection, position: int, digest: str, result: Audit) -> bool:
    row = conn.execute("SELECT hash FROM events WHERE position = ?", (position,)).fetchone()
    if row is None:
        result.add(
            f"a seal names position {position}, which the log no longer holds: events were removed", position
        )
        return False
    if row[0] != digest:
        result.add(
            f"position {position}: the chain differs from the sealed head: history was rewritten", position
        )
        return False
    return True


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
        is not None
    )


def _rows(conn: sqlite3.Connection, sql: str) -> list[Any]:
    """Rows of an optional table: none when it does not exist (an old store, or removed)."""
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []
        raise
