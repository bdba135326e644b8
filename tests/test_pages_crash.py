"""kill -9 while article pages are being fetched, then a restart: every page ends up fetched once,
none already recorded is requested again, and the log verifies."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.cli import tracker
from tests.helpers.feed_server import FeedServer
from tests.helpers.pages import slow_article, summary_feed

PAGES = 6


def _fetched(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT url FROM page_fetches WHERE status = 'fetched'").fetchall()
    except sqlite3.OperationalError:  # not created yet
        rows = []
    conn.close()
    return {row[0] for row in rows}


@pytest.mark.slow
def test_kill_during_page_fetching_then_restart(tmp_path: Path) -> None:
    with FeedServer() as server:
        links = [server.raw(f"/p/{n}", slow_article) for n in range(PAGES)]
        items = [(f"g{n}", f"Story {n}", link) for n, link in enumerate(links)]
        feed = server.static("/feed.xml", summary_feed(items))
        (tmp_path / "feeds.toml").write_text(
            f'[fetch]\npage_delay = "0s"\npage_ports = [{server.port}]\n'
            f'\n[[feeds]]\nid = "f"\nurl = "{feed}"\n'
        )
        db = tmp_path / "events.db"
        child = subprocess.Popen([sys.executable, "-m", "tracker", "fetch"], cwd=tmp_path)
        deadline = time.monotonic() + 60
        while len(_fetched(db)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        child.send_signal(signal.SIGKILL)
        child.wait()
        before = _fetched(db)
        assert 2 <= len(before) < PAGES, "the kill came in the middle of the pass"

        code, _, err = tracker("fetch", cwd=tmp_path)
        assert code == 0, err
        assert _fetched(db) == set(links)  # nothing lost
        for link in before:  # nothing recorded before the kill was fetched again
            assert len(server.hits[link.removeprefix(server.base_url)]) == 1, link
        for link in links:  # at most the one page in flight at the kill is fetched twice
            assert len(server.hits[link.removeprefix(server.base_url)]) <= 2, link

    conn = sqlite3.connect(db)
    texts = conn.execute(
        "SELECT count(*), count(DISTINCT stream) FROM events WHERE type = 'ArticleTextFetched'"
    )
    assert texts.fetchone() == (PAGES, PAGES)
    conn.close()
    code, out, err = tracker("verify", cwd=tmp_path)
    assert code == 0, out + err
