"""A reload as a pure diff: old and new configuration in, actions out, without a scheduler."""

from __future__ import annotations

from tracker.config import Config, FeedConfig, FetchSettings
from tracker.daemon.reload import plan_reload
from tracker.tables import build


def feed(feed_id: str, **changes: object) -> FeedConfig:
    fields: dict[str, object] = {
        "id": feed_id,
        "url": f"https://news.invalid/{feed_id}.xml",
        "interval": "30m",
    }
    fields.update(changes)
    return build(FeedConfig, fields)


def config(*feeds: FeedConfig, fetch: FetchSettings | None = None) -> Config:
    return Config(path=None, feeds=feeds, fetch=fetch or FetchSettings())


RUNNING = (feed("same"), feed("moved"), feed("slower"), feed("retitled"), feed("dropped"), feed("disabled"))


def test_every_feed_gets_exactly_one_action() -> None:
    old = config(*RUNNING)
    new = config(
        feed("same"),
        feed("moved", url="https://elsewhere.invalid/moved.xml", interval="2h"),
        feed("slower", interval="2h"),
        feed("retitled", title="A new title", headers={"Accept-Language": "en"}),
        feed("disabled", enabled=False),
        feed("added"),
        feed("added-disabled", enabled=False),
    )
    plan = plan_reload({f.id: f for f in RUNNING}, old, new, old_fingerprints=["x"], new_fingerprints=["x"])
    assert [(a.kind, a.feed_id) for a in plan.actions] == [
        ("remove", "disabled"),
        ("remove", "dropped"),
        ("add", "added"),
        ("new-url", "moved"),  # a new URL outranks a new interval: the feed is scheduled afresh
        ("update", "retitled"),
        ("keep", "same"),
        ("reschedule", "slower"),
    ]
    assert sorted(plan.scheduled) == ["added", "moved", "retitled", "same", "slower"]
    assert plan.scheduled["retitled"].title == "A new title", "the new settings are what gets scheduled"
    assert plan.ids("new-url", "reschedule", "update") == ["moved", "retitled", "slower"]
    assert plan.interpretation_changed, "feeds added and dropped change who publishes what"
    assert not plan.fetch_changed


def test_the_same_configuration_keeps_everything() -> None:
    old = config(*RUNNING)
    running = {f.id: f for f in RUNNING}
    plan = plan_reload(running, old, old, old_fingerprints=["a", "b"], new_fingerprints=["a", "b"])
    assert {a.kind for a in plan.actions} == {"keep"}
    assert plan.scheduled == running


def test_rules_publishers_and_fetch_settings_are_noticed() -> None:
    old = config(feed("a"))
    running = {"a": feed("a")}
    rules = plan_reload(running, old, old, old_fingerprints=["facts:1"], new_fingerprints=["facts:2"])
    assert rules.interpretation_changed
    publisher = config(feed("a", publisher="Another outlet"))
    by_publisher = plan_reload(running, old, publisher, old_fingerprints=[], new_fingerprints=[])
    assert by_publisher.interpretation_changed
    assert [a.kind for a in by_publisher.actions] == ["update"]
    fetch = config(feed("a"), fetch=FetchSettings(deadline="10s"))
    assert plan_reload(running, old, fetch, old_fingerprints=[], new_fingerprints=[]).fetch_changed


def test_an_empty_new_list_removes_every_feed() -> None:
    plan = plan_reload(
        {f.id: f for f in RUNNING}, config(*RUNNING), config(), old_fingerprints=[], new_fingerprints=[]
    )
    assert {a.kind for a in plan.actions} == {"remove"} and plan.scheduled == {}
