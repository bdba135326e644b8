"""Alerts end to end in one process: a loopback feed, a loopback webhook and a command hook,
real SQLite files; the store's clock is stepped to test back-off."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import shutil
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from tests.helpers.cli import in_process
from tests.helpers.clock import StepClock
from tests.helpers.feed_server import FeedServer, Item
from tests.helpers.webhook import WebhookReceiver, command_hook, hook_payloads
from tests.test_user_subject import readme_example
from tracker import app
from tracker.alerts import reactor
from tracker.bootstrap import open_tracker
from tracker.config import Config, load_config
from tracker.errors import ConfigError

REOPENED = Item(
    "embassy-reopened",
    "U.S. embassy in Minsk reopens",
    "The U.S. embassy in Minsk has reopened, the State Department said on Monday.",
    "Mon, 02 Mar 2026 10:00:00 GMT",
)
ARTICLE_URL = "https://news.invalid/embassy-reopened"


def write_config(folder: Path, feed_url: str, alerts: str) -> Path:
    path = folder / "feeds.toml"
    path.write_text(f'[[feeds]]\nid = "news"\nurl = "{feed_url}"\n\n{alerts}', encoding="utf-8")
    return path


def alerts_toml(webhook: WebhookReceiver, command: list[str], *, extra: str = "") -> str:
    return (
        f'[[alerts]]\nid = "desk"\nwebhook = "{webhook.url}"\nretry_after = "1s"\ntimeout = "5s"\n{extra}\n'
        f'[[alerts]]\nid = "hook"\ncommand = {json.dumps(command)}\nretry_after = "1s"\n{extra}\n'
    )


def fetch(config: Config, db: Path, clock: StepClock) -> app.FetchSummary:
    with open_tracker(config, db, create=True, clock=clock) as tracked:
        return asyncio.run(app.fetch_feeds(tracked))


def test_a_reopening_is_announced_once_to_a_webhook_and_a_command(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver
) -> None:
    command, out = command_hook(tmp_path)
    config = load_config(write_config(tmp_path, feed.feed("/news.xml"), alerts_toml(webhook, command)))
    clock, db = StepClock(), tmp_path / "events.db"
    fetch(config, db, clock)
    assert webhook.received == [] and hook_payloads(out) == []  # nothing known, nothing announced

    feed.add_items("/news.xml", REOPENED)
    summary = fetch(config, db, clock)
    assert [(o.alert_id, o.error) for o in summary.alerts] == [("desk", None), ("hook", None)]
    (delivery,) = webhook.accepted()
    (hooked,) = hook_payloads(out)
    for payload in (delivery.body, hooked):
        assert payload["subject"] == "us-embassy-minsk" and payload["kind"] == "state"
        assert (payload["old"], payload["new"]) == ("suspended", "reopened")
        assert payload["date"] == "2026-03-02"
        assert "has reopened" in payload["evidence"][0]["sentence"]
        assert payload["sources"] == [ARTICLE_URL]
    assert delivery.key == delivery.body["key"] == hooked["key"]
    assert (delivery.body["alert"], hooked["alert"]) == ("desk", "hook")

    fetch(config, db, clock)  # nothing new: nothing announced again
    assert len(webhook.received) == 1 and len(hook_payloads(out)) == 1


def test_a_webhook_that_fails_three_times_gets_the_alert_on_the_fourth_try(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver
) -> None:
    alerts = f'[[alerts]]\nid = "desk"\nwebhook = "{webhook.url}"\nretry_after = "10s"\n'
    config = load_config(write_config(tmp_path, feed.feed("/news.xml", [REOPENED]), alerts))
    clock, db = StepClock(), tmp_path / "events.db"
    with open_tracker(config, db, create=True, clock=clock) as tracked:
        reactor.start(tracked.store, clock)
    webhook.failures = [500, 500, 500]
    summary = fetch(config, db, clock)
    assert [o.error for o in summary.alerts] == ["HTTP 500"]
    with open_tracker(config, db, clock=clock) as tracked:
        store = tracked.store
        for wait in (10, 20):  # the persisted next attempt doubles; nothing is sent before it
            clock.now += timedelta(seconds=wait - 1)
            assert reactor.deliver_due(store, config.alerts, clock) == []
            clock.now += timedelta(seconds=1)
            assert [o.error for o in reactor.deliver_due(store, config.alerts, clock)] == ["HTTP 500"]
        clock.now += timedelta(seconds=40)
        assert [o.error for o in reactor.deliver_due(store, config.alerts, clock)] == [None]
        clock.now += timedelta(hours=2)
        assert reactor.deliver_due(store, config.alerts, clock) == []
        (status,) = reactor.status(store).values()
    assert [r.status for r in webhook.received] == [500, 500, 500, 200]
    assert len({r.key for r in webhook.received}) == 1  # every attempt carries the same key
    assert (status.delivered, status.pending) == (1, 0)


def test_a_failing_destination_does_not_hold_up_another(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver
) -> None:
    command, out = command_hook(tmp_path)
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never answers
    dead = f"http://127.0.0.1:{silent.getsockname()[1]}/hook"
    alerts = (
        f'[[alerts]]\nid = "dead"\nwebhook = "{dead}"\ntimeout = "1s"\n\n'
        f'[[alerts]]\nid = "hook"\ncommand = {json.dumps(command)}\n'
    )
    config = load_config(write_config(tmp_path, feed.feed("/news.xml", [REOPENED]), alerts))
    with silent:
        summary = fetch(config, tmp_path / "events.db", StepClock())
    outcomes = {o.alert_id: o.error for o in summary.alerts}
    assert outcomes["hook"] is None and outcomes["dead"] and "Timeout" in outcomes["dead"]
    assert len(hook_payloads(out)) == 1


def test_a_delivery_recorded_but_not_sent_before_a_crash_is_sent_once_after(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver
) -> None:
    command, out = command_hook(tmp_path)
    config = load_config(write_config(tmp_path, feed.feed("/news.xml"), alerts_toml(webhook, command)))
    clock, db = StepClock(), tmp_path / "events.db"
    fetch(config, db, clock)
    feed.add_items("/news.xml", REOPENED)
    # The intent is committed with the checkpoint; then the process dies before sending: a copy
    # of the file taken right after the commit is what a kill -9 leaves.
    with open_tracker(config, db, clock=clock) as tracked:
        from tracker.polling import poll_feed

        async def poll_only() -> None:
            async with tracked.fetcher() as fetcher:
                await poll_feed(
                    config.feeds[0],
                    fetcher=fetcher,
                    store=tracked.store,
                    runner=tracked.runner,
                    parser=tracked.parser(),
                    clock=clock,
                )

        asyncio.run(poll_only())
        with tracked.store.transaction():
            tracked.runner.catch_up(tracked.store)
        assert reactor.record_changes(tracked.store, config, clock) == 2
    crashed = tmp_path / "crashed.db"
    shutil.copy(db, crashed)
    assert webhook.received == []
    with open_tracker(config, crashed, clock=clock) as tracked:
        assert reactor.record_changes(tracked.store, config, clock) == 0  # recorded once only
        outcomes = reactor.deliver_due(tracked.store, config.alerts, clock)
        assert [o.error for o in outcomes] == [None, None]
        assert reactor.deliver_due(tracked.store, config.alerts, clock) == []
    assert len(webhook.accepted()) == 1 and len(hook_payloads(out)) == 1


def test_a_rule_change_and_its_rebuild_announce_nothing_old(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver
) -> None:
    potash = "The United States lifted its sanctions on Belarusian potash on Saturday, the Treasury said."
    items = [REOPENED, Item("potash", "U.S. lifts potash sanctions", potash, "Sat, 13 Dec 2025 10:00:00 GMT")]
    alerts = f'[[alerts]]\nid = "desk"\nwebhook = "{webhook.url}"\n'
    path = write_config(tmp_path, feed.feed("/news.xml"), alerts)
    clock, db = StepClock(), tmp_path / "events.db"
    fetch(load_config(path), db, clock)
    feed.add_items("/news.xml", *items)
    fetch(load_config(path), db, clock)
    assert [r.body["subject"] for r in webhook.accepted()] == ["us-embassy-minsk"]

    # A new subject that matches an article already in the log: the rebuild finds it...
    subject = "\n" + readme_example()  # the README's potash subject
    path.write_text(path.read_text(encoding="utf-8") + subject, encoding="utf-8")
    assert in_process("rebuild", "--config", str(path), "--db", str(db)).code == 0
    fetch(load_config(path), db, clock)
    report = json.loads(in_process("report", "--format", "json", "--config", str(path), "--db", str(db)).out)
    states = {s["id"]: s.get("state") for s in report["subjects"]}
    assert states["potash-sanctions"] == "lifted"
    # ...and announces nothing: it is old history read with new rules, not news.
    assert len(webhook.received) == 1


def test_alerts_are_validated_like_the_rest_of_feeds_toml(tmp_path: Path) -> None:
    cases = {
        '[[alerts]]\nid = "a"\nwebhook = "https://x.example/h"\ncommand = ["x"]\n': "exactly one of",
        '[[alerts]]\nid = "a"\n': "exactly one of",
        '[[alerts]]\nid = "a"\nwebhook = "ftp://x.example/h"\n': "webhook: must be an http",
        '[[alerts]]\nid = "a"\nwebhook = "https://x.example/h"\ncolour = "red"\n': "colour: unknown key",
        '[[alerts]]\nid = "a"\nwebhook = "https://x.example/h"\nsubjects = ["nope"]\n': "no subject 'nope'",
        '[[alerts]]\nid = "a"\nwebhook = "https://x.example/h"\non = ["weather"]\n': "on.0",
        '[[alerts]]\nid = "a"\ncommand = []\n': "must name a program",
        '[[alerts]]\nid = "a"\napprise = "ntfy://a"\n' * 2: "duplicate",
    }
    for text, message in cases.items():
        path = tmp_path / "feeds.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message) as raised:
            load_config(path)
        assert str(path) in str(raised.value) and "alerts[" in str(raised.value)


def test_alerts_test_sends_a_sample_and_alerts_lists_deliveries(
    tmp_path: Path, feed: FeedServer, webhook: WebhookReceiver
) -> None:
    command, out = command_hook(tmp_path)
    path = write_config(tmp_path, feed.feed("/news.xml", [REOPENED]), alerts_toml(webhook, command))
    run = in_process("alerts", "test", "desk", "--config", str(path))
    assert run.code == 0, run.err
    (sample,) = webhook.accepted()
    assert sample.body["test"] is True and sample.body["alert"] == "desk"
    assert hook_payloads(out) == []
    Path(str(out) + ".fail").touch()
    run = in_process("alerts", "test", "--config", str(path))
    assert run.code == 1 and "hook: FAILED" in run.err and "told to fail" in run.err
    assert in_process("alerts", "test", "nope", "--config", str(path)).code == 1

    db = tmp_path / "events.db"
    assert in_process("fetch", "--config", str(path), "--db", str(db)).code == 0
    listing = json.loads(in_process("alerts", "--format", "json", "--config", str(path), "--db", str(db)).out)
    by_id = {row["id"]: row for row in listing}
    assert (by_id["desk"]["delivered"], by_id["desk"]["pending"]) == (1, 0)
    assert (by_id["hook"]["delivered"], by_id["hook"]["pending"]) == (0, 1)
    assert "told to fail" in by_id["hook"]["last_error"]
    assert (
        by_id["desk"]["destination"] == "webhook http://127.0.0.1:" + webhook.url.split(":")[2].split("/")[0]
    )


@pytest.mark.skipif(importlib.util.find_spec("apprise") is not None, reason="Apprise is installed")
def test_an_apprise_alert_without_apprise_says_how_to_install_it(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('[[alerts]]\nid = "phone"\napprise = "ntfy://tracker-test"\n', encoding="utf-8")
    run = in_process("alerts", "test", "--config", str(path))
    assert run.code == 1 and "pip install 'tracker[alerts]'" in run.err
