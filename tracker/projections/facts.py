"""`facts`: one row per claim extracted from each version of each article.

A revision re-extracts the new version; the old version's rows stay, marked
`superseded_by_position` (the position of the revision), so "what did we know at T" is a filter,
not a re-extraction. The fact id hashes the article, the subject, the claim and the sentence's
text — not offsets or the extractor version — so an analyst's retraction survives revisions that
leave the sentence alone.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from itertools import repeat
from operator import call, itemgetter
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

from tracker.extract import EXTRACTOR_VERSION
from tracker.projections.article_facts import facts_from_article
from tracker.projections.readings import Reading, reading_of, readings_of
from tracker.projections.runner import Projection, Ready, in_background
from tracker.storage.connect import Executes
from tracker.storage.store import Store
from tracker.subjects import Subject, subjects_fingerprint

if TYPE_CHECKING:
    import sqlite_utils

    from tracker.events import ArticleTextFetched, RecordedEvent
    from tracker.fold.fact import Fact

_TABLE = """
CREATE TABLE facts (
    fact_id         TEXT NOT NULL,     -- stable across revisions that keep the sentence
    position        INTEGER NOT NULL,  -- event position of the article version it came from
    superseded_by_position INTEGER,    -- position of the revision that replaced that version
    -- The same value under its former name, for queries written against it.
    superseded_at   INTEGER GENERATED ALWAYS AS (superseded_by_position) VIRTUAL,
    stream          TEXT NOT NULL,     -- the article's stream (articles.stream)
    revision        INTEGER NOT NULL,
    feed_id         TEXT NOT NULL,
    url             TEXT,
    title           TEXT,
    published       TEXT,
    subject         TEXT NOT NULL,
    state           TEXT,              -- target state (state subjects)
    count           INTEGER,           -- released count (tally subjects)
    modality        TEXT NOT NULL,     -- asserted, negated, hedged, intent, appeal, promise, conditional, ...
    moves           INTEGER NOT NULL,  -- 1 if the subject's rules let this claim change it
    reversal        INTEGER NOT NULL,
    event_date      TEXT NOT NULL,     -- YYYY-MM-DD (first of the month/year at coarser precision)
    date_precision  TEXT NOT NULL,     -- day | month | year
    date_basis      TEXT NOT NULL,     -- sentence | published | unknown
    sentence        TEXT NOT NULL,     -- the evidence, exactly text[start:end]
    start           INTEGER NOT NULL,
    "end"           INTEGER NOT NULL,
    cue             TEXT NOT NULL,
    quote           TEXT,
    names           TEXT NOT NULL,     -- JSON array of named people
    tense           TEXT NOT NULL,     -- past | pluperfect | perfect | present | future | unknown
    sentence_index  INTEGER NOT NULL,  -- 0-based sentence of the article (title first)
    paragraph_index INTEGER NOT NULL,  -- 0-based paragraph of the article
    novelty         INTEGER NOT NULL,  -- 1 when the sentence marks a new event ("another", "a further")
    figure          TEXT NOT NULL,     -- exact | at-least | approximate | running-total | exchange-total
    extractor       TEXT NOT NULL,
    PRIMARY KEY (fact_id, position)
) STRICT
"""
# Articles whose interpretation was given up (over its time budget, say): visible, never silent.
_SKIPPED = """
CREATE TABLE facts_skipped (
    position    INTEGER PRIMARY KEY,  -- event position of the article version not interpreted
    stream      TEXT NOT NULL,
    feed_id     TEXT NOT NULL,
    url         TEXT,
    reason      TEXT NOT NULL,
    extractor   TEXT NOT NULL
) STRICT
"""
_INDEXES = (
    "CREATE INDEX facts_skipped_feed ON facts_skipped (feed_id)",
    "CREATE INDEX facts_subject ON facts (subject, event_date)",
    "CREATE INDEX facts_stream ON facts (stream, superseded_by_position)",
)
# Each Fact field in order but publisher (configured) and analyst (own table); named: reports build no Fact.
_READ = (
    *("subject", "state", "count", "modality", "moves", "reversal", "event_date", "date_precision"),
    *("date_basis", "sentence", "start", "end", "cue", "quote", "names", "tense", "sentence_index"),
    *("paragraph_index", "novelty", "figure", "fact_id", "position", "superseded_by_position"),
    *("stream", "revision", "feed_id", "url", "title", "published"),
)
COLUMNS = (*_READ, "extractor")
_QUOTED = ", ".join(f'"{c}"' for c in _READ)  # as SQL names: `end` is a keyword
_INSERT = f'INSERT INTO facts ({_QUOTED}, "extractor") VALUES ({", ".join("?" * len(COLUMNS))})'  # noqa: S608


def _encode(value: object) -> object:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return value


def fact_values(fact: Fact) -> tuple[object, ...]:
    """The row of `facts` for a fact, in `COLUMNS` order."""
    return (*(_encode(getattr(fact, name)) for name in _READ), EXTRACTOR_VERSION)


# Where `_facts_from_rows` finds the values it decodes in a row, and every field a fact is made of.
_FLAGS = tuple(_READ.index(name) for name in ("moves", "reversal", "novelty"))
_DAY, _NAMES, _FEED = _READ.index("event_date"), _READ.index("names"), _READ.index("feed_id")
_MADE_OF = (*_READ, "analyst", "publisher")  # every field of a fact (a test holds them to the class)
# The order facts are read in: their article version's, then their sentence's place in it.
_READ_ORDER = itemgetter(_READ.index("position"), _READ.index("start"))


def _facts_from_rows(rows: Iterable[Sequence[Any]], publishers: Mapping[str, str]) -> list[Fact]:
    """`facts` rows (their `_READ` columns) back into facts; the publisher comes from the
    configuration. Dates and empty name lists are decoded once for all the rows sharing them.

    Each fact's fields are set directly, by their slots' own setters, as its frozen dataclass's
    `__init__` would set them (it has no checks of its own): that `__init__` sets its 31 fields one
    Python call at a time, and `object.__setattr__` first checks, for each field, that the class's
    own `__setattr__` (the frozen one's refusal) may be passed over; an as-of report reads tens of
    thousands of facts."""
    from tracker.fold.fact import Fact  # the fact records load only where facts are read

    setters = tuple(getattr(Fact, name).__set__ for name in _MADE_OF)  # the slots' descriptors
    days: dict[str, date] = {}
    facts = []
    new = object.__new__
    for row in rows:
        values = list(row)
        for i in _FLAGS:
            values[i] = bool(values[i])
        day = values[_DAY]
        values[_DAY] = days[day] if day in days else days.setdefault(day, date.fromisoformat(day))
        values[_NAMES] = () if values[_NAMES] == "[]" else tuple(json.loads(values[_NAMES]))
        feed_id = values[_FEED]
        values += (False, publishers.get(feed_id, feed_id))  # analyst, publisher
        fact = new(Fact)
        deque(map(call, setters, repeat(fact), values), maxlen=0)
        facts.append(fact)
    return facts


# The rows of the article versions current at a position (given twice): seen by then, not yet revised.
CURRENT_AT = "position <= ? AND (superseded_by_position IS NULL OR superseded_by_position > ?)"


def load_facts(
    db: Executes,
    publishers: Mapping[str, str],
    until: int,
    *,
    dated_by: date | None = None,
    keeping: Collection[str] = (),
) -> list[Fact]:
    """Extracted facts as known at position `until`: those of the article versions current then;
    with `dated_by`, only those dated by that day, and those whose ids are in `keeping`."""
    dated, params = "", list[object]([until, until])
    if dated_by is not None:
        dated = " AND (event_date <= ? OR fact_id IN (SELECT value FROM json_each(?)))"
        params += [dated_by.isoformat(), json.dumps(list(keeping))]
    # Sorted here rather than by SQLite, which builds a temporary B-tree of every row read (a fifth
    # of the query's time): the rows come in the order they were written, the log's, so only the
    # facts within an article may need moving. Equal keys keep the order written.
    rows = db.execute(
        f"SELECT {_QUOTED} FROM facts WHERE {CURRENT_AT}{dated} ORDER BY rowid",  # noqa: S608 (ours)
        params,
    ).fetchall()
    rows.sort(key=_READ_ORDER)
    return _facts_from_rows(rows, publishers)


def facts_known_at(store: Store, publishers: Mapping[str, str], until: int, **filters: Any) -> list[Fact]:
    """`load_facts` (with its filters) for readers above the storage layer, who hold a store."""
    return load_facts(store.conn, publishers, until, **filters)


_ARTICLES = frozenset({"ArticleObserved", "ArticleRevised"})


class Interpreted(NamedTuple):
    """What interpreting one article version gave: its facts, or why it was not interpreted (a named
    tuple: every command imports it, and its class is built in a twentieth of a dataclass's time)."""

    rows: tuple[Fact, ...]
    skipped: str | None = None


class Interpreter(Protocol):
    """Interprets article events with the subjects' rules: {position: Interpreted} for each
    event. `pages` maps an event's position to the article page read with it (the event is then
    the article's feed version, at the page's position)."""

    def __call__(
        self,
        events: Sequence[RecordedEvent],
        subjects: Sequence[Subject],
        pages: Mapping[int, ArticleTextFetched] | None = None,
    ) -> dict[int, Interpreted]: ...


def interpret_in_process(
    events: Sequence[RecordedEvent],
    subjects: Sequence[Subject],
    pages: Mapping[int, ArticleTextFetched] | None = None,
) -> dict[int, Interpreted]:
    """The serial interpreter, in this process and without a time budget (tests, small tools)."""
    found = pages or {}
    return {
        e.position: Interpreted(tuple(facts_from_article(e, subjects, page=found.get(e.position))))
        for e in events
    }


class FactsProjection(Projection):
    name: ClassVar[str] = "facts"
    version: ClassVar[int] = 6  # 3: facts_skipped; 4: article pages; 5: superseded_by_position; 6: figure
    handles: ClassVar[frozenset[str] | None] = _ARTICLES | {"ArticleTextFetched"}

    def __init__(self, subjects: Sequence[Subject], interpreter: Interpreter = interpret_in_process) -> None:
        self.subjects = tuple(subjects)
        self.interpreter = interpreter
        self._ready: dict[int, Interpreted] = {}
        # What prepare() found each event gives to interpret, so apply() does not look it up again.
        self._readings: dict[int, Reading | None] = {}
        self._fingerprint = (
            f"{self.name}/v{self.version}/{EXTRACTOR_VERSION}/{subjects_fingerprint(self.subjects)}"
        )

    def fingerprint(self) -> str:
        return self._fingerprint

    def create(self, db: sqlite_utils.Database) -> None:
        db.execute(_TABLE)
        db.execute(_SKIPPED)
        for statement in _INDEXES:
            db.execute(statement)

    def drop(self, db: sqlite_utils.Database) -> None:
        db.execute("DROP TABLE IF EXISTS facts")
        db.execute("DROP TABLE IF EXISTS facts_skipped")

    def prepare(self, db: sqlite_utils.Database, events: Sequence[RecordedEvent]) -> Ready:
        """Interpret the articles among `events`, with their pages, in a background thread (in the
        interpreter's workers, outside any transaction); apply() then only writes the rows. The
        returned function waits for the results and keeps them; older ones are forgotten then."""
        if not events:
            return lambda: None
        first = events[0].position
        readings = readings_of(db, [e for e in events if e.position not in self._ready])
        todo = [reading[0] for reading in readings.values() if reading is not None]
        pages = {p: r[1] for p, r in readings.items() if r is not None and r[1] is not None}
        interpreted = in_background(lambda: self.interpreter(todo, self.subjects, pages) if todo else {})

        def ready() -> None:
            results = interpreted()
            self._ready = {p: r for p, r in self._ready.items() if p >= first} | results
            self._readings = {p: r for p, r in self._readings.items() if p >= first} | readings

        return ready

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        from tracker.events import ArticleObserved, ArticleRevised, ArticleTextFetched

        if recorded.position in self._readings:
            reading = self._readings.pop(recorded.position)
        else:
            reading = reading_of(db, recorded)
        if reading is None:
            return
        article, page = reading
        if isinstance(recorded.event, ArticleRevised | ArticleTextFetched):
            db.execute(
                "UPDATE facts SET superseded_by_position = ? "
                "WHERE stream = ? AND superseded_by_position IS NULL",
                [article.position, article.stream],
            )
        if article.position not in self._ready:
            self.prepare(db, [recorded])()
        outcome = self._ready.pop(article.position, None)
        if outcome is None:  # an interpreter that left it out
            outcome = Interpreted(tuple(facts_from_article(article, self.subjects, page=page)))
        event = article.event
        if outcome.skipped is not None and isinstance(event, ArticleObserved | ArticleRevised):
            skipped = (article.position, article.stream, event.feed_id, event.link, outcome.skipped)
            db.execute(
                "INSERT OR REPLACE INTO facts_skipped VALUES (?, ?, ?, ?, ?, ?)",
                [*skipped, EXTRACTOR_VERSION],
            )
        if outcome.rows:
            db.conn.executemany(_INSERT, [fact_values(r) for r in outcome.rows])


def skipped_by_feed(store: Store) -> dict[str, tuple[int, str]]:
    """Per feed, how many article versions were not interpreted, and the latest one's reason."""
    if not store.db["facts_skipped"].exists():
        return {}
    rows = store.db.execute(
        "SELECT feed_id, count(*), (SELECT reason FROM facts_skipped AS latest WHERE "
        "latest.feed_id = s.feed_id ORDER BY position DESC LIMIT 1) FROM facts_skipped AS s GROUP BY feed_id"
    )
    return {feed_id: (count, reason) for feed_id, count, reason in rows}


def article_reading(
    store: Store, recorded: RecordedEvent
) -> tuple[RecordedEvent, ArticleTextFetched | None] | None:
    """What an article or page event gives to interpret (see `tracker.projections.readings`), for
    readers above the storage layer."""
    return reading_of(store.conn, recorded)


def fact_ids_like(store: Store, given: str, *, limit: int = 10) -> list[str]:
    """Fact ids (extracted or asserted) equal to `given`, or whose hex digits start with it
    (retraction targets). An assertion is looked up in the log itself: one the story could not
    apply is retractable too."""
    sql = (
        "SELECT fact_id FROM ("
        "SELECT fact_id FROM facts UNION SELECT id AS fact_id FROM events WHERE type = 'FactAsserted') "
        "WHERE fact_id = ? OR substr(fact_id, instr(fact_id, ':') + 1, ?) = ? OR substr(fact_id, 1, ?) = ? "
        "ORDER BY fact_id LIMIT ?"
    )
    rows = store.conn.execute(sql, [given, len(given), given, len(given), given, limit]).fetchall()
    return [row[0] for row in rows]
