"""Changes of the story → announcements: one self-contained JSON payload per change. Pure.

A payload names the subject, the change (old → new state, or old → new count), its date, the
evidence sentence and the source URLs, and carries `key`: an idempotency key that is the same
for the same change on every attempt, so a receiver can drop a repeat after a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tracker.alerts.settings import AlertKind
from tracker.changes import NewConflict, NewRetraction, StoryChanges, SubjectChange, change_key
from tracker.fold import Evidence, Source

PAYLOAD_VERSION = 1
_EVIDENCE = 3


@dataclass(frozen=True, slots=True)
class Announcement:
    kind: AlertKind
    subject: str
    key: str
    payload: dict[str, Any]


def _evidence(items: Sequence[Evidence]) -> list[dict[str, Any]]:
    return [{"sentence": e.sentence, "url": e.url} for e in items[:_EVIDENCE]]


def _urls(sources: Sequence[Source]) -> list[str]:
    return list(dict.fromkeys(s.url for s in sources if s.url and not s.retrospective))


def _payload(kind: AlertKind, key: str, subject: str, title: str, text: str, **fields: Any) -> dict[str, Any]:
    return {
        "version": PAYLOAD_VERSION,
        "key": key,
        "kind": kind,
        "subject": subject,
        "title": title,
        "text": text,
        **fields,
    }


def announcements(changes: StoryChanges) -> list[Announcement]:
    """One announcement per state or tally change, new conflict and retraction, in that order."""
    return [
        *(_subject_change(change) for change in changes.subjects),
        *(_conflict(item) for item in changes.conflicts),
        *(_retraction(retraction) for retraction in changes.retractions),
    ]


def _subject_change(change: SubjectChange) -> Announcement:
    date = change.since.isoformat() if change.since else None
    old: str | int | None
    new: str | int | None
    if change.kind == "tally":
        old, new = change.old_total or 0, change.new_total or 0
        key = change_key("tally", [change.subject, old, new, date])
        text = f"{change.title}: {old} → {new}"
    else:
        old, new = change.old_state, change.new_state
        key = change_key("state", [change.subject, old, new, date])
        old_label = change.old_label or old or "no state"
        text = f"{change.title}: {old_label} → {change.new_label or new}"
    payload = _payload(
        change.kind,
        key,
        change.subject,
        change.title,
        text,
        old=old,
        new=new,
        date=date,
        evidence=_evidence(change.evidence),
        sources=_urls(change.sources),
    )
    return Announcement(change.kind, change.subject, key, payload)


def _conflict(item: NewConflict) -> Announcement:
    other = item.conflict.state if item.conflict.state is not None else item.conflict.count
    shown = item.shown_state if item.shown_state is not None else item.shown_count
    date = item.date.isoformat() if item.date else None
    key = change_key("conflict", [item.subject, shown, other, date])
    text = f"{item.title}: sources disagree: {other} (shown: {shown})"
    payload = _payload(
        "conflict",
        key,
        item.subject,
        item.title,
        text,
        old=shown,
        new=other,
        date=date,
        evidence=_evidence(item.conflict.evidence),
        sources=_urls(item.conflict.sources),
    )
    return Announcement("conflict", item.subject, key, payload)


def _retraction(retraction: NewRetraction) -> Announcement:
    fact = retraction.retracted
    key = change_key("retraction", [fact.fact_id])
    text = f"{retraction.title}: retracted: {fact.reason}"
    payload = _payload(
        "retraction",
        key,
        retraction.subject,
        retraction.title,
        text,
        old=fact.fact_id,
        new=None,
        date=None,
        reason=fact.reason,
        evidence=[{"sentence": fact.sentence, "url": fact.url}],
        sources=[fact.url] if fact.url else [],
    )
    return Announcement("retraction", retraction.subject, key, payload)


def sample() -> Announcement:
    """What `tracker alerts test` sends: marked as a test, never a real change."""
    key = change_key("state", ["sample"])
    payload = _payload(
        "state",
        key,
        "us-embassy-minsk",
        "U.S. Embassy in Minsk",
        "TEST from tracker: U.S. Embassy in Minsk: Operations suspended → Reopened",
        old="suspended",
        new="reopened",
        date=None,
        test=True,
        evidence=[{"sentence": "This is a test alert; nothing has changed.", "url": None}],
        sources=[],
    )
    return Announcement("state", "us-embassy-minsk", key, payload)
