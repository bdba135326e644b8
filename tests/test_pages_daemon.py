"""Article pages in `tracker daemon`, a subprocess against loopback servers: each feed's pages are
fetched after its poll commits, a page that hangs never delays any feed's polling, one host gets
one page at a time, `page_delay` apart, and a `kill -9` while pages are in flight loses nothing and
fetches nothing twice that was recorded."""

from __future__ import annotations

import itertools
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import tracker
from tests.helpers.feed_server import FeedServer, Item
from tests.helpers.pages import article_html, slow_article, summary_feed
from tests.test_daemon import Daemon, count, daemons, query, wait_for

__all__ = ["daemons"]  # the fixture, imported for its use here
pytestmark = pytest.mark.slow


def _hanging(handler: BaseHTTPRequestHandler) -> None:
    server: Any = handler.server
    server.stopping.wait(30)  # answers nothing until the server stops


def _config(path: Path, feeds: dict[str, str], extra: str) -> None:
    tables = "".join(
        f'\n[[feeds]]\nid = "{fid}"\nurl = "{url}"\ninterval = "1s"\n' for fid, url in feeds.items()
    )
    path.write_text(f'[fetch]\ndeadline = "20s"\n{extra}' + tables, encoding="utf-8")


def _polls(db: Path, feed_id: str) -> int:
    return count(db, "SELECT count(*) FROM polls WHERE feed_id = ?", feed_id)


def _statuses(db: Path) -> dict[str, str]:
    return {url: status for url, status in query(db, "SELECT url, status FROM page_fetches")}


def test_pages_follow_each_poll_and_never_delay_polling(tmp_path: Path, daemons: list[Daemon]) -> None:
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server, FeedServer(host="127.0.0.2") as other_host:
        good = [
            server.static(f"/p/{n}", article_html(f"Story {n}"), content_type="text/html") for n in range(3)
        ]
        hanging = other_host.raw("/p/hanging", _hanging)  # holds up its own host only
        items = [(f"g{n}", f"Story {n}", link) for n, link in enumerate([hanging, *good])]
        feeds = {
            "pages": server.static("/pages.xml", summary_feed(items)),
            "plain": server.feed("/plain.xml", [Item("x", "Nothing", "No pages here. " * 60)]),
        }
        ports = f"page_ports = [{server.port}, {other_host.port}]\n"
        _config(config, feeds, f'page_delay = "1s"\nallow_private = ["127.0.0.2"]\n{ports}')
        daemon = Daemon(config, db, tmp_path / "daemon.log")
        daemons.append(daemon)
        wait_for(lambda: sum(s == "fetched" for s in _statuses(db).values()) == 3, 30, "the good pages")
        assert other_host.hits["/p/hanging"], "the hanging page is in flight"
        # While that page hangs (up to the 20 s deadline), both feeds keep their 1 s schedule.
        polled = {feed: _polls(db, feed) for feed in feeds}
        time.sleep(4)
        for feed in feeds:
            assert _polls(db, feed) >= polled[feed] + 2, f"{feed} was held up by a page"
        hits = sorted(itertools.chain.from_iterable(server.hits[f"/p/{n}"] for n in range(3)))
        assert all(later - earlier >= 0.95 for earlier, later in itertools.pairwise(hits)), hits
        assert all(len(server.hits[f"/p/{n}"]) == 1 for n in range(3)), "a page fetched twice"
        code, _ = daemon.stop()
        assert code == 0
    assert count(db, "SELECT count(*) FROM events WHERE type = 'ArticleTextFetched'") == 3


def test_kill_9_during_page_fetching_then_restart(tmp_path: Path, daemons: list[Daemon]) -> None:
    config, db = tmp_path / "feeds.toml", tmp_path / "events.db"
    with FeedServer() as server:
        links = [server.raw(f"/p/{n}", slow_article) for n in range(6)]
        feed = server.static("/feed.xml", summary_feed([(f"g{n}", f"S{n}", u) for n, u in enumerate(links)]))
        _config(config, {"f": feed}, f'page_delay = "0s"\npage_ports = [{server.port}]\n')
        first = Daemon(config, db, tmp_path / "first.log")
        daemons.append(first)

        def fetched() -> set[str]:
            return {url for url, status in _statuses(db).items() if status == "fetched"}

        wait_for(lambda: len(fetched()) >= 2, 30, "two pages")
        first.kill()
        before = fetched()
        assert 2 <= len(before) < len(links), "the kill came in the middle of the pages"

        second = Daemon(config, db, tmp_path / "second.log")
        daemons.append(second)
        wait_for(lambda: fetched() == set(links), 30, "every page")  # nothing lost
        code, _ = second.stop()
        assert code == 0
        for link in before:  # nothing recorded before the kill was fetched again
            assert len(server.hits[link.removeprefix(server.base_url)]) == 1, link
        for link in links:  # at most the one page in flight at the kill is fetched twice
            assert len(server.hits[link.removeprefix(server.base_url)]) <= 2, link
    rows = query(db, "SELECT count(*), count(DISTINCT stream) FROM events WHERE type = 'ArticleTextFetched'")
    assert rows == [(len(links), len(links))]
    verify = tracker("verify", "--db", str(db))
    assert verify.code == 0, verify.out + verify.err
