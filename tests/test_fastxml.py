"""The fast path for well-formed feeds: for every document it either declines or gives exactly what the
feedparser path gives, field by field, on feedparser's own well-formed test documents, random variants,
the demo feeds and the fixtures; and it never reads what it should not (DOCTYPEs, entities, XInclude).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedparser.datetimes import _parse_date

import tracker.parsing.feed as feed_module
from tests.helpers.feedvariants import document
from tracker.errors import FeedError
from tracker.parsing.fastxml import fast_parse
from tracker.parsing.feed import ParsedFeed, parse_feed
from tracker.parsing.feedparser_rules import feed_date

HERE = Path(__file__).parent
WELLFORMED = HERE / "data" / "feedparser-wellformed"
WELLFORMED_DOCUMENTS = sorted(WELLFORMED.rglob("*.xml"))
DEMO_FEEDS = sorted((HERE.parent / "tracker" / "demo" / "feeds").glob("*.xml"))
FIXTURES = sorted((HERE / "fixtures" / "feeds").glob("*"))
CONTENT_TYPES = [None, "application/rss+xml", "text/xml; charset=utf-8"]
URL = "https://news.example/feed"

Outcome = ParsedFeed | str


def outcome(body: bytes, content_type: str | None, *, fast: bool) -> Outcome:
    try:
        return parse_feed(body, content_type=content_type, url=URL, fast=fast)
    except FeedError as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Records, for each parse, whether the fast path read the document."""
    record: list[bool] = []

    def spy(data: bytes) -> object:
        result = fast_parse(data)
        record.append(result is not None)
        return result

    monkeypatch.setattr(feed_module, "fast_parse", spy)
    yield record


def assert_same(body: bytes, content_type: str | None = None) -> None:
    fast, reference = outcome(body, content_type, fast=True), outcome(body, content_type, fast=False)
    if isinstance(fast, ParsedFeed) and isinstance(reference, ParsedFeed):
        assert fast.entries == reference.entries  # first, for a readable difference
    assert fast == reference


# --- feedparser's own well-formed documents -------------------------------------------------------------


@pytest.mark.parametrize("path", WELLFORMED_DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_feedparser_wellformed_document(path: Path, taken: list[bool]) -> None:
    assert_same(path.read_bytes())


def test_the_fast_path_reads_most_of_feedparsers_rss_and_atom_documents(taken: list[bool]) -> None:
    read = {d: 0 for d in ("rss", "atom10", "rdf")}
    for path in WELLFORMED_DOCUMENTS:
        taken.clear()
        outcome(path.read_bytes(), None, fast=True)
        if path.parent.name in read and any(taken):
            read[path.parent.name] += 1
    # The rest declare entities, use xml:base, inline markup, base64, sources, odd versions...
    assert read["rss"] >= 120 and read["atom10"] >= 120 and read["rdf"] >= 8


# --- random variants ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(150))
def test_random_variant(seed: int, taken: list[bool]) -> None:
    body = document(seed)
    for content_type in CONTENT_TYPES:
        assert_same(body, content_type)


def test_random_variants_mostly_take_the_fast_path(taken: list[bool]) -> None:
    for seed in range(150):
        outcome(document(seed), None, fast=True)
    assert sum(taken) >= 40  # declined: repeated fields, markup in text, media titles, xhtml...


# --- the demo feeds, the fixtures and a benchmark-sized document ----------------------------------------


@pytest.mark.parametrize("path", DEMO_FEEDS + FIXTURES, ids=lambda p: p.name)
def test_demo_feeds_and_fixtures(path: Path, taken: list[bool]) -> None:
    for content_type in CONTENT_TYPES:
        assert_same(path.read_bytes(), content_type)
    if path in DEMO_FEEDS:
        assert all(taken)


def _news_entries(n: int) -> Iterator[tuple[str, str, datetime]]:
    start = datetime(2025, 6, 1, 6, tzinfo=UTC)
    for i in range(n):
        summary = f"<p>Summary {i} with <a href='/x?a=1&amp;b=2'>a link</a></p>"
        yield f"Story {i} &amp; more", summary, start + timedelta(minutes=37 * i)


def test_a_200_entry_rss_document(taken: list[bool]) -> None:
    items = "".join(
        f"<item><title>{title}</title><link>https://news.example/{i}</link>"
        f'<guid isPermaLink="false">k{i}</guid><pubDate>{when:%a, %d %b %Y %H:%M:%S} GMT</pubDate>'
        f"<dc:creator>Anna Novak</dc:creator><description><![CDATA[{summary}]]></description></item>"
        for i, (title, summary, when) in enumerate(_news_entries(200))
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>News</title><link>https://news.example/</link><ttl>15</ttl>{items}</channel></rss>"
    ).encode()
    assert_same(body, "application/rss+xml")
    assert all(taken)


def test_a_200_entry_atom_document(taken: list[bool]) -> None:
    entries = "".join(
        f'<entry><title>{title}</title><link rel="alternate" href="https://news.example/{i}"/>'
        f"<id>tag:news.example,2025:{i}</id><updated>{when.isoformat()}</updated>"
        f"<published>{when.isoformat()}</published><author><name>Anna Novak</name></author>"
        f'<summary type="html">{summary.replace("<", "&lt;")}</summary></entry>'
        for i, (title, summary, when) in enumerate(_news_entries(200))
    )
    body = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>News</title><link href="https://news.example/"/><id>https://news.example/</id>{entries}</feed>'
    ).encode()
    assert_same(body, "application/atom+xml")
    assert all(taken)


