"""The extractor's input and output types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from tracker.clock import DatePrecision as DatePrecision  # re-exported: the extractor speaks it
from tracker.subjects.model import Modality

# Where an event date came from: a date phrase in the sentence, the article's publication date,
# nowhere, or an analyst's assertion.
DateBasis = Literal["sentence", "published", "unknown", "analyst"]
# Tense of the clause a claim was found in: with the date basis and the position in the article,
# what the story fold uses to tell fresh news from a retelling of an earlier event.
Tense = Literal["past", "pluperfect", "perfect", "present", "future", "unknown"]
Figure = Literal["exact", "at-least", "approximate", "running-total", "exchange-total"]

# Event date of a claim whose date could not be determined (no publication date and no absolute
# date in its sentence). Such claims never move a subject; see `Claim.moves`.
UNKNOWN_DATE = date.min


@dataclass(frozen=True, slots=True)
class Document:
    """An article's plain text (title + body) and its publication time.

    `published` must be timezone-aware; relative dates ("on Thursday") are resolved against its
    local date. A caller without a publication date should pass the time the article was first
    seen, if it has one: with no anchor at all, relative dates cannot be resolved.
    """

    text: str
    published: datetime | None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """One statement about a subject found in one sentence.

    `moves` is True when the claim may move the subject under its rules: for a state subject, the
    modality is one the target state accepts (a settled state accepts only "asserted"); for a
    tally, the count is an asserted, exact, non-cumulative, non-retrospective event. A claim for
    a state's `confirms` cue never moves. `reversal` is True only for a moving claim from a
    `reversals` cue: the one kind of claim allowed to move a subject back to an earlier state;
    any other claim to an earlier state than the current one only confirms it.

    Claims whose date basis is "unknown" have `event_date == UNKNOWN_DATE` and never move.
    """

    subject: str
    state: str | None
    count: int | None
    modality: Modality
    moves: bool
    reversal: bool
    event_date: date
    date_precision: DatePrecision
    date_basis: DateBasis
    sentence: str
    start: int
    end: int
    cue: str
    quote: str | None = None
    names: tuple[str, ...] = ()
    tense: Tense = "unknown"
    sentence_index: int = 0  # 0-based, in the whole document (title first)
    paragraph_index: int = 0  # 0-based paragraph of the document the sentence is in
    novelty: bool = False  # a marker of a new event: "another", "a new group", "a further"
    # What kind of figure the count is: exact ("14"), a floor ("at least 14": the least the
    # release can have been), approximate ("about 14", "more than 14", "dozens") or a running
    # total ("300 freed since 2024"), or the size of a whole exchange whose two sides the article
    # gives ("24", beside "16 traded for eight"). Only an exact figure moves a tally; the story fold may also
    # found a release on a floor, or on an exact figure a recap dates to its day.
    figure: Figure = "exact"
