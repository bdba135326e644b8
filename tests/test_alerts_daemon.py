"""Alerts from `tracker daemon` as users run it: a subprocess polling a loopback feed, a loopback
webhook and a command hook; `kill -9` between the change and its delivery; retries; a rebuild."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.helpers.cli import tracker
from tests.helpers.feed_server import FeedServer, Item
from tests.helpers.webhook import WebhookReceiver, command_hook, hook_payloads
from tests.test_daemon import Daemon, count, daemons, feeds_toml, wait_for

pytestmark = pytest.mark.slow
__all__ = ["daemons"]  # the fixture

INTERVAL = 3.0
REOPENED = Item(
    "embassy-reopened",
    "U.S. embassy in Minsk reopens",
    "The U.S. embassy in Minsk has reopened, the State Department said on Monday.",
    "Mon, 02 Mar 2026 10:00:00 GMT",
)


def setup(tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver) -> tuple[Path, Path, Path]:
    command, out = command_hook(tmp_path)
    alerts = (
        f'[[alerts]]\nid = "desk"\nwebhook = "{webhook.url}"\nretry_after = "1s"\ntimeout = "2s"\n\n'
        f'[[alerts]]\nid = "hook"\ncommand = {json.dumps(command)}\nretry_after = "1s"\n\n'
    )
    config = tmp_path / "feeds.toml"
    config.write_text(feeds_toml({"news": feed.feed("/news.xml")}, interval="3s", extra=alerts))
    return config, tmp_path / "events.db", out


def start(config: Path, db: Path, tmp_path: Path, started: list[Daemon]) -> Daemon:
    daemon = Daemon(config, db, tmp_path / "daemon.log")
    started.append(daemon)
    wait_for(lambda: count(db, "SELECT count(*) FROM polls") > 0, 30, "a first poll")
    return daemon


def delivered(db: Path) -> int:
    return count(db, "SELECT count(*) FROM alert_deliveries WHERE status = 'delivered'")


def test_the_daemon_announces_a_reopening_once_within_a_poll_interval(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver, daemons: list[Daemon]
) -> None:
    config, db, out = setup(tmp_path, feed, webhook)
    daemon = start(config, db, tmp_path, daemons)
    published = time.monotonic()
    feed.add_items("/news.xml", REOPENED)
    wait_for(lambda: webhook.accepted() and hook_payloads(out), 30, "both alerts")
    elapsed = time.monotonic() - published
    # Published at most one interval before the poll that sees it, delivered within the next.
    assert elapsed < 2 * INTERVAL, f"{elapsed:.1f}s"
    polls = count(db, "SELECT count(*) FROM polls")
    wait_for(lambda: count(db, "SELECT count(*) FROM polls") >= polls + 2, 30, "two more polls")
    (alert,) = webhook.accepted()
    (hooked,) = hook_payloads(out)
    assert (alert.body["old"], alert.body["new"]) == ("suspended", "reopened")
    assert hooked["key"] == alert.key and alert.body["sources"] == ["https://news.invalid/embassy-reopened"]
    assert daemon.stop()[0] == 0
    assert daemon.text().count("outcome=delivered") == 2  # one per destination


def test_kill_9_before_delivery_then_a_restart_delivers_exactly_once(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver, daemons: list[Daemon]
) -> None:
    config, db, out = setup(tmp_path, feed, webhook)
    webhook.failures = [503] * 1000
    Path(str(out) + ".fail").touch()
    daemon = start(config, db, tmp_path, daemons)
    feed.add_items("/news.xml", REOPENED)
    recorded = "SELECT count(*) FROM alert_deliveries WHERE status = 'pending' AND attempts >= 1"
    wait_for(lambda: count(db, recorded) == 2, 30, "both deliveries recorded and tried")
    daemon.process.send_signal(signal.SIGKILL)
    daemon.process.wait(10)
    webhook.failures = []
    Path(str(out) + ".fail").unlink()
    daemon = start(config, db, tmp_path, daemons)
    wait_for(lambda: delivered(db) == 2, 30, "both deliveries after the restart")
    polls = count(db, "SELECT count(*) FROM polls")
    wait_for(lambda: count(db, "SELECT count(*) FROM polls") >= polls + 2, 30, "two more polls")
    assert len(webhook.accepted()) == 1 and len(hook_payloads(out)) == 1
    assert count(db, "SELECT count(*) FROM alert_deliveries") == 2


def test_a_webhook_failing_three_times_gets_it_on_the_fourth_and_a_rebuild_sends_nothing(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver, daemons: list[Daemon]
) -> None:
    config, db, out = setup(tmp_path, feed, webhook)
    webhook.failures = [500, 500, 500]
    daemon = start(config, db, tmp_path, daemons)
    feed.add_items("/news.xml", REOPENED)
    wait_for(lambda: webhook.accepted(), 40, "the fourth attempt")
    assert [r.status for r in webhook.received] == [500, 500, 500, 200]
    assert len({r.key for r in webhook.received}) == 1
    assert daemon.stop()[0] == 0

    assert tracker("rebuild", "--config", str(config), "--db", str(db)).code == 0
    daemon = start(config, db, tmp_path, daemons)
    polls = count(db, "SELECT count(*) FROM polls")
    wait_for(lambda: count(db, "SELECT count(*) FROM polls") >= polls + 2, 30, "two more polls")
    assert len(webhook.received) == 4 and len(hook_payloads(out)) == 1
    assert daemon.stop()[0] == 0
