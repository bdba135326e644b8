"""Nothing in the log can wedge the store: an event a projection cannot apply (here an analyst's
count beyond SQLite's INTEGER, appended through the store API, past the CLI's own checks) is
recorded and skipped; the story, `rebuild` and `retract` go on, through the real command."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from tests.helpers.cli import in_process
from tracker.events import FactAsserted
from tracker.storage.store import Store

TOO_BIG = 2**63  # one more than SQLite's largest INTEGER


def poisoned_store(path: Path) -> str:
    """A store whose log holds an assertion no projection table can take; returns its fact id."""
    with Store.open(path, create=True) as store, store.transaction():
        result = store.append(
            [
                FactAsserted(
                    subject="prisoner-releases",
                    count=TOO_BIG,
                    date=date(2025, 9, 11),
                    source="https://example.org/a",
                ),
            ]
        )
    return result.appended[0].id


def test_a_poison_event_is_recorded_and_skipped_and_can_be_retracted(tmp_path: Path) -> None:
    db = str(tmp_path / "events.db")
    poison = poisoned_store(tmp_path / "events.db")
    good = in_process(
        "assert",
        "prisoner-releases",
        "52",
        "--date",
        "2025-09-11",
        "--source",
        "https://example.org/b",
        "--db",
        db,
        cwd=tmp_path,
    )
    assert good.code == 0, good.err
    assert "Traceback" not in good.err

    # The story went on past it: the good assertion counts, the poison is marked.
    report = in_process("report", "--format", "json", "--db", db, cwd=tmp_path)
    assert report.code == 0, report.err
    (tally,) = [s for s in json.loads(report.out)["subjects"] if s["id"] == "prisoner-releases"]
    assert tally["total"] == 52
    feeds = in_process("feeds", "--db", db, cwd=tmp_path)
    assert feeds.code == 0, feeds.err
    assert "projection story: went on without 1 event it could not apply" in feeds.out + feeds.err
    assert poison in feeds.out + feeds.err
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT name, position, event_id, skipped, attempts, error FROM projection_errors"
        ).fetchall()
    assert [r[:5] for r in rows] == [("story", 1, poison, 1, 1)]
    assert "OverflowError" in rows[0][5]

    verify = in_process("verify", "--db", db, cwd=tmp_path)
    assert verify.code == 0, verify.err
    assert f"note: projection story went on without position 1 ({poison}): OverflowError" in verify.err

    # A rebuild replays it, fails on it again (counted), and still completes.
    rebuilt = in_process("rebuild", "--db", db, cwd=tmp_path)
    assert rebuilt.code == 0, rebuilt.err
    assert "story could not apply position 1" in rebuilt.err
    assert "Traceback" not in rebuilt.err
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT attempts FROM projection_errors").fetchall() == [(2,)]

    # The asserted fact can be reached and withdrawn, though no projection could take it.
    retracted = in_process("retract", poison, "--reason", "typo", "--db", db, cwd=tmp_path)
    assert (retracted.code, retracted.err.strip()) == (0, f"{poison}: retracted")
    report = in_process("report", "--format", "json", "--db", db, cwd=tmp_path)
    assert [r["fact_id"] for r in json.loads(report.out)["retracted"]] == [poison]
