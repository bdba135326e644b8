"""A tally's entries: one per release, however many outlets and retellings; disagreeing counts
of one release are settled by publishers and kept as conflicts."""

from __future__ import annotations

import re

from tracker.fold.cluster import Cluster
from tracker.fold.fact import Fact
from tracker.fold.identity import names_only
from tracker.fold.model import Conflict, Entry, SubjectLike, SubjectView
from tracker.fold.sources import dedupe_sources, evidence_of, news_only, publishers_of, sources_of


def fold_tally(
    subject: SubjectLike,
    facts: list[Fact],
    retellings: dict[str, list[Fact]],
    founders: dict[str, str],
) -> tuple[SubjectView, list[Entry]]:
    """One entry per release: the facts judged news of one event (`founders` maps each fact to
    the fact that founded its event), with the retellings of it as sources."""
    groups: dict[str, list[Fact]] = {}
    for fact in facts:
        groups.setdefault(founders.get(fact.fact_id, fact.fact_id), []).append(fact)
    clusters = sorted(
        (Cluster(group) for group in groups.values()), key=lambda c: (c.date, c.precision != "day")
    )
    entries: list[Entry] = []
    for cluster in clusters:
        count, conflicts = _settle_count(cluster.facts)
        joined = [r for f in cluster.facts for r in retellings.get(f.fact_id, ())]
        news = news_only(cluster.facts, joined)
        entries.append(
            Entry(
                date=cluster.date,
                date_precision=cluster.precision,
                subject=subject.id,
                kind="release",
                state=None,
                count=count,
                summary=_release_summary(count, cluster.facts),
                sources=sources_of(news, retrospective=joined),
                evidence=evidence_of(cluster.facts),
                conflicts=conflicts,
                analyst=cluster.analyst,
                facts=tuple(f.fact_id for f in cluster.facts),
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
        sources=dedupe_sources([s for e in entries for s in e.sources]),
        conflicts=tuple(c for e in entries for c in e.conflicts),
        quote=None,
        analyst=any(e.analyst for e in entries),
    )
    return view, entries


# Words that tell a count as the size of an exchange ("a swap freeing 24 prisoners").
_EXCHANGE = re.compile(
    r"\b(?:swap|swaps|swapped|exchange|exchanges|exchanged|prisoner trade)\b", re.IGNORECASE
)


def _settle_count(facts: list[Fact]) -> tuple[int, tuple[Conflict, ...]]:
    analyst = [f for f in facts if f.analyst]
    counted = [f for f in facts if not names_only(f)]
    exact = [f for f in counted if f.figure == "exact"]
    # The figures of the day's news first; a recap's (which may count only some) when none.
    news = [f for f in exact if f.modality == "asserted"]
    pool = analyst or news or exact or counted or facts
    by_count: dict[int, list[Fact]] = {}
    for fact in pool:
        by_count.setdefault(fact.count or 0, []).append(fact)
    # Most publishers; on a tie the smaller (more cautious) figure.
    best = min(by_count, key=lambda n: (-publishers_of(by_count[n]), n))
    smallest = min(by_count)
    if not analyst and all(
        _EXCHANGE.search(f.sentence) for n, fs in by_count.items() if n > smallest for f in fs
    ):
        # An exchange frees people on both sides; the larger figures told as its size count both,
        # and the tally counts one side: what the tracked government released.
        best = smallest
    rivals: dict[int, list[Fact]] = {}
    for fact in facts:
        if fact.count != best and not (names_only(fact) and fact.count is not None and fact.count < best):
            rivals.setdefault(fact.count or 0, []).append(fact)
    conflicts = tuple(Conflict(None, n, sources_of(fs), evidence_of(fs)) for n, fs in sorted(rivals.items()))
    return best, conflicts


def _release_summary(count: int, facts: list[Fact]) -> str:
    found = {name for f in facts for name in f.names}
    # "Tsikhanouski" beside "Siarhei Tsikhanouski" is the same person.
    names = sorted(n for n in found if not any(o != n and o.endswith(" " + n) for o in found))
    text = f"{count} {'person' if count == 1 else 'people'} released"
    if names:
        text += ", including " + ", ".join(names[:4])
    return text
