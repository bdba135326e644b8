"""The running daemon, in process: its reaction to a full disk, to clock jumps and to reloads
that cannot be applied, a store lock that never freezes its event loop, and its log lines."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from tests.helpers.feed_server import FeedServer, Item
from tracker.config import load_config
from tracker.daemon import Daemon, DaemonOptions
from tracker.daemon.log import configure
from tracker.storage import polling_store
from tracker.storage.store import Store


def daemon_for(tmp_path: Path, feeds: dict[str, str], interval: str = "1s") -> tuple[Daemon, io.StringIO]:
    config_path = tmp_path / "feeds.toml"
    config_path.write_text(
        "".join(
            f'[[feeds]]\nid = "{fid}"\nurl = "{url}"\ninterval = "{interval}"\n' for fid, url in feeds.items()
        )
    )
    log = io.StringIO()
    options = DaemonOptions(
        config_path=config_path,
        db_path=tmp_path / "events.db",
        heartbeat_every=0.3,
        reconcile_every=0.3,
        watchdog_every=0.2,
        probe_first=0.2,
        probe_max=0.5,
        install_signals=False,
    )
    logger = configure("text", "info", stream=log)
    return Daemon(load_config(config_path), options, logger=logger), log


async def run_with(daemon: Daemon, scenario: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(daemon.run())
    try:
        await asyncio.wait_for(daemon.ready.wait(), 30)
        await scenario()
    finally:
        daemon.request_stop()
        assert await asyncio.wait_for(task, 30) == 0


async def until(condition: Callable[[], object], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


def test_a_full_disk_pauses_polling_once_and_resumes_when_space_returns(tmp_path: Path) -> None:
    with FeedServer() as server:
        url = server.feed("/feed.xml", [Item("first", "First", "text")])
        daemon, log = daemon_for(tmp_path, {"feed": url})

        def stored() -> int:
            assert daemon.store is not None
            row = daemon.store.conn.execute("SELECT count(*) FROM events WHERE type = 'ArticleObserved'")
            return int(row.fetchone()[0])

        async def scenario() -> None:
            store = daemon.store
            assert store is not None
            await until(lambda: stored() == 1)
            pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
            store.conn.execute(f"PRAGMA max_page_count = {pages + 3}")  # SQLITE_FULL on the next batch
            server.add_items("/feed.xml", *(Item(f"n{n}", f"New {n}", "long text " * 300) for n in range(40)))
            await until(lambda: daemon.storage_problem is not None)
            assert "full" in (daemon.storage_problem or "")
            polls = daemon.polls
            await asyncio.sleep(2.5)  # several probes fail meanwhile
            assert daemon.polls == polls, "no polling while the store cannot be written"
            assert stored() == 1, "the failed batch left nothing behind"
            assert log.getvalue().count(" ERROR storage ") == 1, "the outage is reported once"
            store.conn.execute("PRAGMA max_page_count = 1073741823")
            await until(lambda: daemon.storage_problem is None)
            await until(lambda: stored() == 41)

        asyncio.run(run_with(daemon, scenario))
        assert "writable again: polling resumed" in log.getvalue()
        assert Store.open(tmp_path / "events.db", readonly=True).verify().events >= 41


def test_after_a_clock_jump_every_job_keeps_the_wait_it_had_left(tmp_path: Path) -> None:
    with FeedServer() as server:
        url = server.feed("/feed.xml", [Item("a", "A", "text")])
        db = tmp_path / "events.db"
        due = datetime.now(UTC) + timedelta(minutes=5)
        with Store.open(db) as store, store.transaction():  # polled a moment ago; next poll in 5 min
            record = polling_store.PollRecord(
                feed_id="feed", url=url, started_at=datetime.now(UTC), duration_ms=1, outcome="ok"
            )
            polling_store.record(
                store, record, consecutive_failures=0, gone=False, next_due=due, backoff_reason="interval"
            )
        daemon, log = daemon_for(tmp_path, {"feed": url}, interval="5m")

        def planned() -> datetime:
            run_time: datetime = daemon.jobs.scheduler.get_job("feed").next_run_time
            return run_time

        async def scenario() -> None:
            assert abs((planned() - due).total_seconds()) < 1, "a restart waits for the stored next poll"
            left = (due - datetime.now(UTC)).total_seconds()
            mono = time.monotonic()

            def wait_is_kept() -> bool:
                expected = left - (time.monotonic() - mono)
                return abs((planned() - datetime.now(UTC)).total_seconds() - expected) < 3

            for jump in (timedelta(hours=1), timedelta(hours=-1), timedelta(days=3653)):
                lines = log.getvalue().count("clock-jump")
                with time_machine.travel(datetime.now(UTC) + jump, tick=True):
                    await until(lambda: log.getvalue().count("clock-jump") > lines)  # noqa: B023
                    assert wait_is_kept(), (jump, planned())
                await until(lambda: log.getvalue().count("clock-jump") > lines + 1)  # noqa: B023
                assert wait_is_kept(), ("back from", jump, planned())
            assert len(server.hit_times("/feed.xml")) == 0, "no poll was fired by the jumps"

        asyncio.run(run_with(daemon, scenario))


@pytest.fixture(autouse=True)
def _detach_daemon_log() -> Iterator[None]:
    yield
    logging.getLogger("tracker.daemon").handlers.clear()
    logging.getLogger("apscheduler").handlers.clear()


def scheduled(daemon: Daemon) -> dict[str, datetime | None]:
    return {job.id: job.next_run_time for job in daemon.jobs.scheduler.get_jobs()}


def test_a_reload_that_cannot_be_scheduled_changes_nothing(tmp_path: Path) -> None:
    with FeedServer() as server:
        urls = {name: server.feed(f"/{name}.xml", [Item(name, name, "text")]) for name in "abc"}
        daemon, log = daemon_for(tmp_path, {"a": urls["a"], "b": urls["b"]}, interval="1h")
        config_path = tmp_path / "feeds.toml"

        async def scenario() -> None:
            before = scheduled(daemon)
            assert sorted(before) == ["a", "b"]
            # a dropped, c added with an interval no calendar can hold
            config_path.write_text(
                f'[[feeds]]\nid = "b"\nurl = "{urls["b"]}"\ninterval = "1h"\n'
                f'[[feeds]]\nid = "c"\nurl = "{urls["c"]}"\ninterval = "3000000d"\n'
            )
            daemon.reload()
            assert "keeping the running configuration" in log.getvalue()
            assert scheduled(daemon) == before and sorted(daemon.jobs.feeds) == ["a", "b"]
            assert daemon.config.feeds[0].id == "a", "the running configuration is kept whole"
            # The same change with a sane interval is applied.
            config_path.write_text(config_path.read_text().replace("3000000d", "1h"))
            daemon.reload()
            assert sorted(scheduled(daemon)) == sorted(daemon.jobs.feeds) == ["b", "c"]
            assert scheduled(daemon)["b"] == before["b"], "a kept feed keeps its planned poll"
            assert "reload feeds=2 added=c removed=a" in log.getvalue()

        asyncio.run(run_with(daemon, scenario))


def test_a_reload_that_fails_half_way_is_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FeedServer() as server:
        urls = {name: server.feed(f"/{name}.xml", [Item(name, name, "text")]) for name in "abc"}
        daemon, log = daemon_for(tmp_path, {"a": urls["a"], "b": urls["b"]}, interval="1h")
        config_path = tmp_path / "feeds.toml"

        async def scenario() -> None:
            before = scheduled(daemon)
            real_add_job = daemon.jobs.scheduler.add_job

            def add_job(*args: object, **kwargs: object) -> object:
                if kwargs.get("id") == "c":
                    raise RuntimeError("the scheduler refused the job")
                return real_add_job(*args, **kwargs)

            monkeypatch.setattr(daemon.jobs.scheduler, "add_job", add_job)
            config_path.write_text(  # a removed (applied first), b rescheduled, then c fails
                f'[[feeds]]\nid = "b"\nurl = "{urls["b"]}"\ninterval = "2h"\n'
                f'[[feeds]]\nid = "c"\nurl = "{urls["c"]}"\ninterval = "1h"\n'
            )
            daemon.reload()
            assert "RuntimeError: the scheduler refused the job; keeping the running configuration" in (
                log.getvalue()
            )
            assert scheduled(daemon) == before
            assert {f.id: f.interval for f in daemon.jobs.feeds.values()} == {"a": "1h", "b": "1h"}
            assert daemon.jobs.due.remaining("a") is not None

        asyncio.run(run_with(daemon, scenario))


def test_waiting_for_the_store_lock_never_freezes_the_event_loop(tmp_path: Path) -> None:
    with FeedServer() as server:
        url = server.feed("/feed.xml", [Item("first", "First", "text")])
        db = tmp_path / "events.db"
        daemon, log = daemon_for(tmp_path, {"feed": url})
        held, releasing = threading.Event(), threading.Event()

        def hold_the_write_lock(seconds: float) -> None:  # another process's long transaction
            conn = sqlite3.connect(db, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            held.set()
            time.sleep(seconds)
            releasing.set()
            conn.execute("COMMIT")
            conn.close()

        async def scenario() -> None:
            await until(lambda: daemon.polls >= 1)
            # A second daemon on the same store under another name (it did not exist at start): refused.
            os.link(db, tmp_path / "hard.db")
            config = str(tmp_path / "feeds.toml")
            second = await asyncio.to_thread(
                subprocess.run,
                [
                    sys.executable,
                    "-m",
                    "tracker",
                    "daemon",
                    "--config",
                    config,
                    "--db",
                    str(tmp_path / "hard.db"),
                ],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert second.returncode == 1 and "under another name" in second.stderr, second.stderr
            holder = threading.Thread(target=hold_the_write_lock, args=(3.0,))
            holder.start()
            await asyncio.to_thread(held.wait)
            polls, longest, last = daemon.polls, 0.0, time.monotonic()
            while True:
                await asyncio.sleep(0.02)
                now = time.monotonic()
                longest, last = max(longest, now - last), now
                if releasing.is_set():
                    break
                assert daemon.polls == polls, "a poll committed while another process held the lock"
            assert longest < 1.0, f"the event loop stood still for {longest:.1f} s"
            await until(lambda: daemon.polls >= polls + 2)  # the waiting polls got through
            await asyncio.to_thread(holder.join)

        asyncio.run(run_with(daemon, scenario))
        assert "database is locked" not in log.getvalue()


def test_the_daemon_says_when_its_first_poll_is_due_and_logs_every_poll_alike(tmp_path: Path) -> None:
    with FeedServer() as server:
        feeds = {
            "up": server.feed("/up.xml", [Item("a", "a", "text")]),
            "down": "http://127.0.0.1:9/feed.xml",
        }
        daemon, log = daemon_for(tmp_path, feeds)

        async def scenario() -> None:
            lines = log.getvalue().splitlines()
            started = next(i for i, line in enumerate(lines) if " INFO started " in line)
            waiting = next(line for line in lines[started:] if " INFO waiting " in line)
            assert "feed=" in waiting and "due=" in waiting and "wait=" in waiting
            await until(lambda: " WARNING poll " in log.getvalue() and " INFO poll " in log.getvalue())

        asyncio.run(run_with(daemon, scenario))
    polls = [line for line in log.getvalue().splitlines() if " poll " in line]
    keys = {
        line.split()[1]: [part.split("=")[0] for part in line.split()[3:] if "=" in part] for line in polls
    }
    info, warning = keys["INFO"], keys["WARNING"]
    assert [k for k in info if k in warning] == [k for k in warning if k in info]  # the same order
    assert keys["WARNING"][:2] == keys["INFO"][:2] == ["feed", "outcome"]
