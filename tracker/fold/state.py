"""A state subject's entries: its starting point, then each change in date order (forward along
the subject's order, back only by an asserted reversal), with rival accounts of one change kept as
conflicts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Literal, NamedTuple

from tracker.fold.cluster import Cluster, same_period
from tracker.fold.fact import Fact
from tracker.fold.model import (
    DEFINITION,
    Conflict,
    Entry,
    Evidence,
    Source,
    StateLike,
    SubjectLike,
    SubjectView,
)
from tracker.fold.sources import (
    dedupe_evidence,
    dedupe_sources,
    evidence_of,
    news_only,
    publishers_of,
    quote_of,
    sources_of,
)


def fold_state(
    subject: SubjectLike,
    facts: list[Fact],
    retellings: dict[str, list[Fact]],
    founders: dict[str, str],
    as_of: date | None,
) -> tuple[SubjectView, list[Entry]]:
    """Walk a subject's changes in date order from its starting point; the view is where it ends."""
    initial = _initial_entry(subject, as_of)
    walk = _Walk(subject, initial)
    for change in _state_changes(facts, founders, walk.states, walk.order):
        walk.step(change, retellings)
    return walk.view(), walk.entries


def _initial_entry(subject: SubjectLike, as_of: date | None) -> Entry | None:
    """The subject's declared starting point, if it had started by `as_of`."""
    initial, since = subject.initial_state, subject.initial_since
    if not initial or since is None or (as_of is not None and since > as_of):
        return None
    note, url = subject.initial_note, subject.initial_source
    evidence = (Evidence(note, url, "asserted"),) if note else ()
    source = (Source(url, note, DEFINITION, None, DEFINITION),) if url else ()
    summary = f"{subject.title}: {_label(subject, initial)}"
    return Entry(since, "day", subject.id, "initial", initial, None, summary, source, evidence)


def _label(subject: SubjectLike, state_id: str | None) -> str | None:
    return next((s.label for s in subject.states if s.id == state_id), state_id)


class _Walk:
    """A state subject moved change by change: forward along its order, back only by an asserted
    reversal (or anywhere, for a characterisation); a change to the current state confirms it, and
    a settled state asserted again in a later period is shown as reaffirmed."""

    def __init__(self, subject: SubjectLike, initial: Entry | None) -> None:
        self.subject = subject
        self.states = {state.id: state for state in subject.states}
        self.order = {state.id: index for index, state in enumerate(subject.states)}
        self.entries: list[Entry] = [initial] if initial else []
        self.current: str | None = initial.state if initial else None
        self.current_entry: Entry | None = initial
        self.confirmations: list[Fact] = []
        self.later_conflicts: list[Conflict] = []

    def step(self, change: _Change, retellings: dict[str, list[Fact]]) -> None:
        state, facts, conflicts = change.state, change.facts, change.conflicts
        label = _label(self.subject, state)
        if state == self.current:
            self._confirm(state, facts, conflicts, retellings)
            return
        forward = self.current is None or self.order[state] > self.order.get(self.current, -1)
        reversal = any(f.reversal or f.analyst for f in facts)
        if not (forward or reversal or self.subject.transitions == "latest"):
            return  # an older state without an asserted reversal: not a change
        self.current = state
        entry = _state_entry(self.subject, state, "change", facts, conflicts, label, retellings)
        self.current_entry = replace(entry, passed=change.passed)
        self.confirmations, self.later_conflicts = [], []
        self.entries.append(self.current_entry)

    def _confirm(
        self,
        state: str,
        facts: list[Fact],
        conflicts: tuple[Conflict, ...],
        retellings: dict[str, list[Fact]],
    ) -> None:
        self.confirmations.extend(facts)
        self.later_conflicts.extend(conflicts)
        when, entry = Cluster(list(facts)), self.current_entry
        if (
            self.states[state].settled
            and entry is not None
            and not same_period(entry.date, entry.date_precision, when.date, when.precision)
        ):
            label = _label(self.subject, state)
            self.entries.append(
                _state_entry(self.subject, state, "reaffirmed", facts, conflicts, label, retellings)
            )

    def view(self) -> SubjectView:
        subject, entry = self.subject, self.current_entry
        if entry is None:
            return SubjectView(
                subject.id,
                subject.title,
                subject.kind,
                None,
                None,
                None,
                None,
                "day",
                (),
                (),
                (),
                None,
                False,
            )
        return SubjectView(
            id=subject.id,
            title=subject.title,
            kind=subject.kind,
            state=self.current,
            state_label=_label(subject, self.current),
            total=None,
            since=entry.date,
            date_precision=entry.date_precision,
            evidence=dedupe_evidence(entry.evidence + evidence_of(self.confirmations)),
            sources=dedupe_sources(entry.sources + sources_of(self.confirmations)),
            conflicts=entry.conflicts + tuple(self.later_conflicts),
            quote=entry.quote,
            analyst=entry.analyst,
        )


class _Change(NamedTuple):
    """A change the walk may make: to `state`, on `facts`, with rival accounts as `conflicts` and
    the facts of states `passed` through on the way to it that period."""

    state: str
    facts: list[Fact]
    conflicts: tuple[Conflict, ...] = ()
    passed: tuple[str, ...] = ()


