"""`facts`: one row per claim extracted from each version of each article.

A revision re-extracts the new version; the old version's rows stay, marked `superseded_at`
(the position of the revision), so "what did we know at T" is a filter, not a re-extraction.
The fact id hashes the article, the subject, the claim and the sentence's text — not offsets
or the extractor version — so an analyst's retraction survives revisions that leave the
sentence alone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import date
from typing import Any, ClassVar

import sqlite_utils

from tracker.clock import format_utc, parse_utc
from tracker.events import ArticleObserved, ArticleRevised, RecordedEvent, stable_id
from tracker.extract import EXTRACTOR_VERSION, Claim, Document, extract_claims, html_to_text
from tracker.fold.model import Fact
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
    tense           TEXT NOT NULL,     -- past | pluperfect | perfect | present | future | unknown
    sentence_index  INTEGER NOT NULL,  -- 0-based sentence of the article (title first)
    paragraph_index INTEGER NOT NULL,  -- 0-based paragraph of the article
    novelty         INTEGER NOT NULL,  -- 1 when the sentence marks a new event ("another", "a further")
    extractor       TEXT NOT NULL,
    PRIMARY KEY (fact_id, position)
) STRICT
"""
_INDEXES = (
    "CREATE INDEX facts_subject ON facts (subject, event_date)",
    "CREATE INDEX facts_stream ON facts (stream, superseded_at)",
)
# Fact fields that are not columns: the publisher comes from the configuration, and analysts'
# assertions live in their own table.
_NOT_COLUMNS = frozenset({"publisher", "analyst"})
_FIELDS = tuple(f for f in fields(Fact) if f.name not in _NOT_COLUMNS)
COLUMNS = (*(f.name for f in _FIELDS), "extractor")


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
    return (*(_encode(getattr(fact, f.name)) for f in _FIELDS), EXTRACTOR_VERSION)


def fact_from_row(row: Mapping[str, Any], publishers: Mapping[str, str]) -> Fact:
    """A `facts` row (by column name) back into a fact; the publisher comes from the configuration."""
    values: dict[str, Any] = {name: row[name] for name in COLUMNS if name != "extractor"}
    for name in ("moves", "reversal", "novelty"):
        values[name] = bool(values[name])
    values["event_date"] = date.fromisoformat(values["event_date"])
    values["names"] = tuple(json.loads(values["names"]))
    return Fact(**values, publisher=publishers.get(values["feed_id"], values["feed_id"]))


def load_facts(db: sqlite_utils.Database, publishers: Mapping[str, str], until: int) -> list[Fact]:
    """Extracted facts as known at position `until`: those of the article versions current then."""
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    cursor = db.execute(
        f"SELECT {columns} FROM facts WHERE position <= ? "  # noqa: S608 (column names are ours)
        "AND (superseded_at IS NULL OR superseded_at > ?) ORDER BY position, start",
        [until, until],
    )
    return [fact_from_row(dict(zip(COLUMNS, r, strict=True)), publishers) for r in cursor.fetchall()]


def article_text(event: ArticleObserved | ArticleRevised) -> str:
    """The text extraction reads: the title, then the fullest body the feed gave."""
    body = event.content or event.summary or ""
    return "\n\n".join(part for part in (event.title or "", html_to_text(body)) if part.strip())


def facts_from_article(
    recorded: RecordedEvent, subjects: Sequence[Subject], publishers: Mapping[str, str] | None = None
) -> list[Fact]:
    """Extract the facts of one article version (pure)."""
    event = recorded.event
    if not isinstance(event, ArticleObserved | ArticleRevised):
        return []
    # An undated entry is dated by when we first saw it (stored in the log, so rebuilds agree).
    anchor = event.published or parse_utc(recorded.recorded_at)
    document = Document(text=article_text(event), published=anchor, title=event.title)
    provenance: dict[str, Any] = {
        "position": recorded.position,
        "stream": recorded.stream,
        "revision": event.revision,
        "feed_id": event.feed_id,
        "url": event.link,
        "title": event.title,
        "published": format_utc(event.published) if event.published else None,
        "publisher": (publishers or {}).get(event.feed_id, event.feed_id),
    }
    return document_facts(document, subjects, provenance)


def document_facts(
    document: Document, subjects: Sequence[Subject], provenance: Mapping[str, Any]
) -> list[Fact]:
    """The facts of one document: its claims with `provenance` (the Fact fields naming the article,
    at least `stream`), one per subject, claim and sentence."""
    facts: dict[str, Fact] = {}
    stream = provenance["stream"]
    for claim in extract_claims(document, subjects):
        fact_id = stable_id(
            "fact", stream, claim.subject, claim.state, claim.count, " ".join(claim.sentence.split())
        )
        if fact_id in facts and facts[fact_id].event_date != claim.event_date:
            # The same count twice in one sentence, of two dates ("52 on 11 September and another
            # 52 on 16 October"): two events, two facts.
            fact_id = stable_id("fact", fact_id, claim.event_date.isoformat())
        if fact_id not in facts:
            claim_fields: dict[str, Any] = {f.name: getattr(claim, f.name) for f in fields(Claim)}
            facts[fact_id] = Fact(**claim_fields, fact_id=fact_id, **provenance)
    return list(facts.values())


class FactsProjection(Projection):
    name: ClassVar[str] = "facts"
    version: ClassVar[int] = 2
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
            columns = ", ".join(f'"{c}"' for c in COLUMNS)
            marks = ", ".join("?" * len(COLUMNS))
            insert = f"INSERT INTO facts ({columns}) VALUES ({marks})"  # noqa: S608 (our column names)
            db.conn.executemany(insert, [fact_values(r) for r in rows])


def fact_ids_like(store: Store, given: str, *, limit: int = 10) -> list[str]:
    """Fact ids (extracted or asserted) equal to `given`, or whose hex digits start with it."""
    sql = (
        "SELECT fact_id FROM ("
        "SELECT fact_id FROM facts UNION SELECT fact_id FROM assertions) "
        "WHERE fact_id = ? OR substr(fact_id, instr(fact_id, ':') + 1, ?) = ? OR substr(fact_id, 1, ?) = ? "
        "ORDER BY fact_id LIMIT ?"
    )
    rows = store.db.execute(sql, [given, len(given), given, len(given), given, limit]).fetchall()
    return [row[0] for row in rows]
