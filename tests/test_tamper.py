"""Tampering with events.db from outside tracker (a plain sqlite3 connection, as the sqlite3 shell
has it, or the file's bytes) is refused or named by `tracker verify`, never a traceback.

What the unkeyed chain cannot catch on its own (a consistent rewrite, a cut tail with its traces
removed) is caught with a checkpoint taken from a report, or with a key."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.cli import in_process
from tests.helpers.feed_server import FeedServer, write_feeds
from tracker.storage.chain import chain_hash
from tracker.storage.schema import SCHEMA, split_sql

ITEMS = "".join(
    f"<item><guid>g{i}</guid><title>Story {i}</title><link>https://wire.example/{i}</link>"
    f"<pubDate>Thu, 1{i} Sep 2025 10:00:00 GMT</pubDate><description>Text {i}.</description></item>"
    for i in range(1, 6)
)
RSS = f"<?xml version='1.0'?><rss version='2.0'><channel><title>W</title>{ITEMS}</channel></rss>".encode()
TRIGGERS = {s.split()[2]: s for s in split_sql(SCHEMA) if s.startswith("CREATE TRIGGER")}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with 5 articles fetched over loopback, written with a key."""
    workdir = tmp_path_factory.mktemp("pristine")
    (workdir / "seal.key").write_text("k" * 64)
    with FeedServer() as server:
        server.static("/feed.xml", RSS)
        write_feeds(workdir / "feeds.toml", {"wire": server.url("/feed.xml")})
        code, _, err = in_process("fetch", cwd=workdir, env={"TRACKER_KEY_FILE": str(workdir / "seal.key")})
    assert code == 0, err
    return workdir


@pytest.fixture
def workdir(pristine: Path, tmp_path: Path) -> Path:
    for name in ("events.db", "feeds.toml", "seal.key"):
        (tmp_path / name).write_bytes((pristine / name).read_bytes())
    return tmp_path


