"""The log's hash chain, checkpoints and keyed seals: each row's hash, the head a report names,
and the seal a key holder's writes leave. What they prove, and what they cannot, is the audit's
business (`tracker.storage.audit`, behind `tracker verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tracker.errors import ConfigError

# Sentinel used by the store for the first event's `prev_hash`.
GENESIS_HASH = "0" * 64

_SEALS_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS chain_seals (
    position   INTEGER PRIMARY KEY,   -- the head this transaction left
    hash       TEXT NOT NULL,         -- that event's chain hash
    key_id     TEXT NOT NULL,         -- which key sealed it (a digest, never the key)
    mac        TEXT NOT NULL          -- HMAC-SHA256(key, "position:hash")
) STRICT""",
    """CREATE TRIGGER IF NOT EXISTS chain_seals_no_update BEFORE UPDATE ON chain_seals
BEGIN SELECT RAISE(ABORT, 'seals are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS chain_seals_no_delete BEFORE DELETE ON chain_seals
BEGIN SELECT RAISE(ABORT, 'seals are append-only'); END""",
)
_CHECKPOINT = re.compile(r"^\s*([0-9]{1,19})\s*:\s*([0-9a-fA-F]{64})\s*$")
MIN_KEY_BYTES = 16

KEY_FILE_ENV = "TRACKER_KEY_FILE"

# The stored columns a row's hash covers, in the order they are joined.
HASHED_COLUMNS = (
    "position",
    "id",
    "stream",
    "version",
    "type",
    "schema_version",
    "data",
    "meta",
    "occurred_at",
    "recorded_at",
)


def _canonical(row: Sequence[object]) -> bytes:
    # Fields joined by the unit separator: no stored value can contain a raw U+001F (data and
    # meta are JSON, which escapes it; ids, streams and timestamps are generated), so the
    # encoding is unambiguous; NULL is the empty field, which no stored value is.
    return "\x1f".join(["" if value is None else str(value) for value in row]).encode("utf-8")


# `_canonical` computed by SQLite while it reads a row, for the audit: the columns are STRICT
# (INTEGER or TEXT), and SQLite writes an integer as text in the same digits as Python's str().
# The separator is a literal in the statement, not a `char(31)` call per field. (`printf` would be
# faster still, but its `%s` stops at a NUL, so a value edited to `original\0anything` would hash
# as the original.)
CANONICAL_SQL = "CAST(" + " || '\x1f' || ".join(f"coalesce({c}, '')" for c in HASHED_COLUMNS) + " AS BLOB)"


def chain_hash(prev_hash: str, row: Sequence[object]) -> str:
    """sha256(prev_hash bytes || the row's stored values as text joined by U+001F: `_canonical`)."""
    return next_digest(bytes.fromhex(prev_hash), row).hex()


def next_digest(prev_digest: bytes, row: Sequence[object]) -> bytes:
    """`chain_hash` on digests as bytes, for a writer that chains many rows."""
    return hashlib.sha256(prev_digest + _canonical(row)).digest()


class SealKey(NamedTuple):
    """A key's secret (a tuple: every store opened builds one where a key is set)."""

    secret: bytes

    @property
    def key_id(self) -> str:
        return hashlib.sha256(b"tracker seal key\x1f" + self.secret).hexdigest()[:16]

    def mac(self, position: int, digest: str) -> str:
        return hmac.new(self.secret, f"{position}:{digest}".encode(), hashlib.sha256).hexdigest()


def load_key(path: str | Path) -> SealKey:
    """The secret is the file's bytes (surrounding whitespace removed): at least 16 of them."""
    try:
        secret = Path(path).read_bytes().strip()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the key file: {exc.strerror}") from None
    if len(secret) < MIN_KEY_BYTES:
        raise ConfigError(f"{path}: a key needs at least {MIN_KEY_BYTES} bytes (e.g. `openssl rand -hex 32`)")
    return SealKey(secret)


def key_from_environment() -> SealKey | None:
    """The key in the file TRACKER_KEY_FILE names, if it names one."""
    path = os.environ.get(KEY_FILE_ENV)
    return load_key(path) if path else None


def parse_checkpoint(text: str) -> tuple[int, str]:
    """`POSITION:HASH` → (position, lower-case hash). Raises ValueError."""
    match = _CHECKPOINT.match(text)
    if match is None:
        raise ValueError(f"expected POSITION:HASH, a position and a 64-digit hex hash (got {text[:80]!r})")
    return int(match.group(1)), match.group(2).lower()


def head_at(conn: sqlite3.Connection, position: int) -> dict[str, object]:
    """{"position": P, "hash": …}: the head a report built from positions ≤ P names."""
    row = conn.execute("SELECT hash FROM events WHERE position = ?", (position,)).fetchone()
    return {"position": position, "hash": row[0] if row else GENESIS_HASH}


def seal(conn: sqlite3.Connection, key: SealKey) -> None:
    """Seal the current head, inside the writer's transaction (a no-op when it is sealed already)."""
    for statement in _SEALS_SCHEMA:
        conn.execute(statement)
    row = conn.execute("SELECT position, hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
    if row is None:
        return
    position, digest = row
    sealed = conn.execute("SELECT coalesce(max(position), 0) FROM chain_seals").fetchone()[0]
    if position > sealed:
        conn.execute(
            "INSERT INTO chain_seals (position, hash, key_id, mac) VALUES (?, ?, ?, ?)",
            (position, digest, key.key_id, key.mac(position, digest)),
        )
