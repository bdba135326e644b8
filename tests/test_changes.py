"""`tracker changes`: what the log learned since a time, checked against the demo's two fetches."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import CliRun, in_process
from tests.helpers.clock import StepClock
from tests.helpers.demo import unpaused_demo_config
from tracker import app
from tracker.bootstrap import open_tracker
from tracker.cli.changes import since_moment
from tracker.clock import format_utc
from tracker.config import default_config
from tracker.demo.server import DemoServer
from tracker.report import build_report

NOW = datetime.now(UTC)
FIRST_FETCH = NOW - timedelta(days=3)
SECOND_FETCH = NOW - timedelta(hours=2)


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's two fetches, three days and two hours ago by the store's clock."""
    db = tmp_path_factory.mktemp("changes") / "demo.db"
    clock = StepClock(FIRST_FETCH)
    with DemoServer() as server:
        config = unpaused_demo_config(server)
        with open_tracker(config, db, create=True, clock=clock) as tracked:
            asyncio.run(app.fetch_feeds(tracked))
            server.publish_wire_update()
            clock.now = SECOND_FETCH
            asyncio.run(app.fetch_feeds(tracked))
    return db


def changes(db: Path, *args: str) -> CliRun:
    """`tracker changes` on the demo store, with the shipped subjects and no feeds.toml."""
    return in_process("changes", *args, "--db", str(db), "--config", "/dev/null")


def _identity(entry: dict[str, Any]) -> tuple[Any, ...]:
    return (entry["subject"], entry["kind"], entry.get("state"), entry.get("count"), entry["date"])


Changed = tuple[set[tuple[Any, ...]], dict[str, tuple[Any, Any]], set[tuple[tuple[Any, ...], str]]]


def _what_the_second_fetch_changed(db: Path) -> Changed:
    """From two reports: as known between the fetches, and as known now."""
    with open_tracker(default_config(), db, readonly=True) as tracked:
        before = build_report(tracked.store, tracked.config, known_at=SECOND_FETCH - timedelta(hours=1))
        after = build_report(tracked.store, tracked.config)
    old = {_identity(e) for e in before["timeline"]}
    entries = {_identity(e) for e in after["timeline"] if e["kind"] != "initial" and _identity(e) not in old}
    value = {s["id"]: s.get("state", s.get("total")) for s in before["subjects"]}
    moved = {
        s["id"]: (value[s["id"]], s.get("state", s.get("total")))
        for s in after["subjects"]
        if s.get("state", s.get("total")) != value[s["id"]]
    }
    old_sources = {_identity(e): {s["url"] for s in e["sources"]} for e in before["timeline"]}
    corroborated = {
        (_identity(e), s["url"])
        for e in after["timeline"]
        if _identity(e) in old_sources
        for s in e["sources"]
        if s["url"] not in old_sources[_identity(e)]
    }
    return entries, moved, corroborated


