"""One hostile feed or entry fails alone: the rest of its feed and the other feeds of the pass go in.

Feed text is normalised where it enters (lone surrogates, controls, bidi controls) and dates
outside 1900-01-01 … now + 2 days count as missing, so neither can fail a feed later.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.cli import tracker
from tests.helpers.feed_server import FeedServer, write_feeds
from tracker import ingest
from tracker.bootstrap import open_tracker
from tracker.config import load_config
from tracker.errors import ParseError
from tracker.events import ArticleObserved
from tracker.parsing.feed import ParsedEntry, parse_feed
from tracker.storage.store import Store

GOOD_RSS = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Good</title>
<item><guid>good-1</guid><title>Belarus frees 52 prisoners</title><link>https://good.example/52</link>
<pubDate>Thu, 11 Sep 2025 14:00:00 GMT</pubDate>
<description>Belarus released 52 prisoners.</description></item>
</channel></rss>"""


def json_feed(items: list[dict[str, object]]) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": items}).encode()


# Written by hand: json.dumps would not produce the lone surrogate escape a hostile server sends.
SURROGATE_FEED = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "S", "items": ['
    b'{"id": "bad", "url": "https://s.example/bad",'
    b' "title": "lone \\ud800 surrogate", "content_text": "x\\udfff"},'
    b'{"id": "ok", "url": "https://s.example/ok", "title": "fine", "content_text": "fine"}]}'
)
DATE_FEED = json_feed(
    [
        {
            "id": "d1",
            "url": "https://d.example/1",
            "title": "far east",
            "date_published": "0001-01-01T00:00:00+14:00",
        },
        {
            "id": "d2",
            "url": "https://d.example/2",
            "title": "far west",
            "date_published": "9999-12-31T23:59:59-14:00",
        },
        {
            "id": "d3",
            "url": "https://d.example/3",
            "title": "future",
            "date_published": "2999-01-01T00:00:00Z",
        },
        {"id": "d4", "url": "https://d.example/4", "title": "ok", "date_published": "2025-09-11T10:00:00Z"},
    ]
)


def articles(db: Path) -> dict[str, tuple[str | None, str | None]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT json_extract(data, '$.guid'), json_extract(data, '$.title'), occurred_at FROM events "
        "WHERE type = 'ArticleObserved'"
    ).fetchall()
    conn.close()
    return {guid: (title, occurred) for guid, title, occurred in rows}


