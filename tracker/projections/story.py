"""`subject_state`, `timeline` and their `story_sources`: the story fold materialised for SQL users,
plus the analysts' `assertions` and `retractions` it reads.

Both tables are recomputed from `facts` and the analysts' tables by `tracker.fold.fold_story`, the same
function `tracker report` uses for `--as-of` and `--known-at`, so the tables and the report cannot disagree.
Most catch-ups bring articles that give no fact: a digest of the fold's inputs (`story_inputs`) tells them
apart, and the story is refolded only when it changed; a refold then writes only the rows that differ.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from tracker.fold import ANALYST_PUBLISHER
from tracker.projections import checkpoints
from tracker.projections.facts import load_facts
from tracker.projections.runner import Projection
from tracker.projections.story_write import first_recorded, write_story
from tracker.projections.views import create_views, drop_views
from tracker.storage.connect import Executes
from tracker.storage.store import Store
from tracker.subjects import Subject, subjects_fingerprint

if TYPE_CHECKING:
    import sqlite_utils

    from tracker.events import FactAsserted, FactRetracted, RecordedEvent
    from tracker.fold.fact import Fact, Retraction

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
        conflicts       TEXT NOT NULL,    -- JSON [{state, count, evidence}]; sources in story_sources
        sources         TEXT NOT NULL,    -- JSON: its story_sources rows, [conflict][ordinal] (below)
        position        INTEGER,          -- log position of the first report of its current value
        recorded_at     TEXT              -- when that report was recorded (NULL: the definition's)
    ) STRICT
    """,
    """
    CREATE TABLE timeline (
        seq             INTEGER PRIMARY KEY,  -- stable order: date, then subject
        entry_id        TEXT NOT NULL UNIQUE, -- subject:date:state-or-count (fact_decisions.entry_id)
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
        evidence        TEXT NOT NULL,    -- JSON [{sentence, url, modality, analyst, fact_id}]
        conflicts       TEXT NOT NULL,    -- JSON [{state, count, evidence}]; sources in story_sources
        sources         TEXT NOT NULL,    -- JSON: its story_sources rows, [conflict][ordinal] (below)
        position        INTEGER,          -- log position of the first report of this change
        recorded_at     TEXT              -- when that report was recorded (NULL: the definition's)
    ) STRICT
    """,
    # Every source as a row, for SQL. The owner's `sources` column holds the same rows as JSON, grouped
    # as [conflict][ordinal] → [url, title, feed, published, publisher, retrospective]: a report lists
    # every source, and decoding that at once costs a third of reading the rows.
    """
    CREATE TABLE story_sources (
        owner           TEXT NOT NULL,    -- timeline.entry_id, or subject_state.subject
        conflict        INTEGER NOT NULL, -- 0: the owner's own sources; n: those of its nth conflict
        ordinal         INTEGER NOT NULL, -- the fold's order among them
        url             TEXT,
        title           TEXT,
        feed            TEXT NOT NULL,
        published       TEXT,             -- ISO-8601 UTC
        publisher       TEXT NOT NULL,
        retrospective   INTEGER NOT NULL, -- 1: a later article retelling it
        PRIMARY KEY (owner, conflict, ordinal)
    ) STRICT, WITHOUT ROWID
    """,
    """
    CREATE TABLE story_inputs (
        digest          TEXT NOT NULL     -- of the inputs the tables were last folded from
    ) STRICT
    """,
    """
    CREATE TABLE fact_decisions (
        fact_id         TEXT PRIMARY KEY, -- facts.fact_id or assertions.fact_id
        subject         TEXT NOT NULL,
        decision        TEXT NOT NULL,    -- news | retelling | background | ignored
        entry_id        TEXT,             -- the timeline entry it reports or retells
        reason          TEXT NOT NULL
    ) STRICT
    """,
)


