"""Article pages (`full_text`) fetched through `tracker fetch` from loopback servers: good pages
become `ArticleTextFetched` events; hostile ones are refused or capped, each with its reason in
`tracker feeds`, while every feed poll still succeeds."""

from __future__ import annotations

import asyncio
import gzip
import json
import sqlite3
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import in_process
from tests.helpers.feed_server import FeedServer
from tests.helpers.pages import article_html, summary_feed
from tracker import app
from tracker.bootstrap import open_tracker
from tracker.config import load_config
from tracker.net import netguard


def _endless(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    frame = b"%x\r\n%s\r\n" % (64 * 1024, b"<p>x</p>" * 8 * 1024)
    server: Any = handler.server
    while not server.stopping.is_set():
        handler.wfile.write(frame)


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    server: Any = handler.server
    while not server.stopping.is_set():
        handler.wfile.write(b"<")
        handler.wfile.flush()
        time.sleep(1)


def _fifty_megabytes(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(50 * 2**20))
    handler.end_headers()
    chunk = b"<p>" + b"y" * (2**20 - 7) + b"</p>"
    for _ in range(50):
        handler.wfile.write(chunk)


@pytest.fixture
def servers() -> Iterator[tuple[FeedServer, FeedServer]]:
    with FeedServer() as own, FeedServer(host="127.0.0.2") as internal:
        internal.static("/secret", article_html("Internal secret"), content_type="text/html")
        yield own, internal


def _pages(workdir: Path) -> dict[str, tuple[str, int, str | None, str | None]]:
    conn = sqlite3.connect(workdir / "events.db")
    rows = conn.execute(
        "SELECT feed_id, status, attempts, last_error, final_url FROM page_fetches"
    ).fetchall()
    conn.close()
    return {feed: (status, attempts, error, final) for feed, status, attempts, error, final in rows}


def _texts(workdir: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(workdir / "events.db")
    rows = conn.execute("SELECT stream, data FROM events WHERE type = 'ArticleTextFetched'").fetchall()
    conn.close()
    return [{"stream": stream, **json.loads(data)} for stream, data in rows]


def _feeds_toml(
    workdir: Path, own: FeedServer, pages: dict[str, str], extra: str = "", ports: tuple[int, ...] = ()
) -> None:
    """One feed per page, each with one summary-only entry linking to it."""
    tables = []
    for name, link in pages.items():
        own.static(f"/feed-{name}.xml", summary_feed([(f"g-{name}", f"Story {name}", link)]))
        tables.append(f'\n[[feeds]]\nid = "{name}"\nurl = "{own.url(f"/feed-{name}.xml")}"\n')
    port_list = ", ".join(str(p) for p in (own.port, *ports))
    fetch = f'[fetch]\ndeadline = "3s"\npage_delay = "0s"\npage_ports = [{port_list}]\n{extra}'
    (workdir / "feeds.toml").write_text(fetch + "".join(tables), encoding="utf-8")


def test_hostile_pages_are_refused_or_capped_and_polling_goes_on(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    # Long on purpose: every hostile page of one feed, fetched in one pass, so the test also shows
    # that the good page beside them is fetched and polling goes on.
    own, internal = servers
    secret = internal.url("/secret")
    own.static("/p/good", article_html("A good page"), content_type="text/html; charset=utf-8")
    own.redirect("/p/to-loopback", secret)
    own.redirect("/p/to-metadata", "http://169.254.169.254/latest/meta-data/")
    own.redirect("/p/to-v6-loopback", f"http://[::1]:{internal.port}/secret")
    own.redirect("/p/to-private", "http://10.0.0.1/")
    own.static("/p/pdf", b"%PDF-1.7 binary", content_type="application/pdf")
    own.static("/p/binary", bytes(range(256)) * 100, content_type="application/octet-stream")
    own.static("/p/image", b"\x89PNG\r\n", content_type="image/png")
    own.static(
        "/p/bomb",
        gzip.compress(b"<p>" + b"\0" * 60 * 2**20),
        content_type="text/html",
        headers={"Content-Encoding": "gzip"},
    )
    own.raw("/p/endless", _endless)
    own.raw("/p/trickle", _trickle)
    own.raw("/p/huge", _fifty_megabytes)
    own.static(
        "/p/paywall",
        b"<html><body><div class='paywall'><p>Subscribe to continue reading.</p></div></body></html>",
        content_type="text/html",
    )
    names = [
        "good", "to-loopback", "to-metadata", "to-v6-loopback", "to-private", "pdf", "binary",
        "image", "bomb", "endless", "trickle", "huge", "paywall",
    ]  # fmt: skip
    _feeds_toml(tmp_path, own, {name: own.url(f"/p/{name}") for name in names})
    hits_before = len(internal.hits["/secret"])

    started = time.monotonic()
    code, out, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    assert time.monotonic() - started < 60
    assert len(internal.hits["/secret"]) == hits_before  # nothing internal was ever requested

    pages = _pages(tmp_path)
    assert pages["good"][0] == "fetched"
    expected = {
        "to-loopback": "refused-destination",
        "to-metadata": "refused-destination",
        "to-v6-loopback": "refused-destination",
        "to-private": "refused-destination",
        "pdf": "content-type",
        "binary": "content-type",
        "image": "content-type",
        "bomb": "too-large",
        "endless": "too-large",
        "trickle": "timeout",
        "huge": "too-large",
        "paywall": "no-article",
    }
    for name, category in expected.items():
        status, _, error, _ = pages[name]
        assert (error or "").startswith(category), (name, error)
        # Refusals are given up at once; a timeout is retried later with back-off.
        assert status == ("pending" if category == "timeout" else "given-up"), (name, status)
    [text] = _texts(tmp_path)
    assert "talks between the two delegations" in text["text"]
    assert (text["title"], text["author"], text["sitename"]) == ("A good page", "Jane Roe", "Example Daily")

    code, out, err = in_process("feeds", cwd=tmp_path)
    assert code == 0, err
    header, *lines = out.splitlines()
    columns = header.split("\t")
    rows = {line.split("\t")[0]: dict(zip(columns, line.split("\t"), strict=True)) for line in lines}
    for name in names:  # polling unaffected: every feed is healthy
        assert rows[name]["health"] == "ok", rows[name]
    assert rows["good"]["pages"] == "1 fetched"
    for name, category in expected.items():
        assert rows[name]["last page error"].startswith(category), rows[name]
        assert rows[name]["pages"] == ("1 failing" if category == "timeout" else "1 given up"), rows[name]

    # A second pass fetches nothing twice: only the retried page is due, and not yet.
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    assert len(_texts(tmp_path)) == 1
    assert len(own.hits["/p/good"]) == 1
    assert len(own.hits["/p/pdf"]) == 1


def test_the_feed_host_is_trusted_and_allow_private_opens_others(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    own, internal = servers
    own.static("/p/own", article_html("On the feed's own host"), content_type="text/html")
    pages = {"own": own.url("/p/own"), "internal": internal.url("/secret")}
    _feeds_toml(tmp_path, own, pages, ports=(internal.port,))
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    refused = _pages(tmp_path)
    assert refused["own"][0] == "fetched"
    assert refused["internal"][0] == "given-up"
    assert (refused["internal"][2] or "").startswith("refused-destination")
    assert not internal.hits["/secret"]

    (tmp_path / "events.db").unlink()
    _feeds_toml(tmp_path, own, pages, 'allow_private = ["127.0.0.2"]\n', ports=(internal.port,))
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    assert _pages(tmp_path)["internal"][0] == "fetched"


def test_robots_txt_is_respected_unless_ignored(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    own, _ = servers
    own.static("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    own.static("/private/a", article_html("Private"), content_type="text/html")
    own.static("/public/a", article_html("Public"), content_type="text/html")
    _feeds_toml(tmp_path, own, {"private": own.url("/private/a"), "public": own.url("/public/a")})
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    pages = _pages(tmp_path)
    assert pages["public"][0] == "fetched"
    assert pages["private"][0] == "given-up" and "robots.txt" in (pages["private"][2] or "")
    assert not own.hits["/private/a"]
    assert len(own.hits["/robots.txt"]) == 1  # one fetch per host per pass

    (tmp_path / "events.db").unlink()
    _feeds_toml(tmp_path, own, {"private": own.url("/private/a")}, "ignore_robots = true\n")
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    assert _pages(tmp_path)["private"][0] == "fetched"


def test_aggregator_redirects_and_redirect_shells_lead_to_the_publisher(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path
) -> None:
    own, _ = servers
    own.static("/publisher/story", article_html("The publisher's story"), content_type="text/html")
    own.redirect("/news/rss/articles/abc", "/publisher/story")
    refresh = f"<meta http-equiv='refresh' content='0;url={own.url('/publisher/story')}'>"
    shell = f"<html><head>{refresh}</head><body>Redirecting…</body></html>"
    own.static("/shell/xyz", shell.encode(), content_type="text/html")
    _feeds_toml(tmp_path, own, {"agg": own.url("/news/rss/articles/abc"), "shell": own.url("/shell/xyz")})
    code, _, err = in_process("fetch", cwd=tmp_path)
    assert code == 0, err
    pages = _pages(tmp_path)
    for name in ("agg", "shell"):
        assert pages[name][0] == "fetched", pages[name]
        assert pages[name][3] == own.url("/publisher/story")
    assert {t["final_url"] for t in _texts(tmp_path)} == {own.url("/publisher/story")}


def test_a_page_name_resolving_to_a_private_address_is_refused(
    servers: tuple[FeedServer, FeedServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the guard's resolver: `intranet.example` resolves to 10.0.0.1; a page redirecting
    there is refused before any connection, and other pages of the pass are fetched."""
    own, _ = servers
    system = netguard.resolve

    async def resolver(host: str, port: int) -> list[str]:
        return ["10.0.0.1"] if host == "intranet.example" else await system(host, port)

    monkeypatch.setattr(netguard, "resolve", resolver)
    own.redirect("/p/to-intranet", f"http://intranet.example:{own.port}/p/good")
    own.static("/p/good", article_html("A good page"), content_type="text/html")
    _feeds_toml(tmp_path, own, {"named": own.url("/p/to-intranet"), "good": own.url("/p/good")})
    config = load_config(tmp_path / "feeds.toml")
    with open_tracker(config, tmp_path / "events.db", create=True) as app_tracker:
        summary = asyncio.run(app.fetch_feeds(app_tracker))
    assert summary.pages is not None and (summary.pages.fetched, summary.pages.given_up) == (1, 1)
    status, _, error, _ = _pages(tmp_path)["named"]
    assert status == "given-up"
    assert error is not None and error.startswith("refused-destination") and "10.0.0.1" in error
    assert len(own.hits["/p/good"]) == 1  # only the direct link reached it
