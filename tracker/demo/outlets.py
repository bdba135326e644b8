"""The demo's outlets, and a store written by `tracker demo` told apart from one real feeds use.

A demo store holds events of the demo's feeds only (and, perhaps, analysts' assertions and
retractions). Whatever feeds.toml is in force, it is read with the demo's outlets, so reports name
them and the projections keep the publishers they were built with. The two never mix: the demo
refuses a store that holds real feeds' events, and `tracker fetch` refuses to poll other feeds
into a demo store (an append-only log could never shed the other's events).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from tracker.config import Config, FeedConfig
from tracker.demo.documents import demo_feeds
from tracker.errors import TrackerError
from tracker.storage.log_queries import any_outside
from tracker.storage.store import Store
from tracker.streams import ANALYST_STREAM

DEMO_DB = "demo.db"

# Outlets recorded by the demo are read with this base: nothing polls it (the feeds are disabled).
_READING_BASE = "http://127.0.0.1"


def demo_outlets(base_url: str, *, enabled: bool = True) -> tuple[FeedConfig, ...]:
    """The demo's feeds, served under `base_url`; each outlet is its own publisher."""
    return tuple(
        FeedConfig(
            id=feed["id"],
            url=f"{base_url}/{feed['file']}",
            title=feed["title"],
            publisher=feed["title"],
            interval="15m",
            enabled=enabled,
        )
        for feed in demo_feeds()
    )


def _demo_streams() -> list[str]:
    return [f"{kind}:{feed['id']}" for feed in demo_feeds() for kind in ("article", "feed")]


def holds_real_feeds(store: Store) -> bool:
    """Whether the store holds any event of a feed that is not the demo's."""
    return any_outside(store, [*_demo_streams(), ANALYST_STREAM])


def is_demo_store(store: Store) -> bool:
    """A store `tracker demo` wrote: demo feeds' events, and no real feed's."""
    return any_outside(store, [ANALYST_STREAM]) and not holds_real_feeds(store)


def reading_config(config: Config, store: Store) -> Config:
    """`config` for reading `store`: a demo store is read with the demo's outlets."""
    demo_ids = {feed["id"] for feed in demo_feeds()}
    if {feed.id for feed in config.feeds} == demo_ids or not is_demo_store(store):
        return config
    return replace(config, feeds=demo_outlets(_READING_BASE, enabled=False))


def refuse_real_store(store: Store) -> None:
    """The log is append-only: demo articles written into a real store could never be removed."""
    if holds_real_feeds(store):
        raise TrackerError(
            f"{store.path} holds events from real feeds; run the demo elsewhere: --db {DEMO_DB}"
        )


def refuse_demo_store(store: Store, feeds: Iterable[FeedConfig]) -> None:
    """Real feeds' articles written into the demo's store could never be removed either."""
    demo_ids = {feed["id"] for feed in demo_feeds()}
    if any(feed.id not in demo_ids for feed in feeds) and is_demo_store(store):
        raise TrackerError(
            f"{store.path} is a demo store (written by `tracker demo`); fetch real feeds into "
            "another one: --db events.db"
        )
