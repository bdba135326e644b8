"""`facts`: one row per claim extracted from each version of each article.

A revision re-extracts the new version; the old version's rows stay, marked `superseded_at`
(the position of the revision), so "what did we know at T" is a filter, not a re-extraction.
The fact id hashes the article, the subject, the claim and the sentence's text — not offsets
or the extractor version — so an analyst's retraction survives revisions that leave the
sentence alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

import sqlite_utils

from tracker.clock import format_utc, parse_utc
from tracker.events import ArticleObserved, ArticleRevised, RecordedEvent, stable_id
from tracker.extract import EXTRACTOR_VERSION, Document, extract_claims, html_to_text
from tracker.projections.runner import Projection
from tracker.store import Store
from tracker.subjects import Subject, subjects_fingerprint

_TABLE = """
CREATE TABLE facts (
    fact_id         TEXT NOT NULL,     -- stable across revisions that keep the sentence
    position        INTEGER NOT NULL,  -- event position of the article version it came from
    superseded_at   INTEGER,           -- position of the revision that replaced that version
    stream          TEXT NOT NULL,     -- the article's stream (articles.stream)
    revision        INTEGER NOT NULL,
    feed_id         TEXT NOT NULL,
    url             TEXT,
    title           TEXT,
    published       TEXT,
    subject         TEXT NOT NULL,
    state           TEXT,              -- target state (state subjects)
    count           INTEGER,           -- released count (tally subjects)
    modality        TEXT NOT NULL,     -- asserted, negated, hedged, intent, promise, conditional, ...
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
    extractor       TEXT NOT NULL,
    PRIMARY KEY (fact_id, position)
) STRICT
"""
_INDEXES = (
    "CREATE INDEX facts_subject ON facts (subject, event_date)",
    "CREATE INDEX facts_stream ON facts (stream, superseded_at)",
)
_COLUMNS = (
    "fact_id",
    "position",
    "superseded_at",
    "stream",
    "revision",
    "feed_id",
    "url",
    "title",
    "published",
    "subject",
    "state",
    "count",
    "modality",
    "moves",
    "reversal",
    "event_date",
    "date_precision",
    "date_basis",
    "sentence",
    "start",
    "end",
    "cue",
    "quote",
    "names",
    "extractor",
)


@dataclass(frozen=True, slots=True)
class FactRow:
    fact_id: str
    position: int
    stream: str
    revision: int
    feed_id: str
    url: str | None
    title: str | None
    published: str | None
    subject: str
    state: str | None
    count: int | None
    modality: str
    moves: bool
    reversal: bool
    event_date: date
    date_precision: str
    date_basis: str
    sentence: str
    start: int
    end: int
    cue: str
    quote: str | None
    names: tuple[str, ...]
    superseded_at: int | None = None

    def values(self) -> tuple[Any, ...]:
        return (
            self.fact_id,
            self.position,
            self.superseded_at,
            self.stream,
            self.revision,
            self.feed_id,
            self.url,
            self.title,
            self.published,
            self.subject,
            self.state,
            self.count,
            self.modality,
            int(self.moves),
            int(self.reversal),
            self.event_date.isoformat(),
            self.date_precision,
            self.date_basis,
            self.sentence,
            self.start,
            self.end,
            self.cue,
            self.quote,
            json.dumps(list(self.names)),
            EXTRACTOR_VERSION,
        )


def article_text(event: ArticleObserved | ArticleRevised) -> str:
    """The text extraction reads: the title, then the fullest body the feed gave."""
    body = event.content or event.summary or ""
    return "\n\n".join(part for part in (event.title or "", html_to_text(body)) if part.strip())


def facts_from_article(recorded: RecordedEvent, subjects: Sequence[Subject]) -> list[FactRow]:
    """Extract the claims of one article version (pure)."""
    event = recorded.event
    if not isinstance(event, ArticleObserved | ArticleRevised):
        return []
    # An undated entry is dated by when we first saw it (stored in the log, so rebuilds agree).
    anchor = event.published or parse_utc(recorded.recorded_at)
    document = Document(text=article_text(event), published=anchor, title=event.title)
    rows: dict[str, FactRow] = {}
    published = format_utc(event.published) if event.published else None
    for claim in extract_claims(document, subjects):
        fact_id = stable_id(
            "fact", recorded.stream, claim.subject, claim.state, claim.count, " ".join(claim.sentence.split())
        )
        rows.setdefault(
            fact_id,
            FactRow(
                fact_id=fact_id,
                position=recorded.position,
                stream=recorded.stream,
                revision=event.revision,
                feed_id=event.feed_id,
                url=event.link,
                title=event.title,
                published=published,
                subject=claim.subject,
                state=claim.state,
                count=claim.count,
                modality=claim.modality,
                moves=claim.moves,
                reversal=claim.reversal,
                event_date=claim.event_date,
                date_precision=claim.date_precision,
                date_basis=claim.date_basis,
                sentence=claim.sentence,
                start=claim.start,
                end=claim.end,
                cue=claim.cue,
                quote=claim.quote,
                names=tuple(claim.names),
            ),
        )
    return list(rows.values())


class FactsProjection(Projection):
    name: ClassVar[str] = "facts"
    version: ClassVar[int] = 1
    handles: ClassVar[frozenset[str] | None] = frozenset({"ArticleObserved", "ArticleRevised"})

    def __init__(self, subjects: Sequence[Subject]) -> None:
        self.subjects = tuple(subjects)
        self._fingerprint = (
            f"{self.name}/v{self.version}/{EXTRACTOR_VERSION}/{subjects_fingerprint(self.subjects)}"
        )

    def fingerprint(self) -> str:
        return self._fingerprint

    def create(self, db: sqlite_utils.Database) -> None:
        db.execute(_TABLE)
        for statement in _INDEXES:
            db.execute(statement)

    def drop(self, db: sqlite_utils.Database) -> None:
        db.execute("DROP TABLE IF EXISTS facts")

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        if isinstance(recorded.event, ArticleRevised):
            db.execute(
                "UPDATE facts SET superseded_at = ? WHERE stream = ? AND superseded_at IS NULL",
                [recorded.position, recorded.stream],
            )
        rows = facts_from_article(recorded, self.subjects)
        if rows:
            columns = ", ".join(f'"{c}"' for c in _COLUMNS)
            marks = ", ".join("?" * len(_COLUMNS))
            db.conn.executemany(f"INSERT INTO facts ({columns}) VALUES ({marks})", [r.values() for r in rows])  # noqa: S608


def fact_exists(store: Store, fact_id: str) -> bool:
    """Whether `fact_id` names an extracted fact or an analyst's assertion (retraction targets)."""
    row = store.db.execute(
        "SELECT 1 FROM facts WHERE fact_id = ? UNION SELECT 1 FROM assertions WHERE fact_id = ?",
        [fact_id, fact_id],
    ).fetchone()
    return row is not None
