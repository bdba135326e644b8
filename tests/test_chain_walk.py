"""The chain's walk split in two, the far half in a second process, finds what one walk finds, on
sound and on broken logs (edited, removed and re-linked rows, at and around the split)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.events import article
from tracker.storage.chain_walk import _result_of, _start_elsewhere, walk, walk_chain
from tracker.storage.connect import connect
from tracker.storage.store import Store

EVENTS = 120  # the split falls after position 60; the head is 120

BREAKS = {
    "sound": [],
    "an edited row in each half": [
        "UPDATE events SET data = json_set(data, '$.title', 'Forged') WHERE position IN (7, 95)"
    ],
    "the rows at the split removed": ["DELETE FROM events WHERE position IN (60, 61)"],
    "the first row of the far half re-linked": [
        "UPDATE events SET prev_hash = 'f' || substr(prev_hash, 2) WHERE position = 61"
    ],
    "the last row of the near half edited": [
        "UPDATE events SET data = json_set(data, '$.title', 'X') WHERE position = 60"
    ],
    "a hash that is not hex before the split": ["UPDATE events SET hash = 'not hex' WHERE position = 60"],
    "the head removed": ["DELETE FROM events WHERE position = 120"],
    "a row out of range": [
        "INSERT INTO events SELECT -5, 'odd', stream || '-odd', version, type, schema_version, data, meta, "
        "occurred_at, recorded_at, prev_hash, hash FROM events WHERE position = 3"
    ],
}


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chain") / "events.db"
    store = Store.open(path)
    with store.transaction():
        store.append([article(f"k{i}") for i in range(EVENTS)])
    store.close()
    return path


@pytest.fixture
def broken(sound: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[sqlite3.Connection]:
    path = tmp_path / "events.db"
    path.write_bytes(sound.read_bytes())
    shell = sqlite3.connect(path, isolation_level=None)
    for trigger in ("events_no_update", "events_no_delete", "events_no_replace", "events_dense_positions"):
        shell.execute(f"DROP TRIGGER {trigger}")
    for statement in BREAKS[request.param]:
        shell.execute(statement)
    shell.close()
    conn = connect(path, readonly=True)
    yield conn
    conn.close()


@pytest.mark.parametrize("broken", list(BREAKS), indirect=True)
def test_a_split_walk_finds_what_one_walk_finds(broken: sqlite3.Connection) -> None:
    whole = walk(broken, None, None)
    assert walk_chain(broken, split_above=10) == whole
    assert walk_chain(broken) == whole  # small: walked in one piece


@pytest.mark.parametrize("broken", ["sound", "an edited row in each half"], indirect=True)
def test_the_far_half_is_walked_by_another_process(broken: sqlite3.Connection) -> None:
    path = Path(broken.execute("PRAGMA database_list").fetchone()[2])
    process = _start_elsewhere(path, 60, EVENTS)
    assert process is not None
    assert _result_of(process) == walk(broken, 60, EVENTS)


def test_a_far_half_that_cannot_be_walked_elsewhere_is_walked_here(tmp_path: Path) -> None:
    process = _start_elsewhere(tmp_path / "missing.db", 0, 10)
    assert process is not None and _result_of(process) is None


@pytest.mark.parametrize("broken", ["sound", "an edited row in each half"], indirect=True)
def test_what_the_split_walk_finds_is_what_verify_reports(broken: sqlite3.Connection) -> None:
    whole = walk(broken, None, None)
    assert (whole.broken == 0) == (whole.first_problem is None)
    if whole.first_problem is not None:
        assert whole.first_problem == ("position 7: hash does not match its contents", 7)
        assert whole.broken == 2
