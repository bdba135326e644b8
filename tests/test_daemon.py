"""`tracker daemon` as users run it: a subprocess against real loopback feeds.

Good, changing, slow, failing (500, 429 + Retry-After, 410) feeds at intervals of a few seconds;
reports read the store while the daemon writes; SIGTERM, kill -9, a second daemon, SIGHUP.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import tracker
from tests.helpers.feed_server import FeedServer, Item

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

RELEASE_1 = Item(
    "release-17",
    "Belarus frees 17 political prisoners",
    "Belarus released 17 political prisoners on Monday, the U.S. State Department said.",
    "Mon, 02 Mar 2026 10:00:00 GMT",
)
RELEASE_2 = Item(
    "release-5",
    "Belarus frees five more",
    "Belarus freed 5 more political prisoners on Wednesday, officials in Vilnius said.",
    "Wed, 04 Mar 2026 10:00:00 GMT",
)


def feeds_toml(feeds: dict[str, str], *, interval: str = "2s", deadline: str = "2s", extra: str = "") -> str:
    tables = "".join(
        f'\n[[feeds]]\nid = "{fid}"\nurl = "{url}"\ninterval = "{interval}"\n' for fid, url in feeds.items()
    )
    fetch = f'[fetch]\ndeadline = "{deadline}"\nconnect_timeout = "1s"\nread_timeout = "{deadline}"\n'
    return fetch + extra + tables


class Daemon:
    """One `python -m tracker daemon` process; stderr goes to a file the test can read."""

    def __init__(self, config: Path, db: Path, log: Path) -> None:
        self.log = log
        self._log_file = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "daemon", "--config", str(config), "--db", str(db)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._log_file,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 10.0) -> tuple[int, float]:
        started = time.monotonic()
        self.process.send_signal(sig)
        code = self.process.wait(timeout)
        self._log_file.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._log_file.close()


@pytest.fixture
def daemons() -> Iterator[list[Daemon]]:
    started: list[Daemon] = []
    yield started
    for daemon in started:
        daemon.kill()


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def query(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:  # not created yet
        return []
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # no tables yet
        return []
    finally:
        conn.close()


def count(db: Path, sql: str, *params: object) -> int:
    rows = query(db, sql, *params)
    return int(rows[0][0]) if rows else 0


def event_count(db: Path) -> int:
    return count(db, "SELECT count(*) FROM events")


def stored_guids(db: Path) -> set[object]:
    return {
        row[0]
        for row in query(db, "SELECT json_extract(data, '$.guid') FROM events WHERE type = 'ArticleObserved'")
    }


def report_urls(config: Path, db: Path) -> set[str]:
    result = tracker("report", "--format", "json", "--config", str(config), "--db", str(db))
    if result.code != 0:
        return set()
    text = result.out
    return {
        url for url in ("https://news.invalid/release-17", "https://news.invalid/release-5") if url in text
    }


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_polls_on_schedule_backs_off_reports_live_and_restarts_without_duplicates(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    # Long on purpose: one daemon's life told in order (polls, back-off, live report, restart);
    # each step starts from the state the one before left.
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server:
        urls = {
            "steady": server.feed("/steady.xml", [Item("s1", "Weather", "Sunny in Minsk.")]),
            "changing": server.feed("/changing.xml", [RELEASE_1]),
            "slow": server.slow("/slow.xml", 4.0, [Item("slow1", "Late", "Too late.")]),
            "broken": server.status("/broken.xml", 500),
            "limited": server.status("/limited.xml", 429, {"Retry-After": "5"}),
            "gone": server.status("/gone.xml", 410),
        }
        config.write_text(feeds_toml(urls))
        started = time.monotonic()
        daemon = Daemon(config, db, tmp_path / "daemon.log")
        daemons.append(daemon)

        # A report (another process, read-only) sees the first article while the daemon runs...
        wait_for(lambda: "https://news.invalid/release-17" in report_urls(config, db), 25, "first article")
        feeds = tracker("feeds", "--config", str(config), "--db", str(db))
        assert feeds.code == 0
        assert f"daemon: alive (pid {daemon.pid}" in feeds.err
        # ... and a new one published meanwhile.
        server.add_items("/changing.xml", RELEASE_2)
        wait_for(lambda: "https://news.invalid/release-5" in report_urls(config, db), 20, "the new article")

        remaining = 22 - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)
        code, took = daemon.stop()
        ran = time.monotonic() - started
        assert code == 0, daemon.text()[-2000:]
        assert took < 10

        # Good feeds were polled on schedule.
        steady = server.hit_times("/steady.xml")
        assert len(steady) >= 0.6 * ran / 2, (len(steady), ran)
        assert 1.5 <= statistics.median(gaps(steady)) <= 3.5
        polls = count(db, "SELECT count(*) FROM polls WHERE feed_id = 'steady'")
        assert polls == len(steady)
        # Failures back off: every wait longer than the one before.
        broken = gaps(server.hit_times("/broken.xml"))
        assert len(broken) >= 2
        assert all(later > earlier * 1.2 for earlier, later in itertools.pairwise(broken)), broken
        # Retry-After is honoured.
        assert min(gaps(server.hit_times("/limited.xml"))) >= 4.8
        # Gone is polled once.
        assert len(server.hit_times("/gone.xml")) == 1
        # The slow feed ran into the deadline, and that was recorded.
        assert count(db, "SELECT count(*) FROM polls WHERE feed_id = 'slow' AND error_category = 'timeout'")
        assert query(db, "SELECT gone, backoff_reason FROM feed_state WHERE feed_id = 'gone'") == [
            (1, "gone")
        ]
        state = query(
            db, "SELECT consecutive_failures, backoff_reason FROM feed_state WHERE feed_id = 'broken'"
        )
        assert state[0][0] == len(broken) + 1 and str(state[0][1]).startswith("backoff")
        log = daemon.text()
        assert "poll feed=steady outcome=ok status=200 new=1" in log
        assert "feed=broken" in log and "stopped polls=" in log

        # A restart against unchanged feeds appends nothing and does not poll the gone feed.
        before = event_count(db)
        again = Daemon(config, db, tmp_path / "daemon2.log")
        daemons.append(again)
        wait_for(lambda: len(server.hit_times("/steady.xml")) >= len(steady) + 2, 15, "polls after restart")
        assert event_count(db) == before
        assert len(server.hit_times("/gone.xml")) == 1
        # Until the user acts: `tracker feeds reset` from another process reaches the running daemon.
        reset = tracker("feeds", "reset", "gone", "--config", str(config), "--db", str(db))
        assert reset.code == 0, reset.err
        wait_for(lambda: len(server.hit_times("/gone.xml")) == 2, 15, "the reset feed to be polled")
        code, _ = again.stop()
        assert code == 0
        assert tracker("verify", "--db", str(db)).code == 0


def test_kill_9_mid_poll_loses_nothing_and_duplicates_nothing(tmp_path: Path, daemons: list[Daemon]) -> None:
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server:
        paths = [f"/busy-{n}.xml" for n in range(6)]
        urls = {f"busy-{n}": server.feed(path) for n, path in enumerate(paths)}
        config.write_text(feeds_toml(urls, interval="1s"))
        serial = 0

        def publish(rounds: int) -> None:
            nonlocal serial
            for _ in range(rounds):
                for path in paths:
                    serial += 1
                    server.add_items(
                        path, Item(f"a{serial}", f"Article {serial}", f"Text of article {serial}. " * 20)
                    )
                time.sleep(0.1)

        for kill in range(3):
            polls = count(db, "SELECT count(*) FROM polls")
            daemon = Daemon(config, db, tmp_path / f"daemon{kill}.log")
            daemons.append(daemon)
            wait_for(lambda: count(db, "SELECT count(*) FROM polls") > polls, 15, "polls")  # noqa: B023
            publish(15 + kill * 7)  # the kill lands while polls are busy storing new articles
            daemon.kill()

        final = Daemon(config, db, tmp_path / "final.log")
        daemons.append(final)
        wait_for(lambda: " INFO started " in final.text(), 15, "the daemon to start")
        wait_for(lambda: len(stored_guids(db)) == serial, 20, "every published article to be stored")
        assert server.served_guids() <= stored_guids(db), "an article served before a kill was lost"
        code, _ = final.stop()
        assert code == 0

    rows = query(db, "SELECT stream, count(*) FROM events WHERE type = 'ArticleObserved' GROUP BY stream")
    assert all(count == 1 for _, count in rows), "an article was observed twice"
    assert len(rows) == serial
    verify = tracker("verify", "--db", str(db))
    assert verify.code == 0, verify.err


def test_one_daemon_per_store_and_sighup_reloads(tmp_path: Path, daemons: list[Daemon]) -> None:
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server:
        a, b, c = (server.feed(f"/{name}.xml", [Item(name, name, name)]) for name in "abc")
        config.write_text(feeds_toml({"a": a, "b": b}))
        first = Daemon(config, db, tmp_path / "first.log")
        daemons.append(first)
        wait_for(lambda: server.hit_times("/a.xml") and server.hit_times("/b.xml"), 15, "both feeds polled")

        second = tracker("daemon", "--config", str(config), "--db", str(db))
        assert second.code == 1
        assert f"another daemon (pid {first.pid}) holds {db}.lock" in second.err

        config.write_text(feeds_toml({"b": b, "c": c}))
        first.process.send_signal(signal.SIGHUP)
        wait_for(lambda: server.hit_times("/c.xml"), 10, "the added feed")
        wait_for(lambda: "reload" in first.text() and "removed=a" in first.text(), 5, "the reload line")
        a_polls = len(server.hit_times("/a.xml"))

        config.write_text(feeds_toml({"b": b}, extra="bogus = 1\n"))
        first.process.send_signal(signal.SIGHUP)
        wait_for(lambda: "keeping the running configuration" in first.text(), 5, "the reload error")
        assert f"{config}: fetch: bogus: unknown key" in first.text()
        b_polls = len(server.hit_times("/b.xml"))
        wait_for(lambda: len(server.hit_times("/c.xml")) >= 3, 10, "c still polled after a bad reload")
        assert len(server.hit_times("/b.xml")) > b_polls
        assert len(server.hit_times("/a.xml")) == a_polls, "a removed feed is no longer polled"
        code, _ = first.stop(signal.SIGINT)
        assert code == 0
    assert os.path.exists(f"{db}.lock")
    assert json.loads(query(db, "SELECT detail FROM daemon_heartbeat")[0][0])["state"] == "stopped"


def test_sigterm_lets_a_poll_in_flight_commit_and_a_second_signal_exits_at_once(
    tmp_path: Path, daemons: list[Daemon]
) -> None:
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server:
        url = server.slow("/slow.xml", 2.0, [Item("late", "Late", "Worth the wait.")])
        config.write_text(feeds_toml({"slow": url}, deadline="8s"))
        daemon = Daemon(config, db, tmp_path / "first.log")
        daemons.append(daemon)
        wait_for(lambda: server.hit_times("/slow.xml"), 15, "the poll to start")
        code, took = daemon.stop()
        assert code == 0 and took >= 1.0, "stopped without waiting for the poll in flight"
        assert query(db, "SELECT outcome FROM polls") == [("ok",)]
        assert stored_guids(db) == {"late"}

        again = Daemon(config, db, tmp_path / "second.log")
        daemons.append(again)
        wait_for(lambda: len(server.hit_times("/slow.xml")) == 2, 15, "the next poll to start")
        again.process.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        code, took = again.stop(signal.SIGTERM)
        assert code == 128 + signal.SIGTERM and took < 1.5, (code, took)
        assert "second SIGTERM: exiting now" in again.text()
    assert count(db, "SELECT count(*) FROM polls") == 1, "the interrupted poll left nothing"
    assert tracker("verify", "--db", str(db)).code == 0
