"""`articles`: the current version of every article, with its revision count."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from tracker.clock import format_utc
from tracker.projections.runner import Projection
from tracker.storage.store import Store

if TYPE_CHECKING:
    import sqlite_utils

    from tracker.events import RecordedEvent

# The article text is not copied: `articles` is a view that reads each article's summary and
# content from its current version's event in the log. Held a second time in the table, the text
# was most of what a rebuild wrote (with it, a 100,000-article rebuild's commits took 3.2 s, 0.7 s
# without), and 44% of a store of 3 KB articles.
_TABLE = """
CREATE TABLE article_rows (
    stream          TEXT PRIMARY KEY,      -- article:<feed>:<key digest>, the article's event stream
    feed_id         TEXT NOT NULL,
    entry_key       TEXT NOT NULL,
    guid            TEXT,
    link            TEXT,
    title           TEXT,
    author          TEXT,
    published       TEXT,                  -- ISO-8601 UTC, NULL when the feed gave no usable date
    published_raw   TEXT,                  -- the date exactly as the feed gave it
    content_hash    TEXT NOT NULL,
    revisions       INTEGER NOT NULL,      -- 1 for an article never revised
    first_seen_at   TEXT NOT NULL,         -- recorded_at of its first version
    revised_at      TEXT,                  -- recorded_at of its latest revision, if any
    first_position  INTEGER NOT NULL,
    position        INTEGER NOT NULL       -- event position of the current version
) STRICT
"""
# The text as scalar subqueries, each a look-up by the log's primary key: SQLite evaluates a view's
# column only where a query reads it, so a query that reads no text never touches the log.
_VIEW = """
CREATE VIEW articles AS
SELECT stream, feed_id, entry_key, guid, link, title, author, published, published_raw,
       (SELECT json_extract(data, '$.summary') FROM events WHERE events.position = r.position) AS summary,
       (SELECT json_extract(data, '$.content') FROM events WHERE events.position = r.position) AS content,
       content_hash, revisions, first_seen_at, revised_at, first_position, position
FROM article_rows AS r
"""
_INDEXES = (
    "CREATE INDEX article_rows_feed ON article_rows (feed_id, published)",
    "CREATE INDEX article_rows_published ON article_rows (published)",
)
# Each feed's articles per month of publication, kept with every write of `articles` (`apply_batch`):
# a count as of a day adds up the months before it and counts only the rest of its month in the index.
_MONTHS = """
CREATE TABLE article_months (
    feed_id     TEXT NOT NULL,
    month       TEXT NOT NULL,     -- YYYY-MM (UTC) of `published`; undated articles are not counted
    articles    INTEGER NOT NULL,
    PRIMARY KEY (feed_id, month)
) STRICT, WITHOUT ROWID
"""
# A month's change of count: a month an article entered gets its row (kept, at 0, once every
# article has left it); a month one left has its row already (the article was counted there).
_COUNTED = (
    "INSERT INTO article_months VALUES (?, ?, ?) "
    "ON CONFLICT DO UPDATE SET articles = articles + excluded.articles"
)


class ArticlesProjection(Projection):
    name: ClassVar[str] = "articles"
    # 2: article_months; 3: counted by the projection, not by triggers; 4: the text read from the log
    version: ClassVar[int] = 4
    handles: ClassVar[frozenset[str] | None] = frozenset({"ArticleObserved", "ArticleRevised"})

    def create(self, db: sqlite_utils.Database) -> None:
        for statement in (_TABLE, *_INDEXES, _VIEW, _MONTHS):
            db.execute(statement)

    def drop(self, db: sqlite_utils.Database) -> None:
        kind = db.conn.execute("SELECT type FROM sqlite_master WHERE name = 'articles'").fetchone()
        if kind is not None:  # a table, with the text and triggers, before version 4
            db.execute(f"DROP {'VIEW' if kind[0] == 'view' else 'TABLE'} articles")
        db.execute("DROP TABLE IF EXISTS article_rows")
        db.execute("DROP TABLE IF EXISTS article_months")
        from tracker.storage import page_store  # the page queue's, only where a rebuild starts

        page_store.forget_marks(db.conn)  # they count this table's rows

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        self.apply_batch(db, [recorded])

    def apply_batch(self, db: sqlite_utils.Database, events: Sequence[RecordedEvent]) -> None:
        """One statement for each run of new articles, and for each run of revisions, in log order;
        then each month's change of count, once: counted here rather than by triggers on
        `articles`, whose statement for every row cost a third of a rebuild's writes."""
        runs, months = _runs(db, events)
        for statement, rows in runs:
            db.conn.executemany(statement, rows)
        db.conn.executemany(_COUNTED, [(feed, month, change) for (feed, month), change in months.items()])


