"""The story as the story projection last folded it, read back from its tables.

`subject_state`, `timeline` (with their sources) and `fact_decisions` hold `fold_story`'s
result at the projection's checkpoint, so a reader at that position gets the same `Story` without
folding every fact again: the cost is the size of the story, not of the history. The readers
decide when the tables are current (`tracker.report.data`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import repeat
from operator import itemgetter
from typing import Any

import orjson

from tracker.fold import Conflict, Entry, Evidence, Mention, RetractedFact, Source, Story, SubjectView
from tracker.projections.facts import CURRENT_AT
from tracker.projections.story import ASSERTED_SENTENCE
from tracker.storage.connect import Executes
from tracker.storage.store import Store


def read_story(store: Store, subject_ids: Sequence[str], until: int, *, mentions: bool = True) -> Story:
    """The story in the tables, for the subjects `subject_ids` (in that order), whose facts are those
    current at position `until` (the projection's checkpoint); without `mentions`, its mentions are
    left unread (empty)."""
    db = store.conn
    rank = {subject_id: i for i, subject_id in enumerate(subject_ids)}
    views = sorted(
        (_view(row) for row in _rows(db, "SELECT * FROM subject_state") if row["subject"] in rank),
        key=lambda view: rank[view.id],
    )
    timeline = [
        _entry(row) for row in _rows(db, "SELECT * FROM timeline ORDER BY seq") if row["subject"] in rank
    ]
    said = _mentions(db, rank, until) if mentions else ()
    return Story(tuple(views), tuple(timeline), _retracted(db, until), said)


def streams_about(store: Store, subjects: Sequence[str], until: int) -> set[str]:
    """The articles with facts about `subjects` among the versions current at position `until`."""
    marks = ", ".join("?" * len(subjects))
    rows = store.conn.execute(
        f"SELECT DISTINCT stream FROM facts WHERE subject IN ({marks}) AND {CURRENT_AT}",  # noqa: S608
        [*subjects, until, until],
    )
    return {stream for (stream,) in rows.fetchall()}


def _rows(db: Executes, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


# Sources and sentences are made in C, with no Python call each: a report reads tens of thousands of
# sources and thousands of sentences. `story_write` stores every field of each, in order.
_TUPLE = tuple.__new__
_EVIDENCE_FIELDS = itemgetter(*Evidence._fields)


def _sources(text: str) -> list[tuple[Source, ...]]:
    """An owner's `sources` column: its own sources, then each conflict's (a report lists every
    source: one JSON array decodes in a third of the time its `story_sources` rows take to read)."""
    return [tuple(map(_TUPLE, repeat(Source), group)) for group in orjson.loads(text)]


def _evidence(items: Sequence[dict[str, Any]]) -> tuple[Evidence, ...]:
    return tuple(map(_TUPLE, repeat(Evidence), map(_EVIDENCE_FIELDS, items)))


def _conflicts(text: str, sources: Sequence[tuple[Source, ...]]) -> tuple[Conflict, ...]:
    """Conflicts from their JSON, the nth with the owner's `sources` of conflict n."""
    return tuple(
        Conflict(item["state"], item["count"], sources[n], _evidence(item["evidence"]))
        for n, item in enumerate(orjson.loads(text), start=1)
    )


def _view(row: Mapping[str, Any]) -> SubjectView:
    sources = _sources(row["sources"])
    return SubjectView(
        id=row["subject"],
        title=row["title"],
        kind=row["kind"],
        state=row["state"],
        state_label=row["state_label"],
        total=row["total"],
        since=date.fromisoformat(row["since"]) if row["since"] else None,
        date_precision=row["date_precision"],
        evidence=_evidence(orjson.loads(row["evidence"])),
        sources=sources[0],
        conflicts=_conflicts(row["conflicts"], sources),
        quote=row["quote"],
        analyst=bool(row["analyst"]),
    )


def _entry(row: Mapping[str, Any]) -> Entry:
    sources = _sources(row["sources"])
    return Entry(
        date=date.fromisoformat(row["date"]),
        date_precision=row["date_precision"],
        subject=row["subject"],
        kind=row["kind"],
        state=row["state"],
        count=row["count"],
        summary=row["summary"],
        sources=sources[0],
        evidence=_evidence(orjson.loads(row["evidence"])),
        conflicts=_conflicts(row["conflicts"], sources),
        quote=row["quote"],
        analyst=bool(row["analyst"]),
        id=row["entry_id"],
        stored_publishers=row["publishers"],
    )


# Every fact current at a position, extracted or asserted, with what a mention or a retraction
# names of it (an assertion's sentence and publication as `assertion_fact` gives them).
_CURRENT_FACTS = f"""
    SELECT fact_id, subject, url, published, sentence FROM facts WHERE {CURRENT_AT}
    UNION ALL
    SELECT fact_id, subject, source, recorded_at, coalesce(note, ?) FROM assertions WHERE position <= ?
"""  # noqa: S608 (no user input)
# From the retractions (few) to the facts they name, by key (CROSS JOIN keeps that order), never
# through all the current facts.
_RETRACTED = f"""
    SELECT f.fact_id, r.reason, f.subject, f.sentence, f.url FROM retractions AS r
    CROSS JOIN (SELECT fact_id, subject, url, sentence FROM facts WHERE {CURRENT_AT}) AS f USING (fact_id)
    WHERE r.position <= ?
    UNION ALL
    SELECT a.fact_id, r.reason, a.subject, coalesce(a.note, ?), a.source FROM retractions AS r
    CROSS JOIN assertions AS a USING (fact_id) WHERE r.position <= ? AND a.position <= ?
"""  # noqa: S608
_MENTIONS = f"""
    SELECT d.fact_id, d.subject, f.url, f.published, f.sentence, d.decision, d.reason, d.entry_id
    FROM fact_decisions AS d JOIN ({_CURRENT_FACTS}) AS f USING (fact_id)
"""  # noqa: S608


def _retracted(db: Executes, until: int) -> tuple[RetractedFact, ...]:
    rows = db.execute(_RETRACTED, [until, until, until, ASSERTED_SENTENCE, until, until]).fetchall()
    return tuple(sorted((RetractedFact(*row) for row in rows), key=lambda r: (r.subject, r.fact_id)))


def _mentions(db: Executes, rank: Mapping[str, int], until: int) -> tuple[Mention, ...]:
    rows = db.execute(_MENTIONS, [until, until, ASSERTED_SENTENCE, until]).fetchall()
    mentions = [Mention(*row) for row in rows if row[1] in rank]
    mentions.sort(key=lambda m: (rank[m.subject], m.published or "", m.url or "", m.fact_id))
    return tuple(mentions)
