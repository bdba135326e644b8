"""Passes over the due pages sharing one `PageFetcher`, as the daemon runs them: two passes at once
never fetch a page twice and keep one host's requests `page_delay` apart; a failed page is retried
by the first pass after its back-off, and only then."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.helpers.clock import StepClock
from tests.helpers.feed_server import FeedServer
from tests.helpers.pages import article_html, summary_feed
from tracker import app
from tracker.bootstrap import Tracker, open_tracker
from tracker.config import load_config
from tracker.pages.fetching import PageFetcher, PagePass
from tracker.storage import page_store


def _tracker(tmp_path: Path, server: FeedServer, links: list[str], clock: StepClock) -> Tracker:
    feed = server.static(
        "/feed.xml", summary_feed([(f"g{n}", f"S{n}", link) for n, link in enumerate(links)])
    )
    (tmp_path / "feeds.toml").write_text(
        f'[fetch]\npage_delay = "1s"\npage_ports = [{server.port}]\nignore_robots = true\n'
        f'\n[[feeds]]\nid = "f"\nurl = "{feed}"\nfull_text = "never"\n'
    )
    config = load_config(tmp_path / "feeds.toml")
    tracker = open_tracker(config, tmp_path / "events.db", create=True, clock=clock)
    asyncio.run(app.fetch_feeds(tracker))  # the poll alone: this feed's pages are switched off
    return tracker


async def _passes(tracker: Tracker, count: int) -> list[PagePass]:
    async with tracker.fetcher() as fetcher:
        pages = PageFetcher(
            tracker.store, tracker.runner, (fetcher, tracker.extractor()), tracker.config.fetch, tracker.clock
        )
        feeds = [dataclasses.replace(feed, full_text="always") for feed in tracker.config.feeds]
        return list(await asyncio.gather(*(pages.run(feeds) for _ in range(count))))


def test_concurrent_passes_fetch_each_page_once_one_host_a_page_at_a_time(tmp_path: Path) -> None:
    with FeedServer() as server:
        links = [
            server.static(f"/p/{n}", article_html(f"Story {n}"), content_type="text/html") for n in range(3)
        ]
        with _tracker(tmp_path, server, links, StepClock()) as tracker:
            results = asyncio.run(_passes(tracker, 3))
        assert sum(r.fetched for r in results) == 3
        assert all(len(server.hits[f"/p/{n}"]) == 1 for n in range(3)), "a page fetched by two passes"
        hits = sorted(itertools.chain.from_iterable(server.hits[f"/p/{n}"] for n in range(3)))
        assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(hits)), hits


def test_a_failed_page_is_retried_once_its_back_off_has_passed(tmp_path: Path) -> None:
    answers = iter([503, 200])

    def flaky(handler: BaseHTTPRequestHandler) -> None:
        status = next(answers)
        body = article_html("Second try") if status == 200 else b"busy"
        handler.send_response(status)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    clock = StepClock()
    with FeedServer() as server:
        link = server.raw("/p/flaky", flaky)
        with _tracker(tmp_path, server, [link], clock) as tracker:
            [first] = asyncio.run(_passes(tracker, 1))
            assert (first.fetched, first.failed) == (0, 1)
            clock.now += timedelta(minutes=4)
            [early] = asyncio.run(_passes(tracker, 1))
            assert early == PagePass(), "retried before its back-off"
            clock.now += timedelta(minutes=2)
            [later] = asyncio.run(_passes(tracker, 1))
            assert later.fetched == 1
            assert page_store.counts(tracker.store)["f"].fetched == 1
        assert len(server.hits["/p/flaky"]) == 2
