"""Opening the SQLite file of a store: the checks that give a clear error before SQLite gives an
obscure one, and the read-only modes.

- A writer needs the file's directory (it creates the file, its `-wal` and `-shm` there).
- A reader opens `mode=ro`: it never creates a file and never takes the write lock. On read-only
  media (a directory the reader cannot write, where SQLite cannot create the `-shm` file a WAL
  store needs) it falls back to `immutable=1`, which reads the file as it is, without locks, and is
  only safe when no writer can be at work: so only when no `-wal` file with content is beside it.
- Every connection sets `busy_timeout`, `foreign_keys` and `synchronous` (`configure`): FULL by
  default, NORMAL where TRACKER_SYNCHRONOUS says so (`synchronous_mode` says what each protects);
  and `wal_autocheckpoint`, larger than SQLite's (`WAL_AUTOCHECKPOINT_PAGES` says why).
- Checking the file's structure first (`PRAGMA quick_check`, about 0.15 s per 50 MB, growing with
  the store) is asked for, not done on every open: `--check` on the reading commands refuses a
  damaged store with a clear error before any answer, and `tracker verify` audits everything.
  Without it, a damaged page is still reported, as a damaged store, when a query reaches it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from tracker.errors import ConfigError, StoreError, StoreNotFound
from tracker.storage.storage_faults import describe, primary_code

SYNCHRONOUS_ENV = "TRACKER_SYNCHRONOUS"
BUSY_TIMEOUT_MS = 10_000  # how long a connection waits for another's lock before it says so


class Executes(Protocol):
    """What a read needs of a connection: a `sqlite3.Connection` (`Store.conn`) and sqlite-utils'
    `Database` (`Store.db`, which the projections fill tables with) both answer `execute`, so a
    query serves both and a read-only command need not import sqlite-utils."""

    def execute(self, sql: str, parameters: Any = ..., /) -> sqlite3.Cursor: ...


def check_path(path: Path, *, readonly: bool, create: bool) -> None:
    """Refuse a path that cannot be a store for this open, with the reason."""
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file (give --db a file path)")
    if (readonly or not create) and not path.is_file():
        if not path.parent.is_dir():
            raise StoreNotFound(f"{path}: no such database (directory {path.parent} does not exist)")
        raise StoreNotFound(f"{path}: no such database (run `tracker fetch` or `tracker demo` first)")
    if not path.parent.is_dir():
        raise StoreError(f"{path}: directory {path.parent} does not exist")


def connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread."""
    try:
        return _connect(path, readonly=readonly)
    except sqlite3.Error as exc:
        raise StoreError(describe(exc, path, busy_wait=0)) from None


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if not readonly:
        return sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn = _connect_uri(path, "mode=ro")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as exc:
        conn.close()
        if primary_code(exc) not in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY) or _wal_in_use(path):
            raise
        return _connect_uri(path, "immutable=1")  # read-only media: see the module docstring
    return conn


def synchronous_mode(name: str | None) -> str:
    """`name`, else TRACKER_SYNCHRONOUS, else FULL, checked.

    FULL syncs the WAL at every COMMIT: a committed transaction survives a power loss. NORMAL
    syncs only at checkpoints: a committed transaction still survives the process being killed
    (it is in the WAL, which the OS writes out), but the last ones before a power loss or an OS
    crash may be lost, the file staying consistent. NORMAL commits faster on slow disks.
    """
    given = name or os.environ.get(SYNCHRONOUS_ENV) or "full"
    if given.strip().upper() not in ("FULL", "NORMAL"):
        raise ConfigError(f"{SYNCHRONOUS_ENV}: expected full or normal, not {given!r}")
    return given.strip().upper()


# Checkpoint when the WAL passes ~32 MB of 4 KB pages, not SQLite's 4 MB: the log's two unique
# indexes on hashed keys put most new events on an index page of their own, so a checkpoint
# copies nearly every page it finds; eight times fewer checkpoints copy each hot page once where
# they copied it several times (measured: a commit takes a fifth to a third less CPU). Below
# the size at which the daemon warns that a reader is holding checkpoints back.
WAL_AUTOCHECKPOINT_PAGES = 8000


def configure(conn: sqlite3.Connection, *, busy_timeout_ms: int, synchronous: str | None) -> None:
    """The settings every connection needs (SQLite keeps them per connection, not in the file)."""
    conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA synchronous = {synchronous_mode(synchronous)}")
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    # Some builds (Debian's) zero every page freed, so dropping a projection for a rebuild writes
    # its whole size again (measured: a fifth of a rebuild's main process). What a store deletes
    # is derived or operational rows (projections and their errors, the poll log's old rows),
    # never the log: freed content is zeroed only where that costs no extra write.
    conn.execute("PRAGMA secure_delete = FAST")


def quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a store whose pages are damaged (`tracker verify` names the problem)."""
    try:
        result = [row[0] for row in conn.execute("PRAGMA quick_check(3)")]
    except sqlite3.DatabaseError as exc:
        if primary_code(exc) != sqlite3.SQLITE_CORRUPT:
            raise  # not a database at all, or not readable: said as such by the caller
        result = [str(exc)]
    if result != ["ok"]:
        raise StoreError(f"{path}: store is damaged ({'; '.join(result)[:200]}); `tracker verify` says where")


def _connect_uri(path: Path, mode: str) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?{mode}"
    return sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)


def _wal_in_use(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0
