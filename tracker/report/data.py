"""The report as plain data (the JSON contract), from one consistent read of the store.

The report describes the story, not the polling: the same log gives the same report, in a
stable order; only `generated_at` differs between runs. `--known-at` folds only what had been
recorded by then; `--as-of` folds everything known now whose event happened by the end of
that day. Both use `tracker.fold.fold_story`, the function behind the `subject_state` and
`timeline` tables.

A report is a summary unless `details` is asked for: each timeline entry, subject and conflict
lists every source (a timeline entry's `sources` are all of them: that is the JSON contract) but
only its first `SHOWN_EVIDENCE` evidence sentences, with `sources_total` and `evidence_total`
counting them all, and the per-fact `mentions` are left out (`fact_decisions` holds them in SQL;
each listed source carries its own `decision`). With `details` every sentence and mention is
listed too. The fold is the same either way.

Where the story projection stands at the position asked for (the everyday report), the story is
read from its tables, already folded. Elsewhere facts come from the `facts` projection where it
is current, and analysts' assertions and retractions from the story projection's tables; what
the projections have not caught up with (a daemon lagging, or subject rules edited since the
last fetch) is read from the log and extracted here in memory, so a read-only report is never
stale.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from tracker.clock import Clock, format_utc, system_clock
from tracker.config import Config
from tracker.cycles import cycles_uncollected
from tracker.fold import DEFINITION, Entry, Mention, Source, Story, SubjectView
from tracker.projections import checkpoints
from tracker.projections.article_facts import facts_from_article
from tracker.projections.facts import FactsProjection, article_reading, facts_known_at
from tracker.projections.runner import Projection
from tracker.projections.story import StoryProjection, analysts_known_at
from tracker.projections.story_read import read_story, streams_about
from tracker.report.coverage import COVERAGE_PER_FEED, coverage
from tracker.storage.log_queries import head_at, position_recorded_by
from tracker.storage.store import Store

if TYPE_CHECKING:
    from tracker.fold import Fact, Retraction


@cycles_uncollected
def build_report(
    store: Store,
    config: Config,
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    subjects: Sequence[str] | None = None,
    details: bool = False,
    latest: int | None = None,
    clock: Clock = system_clock,
) -> dict[str, Any]:
    """The report (see the module's docstring); `latest`: the newest articles listed per feed
    (`COVERAGE_PER_FEED` when None)."""
    latest = COVERAGE_PER_FEED if latest is None else latest
    for subject_id in subjects or ():
        config.subject(subject_id)  # an unknown id is a ConfigError naming the known ones
    with store.snapshot():
        until = _position_known_at(store, known_at)
        head = head_at(store, until)  # whoever keeps it can check the log later extends it
        story, streams = story_at(store, config, until, as_of=as_of, subjects=subjects, mentions=details)
        listed, articles = coverage(store, config, until=until, as_of=as_of, streams=streams, latest=latest)
    shown = None if details else SHOWN_EVIDENCE
    report: dict[str, Any] = {
        "generated_at": format_utc(clock()),
        "as_of": as_of.isoformat() if as_of else None,
        "known_at": format_utc(known_at) if known_at else None,
        "head": head,
        "detail": "full" if details else "summary",
        "subjects": [_subject_json(view, shown) for view in story.subjects],
        "timeline": [entry_json(entry, shown) for entry in story.timeline],
        "retracted": [r._asdict() for r in story.retracted if subjects is None or r.subject in subjects],
    }
    if details:
        report["mentions"] = [_mention_json(m) for m in story.mentions]
    report["coverage"] = listed
    report["articles"] = articles  # every article known, whatever the filters: 0 means nothing fetched yet
    return report


_ARTICLE_TYPES = ("ArticleObserved", "ArticleRevised", "ArticleTextFetched")


def story_at(
    store: Store,
    config: Config,
    until: int,
    *,
    as_of: date | None = None,
    subjects: Sequence[str] | None = None,
    mentions: bool = True,
) -> tuple[Story, set[str] | None]:
    """The story as known at position `until` (call inside a snapshot), and the articles with facts
    about `subjects` (None when not narrowed). Where the story projection stands exactly at `until`
    its tables hold that fold already; elsewhere the facts known then are folded here. Either way
    its `mentions` (one per fact) are made only when asked for."""
    story_projection = StoryProjection(config.subjects, config.publishers)
    folded = checkpoints.finished_position(store, story_projection.name, story_projection.fingerprint())
    # Events the projection went on without are in the report's fold, not in the tables.
    complete = not any(name == story_projection.name for name, *_ in checkpoints.skipped_events(store))
    if as_of is None and complete and folded == until == _checkpoint(store, FactsProjection(config.subjects)):
        ids = [s.id for s in config.subjects if subjects is None or s.id in subjects]
        streams = None if subjects is None else streams_about(store, subjects, until)
        return read_story(store, ids, until, mentions=mentions), streams
    # Narrowed to subjects, the articles about them are found among all the facts, whatever their date.
    from tracker.fold import fold_story  # here: a report read from the tables never folds

    facts, retractions = story_inputs(store, config, until, dated_by=as_of if subjects is None else None)
    streams = None if subjects is None else {f.stream for f in facts if f.subject in subjects}
    story = fold_story(config.subjects, facts, retractions, as_of=as_of, only=subjects, mentions=mentions)
    return story, streams


def story_inputs(
    store: Store, config: Config, until: int, *, dated_by: date | None = None
) -> tuple[list[Fact], list[Retraction]]:
    """Facts and retractions as known at position `until`. With `dated_by`, the projected facts
    dated later are left out unless retracted: a fold as of that day skips them, and lists only
    the retracted ones."""
    facts_projection = FactsProjection(config.subjects)
    checkpoint = min(_checkpoint(store, facts_projection), until)
    story_projection = StoryProjection(config.subjects, config.publishers)
    asserted, retractions = analysts_known_at(store, _checkpoint(store, story_projection), until)
    publishers = config.publishers
    by_article: dict[str, list[Fact]] = {}
    retracted = [r.fact_id for r in retractions]
    if checkpoint:  # else the table may not exist yet
        for fact in facts_known_at(store, publishers, checkpoint, dated_by=dated_by, keeping=retracted):
            by_article.setdefault(fact.stream, []).append(fact)
    # Article versions and pages the projection has not folded yet are extracted here, as it
    # would: a version (or a page of it) replaces the facts of the one before it. A current
    # projection leaves none, and the report then decodes no event (nor loads their models).
    behind = store.read(after=checkpoint, until=until, types=_ARTICLE_TYPES) if checkpoint < until else ()
    for recorded in behind:
        reading = article_reading(store, recorded)
        if reading is not None:
            article, page = reading
            by_article[article.stream] = facts_from_article(article, config.subjects, publishers, page)
    facts = [fact for article_facts in by_article.values() for fact in article_facts]
    return facts + asserted, retractions


def _checkpoint(store: Store, projection: Projection) -> int:
    return checkpoints.current_position(store, projection.name, projection.fingerprint())


def _position_known_at(store: Store, known_at: datetime | None) -> int:
    """The last position recorded at or before `known_at` (the head when None)."""
    if known_at is None:
        return store.head()[0]
    return position_recorded_by(store, format_utc(known_at))


# --- JSON shapes ----------------------------------------------------------------------------------

SHOWN_EVIDENCE = 3  # a summary's evidence sentences per timeline entry, subject or conflict (None: all)


def source_json(source: Source, decided: bool = False) -> dict[str, Any]:
    """A source as listed; `decided` (a timeline entry's) adds what the fold made of it: its news, or
    a retelling. Unpacked at once: a report lists tens of thousands."""
    url, title, feed, published, publisher, retrospective = source
    data: dict[str, Any] = {
        "url": url,
        "title": title,
        "feed": feed,
        "published": published[:10] if published else None,
        "publisher": publisher,
    }
    if retrospective:
        data["retrospective"] = True
    if decided and feed != DEFINITION:
        data["decision"] = "retelling" if retrospective else "news"
    return data


def _mention_json(mention: Mention) -> dict[str, Any]:
    return {
        "fact_id": mention.fact_id,
        "subject": mention.subject,
        "url": mention.url,
        "published": mention.published[:10] if mention.published else None,
        "decision": mention.decision,
        "entry": mention.entry,
        "reason": mention.reason,
        "sentence": mention.sentence,
    }


def evidence_json(items: Sequence[Any], limit: int | None = None) -> list[dict[str, Any]]:
    result = []
    for item in items[:limit]:
        data: dict[str, Any] = {"sentence": item.sentence, "url": item.url, "modality": item.modality}
        if item.fact_id:
            data["fact_id"] = item.fact_id
        if item.analyst:
            data["analyst"] = True
        result.append(data)
    return result


def conflicts_json(conflicts: Sequence[Any], shown: int | None = None) -> list[dict[str, Any]]:
    result = []
    for conflict in conflicts:
        data: dict[str, Any] = {"state": conflict.state} if conflict.state else {"count": conflict.count}
        data |= _sourced_json(conflict, shown)
        result.append(data)
    return result


def _sourced_json(item: Any, shown: int | None, decided: bool = False) -> dict[str, Any]:
    """An item's sources (every one: scripts count on them; `decided`: see `source_json`) and its
    first `shown` evidence sentences, each with how many there are in all."""
    return {
        "sources": [source_json(s, decided) for s in item.sources],
        "sources_total": len(item.sources),
        "evidence": evidence_json(item.evidence, shown),
        "evidence_total": len(item.evidence),
    }


def _subject_json(view: SubjectView, shown: int | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": view.id, "title": view.title, "kind": view.kind}
    if view.kind == "tally":
        data["total"] = view.total
    else:
        data["state"] = view.state
        data["state_label"] = view.state_label
    data["since"] = view.since.isoformat() if view.since else None
    data["date_precision"] = view.date_precision
    if view.quote:
        data["quote"] = view.quote
    sourced = _sourced_json(view, shown)
    data["evidence"], data["evidence_total"] = sourced["evidence"], sourced["evidence_total"]
    data["sources"], data["sources_total"] = sourced["sources"], sourced["sources_total"]
    if view.conflicts:
        data["conflicts"] = conflicts_json(view.conflicts, shown)
    if view.analyst:
        data["analyst"] = True
    return data


def entry_json(entry: Entry, shown: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": entry.id,
        "date": entry.date.isoformat(),
        "date_precision": entry.date_precision,
        "subject": entry.subject,
        "kind": entry.kind,
    }
    if entry.count is not None:
        data["count"] = entry.count
    if entry.state is not None:
        data["state"] = entry.state
    data["summary"] = entry.summary
    if entry.quote:
        data["quote"] = entry.quote
    data["publishers"] = entry.publishers
    data |= _sourced_json(entry, shown, decided=True)
    if entry.conflicts:
        data["conflicts"] = conflicts_json(entry.conflicts, shown)
    if entry.analyst:
        data["analyst"] = True
    return data
