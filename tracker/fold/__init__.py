"""The story fold: facts (extracted claims and analysts' assertions) → each subject's state and a
dated timeline of real-world changes. Pure: no I/O, no clock.

    fold_story(subjects, facts, retractions, as_of=…, only=…) -> Story
    Fact                      the one fact record (a claim with its article), model.py
    Story, Entry, SubjectView what the fold makes of facts, model.py
"""

from tracker.fold.model import (
    ANALYST_PUBLISHER,
    DEFINITION,
    Conflict,
    Entry,
    Evidence,
    Fact,
    Mention,
    RetractedFact,
    Retraction,
    Source,
    Story,
    SubjectView,
)
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
