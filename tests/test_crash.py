"""kill -9 at random moments while a process writes: nothing acknowledged is lost, no batch is
half-written, the file is intact, and a rebuild reproduces the projections exactly; with
`synchronous` FULL (the default) and NORMAL alike, since a killed process leaves its committed
WAL frames to the OS either way (only a power loss tells them apart)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.crash_writer import BATCH
from tests.helpers.tables import PROJECTED_TABLES
from tracker import app
from tracker.bootstrap import assemble
from tracker.config import default_config
from tracker.storage.store import Store

KILLS = int(os.environ.get("TRACKER_CRASH_KILLS", "30"))


def dump(store: Store, table: str) -> list[tuple[object, ...]]:
    return store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()  # noqa: S608


@pytest.mark.slow
@pytest.mark.parametrize("synchronous", ["full", "normal"])
def test_sigkill_loses_nothing_committed_and_leaves_no_partial_batch(
    tmp_path: Path, synchronous: str
) -> None:
    db = tmp_path / "events.db"
    Store.open(db).close()
    rng = random.Random(20251211)
    acknowledged: set[int] = set()
    root = Path(__file__).resolve().parents[1]
    for round_index in range(KILLS):
        next_batch = round_index * 100_000  # batch ids never collide across runs
        writer = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.crash_writer", str(db), str(next_batch)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
            env={**os.environ, "TRACKER_SYNCHRONOUS": synchronous},
        )
        assert writer.stdout is not None
        # Killed while it writes, not while the interpreter starts (which takes seconds on a busy
        # machine): after its first commit, at a random moment.
        first = writer.stdout.readline()
        time.sleep(rng.uniform(0.0, 0.6))
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate()
        acknowledged.update(int(line) for line in (first + out).split())

    store = Store.open(db)
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    partial = store.conn.execute(
        "SELECT json_extract(meta, '$.batch'), count(*) FROM events GROUP BY 1 HAVING count(*) != ?", (BATCH,)
    ).fetchall()
    assert partial == []
    stored = {
        row[0] for row in store.conn.execute("SELECT DISTINCT json_extract(meta, '$.batch') FROM events")
    }
    assert acknowledged <= stored, f"acknowledged but lost: {sorted(acknowledged - stored)[:5]}"
    assert len(acknowledged) >= KILLS // 2, "the writer hardly ever committed: the test proves nothing"
    assert store.verify().events == len(stored) * BATCH

    # Projections were caught up inside each batch's transaction; a rebuild gives the same rows.
    app.catch_up(assemble(default_config(), store))
    before = {table: dump(store, table) for table in PROJECTED_TABLES}
    copy = tmp_path / "rebuilt.db"
    store.conn.execute(f"VACUUM INTO '{copy}'")
    rebuilt = Store.open(copy)
    app.rebuild(assemble(default_config(), rebuilt))
    assert {table: dump(rebuilt, table) for table in PROJECTED_TABLES} == before
    assert before["articles"], "nothing was projected"
    shutil.rmtree(tmp_path, ignore_errors=True)
