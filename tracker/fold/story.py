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

from tracker.fold.cluster import happened_by
from tracker.fold.fact import Fact, Retraction
from tracker.fold.identity import Judgement, judge_mentions
from tracker.fold.model import (
    Entry,
    Mention,
    RetractedFact,
    Story,
    SubjectLike,
    SubjectView,
)
from tracker.fold.state import fold_state
from tracker.fold.tally import fold_tally

# --- folding --------------------------------------------------------------------------------------


def fold_story(
    subjects: Sequence[SubjectLike],
    facts: Iterable[Fact],
    retractions: Iterable[Retraction] = (),
    *,
    as_of: date | None = None,
    only: Sequence[str] | None = None,
    mentions: bool = True,
) -> Story:
    """Fold facts into subject views and a timeline, as things stood by the end of `as_of`; with
    `mentions`, the decision about each fact too (one per fact: a summary leaves them out)."""
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
    decisions: list[Mention] = []
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
            view, entries = fold_state(subject, counting, retellings, founders, as_of)
        entries = _with_ids(entries)
        views.append(view)
        timeline.extend(entries)
        if mentions:
            decisions.extend(_mentions(subject_facts, judged, entries))
    rank = {s.id: i for i, s in enumerate(subjects)}
    timeline.sort(key=lambda e: (e.date, rank.get(e.subject, 0), e.kind != "initial"))
    retracted_facts.sort(key=lambda r: (r.subject, r.fact_id))
    decisions.sort(key=lambda m: (rank.get(m.subject, 0), m.published or "", m.url or "", m.fact_id))
    return Story(tuple(views), tuple(timeline), tuple(retracted_facts), tuple(decisions))


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
        settles=lambda f: f.state in states and states[f.state].settled,
    )


def _releases(fact: Fact) -> bool:
    """A release may be founded on an asserted exact count; on an asserted floor ("at least three
    were freed"), the least it can have been, so it never adds more than the release did (an exact
    count of the same release settles it, tally.py); and on a recap's exact count dated to its
    day ("on 21 June, 14 were freed"), which names the event as precisely as its news would."""
    if fact.count is None or fact.analyst:
        return fact.count is not None
    if fact.modality == "asserted":
        return fact.moves or (fact.figure == "at-least" and fact.date_basis != "unknown")
    dated_recap = fact.date_basis == "sentence" and fact.date_precision == "day"
    return fact.modality == "retrospective" and fact.figure == "exact" and dated_recap


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
    passed_to = {fact_id: entry for entry in entries for fact_id in entry.passed}
    outvoted = {item.fact_id: entry.id for entry in entries for c in entry.conflicts for item in c.evidence}
    result = []
    for fact in facts:
        judgement = judged[fact.fact_id]
        decision, reason = judgement.decision, judgement.reason
        entry = entry_of.get(fact.fact_id if judgement.counts else judgement.target or "")
        if entry is None and fact.fact_id in outvoted:
            entry = outvoted[fact.fact_id]
            reason += "; a disagreeing account of the entry, shown as a conflict"
        elif entry is None and fact.fact_id in passed_to:
            further = passed_to[fact.fact_id]
            entry = further.id
            reason += f"; no change of its own: a step to {further.state} reported in the same period"
        elif decision in ("news", "retelling") and entry is None:
            decision = "background" if decision == "retelling" else decision
            reason += "; no change: it confirms the state then current, or cannot move it"
        result.append(
            Mention(
                fact.fact_id, fact.subject, fact.url, fact.published, fact.sentence, decision, reason, entry
            )
        )
    return result
