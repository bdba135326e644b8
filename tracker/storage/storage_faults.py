"""Storage faults: the SQLite errors that say the store cannot be used right now (a full disk, a
read-only file, another process's write lock, a damaged file), told apart from the errors that
are a bug, and each said in one line.

A storage fault is never a projection's "poison event": it stops the whole transaction (SQLite
may already have rolled it back) and is reported as it is; nothing is skipped because of it.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# Primary result codes (the low byte of an extended code) of faults of the storage itself.
_MESSAGES: dict[int, str] = {
    sqlite3.SQLITE_BUSY: (
        "store is busy: another process holds the write lock (waited {wait} s); try again when it is done"
    ),
    sqlite3.SQLITE_LOCKED: "store is busy: a table is locked by another connection; try again",
    sqlite3.SQLITE_FULL: (
        "store is full: the disk (or SQLite's page limit) has no room left; nothing was written"
    ),
    sqlite3.SQLITE_READONLY: (
        "store is read-only: this command writes, and the file or its directory cannot be written"
    ),
    sqlite3.SQLITE_IOERR: (
        "store could not be read or written (disk I/O error: a full disk, a file size limit or failing "
        "media); nothing was written"
    ),
    sqlite3.SQLITE_CANTOPEN: (
        "store cannot be opened: the file or its directory is missing or not accessible"
    ),
    sqlite3.SQLITE_CORRUPT: (
        "store is damaged (database disk image is malformed); `tracker verify` says where"
    ),
    sqlite3.SQLITE_NOTADB: "not a tracker store: the file is not an SQLite database",
    sqlite3.SQLITE_NOMEM: "out of memory while using the store",
    sqlite3.SQLITE_PROTOCOL: "store is busy: its lock protocol failed under contention; try again",
}


def primary_code(exc: sqlite3.Error) -> int | None:
    """The primary SQLite result code of an error, when the driver gives one."""
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def is_storage_fault(exc: BaseException) -> bool:
    """Whether `exc` is a fault of the storage (see the module docstring), not of the code."""
    return isinstance(exc, sqlite3.Error) and primary_code(exc) in _MESSAGES


def describe(exc: sqlite3.Error, path: str | Path, *, busy_wait: float) -> str:
    """One line for an SQLite error met while using the store at `path`."""
    code = primary_code(exc)
    if code == sqlite3.SQLITE_IOERR and _disk_full(Path(path)):
        code = sqlite3.SQLITE_FULL  # SQLite says "full" only for a short write; ENOSPC is I/O to it
    template = _MESSAGES.get(code or -1)
    if template is None:
        return f"{path}: store error: {exc}"
    return f"{path}: " + template.format(wait=f"{busy_wait:g}")


def _disk_full(path: Path) -> bool:
    """Whether the filesystem holding `path` has less than a page or two of room left."""
    try:
        stats = os.statvfs(path.resolve().parent)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < 64 * 1024
