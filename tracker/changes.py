"""What changed between two folds of the story: the story as known at one log position against
the story as known at a later one. Pure: no I/O.

"What changed since T" is answered by folding the log as known at T (`--known-at`) and as known
now, with the same rules, and comparing: a timeline entry that is new, a subject whose state or
tally moved, a conflict that appeared, a fact that was retracted. Both folds use today's rules,
so a rule change (and the rebuild it causes) never shows old history as news.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tracker.fold import Conflict, Entry, Evidence, RetractedFact, Source, Story, SubjectView

ChangeKind = Literal["state", "tally", "conflict", "retraction"]


@dataclass(frozen=True, slots=True)
class SubjectChange:
    """A state subject moved to another state, or a tally's total changed."""

    subject: str
    title: str
    kind: Literal["state", "tally"]
    old_state: str | None
    new_state: str | None
    old_label: str | None
    new_label: str | None
    old_total: int | None
    new_total: int | None
    since: date | None
    evidence: tuple[Evidence, ...]
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class NewConflict:
    """Credible sources that disagree with what a subject's entry shows."""

    subject: str
    title: str
    date: date | None
    shown_state: str | None
    shown_count: int | None
    conflict: Conflict


@dataclass(frozen=True, slots=True)
class EntryUpdate:
    """A change already on the timeline that more sources now report."""

    entry: Entry
    new_sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class NewRetraction:
    subject: str
    title: str
    retracted: RetractedFact


@dataclass(frozen=True)
class StoryChanges:
    entries: tuple[Entry, ...]
    updated: tuple[EntryUpdate, ...]
    subjects: tuple[SubjectChange, ...]
    conflicts: tuple[NewConflict, ...]
    retractions: tuple[NewRetraction, ...]

    @property
    def empty(self) -> bool:
        return not (self.entries or self.updated or self.subjects or self.conflicts or self.retractions)


def entry_key(entry: Entry) -> tuple[object, ...]:
    """An entry's identity: more sources for the same change do not make it new."""
    return (entry.subject, entry.kind, entry.state, entry.count, entry.date.isoformat())


def _conflicts(story: Story) -> dict[tuple[object, ...], NewConflict]:
    titles = {view.id: view.title for view in story.subjects}
    found: dict[tuple[object, ...], NewConflict] = {}
    for entry in story.timeline:
        for conflict in entry.conflicts:
            key = (entry.subject, entry.state, entry.count, conflict.state, conflict.count)
            found.setdefault(
                key,
                NewConflict(
                    entry.subject,
                    titles.get(entry.subject, entry.subject),
                    entry.date,
                    entry.state,
                    entry.count,
                    conflict,
                ),
            )
    for view in story.subjects:
        for conflict in view.conflicts:
            key = (view.id, view.state, view.total, conflict.state, conflict.count)
            found.setdefault(
                key, NewConflict(view.id, view.title, view.since, view.state, view.total, conflict)
            )
    return found


def _subject_change(old: SubjectView | None, new: SubjectView) -> SubjectChange | None:
    if new.kind == "tally":
        old_total = old.total if old else None
        if (old_total or 0) == (new.total or 0):
            return None
        return SubjectChange(
            new.id,
            new.title,
            "tally",
            None,
            None,
            None,
            None,
            old_total,
            new.total,
            new.since,
            new.evidence,
            new.sources,
        )
    old_state = old.state if old else None
    if old_state == new.state:
        return None
    return SubjectChange(
        new.id,
        new.title,
        "state",
        old_state,
        new.state,
        old.state_label if old else None,
        new.state_label,
        None,
        None,
        new.since,
        new.evidence,
        new.sources,
    )


def diff_stories(before: Story, after: Story) -> StoryChanges:
    """Everything `after` knows that `before` did not, in `after`'s order."""
    known_entries = {entry_key(e): e for e in before.timeline}
    entries = tuple(e for e in after.timeline if e.kind != "initial" and entry_key(e) not in known_entries)
    updated = tuple(
        update
        for e in after.timeline
        if (old := known_entries.get(entry_key(e))) is not None
        and (update := _new_sources(old, e)) is not None
    )
    old_views = {view.id: view for view in before.subjects}
    subjects = tuple(
        change
        for view in after.subjects
        if (change := _subject_change(old_views.get(view.id), view)) is not None
    )
    old_conflicts = _conflicts(before)
    conflicts = tuple(c for key, c in _conflicts(after).items() if key not in old_conflicts)
    titles = {view.id: view.title for view in after.subjects}
    old_retracted = {r.fact_id for r in before.retracted}
    retractions = tuple(
        NewRetraction(r.subject, titles.get(r.subject, r.subject), r)
        for r in after.retracted
        if r.fact_id not in old_retracted
    )
    return StoryChanges(entries, updated, subjects, conflicts, retractions)


def _new_sources(old: Entry, new: Entry) -> EntryUpdate | None:
    known = {(s.url, s.feed) for s in old.sources}
    added = tuple(s for s in new.sources if (s.url, s.feed) not in known)
    return EntryUpdate(new, added) if added else None


def change_key(kind: ChangeKind, parts: Iterable[object]) -> str:
    """A stable idempotency key for one change: the same change always gets the same key."""
    text = json.dumps([kind, *parts], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
