"""tracker.parsing.feed: formats, quirks, dates, caps (hostile documents: test_parse_hostile.py)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from pytest_httpserver import HTTPServer

from tracker.errors import FeedRejected, NotAFeed
from tracker.parsing.feed import MAX_ENTRIES, MAX_TEXT_CHARS, MAX_TITLE_CHARS, ParsedFeed, parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rss(items: str, channel_title: str = "T") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{channel_title}</title><link>https://example.org/</link>{items}</channel></rss>"
    ).encode()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


# --- formats -------------------------------------------------------------------------------------------


def test_rss20() -> None:
    feed = parse_feed(
        load("rss20.xml"), content_type="application/rss+xml", url="https://wire.example/feed.xml"
    )
    assert isinstance(feed, ParsedFeed)
    assert feed.format == "rss20"
    assert feed.title == "Wire Service"  # stripped
    assert feed.link == "https://wire.example/"
    assert feed.warnings == ()
    first, second = feed.entries
    assert first.guid == "wire-1001"
    assert first.link == "https://wire.example/2025/09/11/embassy"
    assert first.title == "Envoy says embassy in Minsk could reopen"
    assert first.published_raw == "Thu, 11 Sep 2025 14:30:00 +0300"
    assert first.published == utc(2025, 9, 11, 11, 30)
    assert first.updated_raw is None and first.updated is None
    assert first.author == "A. Reporter"
    assert first.summary == "<p>Short <b>summary</b>.</p>"
    # Raw: neither sanitised nor resolved; that happens at render time.
    assert first.content == (
        '<p>Full text with <a href="/relative">a relative link</a>.</p><script>alert(1)</script>'
    )
    assert second.link == "https://wire.example/2025/09/12/second"  # resolved against the feed URL
    assert second.summary is None  # whitespace only
    assert second.content is None
    assert second.published is None and second.published_raw is None


def test_relative_link_stays_relative_without_a_feed_url() -> None:
    feed = parse_feed(load("rss20.xml"))
    assert feed.entries[1].link == "/2025/09/12/second"


def test_rss10() -> None:
    feed = parse_feed(load("rss10.rdf"), content_type="application/rdf+xml")
    assert feed.format == "rss10"
    (entry,) = feed.entries
    assert entry.guid == entry.link == "https://rdf.example/item/1"
    assert entry.updated_raw == "2025-09-11T18:00:00Z"
    assert entry.updated == utc(2025, 9, 11, 18)
    assert entry.published is None  # dc:date is not a publication date
    assert entry.author == "Desk"
    assert entry.summary == "52 people were freed."


def test_atom10() -> None:
    feed = parse_feed(load("atom10.xml"), content_type="application/atom+xml")
    assert feed.format == "atom10"
    assert feed.title == "Atom Outlet"
    assert feed.link == "https://atom.example/"
    first, second = feed.entries
    assert first.guid == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert first.link == "https://atom.example/belavia-licence"
    assert first.title == "Treasury issues <em>general licence</em>"
    assert first.published == utc(2025, 11, 4, 13)
    assert first.updated == utc(2025, 11, 4, 9, 30)
    assert first.author == "Atom Author"
    assert first.summary == "Relief for the airline."
    assert first.content == "<p>A second, much longer content element that should win.</p>"
    # feedparser copies an Atom id into `link`; a URN is not a link.
    assert second.link is None
    assert second.summary is None


def test_rss091_with_netscape_doctype() -> None:
    feed = parse_feed(load("rss091_netscape.xml"), content_type="text/xml")
    assert feed.format.startswith("rss091")
    assert feed.title == "Old School"
    (entry,) = feed.entries
    assert entry.link == "http://old.example/1"
    assert entry.guid is None
    assert entry.summary == "Still parses."


def test_json_feed_11() -> None:
    feed = parse_feed(
        load("jsonfeed11.json"), content_type="application/feed+json", url="https://json.example/feed.json"
    )
    assert feed.format == "json11"
    assert feed.title == "JSON Outlet"
    assert feed.link == "https://json.example/"
    first, second = feed.entries
    assert first.guid == "j-1"
    assert first.link == "https://json.example/items/1"
    assert first.published_raw == "2025-09-11T12:00:00+02:00"
    assert first.published == utc(2025, 9, 11, 10)
    assert first.updated == utc(2025, 9, 12, 8)
    assert first.author == "First Author, Second Author"
    assert first.summary == "Envoy on relations"
    assert first.content == "<p>Quote.</p>"  # HTML preferred over text
    assert second.guid == "42"  # numeric ids are coerced to strings, as the spec says
    assert second.link == "https://json.example/items/42"
    assert second.published_raw == "2025-09-11T12:00:00"
    assert second.published is None  # no zone: not a point in time
    assert second.content == "Numeric id, relative url, zone-less date."
    assert feed.warnings == ("2 entries without id or link dropped",)


def test_json_feed_10_detected_without_content_type() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old JSON",
            "items": [{"id": "a", "content_text": "x", "author": {"name": "Solo"}, "date_published": "bad"}],
        }
    ).encode()
    feed = parse_feed(b"\n  " + body)
    assert feed.format == "json10"
    (entry,) = feed.entries
    assert entry.author == "Solo"
    assert entry.published_raw == "bad" and entry.published is None


@pytest.mark.parametrize(
    "body",
    [
        b'{"title": "no version", "items": []}',
        b'{"version": "https://example.com/version/1", "items": []}',
        b'["not", "an", "object"]',
        b"{not json",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [] ',
    ],
)
def test_json_that_is_not_a_json_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        parse_feed(body, content_type="application/json")


def test_unknown_json_feed_version_is_read_with_a_warning() -> None:
    feed = parse_feed(b'{"version": "https://jsonfeed.org/version/2", "items": [{"id": "x"}]}')
    assert feed.format == "json"
    assert len(feed.entries) == 1
    assert any("version" in w for w in feed.warnings)


# --- not feeds, broken feeds ---------------------------------------------------------------------------


def test_html_is_not_a_feed() -> None:
    with pytest.raises(NotAFeed, match=r"not a feed \(Content-Type text/html\)"):
        parse_feed(load("html_page.html"), content_type="text/html; charset=utf-8")
    with pytest.raises(NotAFeed):
        parse_feed(load("html_page.html"))


@pytest.mark.parametrize("body", [b"", b"   \n\t", b"\xef\xbb\xbf"])
def test_empty_body_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(NotAFeed):
        parse_feed(body, content_type="application/rss+xml")


def test_truncated_document_drops_the_phantom_entry() -> None:
    feed = parse_feed(load("truncated.xml"))
    assert [e.guid for e in feed.entries] == ["https://cut.example/1", "cut-2"]
    assert [e.title for e in feed.entries] == ["Complete one", "Complete two"]
    assert "1 entry without id or link dropped" in feed.warnings
    assert any(w.startswith("recovered from") for w in feed.warnings)


def test_latin1_declared_as_utf8_survives() -> None:
    feed = parse_feed(load("latin1_declared_utf8.xml"), content_type="application/rss+xml")
    assert feed.title == "Café Minsk"
    assert feed.entries[0].title == "Naïve résumé"
    assert any("CharacterEncodingOverride" in w for w in feed.warnings)


def test_charset_from_content_type_is_honoured() -> None:
    body = '<rss version="2.0"><channel><title>Žodis</title><item><guid>x</guid></item></channel></rss>'
    feed = parse_feed(body.encode("iso-8859-13"), content_type="application/rss+xml; charset=iso-8859-13")
    assert feed.title == "Žodis"


# --- str input never reaches feedparser ----------------------------------------------------------------


def test_str_is_a_type_error_and_is_never_fetched(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data(rss("<item><guid>1</guid></item>"))
    with pytest.raises(TypeError, match="bytes"):
        parse_feed(httpserver.url_for("/x"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        parse_feed(str(FIXTURES / "rss20.xml"))  # type: ignore[arg-type]
    assert httpserver.log == []


def test_feedparser_only_ever_receives_a_byte_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[type] = []
    real_parse = feedparser.parse

    def spy(source: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(type(source))
        return real_parse(source, *args, **kwargs)

    monkeypatch.setattr(feedparser, "parse", spy)
    for path in FIXTURES.glob("*.xml"):
        with contextlib.suppress(NotAFeed, FeedRejected):
            parse_feed(path.read_bytes(), url="https://example.org/feed")
    assert seen and set(seen) == {io.BytesIO}


# --- dates and ids -------------------------------------------------------------------------------------


def test_missing_dates_stay_none_and_numeric_guids_invent_nothing() -> None:
    twelve, year_like = parse_feed(load("numeric_guid_no_date.xml"), url="https://num.example/feed").entries
    assert twelve.guid == "12"  # not resolved into a URL
    assert twelve.link is None  # a permalink guid that is no URL is not a link
    assert twelve.published_raw is None and twelve.published is None
    assert twelve.updated_raw is None and twelve.updated is None
    assert year_like.guid == "2024"
    assert year_like.published_raw == "2024"
    assert year_like.published is None  # feedparser would say 1 Jan 2024


def test_unparseable_dates_keep_the_raw_string() -> None:
    entries = parse_feed(load("bad_date.xml")).entries
    by_guid = {e.guid: e for e in entries}
    for guid, raw in [
        ("d1", "sometime last week"),
        ("d2", "Mon, 32 Jun 2025 12:00:00 GMT"),
        ("d3", "2025-W23"),
    ]:
        assert by_guid[guid].published_raw == raw
        assert by_guid[guid].published is None
    assert by_guid["d4"].published == utc(2025, 6, 10, 12)  # RFC 822 two-digit year is a full date


def test_permalink_guid_that_is_a_url_is_the_link() -> None:
    (entry,) = parse_feed(rss("<item><guid>https://example.org/p/1</guid></item>")).entries
    assert entry.guid == entry.link == "https://example.org/p/1"


# --- caps ----------------------------------------------------------------------------------------------


def test_entry_count_and_field_lengths_are_capped() -> None:
    items = [f"<item><guid>g{i}</guid></item>" for i in range(MAX_ENTRIES + 3)]
    big_title = "T" * 5000
    big_summary = "s" * (MAX_TEXT_CHARS + 10)
    items[0] = (
        f"<item><guid>big</guid><title>{big_title}</title><description>{big_summary}</description></item>"
    )
    feed = parse_feed(rss("".join(items), channel_title="C" * 3000))
    assert len(feed.entries) == MAX_ENTRIES
    assert feed.entries[-1].guid == f"g{MAX_ENTRIES - 1}"
    big = feed.entries[0]
    assert big.title is not None and len(big.title) == MAX_TITLE_CHARS
    assert big.summary is not None and len(big.summary) == MAX_TEXT_CHARS
    assert feed.title is not None and len(feed.title) == MAX_TITLE_CHARS
    assert "3 entries over the cap of 1,000 dropped" in feed.warnings
    assert "1 title value truncated to 1,000 characters" in feed.warnings
    assert "1 summary value truncated to 1,000,000 characters" in feed.warnings


def test_whitespace_is_stripped_and_empty_becomes_none() -> None:
    (entry,) = parse_feed(
        rss(
            "<item><guid>  x  </guid><title>\n  Hello  \n</title>"
            "<author> </author><description> </description></item>"
        )
    ).entries
    assert entry.guid == "x"
    assert entry.title == "Hello"
    assert entry.author is None
    assert entry.summary is None
