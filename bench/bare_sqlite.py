"""The bare `sqlite3` side of the store benchmark: the same rows appended, read, projected and
verified with no invariant but the hash chain, as the limit the store is measured against."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any


def durability(conn: Any) -> str:
    """`wal/FULL`: a connection's journal mode and synchronous setting, read back from it."""
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    level = conn.execute("PRAGMA synchronous").fetchone()[0]
    return f"{journal}/{ {0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA'}[level] }"


def raw_connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn


def raw_append(path: Path, rows: list[tuple[str, str, str, str]], per_tx: int, synchronous: str) -> None:
    conn = raw_connect(path, synchronous)
    conn.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT, type TEXT, data TEXT, hash TEXT)"
    )
    for start in range(0, len(rows), per_tx):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (id, type, data, hash) VALUES (?, ?, ?, ?)", rows[start : start + per_tx]
        )
        conn.execute("COMMIT")
    conn.close()


def raw_read(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return sum(
            1 for (data,) in conn.execute("SELECT data FROM events ORDER BY position") if json.loads(data)
        )


def raw_rebuild(path: Path) -> None:
    with contextlib.closing(raw_connect(path)) as conn:
        conn.execute("DROP TABLE IF EXISTS articles")
        conn.execute(
            "CREATE TABLE articles (id TEXT PRIMARY KEY, feed_id TEXT, title TEXT, link TEXT, published TEXT)"
        )
        conn.execute("BEGIN")
        rows = (
            (i, d["feed_id"], d["title"], d["link"], d["published"])
            for i, d in ((i, json.loads(data)) for i, data in conn.execute("SELECT id, data FROM events"))
        )
        conn.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")


def raw_verify(path: Path, full: bool) -> int:
    pragma = "integrity_check" if full else "quick_check"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if conn.execute(f"PRAGMA {pragma}").fetchone()[0] != "ok":
            raise RuntimeError(f"{pragma} failed")
        prev, count = "0" * 64, 0
        for data, stored in conn.execute("SELECT data, hash FROM events ORDER BY position"):
            prev = hashlib.sha256(bytes.fromhex(prev) + data.encode()).hexdigest()
            if prev != stored:
                raise RuntimeError("chain broken")
            count += 1
        return count
