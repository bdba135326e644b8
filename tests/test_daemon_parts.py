"""The daemon's parts, in process: lock, clock watch, log rate-limiting, parse workers and chunked
catch-up (the running daemon is in test_daemon_running.py)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from tests.helpers.feed_server import FeedServer, Item, rss
from tracker.bootstrap import projection_runner
from tracker.config import default_config, load_config
from tracker.daemon.catchup import CatchUpWorker
from tracker.daemon.clockwatch import ClockWatch, DueTimes
from tracker.daemon.lock import DaemonLock, lock_path_for
from tracker.daemon.log import RepeatFilter, configure, emit
from tracker.errors import FeedRejected, LockHeld, NotAFeed
from tracker.events import ArticleObserved
from tracker.net.fetch import Fetcher
from tracker.parsing.feed import parse_feed
from tracker.parsing.pool import ParsePool, ParseTimedOut
from tracker.polling import poll_feed
from tracker.storage.store import Store

# --- the lock -----------------------------------------------------------------------------------------


def test_the_lock_is_exclusive_names_its_holder_and_is_released(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    lock = DaemonLock.acquire(db)
    assert lock_path_for(db).read_text().strip().isdigit()
    with pytest.raises(LockHeld) as held:
        DaemonLock.acquire(db)
    assert str(held.value) == f"another daemon (pid {lock_path_for(db).read_text().strip()}) holds {db}.lock"
    assert not db.exists(), "the lock never touches the database file"
    lock.release()
    with DaemonLock.acquire(db) as again:
        assert again.held


def test_the_lock_goes_by_the_database_file_not_by_its_name(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    Store.open(db).close()
    (tmp_path / "link.db").symlink_to(db)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.link(db, elsewhere / "hard.db")  # the same file, by a name in another directory
    with DaemonLock.acquire(db):
        with pytest.raises(LockHeld, match=f"holds {db}.lock"):
            DaemonLock.acquire(tmp_path / "link.db")
        with pytest.raises(LockHeld, match="under another name"):
            DaemonLock.acquire(elsewhere / "hard.db")
    with DaemonLock.acquire(elsewhere / "hard.db"), pytest.raises(LockHeld):
        DaemonLock.acquire(db)


def test_a_lock_file_that_cannot_be_written_exits_75_for_the_supervisor(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nid = "a"\nurl = "http://127.0.0.1:9/feed.xml"\n')

    def no_room_for_files() -> None:  # every write to a file fails, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))

    command = [
        sys.executable,
        "-m",
        "tracker",
        "daemon",
        "--config",
        str(config),
        "--db",
        str(tmp_path / "e.db"),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=60, preexec_fn=no_room_for_files, check=False
    )
    assert result.returncode == 75, result.stderr
    assert "cannot write the lock file" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "e.db").exists()


# --- clocks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("jump", [timedelta(hours=1), timedelta(hours=-1), timedelta(days=3653)])
def test_the_watch_notices_wall_clock_jumps(jump: timedelta) -> None:
    watch = ClockWatch(threshold=10)
    assert watch.check() is None
    with time_machine.travel(datetime.now(UTC) + jump, tick=True):
        seen = watch.check()
        assert seen is not None and abs(seen - jump.total_seconds()) < 5
        assert watch.check() is None, "a jump is reported once"
    assert watch.check() is not None, "and the jump back as well"


def test_planned_polls_keep_their_remaining_wait_across_a_jump() -> None:
    due = DueTimes()
    due.set("feed", datetime.now(UTC) + timedelta(seconds=300))
    with time_machine.travel(datetime.now(UTC) - timedelta(hours=1), tick=True):
        (feed_id, when), *_ = list(due.wall_times())
        left = (when - datetime.now(UTC)).total_seconds()
        assert feed_id == "feed" and 295 <= left <= 300


# --- log rate-limiting --------------------------------------------------------------------------------


def test_identical_failures_are_logged_once_per_quiet_period() -> None:
    now = [0.0]
    repeats = RepeatFilter(quiet=600, monotonic=lambda: now[0])
    assert repeats.failure("f", "http:HTTP 500") == (True, 0)
    for _ in range(5):
        now[0] += 60
        assert repeats.failure("f", "http:HTTP 500")[0] is False
    assert repeats.failure("f", "timeout:deadline") == (True, 0), "a different failure is news"
    now[0] += 700
    assert repeats.failure("f", "timeout:deadline") == (True, 0)
    assert repeats.failure("f", "timeout:deadline") == (False, 1)
    now[0] += 601
    assert repeats.failure("f", "timeout:deadline") == (True, 1), "the summary counts what was left out"
    assert repeats.success("f") == 0


def test_log_lines_neutralise_what_servers_send() -> None:
    for fmt in ("text", "json"):
        stream = io.StringIO()
        logger = configure(fmt, "info", stream=stream)
        emit(logger, logging.WARNING, "poll", feed="evil", error='HTTP 500 "x"\x1b[2J\u202e\nforged line')
        line = stream.getvalue()
        assert line.count("\n") == 1 and "\x1b" not in line and "\u202e" not in line, line
        if fmt == "json":
            assert json.loads(line)["error"] == 'HTTP 500 "x"\x1b[2J\u202e\nforged line'
        else:
            assert 'error="HTTP 500 \\"x\\"\\x1b[2J\\u202e forged line"' in line


# --- parse workers ------------------------------------------------------------------------------------

SMALL = rss([Item(f"g{n}", f"Title {n}", "word " * 60) for n in range(20)])


def slow_feed(items: int = 4000) -> bytes:
    """~1 MB that feedparser needs about a second for: plenty against a 0.3 s timeout. The DOCTYPE
    keeps it off the fast path for well-formed feeds, which would read it in a few milliseconds."""
    body = rss([Item(f"g{n}", f"T{n}", "word " * 20) for n in range(items)])
    return body.replace(b"<rss", b"<!DOCTYPE rss>\n<rss", 1)


def test_a_parse_that_runs_too_long_is_killed_and_the_worker_replaced() -> None:
    with ParsePool(1, timeout=0.3) as pool:
        pool.warm()
        started = time.monotonic()
        with pytest.raises(ParseTimedOut, match="parse timed out"):
            pool.parse(slow_feed())
        assert time.monotonic() - started < 3
        first_pid = pool.stats().workers_started
        assert len(pool.parse(SMALL).entries) == 20, "the next parse gets a fresh worker"
        stats = pool.stats()
        assert (stats.timeouts, stats.workers_started) == (1, first_pid + 1)


def test_parse_errors_and_memory_exhaustion_come_back_as_parse_errors() -> None:
    with ParsePool(1, memory_limit=64 * 2**20) as pool:
        with pytest.raises(NotAFeed):
            pool.parse(b"<html><body>hello</body></html>", content_type="text/html")
        with pytest.raises(FeedRejected, match="64 MiB"):
            pool.parse(rss([Item("big", "Big", "x" * 6 * 2**20)]))  # feedparser needs well over 64 MiB
        assert len(pool.parse(SMALL).entries) == 20
        assert pool.stats().workers_started == 2, "a worker that ran out of memory is replaced"


def test_a_reused_worker_adds_little_to_a_parse() -> None:
    with ParsePool(1) as pool:
        pool.parse(SMALL)  # start the worker
        inline, pooled = [], []
        for _ in range(30):
            started = time.perf_counter()
            parse_feed(SMALL)
            inline.append(time.perf_counter() - started)
            started = time.perf_counter()
            pool.parse(SMALL)
            pooled.append(time.perf_counter() - started)
        overhead = statistics.median(pooled) - statistics.median(inline)
        assert overhead < 0.025, f"{overhead * 1000:.1f} ms per parse"  # ~0.7 ms when the machine is idle


def test_a_poll_whose_parse_times_out_is_a_recorded_failure(tmp_path: Path) -> None:
    with (
        FeedServer() as server,
        Store.open(tmp_path / "events.db") as store,
        ParsePool(1, timeout=0.3) as pool,
    ):
        server.static("/huge.xml", slow_feed())
        config_path = tmp_path / "feeds.toml"
        config_path.write_text(f'[[feeds]]\nid = "huge"\nurl = "{server.url("/huge.xml")}"\n')
        config = load_config(config_path)

        async def poll() -> None:
            async with Fetcher() as fetcher:
                result = await poll_feed(
                    config.feeds[0],
                    fetcher=fetcher,
                    store=store,
                    runner=projection_runner(config),
                    parser=pool,
                )
            assert result.failed and result.category == "parse-timeout"

        asyncio.run(poll())
        row = store.conn.execute("SELECT outcome, error_category, error FROM polls").fetchone()
        assert row[:2] == ("failed", "parse-timeout") and "parse timed out" in row[2]
        assert store.conn.execute("SELECT consecutive_failures FROM feed_state").fetchone()[0] == 1


# --- chunked catch-up ---------------------------------------------------------------------------------


def test_the_catch_up_worker_works_in_short_transactions(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    with Store.open(db) as store, store.transaction():
        store.append(
            ArticleObserved(feed_id="f", entry_key=f"k{n}", title=f"t{n}", content_hash=f"h{n}")
            for n in range(3000)
        )
    errors: list[BaseException] = []
    runner = projection_runner(default_config())
    cheap = ("articles", "feed_history")
    worker = CatchUpWorker(
        db,
        runner,
        projections=cheap,
        target_seconds=0.01,
        on_storage_failure=errors.append,
        on_error=errors.append,
    )
    worker.start()
    try:
        with Store.open(db, readonly=True) as reader:
            wait_until(lambda: all(s.lag == 0 for s in runner.status(reader) if s.name in cheap), 30)
    finally:
        assert worker.stop()
    assert not errors
    assert worker.chunks > 3, "one long transaction would block polls"


def wait_until(condition: Callable[[], object], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def _detach_daemon_log() -> Iterator[None]:
    yield
    logging.getLogger("tracker.daemon").handlers.clear()
    logging.getLogger("apscheduler").handlers.clear()