def test_changes_since_1d_lists_exactly_what_the_second_fetch_changed(demo_store: Path) -> None:
    run = changes(demo_store, "--since", "1d", "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    entries, moved, corroborated = _what_the_second_fetch_changed(demo_store)
    assert entries or moved or corroborated, "the demo's second fetch changes the story"
    assert {_identity(e) for e in data["timeline"]} == entries
    listed = {
        s["subject"]: (s.get("old_state", s.get("old_total")), s.get("new_state", s.get("new_total")))
        for s in data["states"]
    }
    assert listed == moved
    assert {(_identity(e), s["url"]) for e in data["corroborated"] for s in e["new_sources"]} == corroborated
    # The wire's update: one corrected article and one new one, nothing else.
    assert sorted((a["url"], a["revision"] or 1) for a in data["articles"]) == [
        ("https://demo.invalid/wire/belarus-frees-52-belavia-relief", 2),
        ("https://demo.invalid/wire/us-more-belarus-releases-possible", 1),
    ]
    for entry in data["timeline"]:
        assert entry["sources"] and entry["evidence"]
    for change in data["states"]:
        assert change["evidence"][0]["sentence"] and change["sources"][0]["url"].startswith("https://")


def test_changes_since_before_everything_lists_the_whole_story(demo_store: Path) -> None:
    recent = json.loads(changes(demo_store, "--since", "1d", "--format", "json").out)
    everything = json.loads(changes(demo_store, "--since", "5d", "--format", "json").out)
    assert everything["from_position"] == 0
    assert len(everything["timeline"]) > len(recent["timeline"])
    assert {s["subject"] for s in everything["states"]} >= {"us-embassy-minsk", "prisoner-releases"}


def test_changes_since_now_is_nothing_in_every_format(demo_store: Path) -> None:
    for fmt, empty in (("text", "nothing new"), ("markdown", "Nothing new.")):
        run = changes(demo_store, "--since", "1s", "--format", fmt)
        assert run.code == 0 and empty in run.out
    data = json.loads(changes(demo_store, "--since", "1s", "--format", "json").out)
    for key in ("timeline", "corroborated", "states", "conflicts", "retracted", "articles"):
        assert data[key] == [], key


def test_changes_markdown_and_text_name_the_change(demo_store: Path) -> None:
    text = changes(demo_store, "--since", "5d").out
    assert "STATE CHANGES" in text and "→" in text and "https://demo.invalid/" in text
    markdown = changes(demo_store, "--since", "5d", "--format", "markdown").out
    assert "## State changes" in markdown and "## New timeline entries" in markdown


def test_since_accepts_durations_and_dates() -> None:
    now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert since_moment("1d", now) == now - timedelta(days=1)
    assert since_moment("90m", now) == now - timedelta(minutes=90)
    assert since_moment("2026-01-01", now) == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(Exception, match="duration"):
        since_moment("last tuesday", now)


def test_bad_since_is_a_usage_error(demo_store: Path) -> None:
    run = changes(demo_store, "--since", "yesterday-ish")
    assert run.code == 2 and "--since" in run.err


def test_timeline_and_subject_state_rows_carry_their_recorded_time_through_a_rebuild(
    demo_store: Path, tmp_path: Path
) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(demo_store, db)
    query = (
        "SELECT 'timeline', seq, kind, position, recorded_at FROM timeline UNION ALL "
        "SELECT 'subject_state', subject, kind, position, recorded_at FROM subject_state ORDER BY 1, 2"
    )

    def rows() -> list[tuple[Any, ...]]:
        with sqlite3.connect(db) as conn:
            return conn.execute(query).fetchall()

    before = rows()
    assert in_process("rebuild", "--db", str(db), "--config", "/dev/null").code == 0
    assert rows() == before
    # Every change the demo knows was first reported by its first fetch; starting points have none.
    first = format_utc(FIRST_FETCH)
    for table, _, kind, position, recorded_at in before:
        if kind == "initial":
            assert (position, recorded_at) == (None, None)
        else:
            assert position > 0 and recorded_at == first, (table, kind)


def test_report_since_keeps_only_the_entries_recorded_since(demo_store: Path) -> None:
    args = ("--db", str(demo_store), "--config", "/dev/null")
    full = json.loads(in_process("report", "--format", "json", *args).out)
    recent = json.loads(in_process("report", "--since", "1d", "--format", "json", *args).out)
    changed = json.loads(changes(demo_store, "--since", "1d", "--format", "json").out)
    expected = {e["id"] for e in changed["timeline"] + changed["corroborated"]}
    assert expected and {e["id"] for e in recent["timeline"]} == expected
    assert recent["subjects"] == full["subjects"]  # states are shown whole
    everything = json.loads(in_process("report", "--since", "5d", "--format", "json", *args).out)
    assert len(everything["timeline"]) == len([e for e in full["timeline"] if e["kind"] != "initial"])
    text = in_process("report", "--since", "1d", *args).out
    assert "recorded since" in text.splitlines()[0]
