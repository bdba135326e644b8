"""The report's story, read from the story projection's tables or folded from the projected facts,
against the definition: every article version known then extracted afresh, every analyst's event
read from the log, folded. On the demo coverage (revisions, conflicts) with an analyst's assertion
and retractions, at several --known-at and --as-of points."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.clock import StepClock
from tests.helpers.demo import unpaused_demo_config
from tracker import app
from tracker.bootstrap import Tracker, open_tracker
from tracker.config import Config
from tracker.demo.server import DemoServer
from tracker.events import FactAsserted, FactRetracted
from tracker.fold import Fact, Retraction, Story, fold_story
from tracker.projections import checkpoints
from tracker.projections.article_facts import facts_from_article
from tracker.projections.story import assertion_fact
from tracker.report import build_report
from tracker.report.data import story_at
from tracker.storage.store import Store


def defined_story(store: Store, config: Config, until: int, as_of: date | None = None) -> Story:
    """The story as the report defines it, from the log alone."""
    latest: dict[str, list[Fact]] = {}
    asserted: list[Fact] = []
    retractions: dict[str, Retraction] = {}
    for recorded in store.read(until=until):
        event = recorded.event
        if recorded.type in ("ArticleObserved", "ArticleRevised"):
            latest[recorded.stream] = facts_from_article(recorded, config.subjects, config.publishers)
        elif isinstance(event, FactAsserted):
            asserted.append(assertion_fact(recorded, event))
        elif isinstance(event, FactRetracted):
            retractions.setdefault(event.fact_id, Retraction(event.fact_id, event.reason))
    facts = [fact for facts in latest.values() for fact in facts] + asserted
    return fold_story(config.subjects, facts, retractions.values(), as_of=as_of)


def plain(story: Story) -> dict[str, Any]:
    """Everything the report shows of a story (an entry's fact ids are the fold's bookkeeping)."""
    return {
        "subjects": [asdict(view) for view in story.subjects],
        # An entry read back carries its corroboration as stored; a folded one counts it.
        "timeline": [
            {k: v for k, v in asdict(e).items() if k not in ("facts", "stored_publishers")}
            | {"publishers": e.publishers}
            for e in story.timeline
        ],
        "retracted": [r._asdict() for r in story.retracted],
        "mentions": [m._asdict() for m in story.mentions],
    }


@pytest.fixture(scope="module")
def moments(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Tracker, list[int]]]:
    """The demo's two fetches, an analyst's assertion and two retractions, each caught up; with
    the head after each step."""
    clock = StepClock()
    path = Path(tmp_path_factory.mktemp("demo")) / "events.db"
    heads: list[int] = []
    with (
        DemoServer() as server,
        open_tracker(unpaused_demo_config(server), path, create=True, clock=clock) as tracker,
    ):
        asyncio.run(app.fetch_feeds(tracker))
        heads.append(tracker.store.head()[0])
        clock.now += timedelta(days=1)
        server.publish_wire_update()
        asyncio.run(app.fetch_feeds(tracker))
        heads.append(tracker.store.head()[0])
        asserted = app.assert_fact(
            tracker,
            subject_id="belavia-sanctions",
            value="lifted",
            day=date(2025, 10, 1),
            precision="day",
            source="https://analyst.invalid/note",
            note=None,
            analyst="ana",
        )
        heads.append(tracker.store.head()[0])
        # The latest-dated fact: a report as of an earlier day still lists it as retracted.
        latest = tracker.store.conn.execute("SELECT fact_id FROM facts ORDER BY event_date DESC").fetchone()
        for fact_id in (latest[0], asserted):
            clock.now += timedelta(hours=1)
            app.retract_fact(tracker, fact_id=fact_id, reason="wrong", analyst="ana")
            heads.append(tracker.store.head()[0])
        yield tracker, heads


def test_the_projected_story_is_the_defined_one(moments: tuple[Tracker, list[int]]) -> None:
    tracker, heads = moments
    store, config = tracker.store, tracker.config
    assert {name: at for name, (_, at) in checkpoints.load(store.db).items()}["story"] == heads[-1]
    with store.snapshot():
        story = story_at(store, config, heads[-1])[0]  # from the tables
        assert plain(story) == plain(defined_story(store, config, heads[-1]))
    assert story.retracted and story.mentions and any(v.conflicts for v in story.subjects)
    assert any(m.url == "https://analyst.invalid/note" for m in story.retracted)
    assert len(story.retracted) == 2


@pytest.mark.parametrize("as_of", [None, date(2025, 6, 30), date(2025, 9, 11), date(2025, 10, 1)])
def test_the_story_known_at_each_step_and_as_of_each_day_is_the_defined_one(
    moments: tuple[Tracker, list[int]], as_of: date | None
) -> None:
    tracker, heads = moments
    store, config = tracker.store, tracker.config
    with store.snapshot():
        for until in [1, *heads]:
            expected = plain(defined_story(store, config, until, as_of))
            assert plain(story_at(store, config, until, as_of=as_of)[0]) == expected, (until, as_of)


def test_a_report_narrowed_to_subjects_reads_the_same_from_tables_and_fold(
    moments: tuple[Tracker, list[int]],
) -> None:
    tracker, heads = moments
    only = ["belavia-sanctions"]
    projected = build_report(tracker.store, tracker.config, subjects=only, details=True)
    folded = build_report(tracker.store, tracker.config, subjects=only, as_of=date(2999, 1, 1), details=True)
    for key in ("subjects", "timeline", "retracted", "mentions", "coverage", "articles"):
        assert projected[key] == folded[key], key
    assert projected["coverage"] and projected["head"]["position"] == heads[-1]
