"""DNS rebinding: a name whose answer changes between the address check and the connection must
never lead to the second answer. The guard resolves once per connection and connects to the very
address it checked, so a changed answer is either never asked for or is checked in its turn."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.feed_server import FeedServer
from tests.helpers.pages import article_html, summary_feed
from tracker import app
from tracker.bootstrap import open_tracker
from tracker.config import load_config
from tracker.net import netguard

NAME = "rebind.example"


@pytest.fixture
def twin_servers() -> Iterator[tuple[FeedServer, FeedServer]]:
    """The feed's own server on 127.0.0.1, and an internal one on 127.0.0.2 at the same port, so
    that one URL reaches either, depending only on the address connected to."""
    with FeedServer(host="127.0.0.2") as internal, FeedServer(host="127.0.0.1", port=internal.port) as own:
        yield own, internal


def test_an_answer_that_changes_after_the_check_is_never_connected_to(
    twin_servers: tuple[FeedServer, FeedServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first answer for the name is the feed's own address (allowed: the feed's host is
    trusted), every later one 127.0.0.2 (not allowed). A client that checked the first answer and
    then let the system resolve again for its connection would reach the internal server.

    The resolver is replaced at the guard's single resolution seam (`netguard.resolve`) rather
    than by a DNS server on loopback: the system resolver cannot be pointed at a test server
    without root (resolv.conf), and the seam is exactly where the real answer enters the guard.
    HTTP, the connections and both servers are real."""
    own, internal = twin_servers
    answers: Counter[str] = Counter()
    system = netguard.resolve

    async def rebinding(host: str, port: int) -> list[str]:
        if host != NAME:
            return await system(host, port)
        answers[host] += 1
        return ["127.0.0.1"] if answers[host] == 1 else ["127.0.0.2"]

    monkeypatch.setattr(netguard, "resolve", rebinding)
    for server, title in ((own, "The checked address"), (internal, "Internal secret")):
        server.static("/story", article_html(title), content_type="text/html")
    own.static("/feed.xml", summary_feed([("g1", "Story", f"http://{NAME}:{own.port}/story")]))
    (tmp_path / "feeds.toml").write_text(
        f'[fetch]\npage_delay = "0s"\npage_ports = [{own.port}]\nignore_robots = true\n'
        f'\n[[feeds]]\nid = "f"\nurl = "{own.url("/feed.xml")}"\n'
    )
    with open_tracker(load_config(tmp_path / "feeds.toml"), tmp_path / "events.db", create=True) as tracker:
        summary = asyncio.run(app.fetch_feeds(tracker))

    assert not internal.hits["/story"], "the changed answer was connected to"
    assert summary.pages is not None and summary.pages.fetched == 1
    assert len(own.hits["/story"]) == 1, "the page came from the address that was checked"
    assert answers[NAME] == 1, "one resolution per connection: nothing left to rebind"
    conn = sqlite3.connect(tmp_path / "events.db")
    [(data,)] = conn.execute("SELECT data FROM events WHERE type = 'ArticleTextFetched'").fetchall()
    conn.close()
    assert "The checked address" in data and "Internal secret" not in data