def _state_changes(
    candidates: list[Fact], founders: dict[str, str], states: dict[str, StateLike], order: dict[str, int]
) -> list[_Change]:
    """Cluster per state, then settle disagreements between settled states reported together."""
    clusters: list[tuple[str, Cluster]] = []
    for state_id in sorted({f.state for f in candidates if f.state}, key=lambda s: order[s]):
        groups: dict[str, list[Fact]] = {}
        for fact in candidates:
            if fact.state == state_id:
                groups.setdefault(founders.get(fact.fact_id, fact.fact_id), []).append(fact)
        clusters.extend((state_id, Cluster(group)) for group in groups.values())
    clusters.sort(key=lambda item: (item[1].date, order[item[0]]))
    result: list[_Change] = []
    used: set[int] = set()
    # Only settled states, reported without a reversal, can be rival accounts of one change.
    rivalling = [states[state_id].settled and not _reverses(cluster) for state_id, cluster in clusters]
    for index, (state_id, cluster) in enumerate(clusters):
        if index in used:
            continue
        rivals = (
            [
                (j, other_state, other)
                for j, (other_state, other) in enumerate(clusters)
                if rivalling[j]
                and j != index
                and j not in used
                and other_state != state_id
                and same_period(cluster.date, cluster.precision, other.date, other.precision)
            ]
            if rivalling[index]
            else []
        )
        if not rivals:
            result.append(_Change(state_id, cluster.facts))
            continue
        group = [(index, state_id, cluster), *rivals]
        # Analyst first, then most publishers, then the more cautious (earlier) state.
        group.sort(key=lambda g: (not g[2].analyst, -publishers_of(g[2].facts), order[g[1]]))
        _, best_state, best = group[0]
        conflicts = tuple(
            Conflict(s, None, sources_of(c.facts), evidence_of(c.facts)) for _, s, c in group[1:]
        )
        used.update(g[0] for g in group)
        result.append(_Change(best_state, best.facts, conflicts))
    return _without_passing_states(result, states, order)


def _without_passing_states(
    changes: list[_Change], states: dict[str, StateLike], order: dict[str, int]
) -> list[_Change]:
    """A state that is not settled, only expected or promised in the same period as a further
    state is reached, was passed through ("a relief measure is loosening restrictions" the day a
    licence eases them; "expects to resume operations" the day it reopens): one change, to the
    further state. Expected the day of a reversal ("closed today; it expects to resume normal
    operations quickly"), it tells that the reversal is meant to be temporary: no change either.
    An offer told as made stays an entry when its reporting looks past the step taken that period
    ("the U.S. offered relief ... Belavia would again be able to service its fleet, with further
    steps depending on progress"); told only as made ("is offering Syria limited sanctions
    relief", the day the licences are issued), it is that step.

    A state passed through is listed with the change it led to (or the reversal it qualifies), so
    that each of its mentions can say where it went."""
    kept: list[int] = []
    passed: dict[int, list[str]] = {}
    clusters = [Cluster(list(change.facts)) for change in changes]
    for index, change in enumerate(changes):
        here = clusters[index]
        if states[change.state].settled or not _passes(change.facts):
            kept.append(index)
            continue
        further = next(
            (
                later
                for later in range(index + 1, len(changes))
                if order[changes[later].state] > order[change.state]
                and same_period(here.date, here.precision, clusters[later].date, clusters[later].precision)
            ),
            None,
        )
        if further is None and kept:
            before = kept[-1]
            if _announced_with_reversal(
                here, changes[before].state, clusters[before], order[change.state], order
            ):
                further = before
        if further is None:
            kept.append(index)
        else:
            passed.setdefault(further, []).extend(f.fact_id for f in change.facts)
    return [changes[i]._replace(passed=tuple(passed.get(i, ()))) for i in kept]


def _passes(facts: list[Fact]) -> bool:
    """Could these facts of a state that is not settled be a step reported on the way to a
    further one: none an analyst's, and none that is only promised or expected unless none speaks
    of what is still to come (the future, a condition)?"""
    if any(f.analyst for f in facts):
        return False
    if not any(f.modality == "asserted" for f in facts):
        return True
    return not any(f.tense == "future" or f.modality == "conditional" for f in facts)


def _announced_with_reversal(
    here: Cluster, state_id: str, there: Cluster, rank: int, order: dict[str, int]
) -> bool:
    """Is `here` in the same period as the change just before it (to `state_id`, reported by
    `there`), a reversal to an earlier state?"""
    return (
        order[state_id] < rank
        and _reverses(there)
        and same_period(here.date, here.precision, there.date, there.precision)
    )


def _reverses(cluster: Cluster) -> bool:
    """A return to an earlier state ("closed again for the day") is a change of its own, never a
    rival account of a change reported the same day (it may be undone that evening)."""
    return any(f.reversal for f in cluster.facts)


def _state_entry(
    subject: SubjectLike,
    state: str,
    kind: Literal["change", "reaffirmed"],
    facts: list[Fact],
    conflicts: tuple[Conflict, ...],
    state_label: str | None,
    retellings: dict[str, list[Fact]],
) -> Entry:
    cluster = Cluster(list(facts))
    retold = [r for f in facts for r in retellings.get(f.fact_id, ())]
    return Entry(
        date=cluster.date,
        date_precision=cluster.precision,
        subject=subject.id,
        kind=kind,
        state=state,
        count=None,
        summary=f"{subject.title}: {state_label or state}",
        sources=sources_of(news_only(facts, retold), retrospective=retold),
        evidence=evidence_of(facts),
        conflicts=conflicts,
        quote=quote_of(facts),
        analyst=cluster.analyst,
        facts=tuple(f.fact_id for f in facts),
    )
