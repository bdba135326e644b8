"""Reads of the log that listings, reports and polling need beyond the store's own: the position
reached by a moment, each article version without its text, events outside given streams, when
streams were first and last recorded.

Functions over an open `Store`, beside it in the storage layer; `Store.append` never uses them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from tracker.clock import parse_utc
from tracker.storage.store import Store


class ArticleVersion(NamedTuple):
    """One stored version of an article, as listings need it (no text): a row, as a named tuple."""

    stream: str
    feed_id: str
    title: str | None
    link: str | None
    occurred_at: str | None
    revision: int | None
    position: int


def position_recorded_by(store: Store, moment: str) -> int:
    """The last position recorded at or before `moment` (format_utc text); 0 if none."""
    # A moment after the last record (the usual case) is the head, as the index's last entry says;
    # otherwise the index's entries up to it are scanned for the highest position (left to itself,
    # SQLite walks the whole table backwards from the head instead).
    last = store.conn.execute("SELECT max(recorded_at) FROM events").fetchone()[0]
    if last is None or last <= moment:
        return int(store.conn.execute("SELECT max(position) FROM events").fetchone()[0] or 0)
    sql = "SELECT max(position) FROM events INDEXED BY events_recorded_at WHERE recorded_at <= ?"
    return int(store.conn.execute(sql, (moment,)).fetchone()[0] or 0)


def any_outside(store: Store, stream_prefixes: Sequence[str]) -> bool:
    """Whether any event's stream starts with none of the prefixes (stops at the first one)."""
    clauses = " AND ".join("substr(stream, 1, ?) != ?" for _ in stream_prefixes) or "1"
    params = [value for prefix in stream_prefixes for value in (len(prefix), prefix)]
    sql = f"SELECT 1 FROM events WHERE {clauses} LIMIT 1"  # noqa: S608 - placeholders only
    return store.conn.execute(sql, params).fetchone() is not None


def last_type(store: Store, stream: str, types: Sequence[str]) -> str | None:
    """The type of the stream's latest event of one of `types`, if any (nothing decoded)."""
    sql = f"SELECT type FROM events WHERE stream = ? AND type IN ({','.join('?' * len(types))})"  # noqa: S608
    row = store.conn.execute(sql + " ORDER BY version DESC LIMIT 1", (stream, *types)).fetchone()
    return str(row[0]) if row else None


def stream_recorded(store: Store, streams: Iterable[str]) -> dict[str, tuple[datetime, datetime]]:
    """When each stream that exists was first and last recorded (for rate-limiting revisions)."""
    wanted = list(dict.fromkeys(streams))
    found: dict[str, tuple[datetime, datetime]] = {}
    for start in range(0, len(wanted), 500):  # well under SQLite's variable limit
        chunk = wanted[start : start + 500]
        sql = (
            "SELECT stream, min(recorded_at), max(recorded_at) FROM events "  # noqa: S608 - placeholders
            f"WHERE stream IN ({','.join('?' * len(chunk))}) GROUP BY stream"
        )
        for stream, first, last in store.conn.execute(sql, chunk):
            found[stream] = (parse_utc(first), parse_utc(last))
    return found


def article_versions(store: Store, until: int, *, after: int = 0) -> Iterator[ArticleVersion]:
    """Every version of every article after position `after` up to `until`, in log order, without
    its text."""
    rows = store.conn.execute(
        "SELECT stream, json_extract(data, '$.feed_id'), json_extract(data, '$.title'), "
        "json_extract(data, '$.link'), occurred_at, json_extract(data, '$.revision'), position "
        "FROM events WHERE type IN ('ArticleObserved', 'ArticleRevised') AND position > ? "
        "AND position <= ? ORDER BY position",
        (after, until),
    )
    for row in rows:
        yield ArticleVersion(*row)


def head_at(store: Store, position: int) -> dict[str, object]:
    """The log head a report built from positions ≤ `position` names ({"position", "hash"})."""
    from tracker.storage import chain

    return chain.head_at(store.conn, position)