def test_hostile_feeds_fail_nothing_else_through_the_cli(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.static("/good.xml", GOOD_RSS)
        server.static("/surrogate.json", SURROGATE_FEED, content_type="application/feed+json")
        server.static("/dates.json", DATE_FEED, content_type="application/feed+json")
        config = write_feeds(
            tmp_path / "feeds.toml",
            {
                "good": server.url("/good.xml"),
                "surr": server.url("/surrogate.json"),
                "dates": server.url("/dates.json"),
            },
        )
        code, _, err = tracker("fetch", "--config", str(config), cwd=tmp_path)
    assert code == 0, err
    assert "Traceback" not in err
    stored = articles(tmp_path / "events.db")
    assert stored["good-1"][0] == "Belarus frees 52 prisoners"
    assert stored["bad"][0] == "lone \ufffd surrogate" and stored["ok"][0] == "fine"
    assert {g: stored[g][1] for g in ("d1", "d2", "d3")} == {"d1": None, "d2": None, "d3": None}
    assert stored["d4"][1] == "2025-09-11T10:00:00.000000Z"
    conn = sqlite3.connect(tmp_path / "events.db")
    outcomes = dict(conn.execute("SELECT feed_id, outcome FROM polls").fetchall())
    conn.close()
    assert outcomes == {"good": "ok", "surr": "ok", "dates": "ok"}


def entry(**fields: object) -> ParsedEntry:
    base: dict[str, object] = {f.name: None for f in dataclasses.fields(ParsedEntry) if f.init}
    return ParsedEntry(**{**base, **fields})  # type: ignore[arg-type]


def test_an_unstorable_entry_is_skipped_with_its_reason_and_the_rest_planned() -> None:
    # Entries that bypassed parsing's normalisation (a parser change, a test double) still fail alone.
    bad = entry(guid="a\ud800", title="x")
    worse = entry(guid="b", title="y\udfff")
    good = entry(guid="c", title="z")
    plan = ingest.plan("f", [bad, worse, good], {})
    first = plan.events[0]
    assert plan.new == 1 and isinstance(first, ArticleObserved) and first.title == "z"
    assert len(plan.skipped) == 2 and "UnicodeEncodeError" in plan.skipped[0]
    assert len(ingest.streams_for("f", [bad, worse, good])) == 2


# --- property: random bodies and structures through parse → ingest → store ----------------------

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
    st.sampled_from(["\ud800", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "\x1b[2J"]),
)  # fmt: skip
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=25,
)
_item = st.fixed_dictionaries(
    {},
    optional={
        k: _json
        for k in (
            "id",
            "url",
            "title",
            "summary",
            "content_html",
            "content_text",
            "date_published",
            "authors",
        )
    },
)
_json_feeds = st.builds(
    lambda items, extra: json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": items, **extra}, ensure_ascii=False
    ).encode("utf-8", "surrogatepass"),
    st.lists(st.one_of(_item, _json), max_size=6),
    st.dictionaries(st.sampled_from(["title", "home_page_url", "items"]), _json, max_size=2),
)
_xml_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
_xml_feeds = st.builds(
    lambda title, items: (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>"
        + title
        + "</title>"
        + "".join(
            f"<item><guid>{g}</guid><title>{t}</title><pubDate>{d}</pubDate></item>" for g, t, d in items
        )
        + "</channel></rss>"
    ).encode("utf-8", "surrogatepass"),
    _xml_text,
    st.lists(st.tuples(_xml_text, _xml_text, _xml_text), max_size=5),
)
_bodies = st.one_of(st.binary(max_size=300), _json_feeds, _xml_feeds)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_bodies)
def test_random_bodies_never_raise_past_parse_and_ingest(body: bytes) -> None:
    try:
        parsed = parse_feed(body, content_type=None, url="https://feed.example/")
    except ParseError:
        return  # a recorded failure of this feed
    plan = ingest.plan("fuzz", parsed.entries, {})
    assert plan.new + len(plan.skipped) <= len(parsed.entries)
    for event in plan.events:
        published = event.occurred_at()
        assert published is None or datetime(1900, 1, 1, tzinfo=UTC) <= published
    _STORE.append_plan(plan)


class _SharedStore:
    """One real SQLite store for every example (opening one per example would dominate the run)."""

    def __init__(self) -> None:
        self._store: Store | None = None

    def append_plan(self, plan: ingest.Plan) -> None:
        if self._store is None:
            import tempfile

            self._store = Store.open(Path(tempfile.mkdtemp()) / "fuzz.db")
        with self._store.transaction():
            self._store.append(plan.events)


_STORE = _SharedStore()


@pytest.mark.slow  # a whole fetch pass per example
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies)
def test_random_feed_beside_a_good_one_in_one_pass(tmp_path: Path, body: bytes) -> None:
    from tracker import app

    db = tmp_path / f"pass-{abs(hash(body))}.db"
    with FeedServer() as server:
        server.static("/good.xml", GOOD_RSS)
        server.static("/fuzz", body, content_type="application/octet-stream")
        config = load_config(
            write_feeds(
                tmp_path / "feeds.toml", {"good": server.url("/good.xml"), "fuzz": server.url("/fuzz")}
            )
        )
        with open_tracker(config, db, create=True) as opened:
            summary = asyncio.run(app.fetch_feeds(opened))
    results = {r.feed_id: r for r in summary.results}
    assert not results["good"].failed and results["good"].new == 1
    assert set(results) == {"good", "fuzz"}
