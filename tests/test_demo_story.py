"""The whole product on the bundled demo coverage: three outlets, fifteen articles, the traps of
real coverage. The story it must tell is known, so every figure here is asserted exactly."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.clock import StepClock
from tests.helpers.demo import unpaused_demo_config
from tracker import app
from tracker.bootstrap import assemble, open_tracker
from tracker.demo.server import DemoServer
from tracker.report import build_report
from tracker.storage.store import Store


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Any, StepClock]]:
    clock = StepClock()
    path = Path(tmp_path_factory.mktemp("demo")) / "events.db"
    with DemoServer() as server:
        config = unpaused_demo_config(server)
        with open_tracker(config, path, create=True, clock=clock) as tracker:
            asyncio.run(app.fetch_feeds(tracker))
            clock.now += timedelta(days=1)
            server.publish_wire_update()
            asyncio.run(app.fetch_feeds(tracker))
            yield tracker.store, config, clock


def dump(store: Store, table: str) -> list[tuple[object, ...]]:
    return store.conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()  # noqa: S608 - fixed names


def subject(report: dict[str, Any], subject_id: str) -> dict[str, Any]:
    return next(s for s in report["subjects"] if s["id"] == subject_id)


def entries(report: dict[str, Any], subject_id: str) -> list[dict[str, Any]]:
    return [e for e in report["timeline"] if e["subject"] == subject_id]


def test_the_story_now(demo: tuple[Store, Any, StepClock]) -> None:
    store, config, _ = demo
    report = build_report(store, config)

    embassy = subject(report, "us-embassy-minsk")
    assert (embassy["state"], embassy["since"]) == ("reopening-discussed", "2025-09-11")
    assert all(e["url"] and e["sentence"] for e in embassy["evidence"])

    belavia = subject(report, "belavia-sanctions")
    assert (belavia["state"], belavia["since"]) == ("eased", "2025-09-11")
    assert [c["state"] for c in belavia["conflicts"]] == ["lifted"]  # one outlet called it lifting

    releases = subject(report, "prisoner-releases")
    assert (releases["total"], releases["since"]) == (3 + 14 + 52 + 123, "2025-12-13")
    assert [(e["date"], e["count"]) for e in entries(report, "prisoner-releases")] == [
        ("2025-02-12", 3),
        ("2025-06-21", 14),
        ("2025-09-11", 52),
        ("2025-12-13", 123),
    ]

    # The latest word on relations is December's talk of normalising them; September's
    # characterisation stays in the timeline with its quote.
    relations = subject(report, "us-belarus-relations")
    assert (relations["state"], relations["since"]) == ("normalisation-discussed", "2025-12-18")
    (thawing,) = [e for e in entries(report, "us-belarus-relations") if e.get("state") == "thawing"]
    assert thawing["date"] == "2025-09-11"
    assert any("good, but not excellent" in e["sentence"] for e in thawing["evidence"])


def test_one_release_told_three_ways_is_one_entry_with_every_outlet(
    demo: tuple[Store, Any, StepClock],
) -> None:
    store, config, _ = demo
    (september,) = [e for e in entries(build_report(store, config), "prisoner-releases") if e["count"] == 52]
    assert september["publishers"] == 3
    assert {s["publisher"] for s in september["sources"]} == {
        "Demo Wire",
        "Demo Belarus Monitor",
        "Demo Policy Digest",
    }
    # The December analysis that looks back at "the 52 freed in September" joins as a retrospective source.
    assert any(s.get("retrospective") for s in september["sources"])


def test_as_of_gives_the_state_as_it_was_then(demo: tuple[Store, Any, StepClock]) -> None:
    store, config, _ = demo
    before = build_report(store, config, as_of=date(2025, 9, 10))
    assert subject(before, "us-embassy-minsk")["state"] == "suspended"
    assert subject(before, "belavia-sanctions")["state"] == "in-force"
    assert subject(before, "prisoner-releases")["total"] == 17
    after = build_report(store, config, as_of=date(2025, 9, 12))
    assert subject(after, "prisoner-releases")["total"] == 69
    assert subject(after, "us-embassy-minsk")["state"] == "reopening-discussed"


def test_known_at_gives_what_the_log_held_then(demo: tuple[Store, Any, StepClock]) -> None:
    store, config, clock = demo
    first_pass = build_report(store, config, known_at=clock.now - timedelta(hours=1))
    now = build_report(store, config)
    titles_then = {a["title"] for feed in first_pass["coverage"] for a in feed["latest"]}
    titles_now = {a["title"] for feed in now["coverage"] for a in feed["latest"]}
    assert len(titles_now - titles_then) == 1  # the wire's new story came with the second pass
    nothing = build_report(store, config, known_at=datetime(2026, 1, 1, tzinfo=UTC))
    assert nothing["coverage"] == [] and subject(nothing, "prisoner-releases")["total"] == 0


def test_the_report_is_the_same_from_the_tables_and_after_a_rebuild(
    demo: tuple[Store, Any, StepClock],
) -> None:
    store, config, _ = demo
    before = build_report(store, config)
    tables = {t: dump(store, t) for t in ("facts", "timeline")}
    app.rebuild(assemble(config, store))
    after = build_report(store, config)
    assert {k: v for k, v in after.items() if k != "generated_at"} == {
        k: v for k, v in before.items() if k != "generated_at"
    }
    assert {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables} == tables  # noqa: S608
    (stored,) = store.conn.execute(
        "SELECT total FROM subject_state WHERE subject = 'prisoner-releases'"
    ).fetchone()
    assert stored == subject(after, "prisoner-releases")["total"]
