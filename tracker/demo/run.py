"""`tracker demo`: the real pipeline against the bundled feeds, served on loopback.

Two passes, as a daemon would see them: the first fetch records every article; then the wire
publishes a correction and a new story, and the second fetch records exactly that (one
revision, one new article; the unchanged feeds answer 304).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tracker import app
from tracker.bootstrap import open_tracker
from tracker.config import Config, FeedConfig
from tracker.demo.documents import demo_feeds
from tracker.demo.server import DemoServer
from tracker.errors import TrackerError
from tracker.log_queries import count_outside
from tracker.report import build_report, render
from tracker.store import Store
from tracker.subjects import load_shipped_subjects


def demo_config(server: DemoServer) -> Config:
    feeds = tuple(
        FeedConfig(
            id=feed["id"],
            url=server.url(feed["file"]),
            title=feed["title"],
            publisher=feed["title"],
            interval="15m",
        )
        for feed in demo_feeds()
    )
    return Config(path=None, feeds=feeds, subjects=load_shipped_subjects())


def _refuse_a_real_store(store: Store) -> None:
    """The log is append-only: demo articles written into a real store could never be removed."""
    demo_streams = [f"{kind}:{feed['id']}" for feed in demo_feeds() for kind in ("article", "feed")]
    if count_outside(store, demo_streams):
        raise TrackerError(f"{store.path} holds events from real feeds; run the demo elsewhere: --db demo.db")


def run_demo(db_path: Path, *, fmt: str = "text", terminal: bool = False, note: Callable[[str], None]) -> str:
    with DemoServer() as server:
        config = demo_config(server)
        with open_tracker(config, db_path, create=True) as tracker:
            _refuse_a_real_store(tracker.store)
            note(f"demo feeds served at {server.base_url}; store: {db_path}")
            first = asyncio.run(app.fetch_feeds(tracker))
            counts = f"{first.new} new articles, {first.revised} revisions"
            note(f"first fetch: {len(first.results)} feeds, {counts}")
            server.publish_wire_update()
            second = asyncio.run(app.fetch_feeds(tracker))
            note(f"wire updated; second fetch: {second.new} new articles, {second.revised} revisions")
            for failure in (*first.failed, *second.failed):
                note(f"warning: {failure.feed_id} failed: {failure.error}")
            report = build_report(tracker.store, config)
    return render(report, fmt, terminal=terminal)
