"""`subject_state` and `timeline`: the story fold materialised for SQL users, plus the analysts'
`assertions` and `retractions` it reads.

Both tables are recomputed from `facts` and the analysts' tables by `tracker.story.fold_story`,
the same function `tracker report` uses for `--as-of` and `--known-at`, so the tables and the
report cannot disagree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any, ClassVar

import sqlite_utils

from tracker.events import FactAsserted, FactRetracted, RecordedEvent
from tracker.projections.facts import FactRow
from tracker.projections.runner import Projection
from tracker.story import ANALYST_PUBLISHER, Fact, Retraction, Story, fold_story
from tracker.subjects import Subject, subjects_fingerprint

_TABLES = (
    """
    CREATE TABLE assertions (
        fact_id      TEXT PRIMARY KEY,   -- the FactAsserted event's id
        position     INTEGER NOT NULL,
        recorded_at  TEXT NOT NULL,
        subject      TEXT NOT NULL,
        state        TEXT,
        count        INTEGER,
        date         TEXT NOT NULL,
        date_precision TEXT NOT NULL,
        source       TEXT NOT NULL,
        note         TEXT,
        analyst      TEXT
    ) STRICT
    """,
    """
    CREATE TABLE retractions (
        fact_id      TEXT PRIMARY KEY,   -- a facts.fact_id or an assertions.fact_id
        position     INTEGER NOT NULL,
        recorded_at  TEXT NOT NULL,
        reason       TEXT NOT NULL,
        analyst      TEXT
    ) STRICT
    """,
    """
    CREATE TABLE subject_state (
        subject         TEXT PRIMARY KEY,
        title           TEXT NOT NULL,
        kind            TEXT NOT NULL,    -- state | tally
        state           TEXT,
        state_label     TEXT,
        total           INTEGER,          -- tally subjects
        since           TEXT,             -- YYYY-MM-DD
        date_precision  TEXT NOT NULL,
        analyst         INTEGER NOT NULL, -- 1 when an analyst's assertion set it
        quote           TEXT,
        evidence        TEXT NOT NULL,    -- JSON [{sentence, url, modality, analyst}]
        sources         TEXT NOT NULL,    -- JSON [{url, title, feed, published, publisher, retrospective}]
        conflicts       TEXT NOT NULL     -- JSON [{state, count, sources, evidence}]
    ) STRICT
    """,
    """
    CREATE TABLE timeline (
        seq             INTEGER PRIMARY KEY,  -- stable order: date, then subject
        date            TEXT NOT NULL,
        date_precision  TEXT NOT NULL,
        subject         TEXT NOT NULL,
        kind            TEXT NOT NULL,    -- initial | change | reaffirmed | release
        state           TEXT,
        count           INTEGER,
        summary         TEXT NOT NULL,
        publishers      INTEGER NOT NULL, -- distinct publishers reporting it
        analyst         INTEGER NOT NULL,
        quote           TEXT,
        sources         TEXT NOT NULL,
        evidence        TEXT NOT NULL,
        conflicts       TEXT NOT NULL
    ) STRICT
    """,
)


class StoryProjection(Projection):
    name: ClassVar[str] = "story"
    version: ClassVar[int] = 1
    handles: ClassVar[frozenset[str] | None] = frozenset(
        {"ArticleObserved", "ArticleRevised", "FactAsserted", "FactRetracted"}
    )

    def __init__(self, subjects: Sequence[Subject], publishers: Mapping[str, str]) -> None:
        self.subjects = tuple(subjects)
        self.publishers = dict(publishers)
        digest = hashlib.sha256(json.dumps(sorted(self.publishers.items())).encode()).hexdigest()[:12]
        self._fingerprint = f"{self.name}/v{self.version}/{subjects_fingerprint(self.subjects)}/{digest}"

    def fingerprint(self) -> str:
        return self._fingerprint

    def create(self, db: sqlite_utils.Database) -> None:
        for statement in _TABLES:
            db.execute(statement)

    def drop(self, db: sqlite_utils.Database) -> None:
        for table in ("timeline", "subject_state", "retractions", "assertions"):
            db.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        event = recorded.event
        if isinstance(event, FactAsserted):
            db.execute(
                "INSERT INTO assertions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    recorded.id,
                    recorded.position,
                    recorded.recorded_at,
                    event.subject,
                    event.state,
                    event.count,
                    event.date.isoformat(),
                    event.date_precision,
                    event.source,
                    event.note,
                    event.analyst,
                ],
            )
        elif isinstance(event, FactRetracted):
            db.execute(
                "INSERT INTO retractions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [event.fact_id, recorded.position, recorded.recorded_at, event.reason, event.analyst],
            )
        # Article events change `facts`; finish() refolds.

    def finish(self, db: sqlite_utils.Database) -> None:
        facts, retractions = load_inputs(db, self.publishers)
        story = fold_story(self.subjects, facts, retractions)
        write_story(db, story)


def publisher_of(feed_id: str, publishers: Mapping[str, str]) -> str:
    return publishers.get(feed_id, feed_id)


def fact_from_row(row: FactRow, publishers: Mapping[str, str]) -> Fact:
    return Fact(
        fact_id=row.fact_id,
        subject=row.subject,
        state=row.state,
        count=row.count,
        modality=row.modality,
        moves=row.moves,
        reversal=row.reversal,
        event_date=row.event_date,
        date_precision=row.date_precision,  # type: ignore[arg-type]
        date_basis=row.date_basis,
        sentence=row.sentence,
        url=row.url,
        title=row.title,
        feed=row.feed_id,
        publisher=publisher_of(row.feed_id, publishers),
        published=row.published,
        quote=row.quote,
        names=row.names,
        article=row.stream,
    )


def load_inputs(
    db: sqlite_utils.Database, publishers: Mapping[str, str], until: int | None = None
) -> tuple[list[Fact], list[Retraction]]:
    """Facts and assertions current at position `until` (the head when None), and the retractions."""
    limit = until if until is not None else 2**62
    return load_facts(db, publishers, limit) + _assertions(db, limit), _retractions(db, limit)


def load_facts(db: sqlite_utils.Database, publishers: Mapping[str, str], until: int) -> list[Fact]:
    """Extracted facts of the article versions current at position `until`."""
    rows = db.execute(
        "SELECT fact_id, position, stream, revision, feed_id, url, title, published, subject, state, count, "
        'modality, moves, reversal, event_date, date_precision, date_basis, sentence, start, "end", cue, '
        "quote, names FROM facts WHERE position <= ? AND (superseded_at IS NULL OR superseded_at > ?) "
        "ORDER BY position, start",
        [until, until],
    ).fetchall()
    return [
        fact_from_row(
            FactRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                r[11],
                bool(r[12]),
                bool(r[13]),
                date.fromisoformat(r[14]),
                r[15],
                r[16],
                r[17],
                r[18],
                r[19],
                r[20],
                r[21],
                tuple(json.loads(r[22])),
            ),
            publishers,
        )
        for r in rows
    ]


def _assertions(db: sqlite_utils.Database, until: int) -> list[Fact]:
    rows = db.execute(
        "SELECT fact_id, recorded_at, subject, state, count, date, date_precision, source, note "
        "FROM assertions WHERE position <= ? ORDER BY position",
        [until],
    ).fetchall()
    return [
        assertion_fact(
            fact_id, recorded_at, subject, state, count, date.fromisoformat(day), precision, source, note
        )
        for fact_id, recorded_at, subject, state, count, day, precision, source, note in rows
    ]


def assertion_fact(
    fact_id: str,
    recorded_at: str,
    subject: str,
    state: str | None,
    count: int | None,
    day: date,
    precision: str,
    source: str,
    note: str | None,
) -> Fact:
    return Fact(
        fact_id=fact_id,
        subject=subject,
        state=state,
        count=count,
        modality="asserted",
        moves=True,
        reversal=True,
        event_date=day,
        date_precision=precision,  # type: ignore[arg-type]
        date_basis="analyst",
        sentence=note or "Asserted by an analyst.",
        url=source,
        title=note,
        feed=ANALYST_PUBLISHER,
        publisher=ANALYST_PUBLISHER,
        published=recorded_at,
        analyst=True,
    )


def _retractions(db: sqlite_utils.Database, until: int) -> list[Retraction]:
    rows = db.execute(
        "SELECT fact_id, reason FROM retractions WHERE position <= ? ORDER BY position", [until]
    )
    return [Retraction(fact_id, reason) for fact_id, reason in rows.fetchall()]


def _json(items: Iterable[Any]) -> str:
    return json.dumps([asdict(item) for item in items], ensure_ascii=False, sort_keys=True)


def write_story(db: sqlite_utils.Database, story: Story) -> None:
    db.execute("DELETE FROM subject_state")
    db.execute("DELETE FROM timeline")
    for view in story.subjects:
        db.execute(
            "INSERT INTO subject_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                view.id,
                view.title,
                view.kind,
                view.state,
                view.state_label,
                view.total,
                view.since.isoformat() if view.since else None,
                view.date_precision,
                int(view.analyst),
                view.quote,
                _json(view.evidence),
                _json(view.sources),
                _json(view.conflicts),
            ],
        )
    for seq, entry in enumerate(story.timeline, start=1):
        db.execute(
            "INSERT INTO timeline VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                seq,
                entry.date.isoformat(),
                entry.date_precision,
                entry.subject,
                entry.kind,
                entry.state,
                entry.count,
                entry.summary,
                entry.publishers,
                int(entry.analyst),
                entry.quote,
                _json(entry.sources),
                _json(entry.evidence),
                _json(entry.conflicts),
            ],
        )
