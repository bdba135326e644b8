"""Telling a sick store from a failed poll, and probing whether it has recovered.

A full disk, a read-only file or an I/O error is not the feed's fault and not transient within a
poll: the daemon pauses polling (ingestion is idempotent, so nothing is lost — the next poll
fetches again), keeps its lock, and probes with backoff until a write succeeds again.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable

from tracker.storage.store import Store

# Primary result codes (the low byte of an extended code).
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14
_STORAGE_CODES = frozenset({_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN})
_STORAGE_MESSAGES = (
    "database or disk is full",
    "attempt to write a readonly database",
    "disk i/o error",
    "unable to open database file",
)
MIN_FREE_BYTES = 4 * 2**20  # below this much free disk, writing is not retried
MIN_FREE_PAGES = 16  # below this many pages under max_page_count, likewise


def is_storage_failure(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be written at all (as opposed to a busy lock)."""
    if not isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and (code & 0xFF) in _STORAGE_CODES:
        return True
    text = str(exc).lower()
    return any(message in text for message in _STORAGE_MESSAGES)


async def probe(store: Store, write: Callable[[Store], None]) -> str | None:
    """None if the store takes a write again (`write`, run in a transaction); otherwise why not.

    Room is checked first (free disk, pages left under max_page_count), because a tiny probe write
    can succeed while the next real batch still would not fit. The write waits for the lock without
    blocking the event loop.
    """
    try:
        stats = os.statvfs(store.path.resolve().parent)
        free = stats.f_bavail * stats.f_frsize
        if free < MIN_FREE_BYTES:
            return f"{free:,} bytes free on the disk"
        pages, limit = store.page_usage()
        if limit - pages < MIN_FREE_PAGES:
            return f"database at its page limit ({pages:,} of {limit:,} pages)"
        async with store.transaction_async():
            write(store)
    except (sqlite3.Error, OSError) as exc:
        return str(exc)
    return None
