"""Stores written by an older schema are migrated on open; newer ones and old SQLite are refused."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker import app
from tracker.bootstrap import assemble
from tracker.clock import format_utc
from tracker.config import default_config
from tracker.errors import StoreError, StoreVersionError
from tracker.events import ArticleObserved, Event, FeedFailed, encode
from tracker.report import build_report
from tracker.storage.chain import GENESIS_HASH, chain_hash
from tracker.storage.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, check_sqlite, migrate
from tracker.storage.store import Store

SCHEMA_1 = Path(__file__).parent / "data" / "schema-1.sql"
PUBLISHED = datetime(2025, 9, 11, 10, 0, tzinfo=UTC)
EVENTS: list[Event] = [
    ArticleObserved(
        feed_id="wire",
        entry_key="k1",
        title="Belarus frees 52 prisoners",
        summary="Belarus freed 52 prisoners on Thursday, the U.S. envoy said.",
        content_hash="h1",
        published=PUBLISHED,
    ),
    FeedFailed(feed_id="wire", category="http", reason="HTTP 503", url="http://wire.invalid/rss"),
]


def write_schema_1_store(path: Path) -> None:
    """A store as the first schema left it: its tables, a hash-chained log and polling state."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(SCHEMA_1.read_text())
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    prev = GENESIS_HASH
    for position, event in enumerate(EVENTS, start=1):
        occurred = event.occurred_at()
        row = (
            position,
            event.event_id(1),
            event.stream(),
            1,
            event.type,
            event.schema_version,
            encode(event),
            "{}",
            format_utc(occurred) if occurred else None,
            format_utc(PUBLISHED),
        )
        digest = chain_hash(prev, row)
        conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*row, prev, digest))
        prev = digest
    conn.execute(
        "INSERT INTO feed_state (feed_id, url, etag, consecutive_failures, next_due_at) "
        "VALUES ('wire', 'http://wire.invalid/rss', '\"v1\"', 1, '2025-09-11T11:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO projection_checkpoints VALUES ('feed_status', 'feed_status/v1', 2, "
        "'2025-09-11T10:00:00.000000Z')"
    )
    conn.close()


def objects(path: Path) -> dict[tuple[str, str], list[tuple[object, ...]]]:
    """Every table and view with its columns (name, type, not null, default, primary key)."""
    conn = sqlite3.connect(path)
    names = conn.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view')").fetchall()
    result = {(kind, name): conn.execute(f"PRAGMA table_info({name})").fetchall() for kind, name in names}
    conn.close()
    return {key: [column[1:] for column in columns] for key, columns in result.items()}


def guards(path: Path) -> dict[str, str]:
    """Every trigger and index with its definition, whitespace normalised."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') AND sql IS NOT NULL"
    )
    result = {name: " ".join(sql.split()) for name, sql in rows}
    conn.close()
    return result


def test_a_schema_1_store_is_migrated_on_open_and_keeps_its_log_and_state(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    write_schema_1_store(old)
    with Store.open(old, create=False) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.verify().events == len(EVENTS)  # the log is untouched
        polling = store.conn.execute(
            "SELECT feed_id, etag, consecutive_failures FROM feed_polling"
        ).fetchall()
        assert polling == [("wire", '"v1"', 1)]
        # Queries written against the old name keep working.
        assert store.conn.execute("SELECT feed_id, etag FROM feed_state").fetchall() == [("wire", '"v1"')]
        names = {row[0] for row in store.conn.execute("SELECT name FROM projection_checkpoints")}
        assert "feed_status" not in names

        tracker = assemble(default_config(), store)
        result = app.catch_up(tracker)
        assert not result.failures
        health = store.conn.execute(
            "SELECT feed_id, health, consecutive_failures FROM feed_health"
        ).fetchall()
        assert health == [("wire", "failing", 1)]
        releases = next(s for s in build_report(store, default_config())["subjects"] if s["kind"] == "tally")
        assert releases["total"] == 52


def test_a_migrated_store_has_the_tables_of_a_new_one(tmp_path: Path) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    write_schema_1_store(old)
    for path in (old, new):
        with Store.open(path) as store:
            app.catch_up(assemble(default_config(), store))
    assert objects(old) == objects(new)
    assert guards(old) == guards(new)  # the REPLACE guard covers (stream, version) in both


def test_every_schema_version_has_its_step() -> None:
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION))


def test_an_old_store_opened_read_only_names_the_command_that_upgrades_it(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    write_schema_1_store(old)
    with pytest.raises(StoreVersionError, match=r"older tracker .* `tracker rebuild` upgrades it"):
        Store.open(old, readonly=True)
    with Store.open(old, readonly=False, create=False):
        pass
    with Store.open(old, readonly=True) as store:
        assert store.count() == len(EVENTS)


def test_a_store_migrated_by_another_process_meanwhile_is_left_alone(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    write_schema_1_store(old)
    Store.open(old).close()  # another process got the write lock first and migrated it
    conn = sqlite3.connect(old, isolation_level=None)
    assert migrate(conn, 1) is False  # what this one read before waiting for the lock is stale
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    with Store.open(old) as store:
        assert store.verify().events == len(EVENTS)


def test_a_failed_migration_leaves_the_old_schema(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    write_schema_1_store(old)
    conn = sqlite3.connect(old, isolation_level=None)
    conn.execute("CREATE TABLE feed_polling (x)")  # the rename has nowhere to go
    conn.close()
    with pytest.raises(StoreError, match="feed_polling"):
        Store.open(old)
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM feed_status").fetchone()[0] == 0  # not dropped
    conn.close()


def test_a_store_newer_than_the_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreVersionError, match="newer tracker"):
        Store.open(path)


def test_an_sqlite_without_strict_tables_is_refused_clearly() -> None:
    with pytest.raises(StoreError, match=r"SQLite 3\.36\.0 is too old: tracker needs 3\.37\.0"):
        check_sqlite((3, 36, 0))
    check_sqlite((3, 37, 0))
