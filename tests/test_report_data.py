"""The report's data (the JSON contract) straight from a store: what it reads, as of when."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from tests.helpers.clock import StepClock
from tests.helpers.events import article, page_of, revision
from tracker import app
from tracker.bootstrap import Tracker
from tracker.errors import ConfigError
from tracker.events import Event
from tracker.report import build_report
from tracker.report.coverage import COVERAGE_PER_FEED
from tracker.report.data import SHOWN_EVIDENCE
from tracker.storage.store import Store

RELEASE = "Belarus freed 52 prisoners on Thursday, the U.S. envoy said."


def record(tracker: Tracker, *events: Event, catch_up: bool = True) -> None:
    with tracker.store.transaction():
        tracker.store.append(events)
        if catch_up:
            tracker.runner.catch_up(tracker.store)


def releases(report: dict[str, Any]) -> int:
    tally = next(s for s in report["subjects"] if s["id"] == "prisoner-releases")
    return int(tally["total"])


def test_coverage_lists_each_feeds_articles_newest_first_in_their_current_version(
    tracker_app: Tracker,
) -> None:
    older = article("a", "nothing yet", published=datetime(2025, 9, 10, 8, tzinfo=UTC))
    record(tracker_app, older, article("b"), article("c", feed="digest"))
    record(tracker_app, revision(older, "updated"))
    report = build_report(tracker_app.store, tracker_app.config)
    assert [(c["feed"], c["articles"]) for c in report["coverage"]] == [("digest", 1), ("wire", 2)]
    wire = report["coverage"][1]["latest"]
    assert [(a["url"], a["published"], a["revisions"]) for a in wire] == [
        ("https://wire.invalid/b", "2025-09-11", 1),
        ("https://wire.invalid/a", "2025-09-10", 2),
    ]


def coverages(tracker: Tracker, **options: Any) -> list[Any]:
    """The coverage of the report without, and with, a cut-off day, listing 10 articles a feed."""
    return [
        build_report(tracker.store, tracker.config, as_of=as_of, latest=10, **options)["coverage"]
        for as_of in (None, date(2025, 9, 10))
    ]


def test_coverage_is_the_same_from_the_log_the_projection_and_a_lagging_projection(
    tracker_app: Tracker, clock: StepClock
) -> None:
    # More articles than a feed lists, equal dates (ties go by URL, then log order) and an undated one.
    day = datetime(2025, 9, 10, 8, tzinfo=UTC)
    wire = [article(f"a{i % 7}-{i}", published=day + timedelta(hours=i % 3, days=i % 2)) for i in range(14)]
    undated = article("undated").model_copy(update={"published": None})
    record(tracker_app, *wire, undated, article("d", feed="digest"))
    first_pass = clock.now
    from_projection = coverages(tracker_app)
    clock.now += timedelta(hours=1)
    later = (revision(wire[3], "updated"), article("late", published=day), article("e", feed="extra"))
    record(tracker_app, *later, catch_up=False)
    lagging = coverages(tracker_app)
    app.catch_up(tracker_app)
    assert coverages(tracker_app) == lagging
    assert coverages(tracker_app, known_at=first_pass) == from_projection  # read from the log
    assert [c["articles"] for c in lagging[0]] == [1, 1, 16]
    assert len(lagging[0][2]["latest"]) == 10 and lagging[0][2]["latest"] != from_projection[0][1]["latest"]
    fewer = build_report(tracker_app.store, tracker_app.config)["coverage"][2]["latest"]
    assert fewer == lagging[0][2]["latest"][:COVERAGE_PER_FEED]  # the default lists the newest few


def test_coverage_as_of_a_day_counts_the_months_before_it_alike_from_the_projection_and_the_log(
    tracker_app: Tracker, clock: StepClock
) -> None:
    # Articles from June to September; a lagging revision moves one from July to September.
    months = [article(f"m{i}", published=datetime(2025, 6 + i % 4, 1 + i, 12, tzinfo=UTC)) for i in range(12)]
    record(tracker_app, *months, article("x", feed="digest", published=datetime(2025, 7, 31, 23, tzinfo=UTC)))
    days = (date(2025, 6, 30), date(2025, 7, 31), date(2025, 8, 15), date(2025, 9, 30))

    def counts(**options: Any) -> list[list[tuple[str, int, list[str]]]]:
        return [
            [
                (c["feed"], c["articles"], [a["url"] for a in c["latest"]])
                for c in build_report(tracker_app.store, tracker_app.config, as_of=day, **options)["coverage"]
            ]
            for day in days
        ]

    first_pass, projected = clock.now, counts()
    clock.now += timedelta(hours=1)
    moved = revision(months[1], "moved").model_copy(update={"published": datetime(2025, 9, 20, tzinfo=UTC)})
    record(tracker_app, moved, article("late", published=datetime(2025, 7, 2, tzinfo=UTC)), catch_up=False)
    lagging = counts()
    app.catch_up(tracker_app)
    assert counts() == lagging
    assert counts(known_at=first_pass) == projected  # read from the log
    assert [(feed, n) for feed, n, _ in lagging[1]] == [("digest", 1), ("wire", 6)]
    assert [(feed, n) for feed, n, _ in projected[1]] == [("digest", 1), ("wire", 6)]
    assert [n for _, n, _ in lagging[3]] == [1, 13]


def test_known_at_reads_only_what_had_been_recorded(tracker_app: Tracker, clock: StepClock) -> None:
    record(tracker_app, article("quiet", "Talks continue in Minsk."))
    first_pass = clock.now
    clock.now += timedelta(hours=1)
    record(tracker_app, article("release", RELEASE))

    then = build_report(tracker_app.store, tracker_app.config, known_at=first_pass)
    now = build_report(tracker_app.store, tracker_app.config)
    assert (releases(then), releases(now)) == (0, 52)
    assert [c["articles"] for c in then["coverage"]] == [1]
    before_anything = build_report(tracker_app.store, tracker_app.config, known_at=first_pass - timedelta(1))
    assert before_anything["coverage"] == [] and releases(before_anything) == 0


def test_a_report_beside_lagging_projections_is_not_stale(tracker_app: Tracker) -> None:
    record(tracker_app, article("release", RELEASE), catch_up=False)  # as a busy daemon leaves it
    lagging = build_report(tracker_app.store, tracker_app.config)
    app.catch_up(tracker_app)
    caught_up = build_report(tracker_app.store, tracker_app.config)
    assert releases(lagging) == 52
    assert {k: v for k, v in lagging.items() if k != "generated_at"} == {
        k: v for k, v in caught_up.items() if k != "generated_at"
    }


def test_a_report_beside_a_lagging_projection_reads_pages_too(tracker_app: Tracker) -> None:
    """An article page the facts projection has not folded yet counts in the report as it will
    once folded: the teaser alone says nothing; its page says 52 were freed."""
    teaser = article("teaser", "A short summary.")
    record(tracker_app, teaser)
    record(tracker_app, page_of(teaser, RELEASE), catch_up=False)
    lagging = build_report(tracker_app.store, tracker_app.config)
    app.catch_up(tracker_app)
    caught_up = build_report(tracker_app.store, tracker_app.config)
    assert releases(lagging) == 52
    assert lagging["timeline"][-1]["sources"][0]["url"] == "https://publisher.invalid/teaser"
    assert {k: v for k, v in lagging.items() if k != "generated_at"} == {
        k: v for k, v in caught_up.items() if k != "generated_at"
    }


def test_the_report_reads_a_store_opened_read_only(tracker_app: Tracker) -> None:
    record(tracker_app, article("release", RELEASE))
    with Store.open(tracker_app.store.path, readonly=True) as reader:
        assert releases(build_report(reader, tracker_app.config)) == 52


def test_an_unknown_subject_is_a_configuration_error(tracker_app: Tracker) -> None:
    with pytest.raises(ConfigError, match="no subject 'potash'"):
        build_report(tracker_app.store, tracker_app.config, subjects=["potash"])


def test_a_summary_lists_every_source_and_the_first_sentences_with_their_totals_and_details_list_all(
    tracker_app: Tracker,
) -> None:
    outlets = [f"outlet-{n:02}" for n in range(14)]
    record(tracker_app, *(article("release", RELEASE, feed=feed) for feed in outlets))
    summary = build_report(tracker_app.store, tracker_app.config)
    full = build_report(tracker_app.store, tracker_app.config, details=True)
    (entry,) = [e for e in summary["timeline"] if e["subject"] == "prisoner-releases"]
    (every,) = [e for e in full["timeline"] if e["subject"] == "prisoner-releases"]
    assert (summary["detail"], full["detail"]) == ("summary", "full")
    assert len(every["sources"]) == every["sources_total"] == entry["sources_total"] == len(outlets)
    assert entry["sources"] == every["sources"]  # the JSON contract: all of them
    assert len(every["evidence"]) == entry["evidence_total"] > len(entry["evidence"]) == SHOWN_EVIDENCE
    assert entry["evidence"] == every["evidence"][:SHOWN_EVIDENCE]
    # Every mention's decision is in the full report, none in the summary's.
    assert "mentions" not in summary
    news = [m for m in full["mentions"] if m["subject"] == "prisoner-releases"]
    assert len(news) == len(outlets)
    assert {(m["decision"], m["entry"]) for m in news} == {("news", entry["id"])}
    # A folded story (as of a day after everything) is shaped the same way as the tables' story.
    folded = build_report(tracker_app.store, tracker_app.config, as_of=date(2999, 1, 1))
    assert folded["timeline"] == summary["timeline"] and folded["subjects"] == summary["subjects"]