class StoryProjection(Projection):
    name: ClassVar[str] = "story"
    version: ClassVar[int] = 7  # 5: story_sources; 6: offers told as the day of their step; 7: sources
    handles: ClassVar[frozenset[str] | None] = frozenset(
        {"ArticleObserved", "ArticleRevised", "ArticleTextFetched", "FactAsserted", "FactRetracted"}
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
        create_views(db)

    def drop(self, db: sqlite_utils.Database) -> None:
        drop_views(db)
        for table in (
            "story_inputs",
            "story_sources",
            "fact_decisions",
            "timeline",
            "subject_state",
            "retractions",
            "assertions",
        ):
            db.execute(f"DROP TABLE IF EXISTS {table}")

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        from tracker.events import FactAsserted, FactRetracted

        if isinstance(recorded.event, FactAsserted):
            db.execute(
                "INSERT INTO assertions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                _assertion_row(recorded, recorded.event),
            )
        elif isinstance(recorded.event, FactRetracted):
            db.execute(
                "INSERT INTO retractions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                _retraction_row(recorded, recorded.event),
            )
        # Article events change `facts`; finish() refolds.

    def finish(self, db: sqlite_utils.Database) -> None:
        from tracker.fold import fold_story  # here: a report, which reads these tables, never folds

        digest = inputs_digest(db)
        if db.execute("SELECT digest FROM story_inputs").fetchone() == (digest,):
            return  # no fact, assertion or retraction changed since the tables were folded
        facts, retractions = load_inputs(db, self.publishers)
        story = fold_story(self.subjects, facts, retractions)
        write_story(db, story, first_recorded(db))
        db.execute("DELETE FROM story_inputs")
        db.execute("INSERT INTO story_inputs VALUES (?)", [digest])


def inputs_digest(db: sqlite_utils.Database) -> str:
    """What the fold reads, summed up: the facts' code and rules (the facts projection's fingerprint), and how
    many facts, assertions and retractions there are at which positions. Rows are only ever added (or, for
    facts, marked superseded once) for a given fingerprint, so any change to the inputs changes a count."""
    row = db.execute(
        "SELECT (SELECT fingerprint FROM projection_checkpoints WHERE name = 'facts'), "
        "(SELECT json_array(count(*), total(position), count(superseded_at), total(superseded_at)) "
        "FROM facts), "
        "(SELECT json_array(count(*), total(position)) FROM assertions), "
        "(SELECT json_array(count(*), total(position)) FROM retractions)"
    ).fetchone()
    return json.dumps(list(row))


def load_inputs(
    db: sqlite_utils.Database, publishers: Mapping[str, str], until: int | None = None
) -> tuple[list[Fact], list[Retraction]]:
    """Facts and assertions current at position `until` (the head when None), and the retractions."""
    limit = until if until is not None else 2**62
    return load_facts(db, publishers, limit) + _assertions(db, limit), [r for _, r in _retractions(db, limit)]


def analysts_known_at(store: Store, checkpoint: int, until: int) -> tuple[list[Fact], list[Retraction]]:
    """Analysts' assertions (as facts) and retractions as known at position `until`: from the tables up
    to `checkpoint`, then from the log through the same rows, as are the events the projection skipped."""
    from tracker.fold.fact import Retraction  # the fact records load only where facts are read

    checkpoint = min(checkpoint, until)
    asserted: list[tuple[int, Fact]] = []
    retracted: list[tuple[int, Retraction]] = []
    if checkpoint:  # else the tables may not exist yet
        asserted = [(fact.position, fact) for fact in _assertions(store.conn, checkpoint)]
        retracted = _retractions(store.conn, checkpoint)
    skipped = [p for name, p, _, _ in checkpoints.skipped_events(store) if name == StoryProjection.name]
    for position in [p for p in skipped if p <= checkpoint] + [None]:
        after, last = (position - 1, position) if position else (checkpoint, until)
        if after >= last:
            continue  # the tables hold them all
        from tracker.events import FactAsserted, FactRetracted  # decoded only where tables fall short

        for recorded in store.read(after=after, until=last, types=("FactAsserted", "FactRetracted")):
            event = recorded.event
            if isinstance(event, FactAsserted):
                asserted.append((recorded.position, assertion_fact(recorded, event)))
            elif isinstance(event, FactRetracted):
                retracted.append((recorded.position, Retraction(event.fact_id, event.reason)))
    facts = [fact for _, fact in sorted(asserted, key=lambda item: item[0])]
    first: dict[str, Retraction] = {}  # the first retraction of a fact stands, as in the table
    for _, retraction in sorted(retracted, key=lambda item: item[0]):
        first.setdefault(retraction.fact_id, retraction)
    return facts, list(first.values())


def _assertion_row(recorded: RecordedEvent, event: FactAsserted) -> tuple[Any, ...]:
    """The `assertions` row of an analyst's assertion."""
    return (
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
    )


def _retraction_row(recorded: RecordedEvent, event: FactRetracted) -> tuple[Any, ...]:
    """The `retractions` row of an analyst's retraction."""
    return (event.fact_id, recorded.position, recorded.recorded_at, event.reason, event.analyst)


def _assertions(db: Executes, until: int) -> list[Fact]:
    rows = db.execute("SELECT * FROM assertions WHERE position <= ? ORDER BY position", [until])
    return [_assertion_from_row(row) for row in rows.fetchall()]


ASSERTED_SENTENCE = "Asserted by an analyst."  # the evidence of an assertion without a note


def assertion_fact(recorded: RecordedEvent, event: FactAsserted) -> Fact:
    """An analyst's assertion as a fact: asserted, moving, allowed to reverse, dated by the analyst."""
    return _assertion_from_row(_assertion_row(recorded, event))


def _assertion_from_row(row: Sequence[Any]) -> Fact:
    """An `assertions` row as a fact (see `assertion_fact`)."""
    from tracker.fold.fact import Fact

    fact_id, position, recorded_at, subject, state, count, day, precision, source, note, _ = row
    return Fact(
        subject=subject,
        state=state,
        count=count,
        modality="asserted",
        moves=True,
        reversal=True,
        event_date=date.fromisoformat(day),
        date_precision=precision,
        date_basis="analyst",
        sentence=note or ASSERTED_SENTENCE,
        start=0,
        end=0,
        cue="",
        fact_id=fact_id,
        position=position,
        url=source,
        title=note,
        feed_id=ANALYST_PUBLISHER,
        publisher=ANALYST_PUBLISHER,
        published=recorded_at,
        analyst=True,
    )


def _retractions(db: Executes, until: int) -> list[tuple[int, Retraction]]:
    from tracker.fold.fact import Retraction

    rows = db.execute(
        "SELECT position, fact_id, reason FROM retractions WHERE position <= ? ORDER BY position", [until]
    )
    return [(position, Retraction(fact_id, reason)) for position, fact_id, reason in rows.fetchall()]
