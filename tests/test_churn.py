"""A feed that rewrites its entries on every poll: boring changes are no revision at all, and real
ones are rate-limited per entry, with the reason in `tracker feeds` and in SQL."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.helpers.cli import invoke
from tests.helpers.feed_server import FeedServer, Item, Respond, rss
from tracker import app, ingest, revisions
from tracker.bootstrap import open_tracker
from tracker.config import load_config
from tracker.parsing.feed import ParsedEntry
from tracker.streams import article_stream

ENTRIES = 10
POLLS = 1 + revisions.FREE_REVISIONS + 2  # the first sight, every free revision, two polls past them


def churning_feed(boring: bool) -> Respond:
    """A handler serving ENTRIES entries that differ on every request: in a real way (the text
    says which request it is) or a boring one (a tracking parameter and a time of day)."""
    requests = itertools.count(1)

    def respond(request: BaseHTTPRequestHandler) -> None:
        n = next(requests)
        items = [
            Item(
                guid=f"entry-{i}",
                title=f"Story {i}",
                text=f"Updated {n % 12 + 1}:{n % 60:02d} GMT. Talks went on in Minsk."
                if boring
                else f"Talks went on in Minsk; this is version {n} of story {i}.",
            )
            for i in range(ENTRIES)
        ]
        body = rss(items)
        if boring:  # every link gains a fresh tracking parameter
            body = body.replace(b"</link>", f"?utm_source=rss&amp;utm_campaign=c{n}</link>".encode())
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    return respond


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as feeds:
        feeds.raw("/churn.xml", churning_feed(boring=False))
        feeds.raw("/boring.xml", churning_feed(boring=True))
        yield feeds


def poll_repeatedly(server: FeedServer, tmp_path: Path, path: str) -> tuple[Path, list[int]]:
    """POLLS polls of the feed by one open application, as the daemon makes them (its worker
    processes start once); the number of events in the store after each."""
    config = tmp_path / "feeds.toml"
    # The entries' pages are tried once each (and fail): no pause between them, as this is not about pages.
    config.write_text(f'[fetch]\npage_delay = "0s"\n\n[[feeds]]\nid = "wire"\nurl = "{server.url(path)}"\n')
    db = tmp_path / "events.db"
    counts = []
    with open_tracker(load_config(config), db, create=True) as tracked:
        for _ in range(POLLS):
            summary = asyncio.run(app.fetch_feeds(tracked))
            assert summary.ok == 1 and not summary.projection_errors, summary
            with sqlite3.connect(db) as conn:
                counts.append(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    return db, counts


def test_a_feed_that_rewrites_every_entry_on_every_poll_is_rate_limited(
    server: FeedServer, tmp_path: Path
) -> None:
    db, counts = poll_repeatedly(server, tmp_path, "/churn.xml")
    # Each entry is observed, then revised FREE_REVISIONS times; after that nothing, poll after poll.
    bound = ENTRIES * (1 + revisions.FREE_REVISIONS)
    assert counts[revisions.FREE_REVISIONS :] == [bound] * (POLLS - revisions.FREE_REVISIONS)
    with sqlite3.connect(db) as conn:
        deferred = [r[0] for r in conn.execute("SELECT revisions_deferred FROM polls ORDER BY id")]
        churn = conn.execute(
            "SELECT churn_since IS NOT NULL, revisions_deferred FROM feed_polling"
        ).fetchone()
    assert deferred == [0] * (1 + revisions.FREE_REVISIONS) + [ENTRIES] * (
        POLLS - 1 - revisions.FREE_REVISIONS
    )
    assert churn == (1, sum(deferred))

    feeds = invoke("feeds", "--config", str(tmp_path / "feeds.toml"), "--db", str(db))
    assert feeds.exit_code == 0, feeds.output
    assert "feed wire: its entries change on nearly every poll; revisions rate-limited since" in feeds.stderr
    assert f"({sum(deferred):,} changes not recorded" in feeds.stderr


def test_boring_changes_are_no_revision(server: FeedServer, tmp_path: Path) -> None:
    db, counts = poll_repeatedly(server, tmp_path, "/boring.xml")
    assert counts == [ENTRIES] * POLLS
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT sum(revisions_deferred), sum(revisions) FROM polls").fetchone() == (0, 0)
        assert conn.execute("SELECT churn_since FROM feed_polling").fetchone() == (None,)


def test_a_rate_limited_entry_gets_its_latest_text_once_its_period_is_over() -> None:
    first = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    entry = ParsedEntry(
        guid="g",
        link=None,
        title="Talks",
        published_raw=None,
        published=None,
        updated_raw=None,
        updated=None,
        author=None,
        summary="version 9",
        content=None,
    )
    stream = article_stream("wire", "guid:g")
    head = (1 + revisions.FREE_REVISIONS, {"content_hash": "old", "title": "Talks", "summary": "version 3"})
    last = first + timedelta(hours=5)

    def planned(now: datetime) -> ingest.Plan:
        return ingest.plan("wire", [entry], {stream: head}, recorded={stream: (first, last)}, now=now)

    # Five hours old: the period is an hour and a quarter (a quarter of its age), not yet over.
    soon = planned(last + timedelta(hours=1))
    assert (soon.events, soon.deferred) == ((), 1)
    later = planned(last + timedelta(hours=2))
    assert (later.deferred, later.revised) == (0, 1)
    assert [getattr(e, "summary", None) for e in later.events] == ["version 9"]


@pytest.mark.parametrize(
    ("age", "period"),
    [
        (timedelta(minutes=10), timedelta(hours=1)),
        (timedelta(days=2), timedelta(hours=12)),
        (timedelta(days=90), timedelta(days=7)),
    ],
)
def test_the_period_grows_with_the_entrys_age_between_an_hour_and_a_week(
    age: timedelta, period: timedelta
) -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    first = now - age
    assert revisions.due(0, first, now, now)  # the first revisions are always recorded
    assert not revisions.due(revisions.FREE_REVISIONS, first, now - period + timedelta(seconds=1), now)
    assert revisions.due(revisions.FREE_REVISIONS, first, now - period, now)


def test_what_counts_as_a_boring_change() -> None:
    stored = {
        "title": "Talks  resume",
        "link": "https://n.invalid/a?id=7",
        "summary": "Seen at 10:32 GMT.",
        "content": None,
    }
    same = {
        "title": "Talks resume",
        "link": "https://n.invalid/a?id=7&utm_source=x&fbclid=y",
        "summary": "Seen at 11:05 GMT.",
        "content": None,
    }
    assert revisions.same_content(stored, same)
    assert not revisions.same_content(stored, {**same, "link": "https://n.invalid/a?id=8"})
    assert not revisions.same_content(stored, {**same, "summary": "Seen at 11:05 GMT. Talks collapsed."})