# --- dates ------------------------------------------------------------------------------------------------


def _date_strings(rng: random.Random) -> Iterator[str]:
    days, months = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], "JanFebMarAprMayJunJulAugSepOctNovDec"
    for _ in range(3000):
        year = rng.choice([1, 99, 1900, 1969, 1970, 2000, 2024, 2025, 2038, 9999, rng.randint(1, 9999)])
        month, day = rng.randint(1, 12), rng.choice([1, 28, 29, 30, 31, rng.randint(1, 31), 0, 32])
        hour, minute, second = rng.choice([0, 23, 24, 12]), rng.choice([0, 59, 60]), rng.choice([0, 59, 60])
        zone_hours, zone_minutes = rng.randint(0, 14), rng.choice([0, 30, 45, 59, 60])
        sign = rng.choice("+-")
        yield (
            f"{rng.choice(days)}, {day:02d} {months[3 * month - 3 : 3 * month]} {year:04d} "
            f"{hour:02d}:{minute:02d}:{second:02d} "
            + rng.choice(["GMT", "UT", "UTC", "Z", f"{sign}{zone_hours:02d}{zone_minutes:02d}"])
        )
        yield f"{day} {months[3 * month - 3 : 3 * month]} {year:04d} {hour:02d}:{minute:02d}:{second:02d} GMT"
        fraction = rng.choice(["", ".5", ".123456", ".999999999"])
        zone = rng.choice(["Z", f"{sign}{zone_hours:02d}:{zone_minutes:02d}"])
        yield f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{zone}"


def test_feed_date_is_feedparsers_parse_date() -> None:
    rng = random.Random(7)
    for text in _date_strings(rng):
        assert feed_date(text) == _parse_date(text), text


def test_feed_date_leaves_every_other_form_to_feedparser() -> None:
    for text in ["2025-06-10", "2025", "12", "Tue, 10 Jun 25 14:03:00 EST", "yesterday", "", "2025-W23"]:
        assert feed_date(text) == _parse_date(text)


# --- what the fast path must never read -----------------------------------------------------------------

_ITEM = "<item><guid>1</guid><title>&x;</title></item>"


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "a">]><rss version="2.0"><channel>'
        + _ITEM.encode()
        + b"</channel></rss>",
        b'<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/evil.dtd"><rss version="2.0"><channel>'
        + _ITEM.encode()
        + b"</channel></rss>",
        b'<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
        + _ITEM.encode()
        + b"</channel></rss>",
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        b'"http://my.netscape.com/publish/formats/rss-0.91.dtd"><rss version="0.91"><channel/></rss>',
        b'<rss version="2.0"><channel>' + _ITEM.replace("&x;", "&nbsp;").encode() + b"</channel></rss>",
        b'<rss version="2.0"><channel><item>' + b"<x>" * 300 + b"</x>" * 300 + b"</item></channel></rss>",
        b'<rss version="2.0" xml:base="https://elsewhere.example/"><channel/></rss>',
        b'<rss version="2.0"><channel><item><title>unclosed</item></channel></rss>',
    ],
    ids=[
        "entity",
        "external-dtd",
        "external-entity",
        "netscape-doctype",
        "undefined-entity",
        "deep",
        "base",
        "malformed",
    ],
)
def test_declined(body: bytes) -> None:
    assert fast_parse(body) is None


def test_a_text_node_over_libxml2s_limit_is_declined() -> None:
    body = b'<rss version="2.0"><channel><title>' + b"a" * 10_000_001 + b"</title></channel></rss>"
    started = time.perf_counter()
    assert fast_parse(body) is None
    assert time.perf_counter() - started < 5


def test_xinclude_is_never_processed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET")
    body = (
        '<rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude"><channel><item><guid>1</guid>'
        f'<title>t</title><xi:include href="{secret}" parse="text"/></item></channel></rss>'
    ).encode()
    assert fast_parse(body) is not None
    parsed = parse_feed(body)
    assert "SECRET" not in repr(parsed)
