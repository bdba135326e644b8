"""The event store: append-only in the database itself, idempotent appends, the hash chain."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.helpers.events import article
from tracker.errors import (
    ConcurrencyError,
    ConfigError,
    EventDecodeError,
    StoreNotFound,
    StoreVersionError,
    VerificationFailed,
)
from tracker.events import FeedFailed
from tracker.storage.connect import WAL_AUTOCHECKPOINT_PAGES
from tracker.storage.store import Store
from tracker.streams import article_stream


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store.open(tmp_path / "events.db")
    with s.transaction():
        s.append([article("a"), article("b"), article("c")])
    return s


def test_append_assigns_dense_positions_and_versions(store: Store) -> None:
    events = list(store.read())
    assert [e.position for e in events] == [1, 2, 3]
    assert all(e.version == 1 for e in events)
    assert events[0].stream == article_stream("wire", "a")
    assert events[0].occurred_at == "2025-09-11T12:00:00.000000Z"


def test_appending_the_same_observation_again_adds_nothing(store: Store) -> None:
    with store.transaction():
        result = store.append([article("a"), article("b"), article("d")])
    assert result.already_present == 2
    assert [e.event.entry_key for e in result.appended] == ["d"]  # type: ignore[union-attr]
    assert store.count() == 4


def test_expected_version_mismatch_raises_and_appends_nothing(store: Store) -> None:
    stream = article_stream("wire", "a")
    with pytest.raises(ConcurrencyError), store.transaction():
        store.append([article("e")], expected_versions={stream: 0})
    assert store.count() == 3


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.append([article("x"), article("y")])
        raise RuntimeError("crash inside the batch")
    assert store.count() == 3


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET type = 'X' WHERE position = 1",
        "DELETE FROM events WHERE position = 3",
        "INSERT OR REPLACE INTO events SELECT * FROM events WHERE position = 1",
        "REPLACE INTO events SELECT * FROM events WHERE position = 2",
        "INSERT INTO events (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash) "
        "VALUES (9, 'x:1', 's', 1, 'T', '{}', '{}', 'now', 'a', 'b')",
    ],
)
def test_the_database_refuses_to_rewrite_the_log(store: Store, statement: str) -> None:
    path = store.path
    store.close()
    # A plain connection, as a person's sqlite3 session has it: no recursive_triggers.
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    conn.close()
    reopened = Store.open(path)
    assert reopened.verify().events == 3


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 shell is installed by .ci/run")
def test_the_sqlite3_shell_is_refused_too(store: Store) -> None:
    for statement in (
        "UPDATE events SET type = 'X';",
        "DELETE FROM events;",
        "INSERT OR REPLACE INTO events SELECT * FROM events WHERE position = 1;",
    ):
        result = subprocess.run(["sqlite3", str(store.path), statement], capture_output=True, text=True)
        assert result.returncode != 0
        assert "append-only" in result.stderr
    assert store.verify().events == 3


def test_verify_names_the_first_forged_position(store: Store) -> None:
    assert store.verify().head_position == 3
    conn = sqlite3.connect(store.path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET data = json_set(data, '$.title', 'forged') WHERE position = 2")
    conn.commit()
    conn.close()
    with pytest.raises(VerificationFailed) as caught:
        store.verify()
    assert caught.value.position == 2
    assert "position 2" in str(caught.value)


def test_an_audit_inside_a_transaction_checks_what_that_transaction_sees(store: Store) -> None:
    # The file check runs beside the chain walk on a second connection, except inside a
    # transaction, whose uncommitted rows only its own connection sees.
    with store.transaction():
        store.append([article("d")])
        audit = store.audit(full=True)
    assert (audit.findings, audit.events) == ([], 4)
    assert store.audit().events == 4


def test_read_only_open_never_creates_a_file(tmp_path: Path) -> None:
    missing = tmp_path / "evnts.db"
    with pytest.raises(StoreNotFound):
        Store.open(missing, readonly=True)
    assert not missing.exists()


def test_read_only_store_cannot_write(store: Store) -> None:
    reader = Store.open(store.path, readonly=True)
    assert reader.count() == 3
    with pytest.raises(Exception, match="read-only"), reader.transaction():
        pass


def test_a_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    with pytest.raises(StoreVersionError, match="not a tracker database"):
        Store.open(path)


def test_pragmas_on_every_connection(store: Store) -> None:
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_AUTOCHECKPOINT_PAGES


def test_an_undecodable_row_names_its_position(store: Store) -> None:
    with store.transaction():
        store.append([FeedFailed(feed_id="wire", category="http", reason="HTTP 500", url="http://x")])
    conn = sqlite3.connect(store.path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET data = '{\"feed_id\": 5}' WHERE position = 4")
    conn.commit()
    conn.close()
    with pytest.raises(EventDecodeError, match="position 4"):
        list(store.read())


def test_health_event_ids_are_per_transition(store: Store) -> None:
    failed = FeedFailed(feed_id="wire", category="http", reason="HTTP 500", url="http://x")
    with store.transaction():
        first = store.append([failed])
    with store.transaction():
        second = store.append([failed])  # a second transition of the same stream is a new event
    assert first.appended[0].id != second.appended[0].id
    assert second.appended[0].version == 2


def test_a_row_of_another_schema_version_names_it(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET schema_version = 2 WHERE position = 1")
    conn.commit()
    conn.close()
    with pytest.raises(EventDecodeError, match=r"position 1 .*ArticleObserved v2 is newer than this code"):
        list(store.read())


def test_synchronous_normal_is_an_explicit_choice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_SYNCHRONOUS", "normal")
    with Store.open(tmp_path / "events.db") as normal:
        assert normal.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    with Store.open(tmp_path / "events.db", synchronous="full") as full:
        assert full.conn.execute("PRAGMA synchronous").fetchone()[0] == 2
    monkeypatch.setenv("TRACKER_SYNCHRONOUS", "off")
    with pytest.raises(ConfigError, match="TRACKER_SYNCHRONOUS: expected full or normal, not 'off'"):
        Store.open(tmp_path / "events.db")


def test_decoded_events_do_not_share_their_meta(store: Store) -> None:
    first, second, _ = store.read()
    assert first.meta == second.meta == {}
    first.meta["seen"] = True
    assert second.meta == {}
    assert next(store.read(limit=1)).meta == {}


def test_a_transaction_that_need_not_be_durable_commits_and_leaves_the_next_one_durable(
    new_store: Store,
) -> None:
    def synchronous() -> int:
        return int(new_store.conn.execute("PRAGMA synchronous").fetchone()[0])

    async def bookkeeping(events: list[FeedFailed]) -> int:
        async with new_store.transaction_async(durable=False):
            new_store.conn.execute(
                "INSERT INTO projection_checkpoints (name, fingerprint, position, updated_at) "
                "VALUES (?, 'f', 0, 'now')",
                [f"p{len(events)}"],
            )
            new_store.append(events)
            return synchronous()

    assert asyncio.run(bookkeeping([])) == 1  # NORMAL: the commit does not wait for the disk
    assert synchronous() == 2  # FULL again for every other transaction
    failed = FeedFailed(feed_id="wire", category="http", reason="HTTP 500", url="http://wire.invalid/rss")
    asyncio.run(bookkeeping([failed]))
    assert synchronous() == 2
    other = sqlite3.connect(new_store.path)
    names = [row[0] for row in other.execute("SELECT name FROM projection_checkpoints ORDER BY name")]
    assert names == ["p0", "p1"]
    assert other.execute("SELECT count(*) FROM events").fetchone()[0] == 1
    other.close()
