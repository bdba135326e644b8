"""Writing a folded story into the story projection's tables, row by row only where it changed.

`subject_state` and `timeline` hold each subject's view and each entry; their sources (and those of
their conflicts) are rows of `story_sources` and, the same grouped, each owner's `sources` JSON;
evidence and conflicts JSON; `fact_decisions` holds
what the fold made of each fact. `tracker.projections.story_read` reads them back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from tracker.fold import Conflict, Entry, Source, Story, SubjectView

if TYPE_CHECKING:
    import sqlite_utils


def _json(items: Iterable[Any]) -> str:
    return json.dumps(list(items), ensure_ascii=False, sort_keys=True)


def _conflicts_json(conflicts: Sequence[Conflict]) -> str:
    """A view's or entry's conflicts without their sources (those are rows of `story_sources`)."""
    return _json(
        {"state": c.state, "count": c.count, "evidence": [e._asdict() for e in c.evidence]} for c in conflicts
    )


def _source_groups(item: SubjectView | Entry) -> list[Sequence[Source]]:
    """A view's or entry's sources by conflict: its own (0), then its conflicts' (1, 2, …)."""
    return [item.sources, *(c.sources for c in item.conflicts)]


def _sources_json(item: SubjectView | Entry) -> str:
    """Its `story_sources` rows as JSON, [conflict][ordinal] → a source's fields in order."""
    return _json(_source_groups(item))  # a source is a tuple: a JSON array


def _source_rows(owner: str, item: SubjectView | Entry) -> list[tuple[object, ...]]:
    """The `story_sources` rows of a view or entry: its own sources (conflict 0), then its conflicts'."""
    groups = _source_groups(item)
    return [
        (owner, conflict, ordinal, s.url, s.title, s.feed, s.published, s.publisher, int(s.retrospective))
        for conflict, sources in enumerate(groups)
        for ordinal, s in enumerate(sources)
    ]


def first_recorded(db: sqlite_utils.Database) -> dict[str, tuple[int, str]]:
    """fact id → (position, recorded_at) of the first event that reported it: deterministic, so a
    rebuild gives every row the same recorded time."""
    rows = db.execute(
        "SELECT f.fact_id, f.position, e.recorded_at FROM "
        "(SELECT fact_id, min(position) AS position FROM facts GROUP BY fact_id "
        " UNION ALL SELECT fact_id, position FROM assertions) AS f "
        "JOIN events AS e ON e.position = f.position"
    ).fetchall()
    return {fact_id: (position, recorded_at) for fact_id, position, recorded_at in rows}


def _recorded(entry: Entry, first: Mapping[str, tuple[int, str]]) -> tuple[int | None, str | None]:
    """The first report among the facts that define an entry."""
    known = [first[fact_id] for fact_id in entry.facts if fact_id in first]
    return min(known) if known else (None, None)


def _subject_recorded(
    view: Any, entries: Sequence[Entry], first: Mapping[str, tuple[int, str]]
) -> tuple[int | None, str | None]:
    """When a subject's current value was first reported: for a tally, its latest release; for a
    state, the latest change to the state it is in."""
    if view.kind == "tally":
        found = [_recorded(e, first) for e in entries if e.subject == view.id and e.kind == "release"]
    else:
        found = [
            _recorded(e, first)
            for e in entries
            if e.subject == view.id and e.kind == "change" and e.state == view.state
        ][-1:]
    known = [item for item in found if item[0] is not None]
    return max(known) if known else (None, None)


def write_story(
    db: sqlite_utils.Database, story: Story, first: Mapping[str, tuple[int, str]] | None = None
) -> None:
    """Make the story tables hold `story`, writing only the rows that differ from what they hold."""
    first = first or {}
    decisions: dict[str, tuple[object, ...]] = {}
    for m in story.mentions:
        decisions.setdefault(m.fact_id, (m.fact_id, m.subject, m.decision, m.entry, m.reason))
    states = [
        (
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
            _json(e._asdict() for e in view.evidence),
            _conflicts_json(view.conflicts),
            _sources_json(view),
            *_subject_recorded(view, story.timeline, first),
        )
        for view in story.subjects
    ]
    timeline = [
        (
            seq,
            entry.id,
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
            _json(e._asdict() for e in entry.evidence),
            _conflicts_json(entry.conflicts),
            _sources_json(entry),
            *_recorded(entry, first),
        )
        for seq, entry in enumerate(story.timeline, start=1)
    ]
    sources = [row for view in story.subjects for row in _source_rows(view.id, view)]
    sources += [row for entry in story.timeline for row in _source_rows(entry.id, entry)]
    _replace_rows(db, "fact_decisions", ("fact_id",), list(decisions.values()))
    _replace_rows(db, "subject_state", ("subject",), states)
    _replace_rows(db, "timeline", ("seq",), timeline)
    _replace_rows(db, "story_sources", ("owner", "conflict", "ordinal"), sources)


def _replace_rows(
    db: sqlite_utils.Database, table: str, key: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> None:
    """Make `table` (whose first columns are `key`, its primary key) hold exactly `rows`: rows no
    longer wanted are deleted first (a timeline entry may move to another `seq`), then new ones added."""
    old = set(db.execute(f"SELECT * FROM {table}").fetchall())  # noqa: S608 (our table names)
    new = set(rows)
    gone = [row[: len(key)] for row in old - new]
    if gone:
        matching = " AND ".join(f"{column} = ?" for column in key)
        db.conn.executemany(f"DELETE FROM {table} WHERE {matching}", gone)  # noqa: S608
    added = [row for row in rows if row not in old]
    if added:
        marks = ", ".join("?" * len(added[0]))
        db.conn.executemany(f"INSERT INTO {table} VALUES ({marks})", added)  # noqa: S608
