"""The story tables are refolded only when the fold's inputs changed, and a refold writes only the
rows that differ; either way they hold what a rebuild from the log gives."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.events import article, revision
from tracker import app
from tracker.bootstrap import Tracker
from tracker.fold import story
from tracker.fold.story import fold_story
from tracker.storage.store import Store

STORY_TABLES = ("subject_state", "timeline", "fact_decisions", "story_sources")


def _watch_writes(store: Store) -> None:
    """Log every row written to the story tables (temporary triggers: they see real writes)."""
    store.conn.execute("CREATE TEMP TABLE writes (tbl TEXT, op TEXT, key TEXT)")
    keys = {
        "subject_state": "subject",
        "timeline": "entry_id",
        "fact_decisions": "fact_id",
        "story_sources": "owner",
    }
    for table, key in keys.items():
        for op, row in (("INSERT", "new"), ("DELETE", "old"), ("UPDATE", "new")):
            name, values = f"watch_{table}_{op}", f"('{table}', '{op}', {row}.{key})"  # our own names
            store.conn.execute(
                f"CREATE TEMP TRIGGER {name} AFTER {op} ON main.{table} "  # noqa: S608
                f"BEGIN INSERT INTO writes VALUES {values}; END"
            )


def _writes(store: Store) -> list[tuple[str, str, str]]:
    found = store.conn.execute("SELECT tbl, op, key FROM writes ORDER BY rowid").fetchall()
    store.conn.execute("DELETE FROM writes")
    return found


def _dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in STORY_TABLES}  # noqa: S608


def test_articles_that_give_no_fact_leave_the_story_unfolded_and_unwritten(
    tracker_app: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tracker_app.store
    with store.transaction():
        store.append([article("a", "Belarus freed 52 political prisoners on Thursday.")])
    app.catch_up(tracker_app)
    before = _dump(store)
    assert before["timeline"], "the first article gives the story an entry"
    folds: list[int] = []
    real_fold = fold_story

    def counted_fold(*args: Any) -> Any:
        folds.append(1)
        return real_fold(*args)

    monkeypatch.setattr(story, "fold_story", counted_fold)
    _watch_writes(store)

    with store.transaction():
        store.append([article("b", "The weather in Paris was mild."), article("c", "Markets rose.")])
    app.catch_up(tracker_app)

    assert folds == []
    assert _writes(store) == []
    assert _dump(store) == before


def test_a_new_fact_rewrites_only_the_rows_it_changes_and_matches_a_rebuild(tracker_app: Tracker) -> None:
    store = tracker_app.store
    first = article("a", "Belarus freed 52 political prisoners on Thursday.")
    with store.transaction():
        store.append([first, article("b", "The U.S. embassy in Minsk reopened on Thursday.")])
    app.catch_up(tracker_app)
    _watch_writes(store)

    with store.transaction():
        store.append(
            [revision(first, "Belarus freed 52 political prisoners on Thursday, and 14 more on Friday.")]
        )
    app.catch_up(tracker_app)

    written = _writes(store)
    assert written, "the revision changes the release tally"
    assert {key for table, _, key in written if table == "subject_state"} == {"prisoner-releases"}
    assert not any(table in ("timeline", "story_sources") and "embassy" in key for table, _, key in written)
    incremental = _dump(store)
    app.rebuild(tracker_app)
    assert _dump(store) == incremental
