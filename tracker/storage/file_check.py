"""The file's own check for `tracker verify`: SQLite's `quick_check` or `integrity_check`, run
beside the hash chain's walk so that a verify costs the longer of the two, not their sum."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import cast

from tracker.errors import StoreError
from tracker.storage.connect import BUSY_TIMEOUT_MS, connect


def start_file_check(conn: sqlite3.Connection, *, full: bool) -> Callable[[], str | None]:
    """Start the file's check; the function returned waits for it and gives its problem, if any.

    `quick_check` reads every page of every table and index and checks their structure, which
    is what a storage fault damages; `integrity_check` (`full`) also checks that each index holds
    exactly its table's rows and that UNIQUE, NOT NULL and CHECK constraints hold, at about four
    times the cost. The chain walk reads every row of the log itself either way.

    The check runs on a second read-only connection in a thread, beside the chain walk (SQLite
    releases the GIL while it works); on the caller's own connection, after it, when there is no
    file to open again or the caller is inside a transaction (it must see what that one sees).
    """
    pragma = "integrity_check" if full else "quick_check"

    def problem(connection: sqlite3.Connection) -> str | None:
        rows = [r[0] for r in connection.execute(f"PRAGMA {pragma}(20)")]
        return None if rows == ["ok"] else f"{pragma}: {'; '.join(rows)[:300]}"

    path = file_of(conn)
    if path is None or conn.in_transaction:
        return lambda: problem(conn)
    outcome: list[object] = []

    def run() -> None:
        try:
            other = connect(path, readonly=True)
        except StoreError:
            outcome.append(_CANNOT_OPEN)
            return
        try:
            with contextlib.closing(other):
                other.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                outcome.append(problem(other))
        except BaseException as exc:  # raised again in the caller's thread
            outcome.append(exc)

    thread = threading.Thread(target=run, name=f"tracker-{pragma}", daemon=True)
    thread.start()

    def finished() -> str | None:
        thread.join()
        found = outcome[0]
        if found is _CANNOT_OPEN:
            return problem(conn)
        if isinstance(found, BaseException):
            raise found
        return cast(str | None, found)

    return finished


_CANNOT_OPEN = object()  # the file could not be opened a second time


def file_of(conn: sqlite3.Connection) -> Path | None:
    """The main database file of a connection; None for an in-memory or temporary database."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return Path(file) if file else None
    return None
