"""The story fold: facts (extracted claims and analysts' assertions) → each subject's state and a
dated timeline of real-world changes. Pure: no I/O, no clock.

How reports become changes:
- Reports of one change are merged: same subject and state (or, for a tally, a release) within a
  day of each other at day precision, or in the same month at month precision. A report dated
  only by its publication is allowed a week when its count matches, since outlets report late.
- Corroboration is counted in distinct publishers, not articles.
- A state subject moves forward along its declared order; an earlier state is reached only by an
  asserted reversal ("sanctions were re-imposed") or an analyst. A report that the current
  state persists confirms it and adds its source. Subjects declared `latest` (a characterisation)
  take whichever state was reported last.
- A settled state is reached only by an asserted statement, whatever the extractor said.
- Where credible reports of one change disagree (lifted vs eased; 52 vs 51) the state or count
  with more publishers is shown (the more cautious one on a tie) and the other is kept as a
  conflict, with its sources. An analyst's assertion outranks extraction.
- A retrospective mention of a release ("the 52 freed in September") joins that release as a
  source and never adds to the tally.
- Retracted facts stop counting and are listed as such.
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal, Protocol

Precision = Literal["day", "month", "year"]
SAME_CHANGE_DAYS = 1  # day-precision reports this close describe one change
LATE_REPORT_DAYS = 7  # undated report with a matching count: how late it may come
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


@dataclass(frozen=True, slots=True)
class Fact:
    """One claim with the article behind it (or an analyst's assertion)."""

    fact_id: str
    subject: str
    state: str | None
    count: int | None
    modality: str
    moves: bool
    reversal: bool
    event_date: date
    date_precision: Precision
    date_basis: str  # sentence | published | unknown | analyst
    sentence: str
    url: str | None
    title: str | None
    feed: str
    publisher: str
    published: str | None  # ISO-8601 UTC
    quote: str | None = None
    names: tuple[str, ...] = ()
    analyst: bool = False
    article: str = ""  # the article's stream; empty for an analyst's assertion


@dataclass(frozen=True, slots=True)
class Retraction:
    fact_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Source:
    url: str | None
    title: str | None
    feed: str
    published: str | None
    publisher: str
    retrospective: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    sentence: str
    url: str | None
    modality: str
    analyst: bool = False
    fact_id: str = ""


@dataclass(frozen=True, slots=True)
class Conflict:
    state: str | None
    count: int | None
    sources: tuple[Source, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """One real-world change (or the subject's starting point)."""

    date: date
    date_precision: Precision
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

    @property
    def publishers(self) -> int:
        """Corroboration: distinct publishers with independent text. A publisher whose every
        sentence here is word for word another's (a syndicated wire story) adds nothing."""
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
    id: str
    title: str
    kind: str
    state: str | None
    state_label: str | None
    total: int | None
    since: date | None
    date_precision: Precision
    evidence: tuple[Evidence, ...]
    sources: tuple[Source, ...]
    conflicts: tuple[Conflict, ...]
    quote: str | None
    analyst: bool


@dataclass(frozen=True, slots=True)
class RetractedFact:
    fact_id: str
    reason: str
    subject: str
    sentence: str
    url: str | None


@dataclass(frozen=True)
class Story:
    subjects: tuple[SubjectView, ...]
    timeline: tuple[Entry, ...]
    retracted: tuple[RetractedFact, ...] = field(default_factory=tuple)


# --- dates --------------------------------------------------------------------------------------


def period_end(day: date, precision: Precision) -> date:
    """Last day of the period a date stands for."""
    if precision == "year":
        return date(day.year, 12, 31)
    if precision == "month":
        return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
    return day


def happened_by(fact: Fact, as_of: date | None) -> bool:
    """A month-precision event is before D only if its whole month is."""
    return as_of is None or period_end(fact.event_date, fact.date_precision) <= as_of


def _same_period(a: date, a_precision: Precision, b: date, b_precision: Precision) -> bool:
    coarse = "year" if "year" in (a_precision, b_precision) else "month"
    if a_precision == b_precision == "day":
        return abs((a - b).days) <= SAME_CHANGE_DAYS
    if coarse == "year":
        return a.year == b.year
    return (a.year, a.month) == (b.year, b.month)


# --- clustering -----------------------------------------------------------------------------------


_Day = date  # the `date` property below shadows the type inside the class


class _Cluster:
    """Reports of one change. New reports are judged against the anchor (the first, best-dated
    report); the date shown is settled from all of them."""

    def __init__(self, facts: Iterable[Fact]) -> None:
        self.facts: list[Fact] = []
        self.counts: set[int | None] = set()
        self._settled: tuple[_Day, Precision] | None = None
        for fact in facts:
            self.add(fact)
        self.anchor, self.anchor_precision = self.facts[0].event_date, self.facts[0].date_precision

    def add(self, fact: Fact) -> None:
        self.facts.append(fact)
        self.counts.add(fact.count)
        self._settled = None

    @property
    def analyst(self) -> bool:
        return any(f.analyst for f in self.facts)

    @property
    def precision(self) -> Precision:
        return self._settle()[1]

    @property
    def date(self) -> date:
        return self._settle()[0]

    def _settle(self) -> tuple[_Day, Precision]:
        """The analyst's date, else the most reported sentence date, else the earliest date."""
        if self._settled is None:
            order: dict[str, int] = {"day": 0, "month": 1, "year": 2}
            precision = min((f.date_precision for f in self.facts), key=lambda p: order[p])
            pool = (
                [f for f in self.facts if f.analyst]
                or [f for f in self.facts if f.date_precision == precision and f.date_basis == "sentence"]
                or [f for f in self.facts if f.date_precision == precision]
            )
            counts = Counter(f.event_date for f in pool)
            best = max(counts.values())
            self._settled = (min(d for d, n in counts.items() if n == best), precision)
        return self._settled

    def accepts(self, fact: Fact, *, match_count: bool) -> bool:
        if _same_period(self.anchor, self.anchor_precision, fact.event_date, fact.date_precision):
            return True
        late = (
            fact.date_basis == "published" and fact.date_precision == "day" and self.anchor_precision == "day"
        )
        if late and match_count and fact.count is not None and fact.count in self.counts:
            return timedelta(0) <= fact.event_date - self.anchor <= timedelta(days=LATE_REPORT_DAYS)
        return False


def _cluster(facts: Iterable[Fact], *, match_count: bool) -> list[_Cluster]:
    clusters: list[_Cluster] = []
    for fact in sorted(facts, key=_fact_order):
        for cluster in clusters:
            if cluster.accepts(fact, match_count=match_count):
                cluster.add(fact)
                break
        else:
            clusters.append(_Cluster([fact]))
    return sorted(clusters, key=lambda c: (c.date, c.precision != "day"))


def _fact_order(fact: Fact) -> tuple[object, ...]:
    # Day-precision, sentence-dated facts first, so clusters are anchored on the best dates.
    return (
        fact.date_precision != "day",
        fact.date_basis != "sentence",
        fact.event_date,
        fact.published or "",
        fact.fact_id,
    )


# --- sources and evidence -------------------------------------------------------------------------


def _sources(facts: Iterable[Fact], *, retrospective: Iterable[Fact] = ()) -> tuple[Source, ...]:
    seen: dict[str, Source] = {}
    for fact, is_retro in [*((f, False) for f in facts), *((f, True) for f in retrospective)]:
        key = fact.url or f"{fact.feed}:{fact.fact_id}"
        if key in seen and (is_retro or not seen[key].retrospective):
            continue
        seen[key] = Source(fact.url, fact.title, fact.feed, fact.published, fact.publisher, is_retro)
    return tuple(sorted(seen.values(), key=lambda s: (s.retrospective, s.published or "", s.url or "")))


def _evidence(facts: Iterable[Fact]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str | None], Evidence] = {}
    for fact in sorted(facts, key=lambda f: (not f.analyst, f.published or "", f.url or "", f.sentence)):
        seen.setdefault(
            (fact.sentence, fact.url),
            Evidence(fact.sentence, fact.url, fact.modality, fact.analyst, fact.fact_id),
        )
    return tuple(seen.values())


def _publishers(facts: Iterable[Fact]) -> int:
    return len({f.publisher for f in facts})


def _quote(facts: Sequence[Fact]) -> str | None:
    for fact in sorted(facts, key=lambda f: (f.published or "", f.url or "")):
        if fact.quote:
            return fact.quote
    return None


# --- folding --------------------------------------------------------------------------------------


def fold_story(
    subjects: Sequence[SubjectLike],
    facts: Iterable[Fact],
    retractions: Iterable[Retraction] = (),
    *,
    as_of: date | None = None,
    only: Sequence[str] | None = None,
) -> Story:
    """Fold facts into subject views and a timeline, as things stood by the end of `as_of`."""
    retracted = {r.fact_id: r.reason for r in retractions}
    by_subject: dict[str, list[Fact]] = {}
    retracted_facts: list[RetractedFact] = []
    for fact in facts:
        if fact.fact_id in retracted:
            retracted_facts.append(
                RetractedFact(fact.fact_id, retracted[fact.fact_id], fact.subject, fact.sentence, fact.url)
            )
            continue
        if happened_by(fact, as_of):
            by_subject.setdefault(fact.subject, []).append(fact)
    views: list[SubjectView] = []
    timeline: list[Entry] = []
    for subject in subjects:
        if only is not None and subject.id not in only:
            continue
        subject_facts = by_subject.get(subject.id, [])
        if subject.kind == "tally":
            view, entries = _fold_tally(subject, subject_facts)
        else:
            view, entries = _fold_state(subject, subject_facts, as_of)
        views.append(view)
        timeline.extend(entries)
    rank = {s.id: i for i, s in enumerate(subjects)}
    timeline.sort(key=lambda e: (e.date, rank.get(e.subject, 0), e.kind != "initial"))
    retracted_facts.sort(key=lambda r: (r.subject, r.fact_id))
    return Story(tuple(views), tuple(timeline), tuple(retracted_facts))


def _fold_state(
    subject: SubjectLike, facts: list[Fact], as_of: date | None
) -> tuple[SubjectView, list[Entry]]:
    order = {state.id: index for index, state in enumerate(subject.states)}
    states = {state.id: state for state in subject.states}

    def label(state_id: str | None) -> str | None:
        return states[state_id].label if state_id in states else state_id

    def acceptable(fact: Fact) -> bool:
        if fact.state not in states:
            return False
        if fact.analyst:
            return True
        if states[fact.state].settled and fact.modality != "asserted":
            return False  # a settled state needs an asserted statement, whatever the extractor said
        return fact.moves

    candidates = [f for f in facts if acceptable(f)]
    entries: list[Entry] = []
    current: str | None = None
    current_entry: Entry | None = None
    confirmations: list[Fact] = []
    initial = subject.initial_state
    if initial and subject.initial_since and (as_of is None or subject.initial_since <= as_of):
        current = initial
        evidence = (
            (Evidence(subject.initial_note, subject.initial_source, "asserted"),)
            if subject.initial_note
            else ()
        )
        source = (
            (Source(subject.initial_source, subject.initial_note, DEFINITION, None, DEFINITION),)
            if subject.initial_source
            else ()
        )
        current_entry = Entry(
            subject.initial_since,
            "day",
            subject.id,
            "initial",
            initial,
            None,
            f"{subject.title}: {label(initial)}",
            source,
            evidence,
        )
        entries.append(current_entry)

    later_conflicts: list[Conflict] = []
    for state, facts_for, conflicts in _state_changes(candidates, states, order):
        if state == current:
            confirmations.extend(facts_for)
            later_conflicts.extend(conflicts)
            when = _Cluster(list(facts_for))
            if (
                states[state].settled
                and current_entry is not None
                and not _same_period(
                    current_entry.date, current_entry.date_precision, when.date, when.precision
                )
            ):
                entries.append(_state_entry(subject, state, "reaffirmed", facts_for, conflicts, label(state)))
            continue
        forward = current is None or order[state] > order.get(current, -1)
        reversal = any(f.reversal or f.analyst for f in facts_for)
        if not (forward or reversal or subject.transitions == "latest"):
            continue  # an older state without an asserted reversal: not a change
        current = state
        current_entry = _state_entry(subject, state, "change", facts_for, conflicts, label(state))
        confirmations, later_conflicts = [], []
        entries.append(current_entry)

    if current_entry is None:
        view = SubjectView(
            subject.id, subject.title, subject.kind, None, None, None, None, "day", (), (), (), None, False
        )
        return view, entries
    view = SubjectView(
        id=subject.id,
        title=subject.title,
        kind=subject.kind,
        state=current,
        state_label=label(current),
        total=None,
        since=current_entry.date,
        date_precision=current_entry.date_precision,
        evidence=_dedupe_evidence(current_entry.evidence + _evidence(confirmations)),
        sources=_dedupe_sources(current_entry.sources + _sources(confirmations)),
        conflicts=current_entry.conflicts + tuple(later_conflicts),
        quote=current_entry.quote,
        analyst=current_entry.analyst,
    )
    return view, entries


def _state_changes(
    candidates: list[Fact], states: dict[str, StateLike], order: dict[str, int]
) -> list[tuple[str, list[Fact], tuple[Conflict, ...]]]:
    """Cluster per state, then settle disagreements between settled states reported together."""
    clusters: list[tuple[str, _Cluster]] = []
    for state_id in sorted({f.state for f in candidates if f.state}, key=lambda s: order[s]):
        for cluster in _cluster((f for f in candidates if f.state == state_id), match_count=False):
            clusters.append((state_id, cluster))
    clusters.sort(key=lambda item: (item[1].date, order[item[0]]))
    result: list[tuple[str, list[Fact], tuple[Conflict, ...]]] = []
    used: set[int] = set()
    for index, (state_id, cluster) in enumerate(clusters):
        if index in used:
            continue
        rivals = [
            (j, other_state, other)
            for j, (other_state, other) in enumerate(clusters)
            if j != index
            and j not in used
            and other_state != state_id
            and states[other_state].settled
            and states[state_id].settled
            and _same_period(cluster.date, cluster.precision, other.date, other.precision)
        ]
        if not rivals:
            result.append((state_id, cluster.facts, ()))
            continue
        group = [(index, state_id, cluster), *rivals]
        # Analyst first, then most publishers, then the more cautious (earlier) state.
        group.sort(key=lambda g: (not g[2].analyst, -_publishers(g[2].facts), order[g[1]]))
        _, best_state, best = group[0]
        conflicts = tuple(Conflict(s, None, _sources(c.facts), _evidence(c.facts)) for _, s, c in group[1:])
        used.update(g[0] for g in group)
        result.append((best_state, best.facts, conflicts))
    return result


def _state_entry(
    subject: SubjectLike,
    state: str,
    kind: Literal["change", "reaffirmed"],
    facts: list[Fact],
    conflicts: tuple[Conflict, ...],
    state_label: str | None,
) -> Entry:
    cluster = _Cluster(list(facts))
    return Entry(
        date=cluster.date,
        date_precision=cluster.precision,
        subject=subject.id,
        kind=kind,
        state=state,
        count=None,
        summary=f"{subject.title}: {state_label or state}",
        sources=_sources(facts),
        evidence=_evidence(facts),
        conflicts=conflicts,
        quote=_quote(facts),
        analyst=cluster.analyst,
    )


def _fold_tally(subject: SubjectLike, facts: list[Fact]) -> tuple[SubjectView, list[Entry]]:
    moving = [
        f for f in facts if f.count is not None and (f.analyst or (f.moves and f.modality == "asserted"))
    ]
    retrospective = [
        f
        for f in facts
        if f.count is not None and not f.moves and f.modality == "retrospective" and not f.analyst
    ]
    entries: list[Entry] = []
    for cluster in _cluster(moving, match_count=True):
        count, conflicts = _settle_count(cluster.facts)
        joined = [
            f
            for f in retrospective
            if f.count == count and _same_period(cluster.date, "month", f.event_date, "month")
        ]
        entries.append(
            Entry(
                date=cluster.date,
                date_precision=cluster.precision,
                subject=subject.id,
                kind="release",
                state=None,
                count=count,
                summary=_release_summary(count, cluster.facts),
                sources=_sources(cluster.facts, retrospective=joined),
                evidence=_evidence(cluster.facts),
                conflicts=conflicts,
                analyst=cluster.analyst,
            )
        )
    total = sum(e.count or 0 for e in entries)
    last = entries[-1] if entries else None
    view = SubjectView(
        id=subject.id,
        title=subject.title,
        kind="tally",
        state=None,
        state_label=None,
        total=total,
        since=last.date if last else None,
        date_precision=last.date_precision if last else "day",
        evidence=last.evidence if last else (),  # the latest release's own words
        sources=_dedupe_sources([s for e in entries for s in e.sources]),
        conflicts=tuple(c for e in entries for c in e.conflicts),
        quote=None,
        analyst=any(e.analyst for e in entries),
    )
    return view, entries


def _names_only(fact: Fact) -> bool:
    """A count that is just the people named ("Kalesnikava was freed"): part of a release, not a rival."""
    return bool(fact.names) and fact.count == len(fact.names)


def _settle_count(facts: list[Fact]) -> tuple[int, tuple[Conflict, ...]]:
    analyst = [f for f in facts if f.analyst]
    counted = [f for f in facts if not _names_only(f)]
    pool = analyst or counted or facts
    by_count: dict[int, list[Fact]] = {}
    for fact in pool:
        by_count.setdefault(fact.count or 0, []).append(fact)
    # Most publishers; on a tie the smaller (more cautious) figure.
    best = min(by_count, key=lambda n: (-_publishers(by_count[n]), n))
    rivals: dict[int, list[Fact]] = {}
    for fact in facts:
        if fact.count != best and not (_names_only(fact) and fact.count is not None and fact.count < best):
            rivals.setdefault(fact.count or 0, []).append(fact)
    conflicts = tuple(Conflict(None, n, _sources(fs), _evidence(fs)) for n, fs in sorted(rivals.items()))
    return best, conflicts


def _release_summary(count: int, facts: list[Fact]) -> str:
    found = {name for f in facts for name in f.names}
    # "Tsikhanouski" beside "Siarhei Tsikhanouski" is the same person.
    names = sorted(n for n in found if not any(o != n and o.endswith(" " + n) for o in found))
    text = f"{count} {'person' if count == 1 else 'people'} released"
    if names:
        text += ", including " + ", ".join(names[:4])
    return text


def _dedupe_sources(sources: Iterable[Source]) -> tuple[Source, ...]:
    seen: dict[str | None, Source] = {}
    for source in sources:
        key = source.url or f"{source.feed}:{source.title}"
        if key not in seen or (seen[key].retrospective and not source.retrospective):
            seen[key] = source
    return tuple(sorted(seen.values(), key=lambda s: (s.retrospective, s.published or "", s.url or "")))


def _dedupe_evidence(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str | None], Evidence] = {}
    for item in evidence:
        seen.setdefault((item.sentence, item.url), item)
    return tuple(seen.values())
