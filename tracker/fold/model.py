"""The fold's vocabulary: what the fold makes of facts (entries, views, sources, evidence,
conflicts, and its decision about each mention). The fact record itself is in `fact.py`: a report
read from the projected tables builds none."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple, Protocol

from tracker.clock import DatePrecision

ANALYST_PUBLISHER = "analyst"
DEFINITION = "subject definition"  # the feed and publisher of a subject's starting point


class StateLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def settled(self) -> bool: ...


class SubjectLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def transitions(self) -> str: ...  # "forward" (ordered) or "latest" (a characterisation)
    @property
    def initial_state(self) -> str | None: ...
    @property
    def initial_since(self) -> date | None: ...
    @property
    def initial_source(self) -> str | None: ...
    @property
    def initial_note(self) -> str | None: ...
    @property
    def states(self) -> Sequence[StateLike]: ...


class Source(NamedTuple):
    """Where a fact was read. A tuple rather than a dataclass: a report builds tens of thousands of
    them from rows, and a tuple costs a third less to build."""

    url: str | None
    title: str | None
    feed: str
    published: str | None
    publisher: str
    retrospective: bool = False


class Evidence(NamedTuple):
    """A sentence that says so, and its article (a tuple, as `Source` is: a report reads thousands)."""

    sentence: str
    url: str | None
    modality: str
    analyst: bool = False
    fact_id: str = ""


@dataclass(frozen=True, slots=True)
class Conflict:
    """Reports of another state or count than the one an entry or subject settled on."""

    state: str | None
    count: int | None
    sources: tuple[Source, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One real-world change (or the subject's starting point)."""

    date: date
    date_precision: DatePrecision
    subject: str
    kind: Literal["initial", "change", "reaffirmed", "release"]
    state: str | None
    count: int | None
    summary: str
    sources: tuple[Source, ...]
    evidence: tuple[Evidence, ...]
    conflicts: tuple[Conflict, ...] = ()
    quote: str | None = None
    analyst: bool = False
    facts: tuple[str, ...] = ()  # ids of the facts that define it (its news, or a dated retelling)
    passed: tuple[str, ...] = ()  # ids of facts of a state passed through on the way to it
    id: str = ""  # subject:date:state-or-count, unique in a story
    # `publishers` as the story projection stored it, read back with the entry (None: count them).
    stored_publishers: int | None = field(default=None, compare=False)

    @property
    def publishers(self) -> int:
        """Corroboration: distinct publishers with independent text. A publisher whose every
        sentence here is word for word another's (a syndicated wire story) adds nothing."""
        if self.stored_publishers is not None:
            return self.stored_publishers
        publisher_of = {
            s.url: s.publisher for s in self.sources if not s.retrospective and s.feed != DEFINITION
        }
        texts: dict[str, set[str]] = {publisher: set() for publisher in publisher_of.values()}
        for item in self.evidence:
            if item.url in publisher_of:
                texts[publisher_of[item.url]].add(" ".join(item.sentence.lower().split()))
        seen: set[str] = set()
        independent = 0
        for publisher in sorted(texts, key=lambda p: (-len(texts[p]), p)):
            if texts[publisher] and texts[publisher] <= seen:
                continue
            independent += 1
            seen |= texts[publisher]
        return independent


@dataclass(frozen=True, slots=True)
class SubjectView:
    """A subject as the fold leaves it: its state or total, since when, and why."""

    id: str
    title: str
    kind: str
    state: str | None
    state_label: str | None
    total: int | None
    since: date | None
    date_precision: DatePrecision
    evidence: tuple[Evidence, ...]
    sources: tuple[Source, ...]
    conflicts: tuple[Conflict, ...]
    quote: str | None
    analyst: bool


class RetractedFact(NamedTuple):
    """A fact an analyst retracted, with the reason (a tuple, as `Source` is: its class is built in
    a quarter of a dataclass's time, on every report's start)."""

    fact_id: str
    reason: str
    subject: str
    sentence: str
    url: str | None


class Mention(NamedTuple):
    """What the fold made of one fact: news of an entry, a retelling of an entry, background, or
    ignored (it could not move the subject), and why (a tuple, as `RetractedFact` is)."""

    fact_id: str
    subject: str
    url: str | None
    published: str | None
    sentence: str
    decision: str
    reason: str
    entry: str | None  # the id of the entry it reports or retells


@dataclass(frozen=True)
class Story:
    """What the fold makes of all the facts: each subject, the timeline, and what it left out."""

    subjects: tuple[SubjectView, ...]
    timeline: tuple[Entry, ...]
    retracted: tuple[RetractedFact, ...] = field(default_factory=tuple)
    mentions: tuple[Mention, ...] = field(default_factory=tuple)
