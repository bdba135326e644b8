"""`tracker demo`: the real pipeline against the bundled feeds, served on loopback.

Two passes, as a daemon would see them: the first fetch records every article; then the wire
publishes a correction and a new story, and the second fetch records exactly that (one
revision, one new article; the unchanged feeds answer 304). Run again on the same store, the
demo serves the corrected wire from the start and fetches once: the store already holds all of
it, so nothing is added.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tracker import app
from tracker.bootstrap import open_tracker
from tracker.config import Config, FetchSettings
from tracker.demo.outlets import demo_outlets, refuse_real_store
from tracker.demo.server import DemoServer
from tracker.output import count
from tracker.report import build_report, render
from tracker.subjects import load_shipped_subjects


def demo_config(server: DemoServer) -> Config:
    # Every page the demo fetches comes from its own loopback server: pausing between requests to
    # it would only make the demo slower, not politer.
    return Config(
        path=None,
        feeds=demo_outlets(server.base_url),
        subjects=load_shipped_subjects(),
        fetch=FetchSettings(page_delay="0s"),
    )


def run_demo(db_path: Path, *, fmt: str = "text", terminal: bool = False, note: Callable[[str], None]) -> str:
    with DemoServer() as server:
        config = demo_config(server)
        with open_tracker(config, db_path, create=True) as tracker:
            refuse_real_store(tracker.store)
            note(f"demo feeds served at {server.base_url}; store: {db_path}")
            passes = []
            if tracker.store.head()[0]:
                server.publish_wire_update()
                rerun = asyncio.run(app.fetch_feeds(tracker))
                note(f"the demo already ran in {db_path}: {_counts(rerun)}")
                passes.append(rerun)
            else:
                first = asyncio.run(app.fetch_feeds(tracker))
                note(f"first fetch: {count(len(first.results), 'feed')}, {_counts(first)}")
                server.publish_wire_update()
                second = asyncio.run(app.fetch_feeds(tracker))
                note(f"wire updated; second fetch: {_counts(second)}")
                passes += [first, second]
            for failure in (f for summary in passes for f in summary.failed):
                note(f"warning: {failure.feed_id} failed: {failure.error}")
            report = build_report(tracker.store, config)
    return render(report, fmt, terminal=terminal, color=True if terminal else None)


def _counts(summary: app.FetchSummary) -> str:
    return f"{count(summary.new, 'new article')}, {count(summary.revised, 'revision')}"