def shell(workdir: Path, *statements: str) -> None:
    """Statements as a person at the sqlite3 shell would run them (no recursive_triggers)."""
    conn = sqlite3.connect(workdir / "events.db", isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def verify(workdir: Path, *args: str) -> tuple[int, str, str]:
    code, out, err = in_process("verify", *args, cwd=workdir)
    assert "Traceback" not in err
    return code, out, err


def report_head(workdir: Path) -> str:
    code, out, err = in_process("report", "--format", "json", cwd=workdir)
    assert code == 0, err
    head = json.loads(out)["head"]
    return f"{head['position']}:{head['hash']}"


def test_a_pristine_store_verifies_with_its_checkpoint_and_key(workdir: Path) -> None:
    checkpoint = report_head(workdir)
    assert checkpoint.startswith("5:")
    code, out, err = verify(workdir, "--checkpoint", checkpoint, "--key-file", "seal.key")
    assert code == 0, err
    assert out.startswith("ok: 5 events, extends the checkpoint; every head sealed with the key;")
    for fmt in ("text", "markdown", "html"):
        code, out, _ = in_process("report", "--format", fmt, cwd=workdir)
        assert code == 0 and checkpoint in out, fmt


@pytest.mark.parametrize(
    "statement",
    [
        # the same position
        "INSERT OR REPLACE INTO events SELECT * FROM events WHERE position = 1",
        # the same id, a new position
        "INSERT OR REPLACE INTO events"
        " (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash)"
        " SELECT 6, id, 'x', 1, type, data, meta, recorded_at, prev_hash, hash FROM events"
        " WHERE position = 1",
        # only (stream, version) in common: a new position and a new id
        "INSERT OR REPLACE INTO events"
        " (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash)"
        " SELECT 6, 'forged', stream, version, type, data, meta, recorded_at, prev_hash, hash FROM events"
        " WHERE position = 1",
        "REPLACE INTO events"
        " (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash)"
        " SELECT 6, 'forged', stream, version, type, data, meta, recorded_at, prev_hash, hash FROM events"
        " WHERE position = 2",
        # upserts on each key
        "INSERT INTO events SELECT * FROM events WHERE position = 1"
        " ON CONFLICT (position) DO UPDATE SET type = 'X'",
        "INSERT INTO events"
        " (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash)"
        " SELECT 6, id, 'x', 1, type, data, meta, recorded_at, prev_hash, hash FROM events"
        " WHERE position = 1 ON CONFLICT (id) DO UPDATE SET type = 'X'",
        "INSERT INTO events"
        " (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash)"
        " SELECT 6, 'forged', stream, version, type, data, meta, recorded_at, prev_hash, hash FROM events"
        " WHERE position = 1 ON CONFLICT (stream, version) DO UPDATE SET type = 'X'",
    ],
)
def test_replace_and_upsert_on_every_unique_key_are_refused(workdir: Path, statement: str) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        shell(workdir, statement)
    code, out, err = verify(workdir)
    assert code == 0 and out.startswith("ok: 5 events"), err


def test_update_through_a_dropped_trigger(workdir: Path) -> None:
    shell(
        workdir,
        "DROP TRIGGER events_no_update",
        "UPDATE events SET data = json_set(data, '$.title', 'Forged') WHERE position = 2",
    )
    code, _, err = verify(workdir)
    assert code == 1
    assert "problem: schema: the trigger events_no_update is missing" in err
    assert "problem: position 2: hash does not match its contents" in err


def test_a_value_with_anything_after_a_nul_is_not_its_original(workdir: Path) -> None:
    # The chain must hash each stored value whole: C-string formatting would stop at the NUL and
    # let `original\0anything` pass as the original.
    shell(
        workdir,
        "DROP TRIGGER events_no_update",
        "UPDATE events SET stream = stream || char(0) || 'forged' WHERE position = 3",
        TRIGGERS["events_no_update"],
    )
    code, _, err = verify(workdir)
    assert code == 1
    assert "problem: position 3: hash does not match its contents" in err


def test_an_altered_trigger_is_named(workdir: Path) -> None:
    shell(
        workdir,
        "DROP TRIGGER events_no_delete",
        "CREATE TRIGGER events_no_delete BEFORE DELETE ON events WHEN 0 BEGIN SELECT RAISE(ABORT, 'x'); END",
    )
    code, _, err = verify(workdir)
    assert code == 1 and "the trigger events_no_delete differs" in err


def test_deleting_the_tail(workdir: Path) -> None:
    checkpoint = report_head(workdir)
    shell(
        workdir,
        "DROP TRIGGER events_no_delete",
        "DELETE FROM events WHERE position > 3",
        TRIGGERS["events_no_delete"],  # put back exactly as it was
    )
    code, _, err = verify(workdir)
    assert code == 1
    assert "the log ends at position 3 but projection" in err and "removed from the end" in err
    assert "a seal names position 5, which the log no longer holds" in err
    # A writer who also cleans up every trace: only a checkpoint or the key still tell.
    shell(
        workdir,
        "UPDATE projection_checkpoints SET position = 3",
        "DROP TRIGGER chain_seals_no_delete",
        "DELETE FROM chain_seals WHERE position > 3",
    )
    code, _, err = verify(workdir, "--checkpoint", checkpoint)
    assert code == 1 and "checkpoint 5: the log no longer reaches that position (it ends at 3)" in err
    code, _, err = verify(workdir, "--key-file", "seal.key")
    # The only seal went with the tail. (A cut back to an earlier sealed head would pass here:
    # seals prove who wrote each head, not that no later head existed.)
    assert code == 1 and "no seals" in err


def rechain(workdir: Path, position: int, title: str) -> None:
    """Rewrite one event and recompute every hash after it, triggers put back: a consistent forgery."""
    conn = sqlite3.connect(workdir / "events.db", isolation_level=None)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(
        "UPDATE events SET data = json_set(data, '$.title', ?) WHERE position = ?", (title, position)
    )
    columns = "position, id, stream, version, type, schema_version, data, meta, occurred_at, recorded_at"
    rows = conn.execute(f"SELECT {columns} FROM events WHERE position >= ? ORDER BY position", (position,))  # noqa: S608
    prev = conn.execute("SELECT prev_hash FROM events WHERE position = ?", (position,)).fetchone()[0]
    for row in rows.fetchall():
        digest = chain_hash(prev, row)
        conn.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?", (prev, digest, row[0]))
        prev = digest
    conn.execute(TRIGGERS["events_no_update"])
    conn.close()


def test_a_rechained_history_passes_alone_and_fails_against_a_checkpoint_or_the_key(workdir: Path) -> None:
    checkpoint = report_head(workdir)
    rechain(workdir, 2, "Forged")
    # The seals still pin the old hashes, even without the key.
    code, _, err = verify(workdir)
    assert code == 1 and "position 5: the chain differs from the sealed head" in err  # the sealed head
    # The forger rewrites the seals' hashes too; without the key the MACs cannot follow.
    conn = sqlite3.connect(workdir / "events.db", isolation_level=None)
    conn.execute("DROP TRIGGER chain_seals_no_update")
    conn.execute(
        "UPDATE chain_seals SET hash = (SELECT hash FROM events WHERE position = chain_seals.position)"
    )
    conn.close()
    code, _, err = verify(workdir)
    assert code == 0, err  # what an unkeyed chain cannot prove: it is consistent again
    assert "pass --key-file" in err
    code, _, err = verify(workdir, "--checkpoint", checkpoint)
    assert code == 1 and "checkpoint 5: the log there has hash" in err and "rewritten" in err
    code, _, err = verify(workdir, "--key-file", "seal.key")
    assert code == 1 and "was not made with this key" in err


def test_events_appended_without_the_key_are_named(workdir: Path) -> None:
    code, _, err = in_process(
        "assert",
        "prisoner-releases",
        "3",
        "--date",
        "2025-02-12",
        "--source",
        "https://x.example/a",
        cwd=workdir,
    )
    assert code == 0, err
    code, _, err = verify(workdir, "--key-file", "seal.key")
    assert code == 1 and "positions 6–6 are not sealed" in err
    (workdir / "other.key").write_text("o" * 64)
    code, _, err = verify(workdir, "--key-file", "other.key")
    assert code == 1 and "was not made with this key" in err


def test_dropping_the_events_table(workdir: Path) -> None:
    shell(workdir, "DROP TABLE events")
    code, _, err = verify(workdir)
    assert code == 1 and "problem: schema: the table events is missing" in err


def test_a_flipped_byte(workdir: Path) -> None:
    path = workdir / "events.db"
    data = bytearray(path.read_bytes())
    offset = data.index(b"Story 3")
    data[offset + 6] ^= 0x01  # "Story 3" → "Story 2": still valid text, a different event
    path.write_bytes(bytes(data))
    code, _, err = verify(workdir)
    assert code == 1 and "hash does not match its contents" in err


def test_a_corrupt_file(workdir: Path) -> None:
    path = workdir / "events.db"
    data = bytearray(path.read_bytes())
    data[:100] = b"\xff" * 100  # the header
    path.write_bytes(bytes(data))
    code, _, err = verify(workdir)
    assert code == 1 and "problem:" in err


def test_a_corrupt_page(workdir: Path) -> None:
    path = workdir / "events.db"
    data = bytearray(path.read_bytes())
    page = 4096
    data[2 * page : 3 * page] = b"\x07" * page  # a whole b-tree page
    path.write_bytes(bytes(data))
    code, _, err = verify(workdir)
    assert code == 1 and "problem:" in err


def test_an_empty_file_with_our_application_id(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "events.db")
    conn.execute("PRAGMA application_id = 1414679345")  # "TRK1"
    conn.execute("PRAGMA user_version = 1")
    conn.close()
    code, _, err = verify(tmp_path)
    assert code == 1 and "the table events is missing" in err


def test_a_store_with_the_older_replace_guard_is_upgraded_by_a_writer(workdir: Path) -> None:
    from tracker.storage.audit import OUTDATED_GUARDS

    # Schema 2, as an older tracker left it: its REPLACE guard did not cover (stream, version),
    # and it had none of the columns later schemas added.
    shell(
        workdir,
        "DROP TRIGGER events_no_replace",
        OUTDATED_GUARDS["events_no_replace"],
        "DROP VIEW feed_state",
        "ALTER TABLE projection_errors DROP COLUMN event_id",
        "ALTER TABLE projection_errors DROP COLUMN skipped",
        "ALTER TABLE feed_polling DROP COLUMN revisions_deferred",
        "ALTER TABLE feed_polling DROP COLUMN churn_since",
        "ALTER TABLE polls DROP COLUMN revisions_deferred",
        "CREATE VIEW feed_state AS SELECT * FROM feed_polling",
        "PRAGMA user_version = 2",
    )
    code, _, err = verify(workdir)
    assert code == 0 and "events_no_replace is from an older tracker" in err
    code, _, err = in_process("rebuild", cwd=workdir)
    assert code == 0, err
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        shell(
            workdir,
            "REPLACE INTO events"
            " (position, id, stream, version, type, data, meta, recorded_at, prev_hash, hash)"
            " SELECT 6, 'forged', stream, version, type, data, meta, recorded_at, prev_hash, hash FROM events"
            " WHERE position = 1",
        )
    code, _, err = verify(workdir)
    assert code == 0 and "older tracker" not in err


def test_the_older_replace_guard_put_back_in_a_current_store_is_a_problem(workdir: Path) -> None:
    from tracker.storage.audit import OUTDATED_GUARDS

    shell(workdir, "DROP TRIGGER events_no_replace", OUTDATED_GUARDS["events_no_replace"])
    code, _, err = verify(workdir)
    assert code == 1 and "the trigger events_no_replace differs" in err


def test_an_index_that_no_longer_matches_its_table_needs_verify_full(workdir: Path) -> None:
    # The `events_type` index, redefined by hand: every page is sound, but its entries are not
    # the ones its new definition says, which only `integrity_check` compares.
    shell(
        workdir,
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = 'CREATE INDEX events_type ON events (stream, position)' "
        "WHERE name = 'events_type'",
    )
    code, out, err = verify(workdir)
    assert code == 0, err
    assert out.startswith("ok: 5 events")
    code, _, err = verify(workdir, "--full")
    assert code == 1
    assert "integrity_check" in err and "events_type" in err
