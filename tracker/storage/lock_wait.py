"""Taking SQLite's write lock from an event loop: `BEGIN IMMEDIATE` tried without waiting, and
retried in short asyncio sleeps, never in SQLite's busy handler, which would freeze the loop."""

from __future__ import annotations

import sqlite3
import time

# The pauses between attempts: the first, doubled after each, up to the longest (SQLite's own busy
# handler sleeps at most as long, so a writer that leaves the lock free longer lets either kind in).
FIRST_PAUSE, LONGEST_PAUSE = 0.005, 0.1


async def begin_immediate(
    conn: sqlite3.Connection, patience: float, busy_timeout_ms: int, *, restore: int | None = None
) -> None:
    """BEGIN IMMEDIATE within `patience` seconds, else the busy error. With `restore` (the
    connection's `synchronous` level), the transaction begins at NORMAL: set right before BEGIN
    (SQLite refuses it inside a transaction) and never left set across an await, where another
    task's transaction on this connection could run; the caller restores it after the commit."""
    import asyncio  # loaded already by whoever runs the loop; a store that only reads never needs it

    deadline, pause = time.monotonic() + patience, FIRST_PAUSE
    while True:
        if restore is not None:
            conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA busy_timeout = 0")
        try:
            conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if restore is not None:
                conn.execute(f"PRAGMA synchronous = {restore}")
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        await asyncio.sleep(pause)
        pause = min(pause * 2, LONGEST_PAUSE)
