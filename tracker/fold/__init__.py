"""The story fold: facts (extracted claims and analysts' assertions) → each subject's state and a
dated timeline of real-world changes. Pure: no I/O, no clock.

    fold_story(subjects, facts, retractions, as_of=…, only=…) -> Story
    Fact, Retraction          the one fact record (a claim with its article), fact.py
    Story, Entry, SubjectView what the fold makes of facts, model.py

`fold_story` (and with it the identity, state and tally modules) and the fact records are imported
on first use: a report read from the projected tables never folds, nor reads a fact.
"""

from typing import TYPE_CHECKING

from tracker.fold.model import (
    ANALYST_PUBLISHER,
    DEFINITION,
    Conflict,
    Entry,
    Evidence,
    Mention,
    RetractedFact,
    Source,
    Story,
    SubjectView,
)

if TYPE_CHECKING:
    from tracker.fold.fact import Fact, Retraction
    from tracker.fold.story import fold_story

__all__ = [
    "ANALYST_PUBLISHER",
    "DEFINITION",
    "Conflict",
    "Entry",
    "Evidence",
    "Fact",
    "Mention",
    "RetractedFact",
    "Retraction",
    "Source",
    "Story",
    "SubjectView",
    "fold_story",
]


def __getattr__(name: str) -> object:
    if name == "fold_story":
        from tracker.fold.story import fold_story

        return fold_story
    if name in ("Fact", "Retraction"):
        from tracker.fold import fact

        return getattr(fact, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
