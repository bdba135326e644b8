"""What an article event gives to interpret: the article version with the latest page read
before it, from the log (so rebuilds agree), one event or a batch at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tracker.storage.connect import Executes
from tracker.streams import article_stream, page_stream_of

if TYPE_CHECKING:
    from tracker.events import ArticleTextFetched, RecordedEvent

Reading = tuple["RecordedEvent", "ArticleTextFetched | None"]  # an article version, with its page


def reading_of(db: Executes, recorded: RecordedEvent) -> Reading | None:
    """What an event gives to interpret: the article version (a page re-reads the article's
    current feed version, whose facts then take the page's position, so "what was known at T"
    still filters by position), with the latest page before it; None for other events."""
    return readings_of(db, [recorded])[recorded.position]


def readings_of(db: Executes, events: Sequence[RecordedEvent]) -> dict[int, Reading | None]:
    """`reading_of` of each event, by position; the streams it reads are looked up together."""
    from tracker.events import (
        ArticleObserved,
        ArticleRevised,
        ArticleTextFetched,
    )

    wanted: dict[int, tuple[str, int]] = {}
    pages = False  # whether a page may be read with an article: most logs have none at all
    for recorded in events:
        event = recorded.event
        if isinstance(event, ArticleTextFetched):
            wanted[recorded.position] = (article_stream(event.feed_id, event.entry_key), recorded.position)
            pages = True
        elif isinstance(event, ArticleObserved | ArticleRevised):
            wanted[recorded.position] = (page_stream_of(recorded.stream), recorded.position)
    if wanted and not pages:
        pages = _page_before(db, max(position for _, position in wanted.values()))
    latest = _latest_before(db, list(wanted.values())) if pages else {}
    found: dict[int, Reading | None] = {}
    for recorded in events:
        event, before = recorded.event, latest.get(wanted.get(recorded.position, ("", 0)))
        if isinstance(event, ArticleTextFetched):
            found[recorded.position] = (
                None if before is None else (before._replace(position=recorded.position), event)
            )
        elif isinstance(event, ArticleObserved | ArticleRevised):
            page = before.event if before is not None else None
            found[recorded.position] = (recorded, page if isinstance(page, ArticleTextFetched) else None)
        else:
            found[recorded.position] = None
    return found


def _page_before(db: Executes, position: int) -> bool:
    """Whether the log holds an article page before `position` (one step in the index by type)."""
    sql = "SELECT 1 FROM events WHERE type = 'ArticleTextFetched' AND position < ? LIMIT 1"
    return db.execute(sql, [position]).fetchone() is not None


_IN_CHUNK = 500  # streams a query: far under SQLite's variable limit


def _latest_before(db: Executes, wanted: Sequence[tuple[str, int]]) -> dict[tuple[str, int], RecordedEvent]:
    """For each (stream, position), the stream's last event before that position, read from the
    log (so rebuilds agree); pairs whose stream has none are left out. One query for a few hundred
    streams: most have no event at all (an article without a page)."""
    from tracker.events import decode

    if not wanted:
        return {}
    streams = list(dict.fromkeys(stream for stream, _ in wanted))
    until = max(position for _, position in wanted)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for start in range(0, len(streams), _IN_CHUNK):
        chunk = streams[start : start + _IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        cursor = db.execute(
            "SELECT position, id, stream, version, type, schema_version, data, meta, occurred_at, "  # noqa: S608
            f"recorded_at FROM events WHERE stream IN ({marks}) AND position < ? ORDER BY position",
            [*chunk, until],
        )
        for row in cursor:
            rows.setdefault(row[2], []).append(row)
    found: dict[tuple[str, int], RecordedEvent] = {}
    for stream, position in wanted:
        before = [row for row in rows.get(stream, ()) if row[0] < position]
        if before:
            found[(stream, position)] = decode(*before[-1])
    return found
