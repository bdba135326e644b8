"""Page text extraction in worker processes: a page that costs more than its CPU or memory
budget is a recorded page failure, never a hang of the fetch pass; a worker that stops answering
is replaced; ordinary pages are unaffected."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers.feed_server import FeedServer
from tests.helpers.pages import article_html, summary_feed
from tracker import app
from tracker.bootstrap import open_tracker
from tracker.config import load_config
from tracker.errors import ExtractionFailed
from tracker.pages.extract import PageText
from tracker.pages.extract_pool import ExtractPool

# Half a million tiny paragraphs in 4 MB: trafilatura needs seconds of CPU and a large tree for it.
HEAVY = b"<html><body><article>" + b"<p>word word</p>" * 250_000 + b"</article></body></html>"
URL = "https://example.org/story"


def test_a_page_over_its_cpu_budget_fails_for_good_and_the_next_page_is_extracted() -> None:
    with ExtractPool(1, budget=0.05) as pool:
        started = time.monotonic()
        with pytest.raises(ExtractionFailed, match=r"over 0\.05 s of CPU") as failure:
            pool.extract(HEAVY, URL)
        assert failure.value.final, "the same page would overrun again"
        assert time.monotonic() - started < 20
        found = pool.extract(article_html("After the heavy one"), URL)
        assert isinstance(found, PageText) and "two delegations" in found.text
        assert pool.started == 1, "a budget overrun leaves the worker usable"


def test_a_page_over_its_memory_limit_fails_and_its_worker_is_replaced() -> None:
    with ExtractPool(1, memory_limit=160 * 2**20) as pool:
        with pytest.raises(ExtractionFailed, match="MiB to extract") as failure:
            pool.extract(HEAVY, URL)
        assert failure.value.final
        assert isinstance(pool.extract(article_html("Next"), URL), PageText)
        assert pool.started == 2, "a worker that ran out of memory is not reused"


def test_a_worker_that_stops_answering_is_killed_and_replaced() -> None:
    """The wall-time backstop, for a worker stuck where its CPU budget cannot reach it: here a
    budget far above the backstop stands in for one."""
    with ExtractPool(1, budget=600, backstop=0.2) as pool:
        started = time.monotonic()
        with pytest.raises(ExtractionFailed, match=r"stopped after 0\.2 s") as failure:
            pool.extract(HEAVY, URL)
        assert not failure.value.final, "retried later, with back-off"
        assert time.monotonic() - started < 10
        assert isinstance(pool.extract(article_html("Next"), URL), PageText)
        assert pool.started == 2


def test_an_over_budget_page_is_a_recorded_failure_of_the_fetch_pass(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.static("/p/heavy", HEAVY, content_type="text/html")
        server.static("/p/good", article_html("A good page"), content_type="text/html")
        tables = []
        for name in ("heavy", "good"):
            feed = server.static(
                f"/{name}.xml", summary_feed([(f"g-{name}", name, server.url(f"/p/{name}"))])
            )
            tables.append(f'\n[[feeds]]\nid = "{name}"\nurl = "{feed}"\n')
        (tmp_path / "feeds.toml").write_text(
            f'[fetch]\npage_delay = "0s"\npage_ports = [{server.port}]\n' + "".join(tables)
        )
        config = load_config(tmp_path / "feeds.toml")
        with open_tracker(config, tmp_path / "events.db", create=True, page_budget=0.2) as tracker:
            summary = asyncio.run(app.fetch_feeds(tracker))
    assert summary.ok == 2, "polling unaffected"
    conn = sqlite3.connect(tmp_path / "events.db")
    rows = dict(conn.execute("SELECT feed_id, status || ' ' || coalesce(last_error, '') FROM page_fetches"))
    conn.close()
    assert summary.pages is not None and (summary.pages.fetched, summary.pages.given_up) == (1, 1), rows
    assert rows["heavy"].startswith("given-up extraction: the page needed over 0.2 s of CPU"), rows
    assert rows["good"].startswith("fetched"), rows
