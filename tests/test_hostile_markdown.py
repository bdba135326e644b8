"""A feed controls article links and titles; the Markdown report must stay inert under CommonMark.

The feed is served on loopback and fetched by the real CLI; the report's Markdown is rendered with
markdown-it-py (CommonMark plus GFM tables) and the resulting HTML is inspected.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from xml.sax.saxutils import escape

from markdown_it import MarkdownIt

from tests.helpers.cli import in_process
from tests.helpers.feed_server import FeedServer, write_feeds
from tracker.report.render import render
from tracker.textsafe import link_url

LINK = "https://wire.example/story<img\tsrc=x\tonerror=alert(1)//"
TITLE = (
    "Belarus frees 52\n#\tHEADING\n| injected | row |\n|---|---|\n| a | b |\n"
    "<b>bold</b> &amp; [x](javascript:alert(1))"
)


def rss(title: str, link: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Wire</title>"
        "<link>https://wire.example/</link><item><guid>g1</guid>"
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
        "<pubDate>Thu, 11 Sep 2025 14:00:00 GMT</pubDate>"
        "<description>Belarus released 52 prisoners on Thursday, officials said.</description>"
        "</item></channel></rss>"
    ).encode()


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.rows: list[int] = []  # cells per table row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "tr":
            self.rows.append(0)
        elif tag in ("td", "th") and self.rows:
            self.rows[-1] += 1


def commonmark(text: str) -> _Html:
    parser = _Html()
    parser.feed(MarkdownIt("commonmark").enable("table").render(text))
    return parser


ALLOWED = {
    "code",
    "h1",
    "h2",
    "h3",
    "p",
    "strong",
    "blockquote",
    "a",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def test_hostile_link_and_title_render_inert(tmp_path: Path) -> None:
    with FeedServer() as server:
        server.static("/wire.xml", rss(TITLE, LINK))
        config = write_feeds(tmp_path / "feeds.toml", {"wire": server.url("/wire.xml")})
        code, _, err = in_process("fetch", "--config", str(config), cwd=tmp_path)
        assert code == 0, err
    code, out, err = in_process("report", "--format", "markdown", "--config", str(config), cwd=tmp_path)
    assert code == 0, err
    assert "52" in out  # the release is in the report, with its hostile source
    html = commonmark(out)
    assert set(html.tags) <= ALLOWED, set(html.tags) - ALLOWED
    assert "img" not in html.tags
    assert not any(name.startswith("on") for name, _ in html.attrs)
    assert html.tags.count("h1") == 1 and "h4" not in html.tags
    headings = [line for line in out.splitlines() if line.startswith("#")]
    assert not any("HEADING" in line for line in headings)
    assert all(cells == 4 for cells in html.rows), html.rows  # the table keeps its four columns
    hrefs = [value or "" for name, value in html.attrs if name == "href"]
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs)
    assert not any(ch in h for h in hrefs for ch in "<>\t \"'")


def test_every_field_of_a_hostile_report_is_inert_markdown() -> None:
    evil = TITLE + "\r\n<script>alert(1)</script>\u2028`code` *em* \\"
    source = {"url": LINK, "title": evil, "feed": "f", "published": "2025-09-11", "publisher": evil}
    evidence = [{"sentence": evil, "url": "javascript:alert(1)", "modality": "asserted"}]
    report = {
        "as_of": None, "known_at": None,
        "subjects": [{"id": "s", "title": evil, "kind": "state", "state": "x", "state_label": evil,
                      "since": "2025-09-01", "date_precision": "day", "evidence": evidence,
                      "sources": [source], "conflicts": [{"state": evil, "sources": [source]}]}],
        "timeline": [{"date": "2025-09-01", "date_precision": "day", "subject": evil, "kind": "change",
                      "summary": evil, "sources": [source, source], "evidence": evidence}],
        "retracted": [], "coverage": [],
    }  # fmt: skip
    text = render(report, "markdown")
    html = commonmark(text)
    assert set(html.tags) <= ALLOWED, set(html.tags) - ALLOWED
    assert html.tags.count("h3") == 1 and html.tags.count("h1") == 1
    assert all(cells == 4 for cells in html.rows)
    assert not any((v or "").startswith("javascript") for _, v in html.attrs)


def test_link_urls_are_validated_and_percent_encoded() -> None:
    assert link_url("javascript:alert(1)") is None
    assert link_url("https:///no-host") is None
    assert link_url("http://[::1") is None
    assert link_url(None) is None
    assert link_url(LINK) == "https://wire.example/story%3Cimg%09src=x%09onerror=alert%281%29//"
    assert link_url("https://x.example/a b)\"'\\") == "https://x.example/a%20b%29%22%27%5C"
