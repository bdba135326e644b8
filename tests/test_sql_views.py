"""The documented SQL views, on the demo's store, and `tracker serve` (Datasette) over them."""

from __future__ import annotations

import importlib.util
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import in_process
from tracker.cli.serve import datasette_metadata

ROOT = Path(__file__).resolve().parents[1]


def rows(db: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_current_state_answers_what_is_the_state_of_each_subject(demo_db: Path) -> None:
    states = {r["subject"]: r for r in rows(demo_db, "SELECT * FROM current_state")}
    assert states["us-embassy-minsk"]["state_id"] == "reopening-discussed"
    assert states["prisoner-releases"]["total"] == 192
    for row in states.values():
        assert row["evidence"] and row["url"].startswith("https://demo.invalid/") and row["recorded_at"]


def test_timeline_views_give_every_evidence_sentence_and_every_source(demo_db: Path) -> None:
    timeline = rows(demo_db, "SELECT entry_id, evidence FROM timeline")
    evidence = rows(demo_db, "SELECT entry_id, sentence, url FROM timeline_evidence")
    sources = rows(demo_db, "SELECT entry_id, publisher, url, retelling FROM timeline_sources")
    assert len(evidence) == sum(len(json.loads(t["evidence"])) for t in timeline)
    run = in_process("report", "--format", "json", "--db", str(demo_db), "--config", "/dev/null")
    reported = {e["id"]: [s["url"] for s in e["sources"]] for e in json.loads(run.out)["timeline"]}
    listed: dict[str, list[str]] = {}
    for source in sources:
        listed.setdefault(source["entry_id"], []).append(source["url"])
    assert listed == reported  # every source of every entry, in the report's order
    release = [s for s in sources if s["entry_id"] == "prisoner-releases:2025-09-11:52"]
    assert len({s["publisher"] for s in release}) >= 2 and all(s["url"] for s in release)


def test_story_sources_rows_are_each_owners_sources_column(demo_db: Path) -> None:
    """The rows SQL reads and the JSON the report reads hold the same sources, field for field."""
    owners = rows(
        demo_db, "SELECT entry_id, sources FROM timeline UNION ALL SELECT subject, sources FROM subject_state"
    )
    from_json = [
        (owner[0], conflict, ordinal, *source)
        for owner in owners
        for conflict, group in enumerate(json.loads(owner[1]))
        for ordinal, source in enumerate(group)
    ]
    from_rows = [
        (*r[:8], r["retrospective"] == 1)
        for r in rows(demo_db, "SELECT * FROM story_sources ORDER BY owner, conflict, ordinal")
    ]
    assert len(from_rows) > 20 and any(r[1] for r in from_rows)  # conflicts' sources too
    assert sorted(from_json) == from_rows


def test_recent_changes_lists_entries_and_states_by_record_time(demo_db: Path) -> None:
    changes = rows(demo_db, "SELECT what, recorded_at, subject, change FROM recent_changes")
    assert {c["what"] for c in changes} == {"timeline", "state"}
    assert [c["recorded_at"] for c in changes] == sorted((c["recorded_at"] for c in changes), reverse=True)
    assert rows(demo_db, "SELECT count(*) FROM recent_changes WHERE recorded_at >= '2999-01-01'")[0][0] == 0


def test_the_views_survive_a_rebuild(demo_copy: Path) -> None:
    db = demo_copy
    before = rows(db, "SELECT * FROM current_state ORDER BY subject")
    assert in_process("rebuild", "--db", str(db), "--config", "/dev/null").code == 0
    assert [tuple(r) for r in rows(db, "SELECT * FROM current_state ORDER BY subject")] == [
        tuple(r) for r in before
    ]


def test_datasette_metadata_describes_every_view_and_follows_the_file_name() -> None:
    metadata = datasette_metadata("demo")
    tables = metadata["databases"]["demo"]["tables"]
    views = ["current_state", "timeline_evidence", "timeline_sources", "recent_changes", "feed_health"]
    for view in [*views, "articles"]:
        assert tables[view]["description"]
    assert "changes_since" in metadata["databases"]["demo"]["queries"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.mark.skipif(
    importlib.util.find_spec("datasette") is None, reason="the [serve] extra is not installed"
)
def test_tracker_serve_opens_the_store_in_datasette_with_its_metadata(demo_db: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tracker", "serve", "--db", str(demo_db), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                data = _get(f"{base}/demo/current_state.json?_shape=objects")
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.5)
        assert {r["subject"] for r in data["rows"]} >= {"us-embassy-minsk", "prisoner-releases"}
        changed = _get(f"{base}/demo/changes_since.json?since=2000-01-01&_shape=objects")
        assert changed["rows"] and {"what", "recorded_at", "change"} <= set(changed["rows"][0])
        metadata = _get(f"{base}/-/metadata.json")
        assert metadata["databases"]["demo"]["tables"]["current_state"]["title"]
    finally:
        process.terminate()
        process.wait(10)