_INSERT = (
    "INSERT INTO article_rows (stream, feed_id, entry_key, guid, link, title, author, published, "
    "published_raw, content_hash, revisions, first_seen_at, first_position, position) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)"
)
_UPDATE = (
    "UPDATE article_rows SET guid = ?, link = ?, title = ?, author = ?, published = ?, "
    "published_raw = ?, content_hash = ?, revisions = ?, revised_at = ?, position = ? WHERE stream = ?"
)


Months = dict[tuple[str, str], int]  # (feed, month) -> change of its count


def _runs(
    db: sqlite_utils.Database, events: Sequence[RecordedEvent]
) -> tuple[list[tuple[str, list[tuple[object, ...]]]], Months]:
    """The statements applying `events`, each with the rows of a run of events it writes, and how
    the count of each feed's articles per month changes."""
    from tracker.events import ArticleObserved, ArticleRevised

    runs: list[tuple[str, list[tuple[object, ...]]]] = []
    months: Months = {}
    written: dict[str, tuple[str, str | None]] = {}  # stream -> (feed, published), as these events leave it
    for recorded in events:
        event = recorded.event
        if not isinstance(event, ArticleObserved | ArticleRevised):
            continue
        published = format_utc(event.published) if event.published else None
        values = (
            event.guid,
            event.link,
            event.title,
            event.author,
            published,
            event.published_raw,
            event.content_hash,
        )
        row: tuple[object, ...]
        if isinstance(event, ArticleObserved):
            statement = _INSERT
            row = (
                recorded.stream,
                event.feed_id,
                event.entry_key,
                *values,
                recorded.recorded_at,
                recorded.position,
                recorded.position,
            )
            _moved(months, event.feed_id, None, published)
            written[recorded.stream] = (event.feed_id, published)
        else:
            statement = _UPDATE
            row = (*values, event.revision, recorded.recorded_at, recorded.position, recorded.stream)
            before = written.get(recorded.stream) or _current(db, recorded.stream)
            if before is not None:  # else it updates no article
                _moved(months, before[0], before[1], published)
                written[recorded.stream] = (before[0], published)
        if not runs or runs[-1][0] is not statement:
            runs.append((statement, []))
        runs[-1][1].append(row)
    return runs, months


def _current(db: sqlite_utils.Database, stream: str) -> tuple[str, str | None] | None:
    """An article's feed and publication as the table holds it (None: no such article)."""
    sql = "SELECT feed_id, published FROM article_rows WHERE stream = ?"
    found = db.conn.execute(sql, [stream]).fetchone()
    return None if found is None else (found[0], found[1])


def _moved(months: Months, feed: str, before: str | None, after: str | None) -> None:
    """Count an article's move from the month of `before` to that of `after` (None: undated)."""
    if before == after:
        return
    if before is not None:
        months[(feed, before[:7])] = months.get((feed, before[:7]), 0) - 1
    if after is not None:
        months[(feed, after[:7])] = months.get((feed, after[:7]), 0) + 1


# --- reads ----------------------------------------------------------------------------------------
# For listings (the report's coverage): counts and the newest articles of a feed, from the indexes,
# optionally only those published before `cutoff` and leaving out the streams in `excluding`.


