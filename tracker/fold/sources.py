"""An entry's sources and evidence, built from its facts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tracker.fold.fact import Fact
from tracker.fold.model import Evidence, Source


def sources_of(facts: Iterable[Fact], *, retrospective: Iterable[Fact] = ()) -> tuple[Source, ...]:
    seen: dict[str, Source] = {}
    for fact, is_retro in [*((f, False) for f in facts), *((f, True) for f in retrospective)]:
        key = fact.url or f"{fact.feed_id}:{fact.fact_id}"
        if key in seen and (is_retro or not seen[key].retrospective):
            continue
        seen[key] = Source(fact.url, fact.title, fact.feed_id, fact.published, fact.publisher, is_retro)
    return tuple(sorted(seen.values(), key=lambda s: (s.retrospective, s.published or "", s.url or "")))


def evidence_of(facts: Iterable[Fact]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str | None], Evidence] = {}
    for fact in sorted(facts, key=lambda f: (not f.analyst, f.published or "", f.url or "", f.sentence)):
        seen.setdefault(
            (fact.sentence, fact.url),
            Evidence(fact.sentence, fact.url, fact.modality, fact.analyst, fact.fact_id),
        )
    return tuple(seen.values())


def publishers_of(facts: Iterable[Fact]) -> int:
    return len({f.publisher for f in facts})


def quote_of(facts: Sequence[Fact]) -> str | None:
    for fact in sorted(facts, key=lambda f: (f.published or "", f.url or "")):
        if fact.quote:
            return fact.quote
    return None


def dedupe_sources(sources: Iterable[Source]) -> tuple[Source, ...]:
    seen: dict[str | None, Source] = {}
    for source in sources:
        key = source.url or f"{source.feed}:{source.title}"
        if key not in seen or (seen[key].retrospective and not source.retrospective):
            seen[key] = source
    return tuple(sorted(seen.values(), key=lambda s: (s.retrospective, s.published or "", s.url or "")))


def dedupe_evidence(evidence: Iterable[Evidence]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str | None], Evidence] = {}
    for item in evidence:
        seen.setdefault((item.sentence, item.url), item)
    return tuple(seen.values())


def news_only(facts: list[Fact], retold: list[Fact]) -> list[Fact]:
    """The facts of an entry that report it as news (a dated retelling may found an entry)."""
    retelling = {f.fact_id for f in retold}
    return [f for f in facts if f.fact_id not in retelling]
