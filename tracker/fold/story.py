"""The story fold: facts (extracted claims and analysts' assertions) → each subject's state and a
dated timeline of real-world changes, and the decision taken about each fact. Pure: no I/O, no clock.

How reports become changes:
- Each fact is first judged news, a retelling of an earlier event, background or ignored
  (identity.py); only news (and a dated retelling that is the first report of its event) defines
  entries, and retellings are listed among the sources of the entry they retell.
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
  source and never adds to the tally (tally.py).
- Retracted facts stop counting and are listed as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Literal

from tracker.fold.cluster import Cluster, happened_by, same_period
from tracker.fold.identity import Judgement, judge_mentions
from tracker.fold.model import (
    DEFINITION,
    Conflict,
    Entry,
    Evidence,
    Fact,
    Mention,
    RetractedFact,
    Retraction,
    Source,
    StateLike,
    Story,
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
from tracker.fold.tally import fold_tally

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
    mentions: list[Mention] = []
    for subject in subjects:
        if only is not None and subject.id not in only:
            continue
        subject_facts = by_subject.get(subject.id, [])
        judged = _judge(subject, subject_facts)
        counting = [f for f in subject_facts if judged[f.fact_id].counts]
        retellings: dict[str, list[Fact]] = {}
        for fact in subject_facts:
            judgement = judged[fact.fact_id]
            if judgement.decision == "retelling" and judgement.target:
                # A dated retelling that founds its entry is listed as a retelling of it too.
                retellings.setdefault(judgement.target, []).append(fact)
        if subject.kind == "tally":
            founders = {f: j.target for f, j in judged.items() if j.counts and j.target}
            view, entries = fold_tally(subject, counting, retellings, founders)
        else:
            founders = {f: j.target for f, j in judged.items() if j.counts and j.target}
            view, entries = _fold_state(subject, counting, retellings, founders, as_of)
        entries = _with_ids(entries)
        views.append(view)
        timeline.extend(entries)
        mentions.extend(_mentions(subject_facts, judged, entries))
    rank = {s.id: i for i, s in enumerate(subjects)}
    timeline.sort(key=lambda e: (e.date, rank.get(e.subject, 0), e.kind != "initial"))
    retracted_facts.sort(key=lambda r: (r.subject, r.fact_id))
    mentions.sort(key=lambda m: (rank.get(m.subject, 0), m.published or "", m.url or "", m.fact_id))
    return Story(tuple(views), tuple(timeline), tuple(retracted_facts), tuple(mentions))


def _judge(subject: SubjectLike, facts: list[Fact]) -> dict[str, Judgement]:
    if subject.kind == "tally":
        return judge_mentions(
            (f for f in facts if f.count is not None), may_found=_releases, key=lambda f: f.count, tally=True
        ) | {f.fact_id: Judgement("ignored", "no count") for f in facts if f.count is None}
    states = {state.id: state for state in subject.states}

    def acceptable(fact: Fact) -> bool:
        if fact.state not in states:
            return False
        if fact.analyst:
            return True
        if states[fact.state].settled and fact.modality != "asserted":
            return False  # a settled state needs an asserted statement, whatever the extractor said
        return fact.moves

    return judge_mentions(
        facts,
        may_found=acceptable,
        key=lambda f: f.state,
        tally=False,
        characterisation=subject.transitions == "latest",
    )


def _releases(fact: Fact) -> bool:
    return fact.count is not None and (fact.analyst or (fact.moves and fact.modality == "asserted"))


def _with_ids(entries: list[Entry]) -> list[Entry]:
    seen: set[str] = set()
    result = []
    for entry in entries:
        what = "initial" if entry.kind == "initial" else entry.state or str(entry.count)
        base = f"{entry.subject}:{entry.date.isoformat()}:{what}"
        entry_id, n = base, 1
        while entry_id in seen:
            n += 1
            entry_id = f"{base}:{n}"
        seen.add(entry_id)
        result.append(replace(entry, id=entry_id))
    return result


def _mentions(facts: list[Fact], judged: dict[str, Judgement], entries: list[Entry]) -> list[Mention]:
    entry_of = {fact_id: entry.id for entry in entries for fact_id in entry.facts}
    outvoted = {item.fact_id: entry.id for entry in entries for c in entry.conflicts for item in c.evidence}
    result = []
    for fact in facts:
        judgement = judged[fact.fact_id]
        decision, reason = judgement.decision, judgement.reason
        entry = entry_of.get(fact.fact_id if judgement.counts else judgement.target or "")
        if entry is None and fact.fact_id in outvoted:
            entry = outvoted[fact.fact_id]
            reason += "; a disagreeing account of the entry, shown as a conflict"
        elif decision in ("news", "retelling") and entry is None:
            decision = "background" if decision == "retelling" else decision
            reason += "; no change: it confirms the state then current, or cannot move it"
        result.append(
            Mention(
                fact.fact_id, fact.subject, fact.url, fact.published, fact.sentence, decision, reason, entry
            )
        )
    return result


def _fold_state(
    subject: SubjectLike,
    facts: list[Fact],
    retellings: dict[str, list[Fact]],
    founders: dict[str, str],
    as_of: date | None,
) -> tuple[SubjectView, list[Entry]]:
    order = {state.id: index for index, state in enumerate(subject.states)}
    states = {state.id: state for state in subject.states}

    def label(state_id: str | None) -> str | None:
        return states[state_id].label if state_id in states else state_id

    candidates = facts  # judged able to move the subject, and not retellings
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
    for state, facts_for, conflicts in _state_changes(candidates, founders, states, order):
        if state == current:
            confirmations.extend(facts_for)
            later_conflicts.extend(conflicts)
            when = Cluster(list(facts_for))
            if (
                states[state].settled
                and current_entry is not None
                and not same_period(
                    current_entry.date, current_entry.date_precision, when.date, when.precision
                )
            ):
                entries.append(
                    _state_entry(subject, state, "reaffirmed", facts_for, conflicts, label(state), retellings)
                )
            continue
        forward = current is None or order[state] > order.get(current, -1)
        reversal = any(f.reversal or f.analyst for f in facts_for)
        if not (forward or reversal or subject.transitions == "latest"):
            continue  # an older state without an asserted reversal: not a change
        current = state
        current_entry = _state_entry(subject, state, "change", facts_for, conflicts, label(state), retellings)
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
        evidence=dedupe_evidence(current_entry.evidence + evidence_of(confirmations)),
        sources=dedupe_sources(current_entry.sources + sources_of(confirmations)),
        conflicts=current_entry.conflicts + tuple(later_conflicts),
        quote=current_entry.quote,
        analyst=current_entry.analyst,
    )
    return view, entries


def _state_changes(
    candidates: list[Fact], founders: dict[str, str], states: dict[str, StateLike], order: dict[str, int]
) -> list[tuple[str, list[Fact], tuple[Conflict, ...]]]:
    """Cluster per state, then settle disagreements between settled states reported together."""
    clusters: list[tuple[str, Cluster]] = []
    for state_id in sorted({f.state for f in candidates if f.state}, key=lambda s: order[s]):
        groups: dict[str, list[Fact]] = {}
        for fact in candidates:
            if fact.state == state_id:
                groups.setdefault(founders.get(fact.fact_id, fact.fact_id), []).append(fact)
        clusters.extend((state_id, Cluster(group)) for group in groups.values())
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
            and not _reverses(cluster)
            and not _reverses(other)
            and same_period(cluster.date, cluster.precision, other.date, other.precision)
        ]
        if not rivals:
            result.append((state_id, cluster.facts, ()))
            continue
        group = [(index, state_id, cluster), *rivals]
        # Analyst first, then most publishers, then the more cautious (earlier) state.
        group.sort(key=lambda g: (not g[2].analyst, -publishers_of(g[2].facts), order[g[1]]))
        _, best_state, best = group[0]
        conflicts = tuple(
            Conflict(s, None, sources_of(c.facts), evidence_of(c.facts)) for _, s, c in group[1:]
        )
        used.update(g[0] for g in group)
        result.append((best_state, best.facts, conflicts))
    return _without_passing_states(result, states, order)


def _without_passing_states(
    changes: list[tuple[str, list[Fact], tuple[Conflict, ...]]],
    states: dict[str, StateLike],
    order: dict[str, int],
) -> list[tuple[str, list[Fact], tuple[Conflict, ...]]]:
    """A state that is not settled, only expected or promised in the same period as a further
    state is reached, was passed through ("a relief measure is loosening restrictions" the day a
    licence eases them; "expects to resume operations" the day it reopens): one change, to the
    further state. A step asserted on its own ("the U.S. offered relief") stays an entry."""
    kept = []
    for index, (state_id, facts, conflicts) in enumerate(changes):
        here = Cluster(list(facts))
        expected_only = not any(f.modality == "asserted" or f.analyst for f in facts)
        passed = (
            expected_only
            and not states[state_id].settled
            and any(
                order[later] > order[state_id]
                and same_period(here.date, here.precision, there.date, there.precision)
                for later, later_facts, _ in changes[index + 1 :]
                for there in (Cluster(list(later_facts)),)
            )
        )
        if not passed:
            kept.append((state_id, facts, conflicts))
    return kept


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
