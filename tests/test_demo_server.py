"""The bundled demo: its feed documents and the loopback server (real sockets, no network)."""

from __future__ import annotations

import gzip
import hashlib
import http.client
import re
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET
import feedparser
import httpx
import pytest
from syntok import segmenter

from tracker.demo import BUNDLED_DOCUMENTS, demo_feeds, load_document
from tracker.demo.server import DemoServer

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
OUTLETS = {"wire.xml": "wire", "belnews.xml": "belnews", "digest.xml": "digest", "wire-updated.xml": "wire"}
EXPECTED_COUNTS = {"wire.xml": 5, "belnews.xml": 5, "digest.xml": 4, "wire-updated.xml": 6}


# --- helpers -------------------------------------------------------------------------------------


def request(
    server: DemoServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One raw request: status, headers and the body exactly as sent (no decoding)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def parse(name: str) -> Element:
    root: Element = DefusedET.fromstring(load_document(name))
    return root


def text(element: Element, tag: str) -> str:
    found = element.find(tag)
    assert found is not None and found.text is not None, f"missing <{tag}>"
    return found.text


def articles(name: str) -> list[dict[str, str]]:
    """title, link, guid, published (ISO, UTC) and body of each item/entry of a bundled feed."""
    root = parse(name)
    out: list[dict[str, str]] = []
    if root.tag == f"{ATOM}feed":
        for entry in root.findall(f"{ATOM}entry"):
            link = entry.find(f"{ATOM}link[@rel='alternate']")
            assert link is not None
            published = datetime.fromisoformat(text(entry, f"{ATOM}published"))
            assert published.tzinfo is not None
            out.append(
                {
                    "title": text(entry, f"{ATOM}title"),
                    "link": link.attrib["href"],
                    "guid": text(entry, f"{ATOM}id"),
                    "published": published.astimezone(UTC).isoformat(),
                    "body": text(entry, f"{ATOM}summary"),
                }
            )
    else:
        assert root.tag == "rss" and root.attrib["version"] == "2.0"
        for item in root.iter("item"):
            published = parsedate_to_datetime(text(item, "pubDate"))
            assert published.tzinfo is not None, "an RFC 822 date needs a zone"
            body = text(item, "description")
            if item.find(CONTENT_ENCODED) is not None:
                body = re.sub(r"<[^>]+>", "", text(item, CONTENT_ENCODED))
            out.append(
                {
                    "title": text(item, "title"),
                    "link": text(item, "link"),
                    "guid": text(item, "guid"),
                    "published": published.astimezone(UTC).isoformat(),
                    "body": body,
                }
            )
    return out


def corpus() -> str:
    return "\n".join(a["body"] for name in ("wire.xml", "belnews.xml", "digest.xml") for a in articles(name))


@pytest.fixture
def server() -> Iterator[DemoServer]:
    with DemoServer() as running:
        yield running


# --- server --------------------------------------------------------------------------------------


def test_starts_on_a_random_loopback_port() -> None:
    with DemoServer() as first, DemoServer() as second:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", first.base_url)
        assert first.port != second.port
        assert first.url("wire") == first.url("wire.xml") == first.base_url + "/wire.xml"
    with pytest.raises(RuntimeError):
        _ = first.base_url


def test_serves_every_bundled_document_with_validators(server: DemoServer) -> None:
    assert server.paths == sorted("/" + name for name in BUNDLED_DOCUMENTS)
    status, headers, body = request(server, "/wire.xml")
    assert status == 200
    assert body == load_document("wire.xml")
    assert headers["Content-Type"] == "application/rss+xml"
    assert headers["Content-Length"] == str(len(body))
    assert headers["ETag"] == '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    assert headers["ETag"] == server.etag("/wire.xml")
    assert parsedate_to_datetime(headers["Last-Modified"]).tzinfo is not None
    assert "Content-Encoding" not in headers


def test_content_types(server: DemoServer) -> None:
    assert request(server, "/belnews.xml")[1]["Content-Type"] == "application/atom+xml"
    assert request(server, "/digest.xml")[1]["Content-Type"] == "application/rss+xml"
    server.replace("/page.html", b"<!doctype html><html><body>hello</body></html>")
    assert request(server, "/page.html")[1]["Content-Type"].startswith("text/html")
    server.replace("/odd", b"<x/>", content_type="text/xml")
    assert request(server, "/odd")[1]["Content-Type"] == "text/xml"


def test_if_none_match_gives_304_with_empty_body(server: DemoServer) -> None:
    _, headers, _ = request(server, "/belnews.xml")
    etag = headers["ETag"]
    status, headers304, body = request(server, "/belnews.xml", {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    assert headers304["ETag"] == etag
    assert request(server, "/belnews.xml", {"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert request(server, "/belnews.xml", {"If-None-Match": '"stale"'})[0] == 200


def test_if_modified_since(server: DemoServer) -> None:
    _, headers, _ = request(server, "/digest.xml")
    last_modified = headers["Last-Modified"]
    assert request(server, "/digest.xml", {"If-Modified-Since": last_modified})[:3:2] == (304, b"")
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(days=1), usegmt=True)
    assert request(server, "/digest.xml", {"If-Modified-Since": earlier})[0] == 200
    assert request(server, "/digest.xml", {"If-Modified-Since": "garbage"})[0] == 200
    # If-None-Match wins over If-Modified-Since when both are sent
    both = {"If-None-Match": '"stale"', "If-Modified-Since": last_modified}
    assert request(server, "/digest.xml", both)[0] == 200


def test_gzip_round_trip(server: DemoServer) -> None:
    status, headers, raw = request(server, "/digest.xml", {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Length"] == str(len(raw))
    assert "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(raw) == load_document("digest.xml")
    assert len(raw) < len(load_document("digest.xml"))
    # the gzip variant has its own strong tag, and either tag revalidates
    assert headers["ETag"] != server.etag("/digest.xml")
    for etag in (headers["ETag"], server.etag("/digest.xml")):
        assert request(server, "/digest.xml", {"Accept-Encoding": "gzip", "If-None-Match": etag})[0] == 304
    # refused or absent gzip: identity
    assert "Content-Encoding" not in request(server, "/digest.xml", {"Accept-Encoding": "gzip;q=0"})[1]
    assert "Content-Encoding" not in request(server, "/digest.xml", {"Accept-Encoding": "br"})[1]


def test_httpx_decodes_and_urllib_works(server: DemoServer) -> None:
    with httpx.Client() as client:
        response = client.get(server.url("belnews"), headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip"
        assert response.content == load_document("belnews.xml")
        again = client.get(server.url("belnews"), headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    with urllib.request.urlopen(server.url("wire"), timeout=5) as answer:
        assert answer.read() == load_document("wire.xml")


def test_head_sends_headers_only(server: DemoServer) -> None:
    status, headers, body = request(server, "/wire.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(len(load_document("wire.xml")))


def test_unknown_path_is_404_and_requests_are_counted(server: DemoServer) -> None:
    assert request(server, "/nope.xml")[0] == 404
    assert request(server, "/wire.xml?since=1")[0] == 200
    etag = server.etag("wire")
    assert request(server, "/wire.xml", {"If-None-Match": etag})[0] == 304
    assert server.hits == {"/nope.xml": 1, "/wire.xml": 2}
    assert server.requests == [("/nope.xml", 404), ("/wire.xml", 200), ("/wire.xml", 304)]
    server.remove("/wire.xml")
    assert request(server, "/wire.xml")[0] == 404


def test_replace_changes_body_etag_and_last_modified(server: DemoServer) -> None:
    _, before, _ = request(server, "/wire.xml")
    server.replace("/wire.xml", b"<rss version='2.0'><channel><title>x</title></channel></rss>")
    status, after, body = request(server, "/wire.xml", {"If-None-Match": before["ETag"]})
    assert status == 200
    assert body.startswith(b"<rss")
    assert after["ETag"] != before["ETag"]
    assert parsedate_to_datetime(after["Last-Modified"]) > parsedate_to_datetime(before["Last-Modified"])
    assert request(server, "/wire.xml", {"If-Modified-Since": before["Last-Modified"]})[0] == 200
    assert request(server, "/wire.xml", {"If-None-Match": after["ETag"]})[0] == 304


def test_publish_wire_update_serves_the_revision(server: DemoServer) -> None:
    assert request(server, "/wire.xml")[2] == load_document("wire.xml")
    server.publish_wire_update()
    assert request(server, "/wire.xml")[2] == load_document("wire-updated.xml")


def test_custom_documents_and_stop() -> None:
    with DemoServer({"feed": b"<feed xmlns='http://www.w3.org/2005/Atom'/>"}) as custom:
        assert custom.paths == ["/feed.xml"]
        status, headers, _ = request(custom, "/feed.xml")
        assert (status, headers["Content-Type"]) == (200, "application/atom+xml")
        port = custom.port
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()


def test_quiet(server: DemoServer, capfd: pytest.CaptureFixture[str]) -> None:
    request(server, "/wire.xml")
    request(server, "/missing")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request("BREW", "/wire.xml")
    assert connection.getresponse().status == 501
    connection.close()
    captured = capfd.readouterr()
    assert captured.err == ""
    assert captured.out == ""


# --- bundled documents ---------------------------------------------------------------------------


def test_demo_feeds_list() -> None:
    feeds = demo_feeds()
    assert [feed["file"] for feed in feeds] == ["wire.xml", "belnews.xml", "digest.xml"]
    assert [feed["title"] for feed in feeds] == ["Demo Wire", "Demo Belarus Monitor", "Demo Policy Digest"]
    for feed in feeds:
        assert re.fullmatch(r"[a-z0-9-]+", feed["id"])
        assert load_document(feed["file"])
    feeds[0]["id"] = "changed"
    assert demo_feeds()[0]["id"] == "demo-wire"


def test_load_document_rejects_other_names() -> None:
    for name in ("../server.py", "feeds/wire.xml", "", ".hidden"):
        with pytest.raises(ValueError):
            load_document(name)
    with pytest.raises(FileNotFoundError):
        load_document("missing.xml")


@pytest.mark.parametrize("name", BUNDLED_DOCUMENTS)
def test_bundled_document_is_a_well_formed_feed(name: str) -> None:
    raw = load_document(name)
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    raw.decode("utf-8")
    items = articles(name)
    assert len(items) == EXPECTED_COUNTS[name]
    for item in items:
        assert item["link"].startswith(f"https://demo.invalid/{OUTLETS[name]}/")
        assert item["published"].startswith("2025-")
        sentences = sum(len(list(paragraph)) for paragraph in segmenter.analyze(item["body"]))
        assert 3 <= sentences <= 8, (item["title"], sentences)
    assert len({item["guid"] for item in items}) == len(items)
    assert len({item["link"] for item in items}) == len(items)
    # newest first, as feeds usually are
    assert [item["published"] for item in items] == sorted((i["published"] for i in items), reverse=True)
    # the pipeline's parser reads it cleanly too
    parsed = feedparser.parse(raw)
    assert not parsed.bozo
    assert len(parsed.entries) == EXPECTED_COUNTS[name]


def test_digest_items_carry_html_bodies() -> None:
    root = parse("digest.xml")
    for item in root.iter("item"):
        html = text(item, CONTENT_ENCODED)
        assert html.startswith("<p>")
        assert len(text(item, "description")) < len(html)


def test_total_article_count() -> None:
    total = sum(len(articles(feed["file"])) for feed in demo_feeds())
    assert 12 <= total <= 16


def test_wire_update_is_one_revision_and_one_new_article() -> None:
    original = {item["guid"]: item for item in articles("wire.xml")}
    updated = {item["guid"]: item for item in articles("wire-updated.xml")}
    assert set(original) < set(updated)
    (new_guid,) = set(updated) - set(original)
    assert updated[new_guid]["published"] > max(item["published"] for item in original.values())
    changed = [guid for guid in original if original[guid] != updated[guid]]
    assert len(changed) == 1
    before, after = original[changed[0]], updated[changed[0]]
    assert {k for k in before if before[k] != after[k]} == {"body"}
    assert "general licence" in after["body"] and "general licence" not in before["body"]


def test_the_september_release_is_reported_by_all_three_outlets_in_different_words() -> None:
    by_outlet = {name: articles(name) for name in ("wire.xml", "belnews.xml", "digest.xml")}
    wire = [a for a in by_outlet["wire.xml"] if a["published"].startswith("2025-09-11")]
    digest = [a for a in by_outlet["digest.xml"] if a["published"].startswith("2025-09-11")]
    atom = [a for a in by_outlet["belnews.xml"] if a["published"].startswith("2025-09-12")]
    assert len(wire) == len(digest) == len(atom) == 1
    assert "52 prisoners" in wire[0]["body"]
    assert "fifty-two prisoners" in digest[0]["body"]
    assert "on Thursday" in atom[0]["body"]
    bodies = [wire[0]["body"], digest[0]["body"], atom[0]["body"]]
    assert len(set(bodies)) == 3


def test_facts_and_traps_are_in_the_text() -> None:
    text_ = corpus()
    for phrase in (
        "three prisoners",
        "Siarhei Tsikhanouski",
        "and 13 others",
        "14 of them foreign nationals",
        "crossed into Lithuania",
        "John Coale",
        "good, but not excellent",
        "Boeing",
        "general licence",
        "123 prisoners",
        "Ales Bialiatski",
        "Maria Kalesnikava",
        "potash",
        "suspended the work of its embassy in Minsk on Feb. 28, 2022",
        "August 2023",
        # traps
        "more than 1,000 political prisoners remain behind bars",
        "Trump has asked for 1,300 prisoners to be freed",
        "the 52 freed in September",
        "U.S. embassy in Vilnius",
        "may reopen",
        "is eager to reopen",
        "did not say when the embassy would reopen",
        "lifted sanctions on the Belarusian flag carrier Belavia",
        "relief",
        "remains closed",
    ):
        assert phrase in text_, phrase