def _filter(cutoff: str | None, excluding: Sequence[str]) -> tuple[list[str], list[object]]:
    clauses = (["published < ?"] if cutoff else []) + (
        [f"stream NOT IN ({', '.join('?' for _ in excluding)})"] if excluding else []
    )
    return clauses, [*([cutoff] if cutoff else []), *excluding]


def count_by_feed(store: Store, cutoff: str | None, excluding: Sequence[str]) -> dict[str, int]:
    """Each feed's articles (those with any), over the whole index."""
    clauses, params = _filter(cutoff, excluding)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"SELECT feed_id, count(*) FROM article_rows {where} GROUP BY feed_id"  # noqa: S608 - placeholders only
    return dict(store.conn.execute(sql, params))


def count_before(store: Store, cutoff: str, excluding: Sequence[str]) -> dict[str, int]:
    """Each feed's articles published before `cutoff` (those with any), leaving out the streams in
    `excluding`: the months before the cutoff's from `article_months`, and the rest, for each feed
    with articles in the cutoff's month, over its range of the (feed_id, published) index; so a
    count reads a month of the index at most."""
    month = cutoff[:7]  # every time of that month sorts after it
    earlier = "SELECT feed_id, sum(articles) FROM article_months WHERE month < ? GROUP BY feed_id"
    counts = dict(store.conn.execute(earlier, [month]))
    if excluding:  # counted in those months
        marks = ", ".join("?" for _ in excluding)
        rows = store.conn.execute(
            "SELECT feed_id, count(*) FROM article_rows "  # noqa: S608 - placeholders only
            f"WHERE stream IN ({marks}) AND published < ? GROUP BY feed_id",
            [*excluding, month],
        )
        for feed_id, n in rows:
            counts[feed_id] -= n
    clauses, params = _filter(cutoff, excluding)
    where = " AND ".join(["article_rows.feed_id = m.feed_id", "published >= ?", *clauses])
    rows = store.conn.execute(
        f"SELECT feed_id, (SELECT count(*) FROM article_rows WHERE {where}) "  # noqa: S608 - placeholders only
        "FROM article_months AS m WHERE month = ? AND articles > 0",
        [month, *params, month],
    )
    for feed_id, n in rows:
        counts[feed_id] = counts.get(feed_id, 0) + n
    return {feed_id: n for feed_id, n in counts.items() if n}


# title, link, published, revisions, first_position
ListedArticle = tuple[str | None, str | None, str | None, int, int]


def newest_by_feed(
    store: Store, feeds: Sequence[str], limit: int, cutoff: str | None, excluding: Sequence[str]
) -> dict[str, list[ListedArticle]]:
    """Each of `feeds`' newest `limit` articles, chosen newest first, then by link descending, then
    in log order (the caller sorts them so). One statement for every feed: a query per feed cost
    more in its round trips than in the index."""
    clauses, params = _filter(cutoff, excluding)
    where = " AND ".join(["feed_id = f.value", *clauses])
    sql = (
        "SELECT a.feed_id, a.title, a.link, a.published, a.revisions, a.first_position "  # noqa: S608
        "FROM json_each(?) AS f JOIN article_rows AS a ON a.rowid IN (SELECT rowid FROM article_rows "
        f"WHERE {where} ORDER BY published DESC, coalesce(link, '') DESC, first_position LIMIT ?)"
    )
    newest: dict[str, list[ListedArticle]] = {feed: [] for feed in feeds}
    rows = store.conn.execute(sql, [json.dumps(list(feeds)), *params, limit])
    for feed_id, title, link, published, revisions, first in rows:
        newest[feed_id].append((title, link, published, revisions, first))
    return newest


def first_positions(store: Store, streams: Sequence[str]) -> dict[str, int]:
    """Where each of these articles first appears in the log (those the projection holds)."""
    if not streams:
        return {}
    marks = ", ".join("?" for _ in streams)
    sql = f"SELECT stream, first_position FROM article_rows WHERE stream IN ({marks})"  # noqa: S608
    return dict(store.conn.execute(sql, list(streams)))
