"""The demo feeds served with summaries only, their articles as web pages: with `full_text = "auto"`
tracker reads the pages and reaches the same subject states and timeline as from the full feeds."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from tests.helpers.cli import in_process
from tests.helpers.feed_server import FeedServer
from tests.helpers.pages import article_html
from tracker.demo.documents import demo_feeds, load_document
from tracker.extract import html_to_text

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
for prefix, uri in (("", "http://www.w3.org/2005/Atom"), ("content", CONTENT[1:].split("}")[0])):
    ET.register_namespace(prefix, uri)


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]


def summaries_only(document: bytes, server: FeedServer, feed_id: str) -> bytes:
    """The feed with each entry's body cut to its first sentence and its link pointing to a page,
    served by `server`, that carries the whole body."""
    root = ET.fromstring(document)
    entries = root.iter("item") if root.tag == "rss" else root.iter(f"{ATOM}entry")
    for index, entry in enumerate(entries):
        atom = entry.tag.startswith(ATOM)
        body_tags = (f"{ATOM}content", f"{ATOM}summary") if atom else (CONTENT, "description")
        bodies = [b for tag in body_tags if (b := entry.find(tag)) is not None]
        text = html_to_text(bodies[0].text or "")
        title = entry.findtext(f"{ATOM}title" if atom else "title") or ""
        path = f"/pages/{feed_id}/{index}"
        server.static(path, article_html(title, text.split("\n\n")), content_type="text/html")
        for body in bodies:
            entry.remove(body)
        summary = ET.SubElement(entry, f"{ATOM}summary" if atom else "description")
        summary.text = _first_sentence(text)
        if atom:
            entry.find(f"{ATOM}link").set("href", server.url(path))  # type: ignore[union-attr]
        else:
            entry.find("link").text = server.url(path)  # type: ignore[union-attr]
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _run(workdir: Path, server: FeedServer, summaries: bool, mode: str) -> dict[str, Any]:
    tables = []
    for feed in demo_feeds():
        document = load_document(feed["file"])
        if summaries:
            document = summaries_only(document, server, feed["id"])
        url = server.static(f"/{workdir.name}/{feed['file']}", document, content_type="application/xml")
        tables.append(f'\n[[feeds]]\nid = "{feed["id"]}"\nurl = "{url}"\nfull_text = "{mode}"\n')
    fetch = f'[fetch]\npage_delay = "0s"\npage_ports = [{server.port}]\n'
    (workdir / "feeds.toml").write_text(fetch + "".join(tables), encoding="utf-8")
    code, _, err = in_process("fetch", cwd=workdir)
    assert code == 0, err
    code, out, err = in_process("report", "--format", "json", cwd=workdir)
    assert code == 0, err
    report: dict[str, Any] = json.loads(out)
    return report


def _outcome(report: dict[str, Any]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    subjects = [(s["id"], s.get("state"), s.get("total"), s["since"]) for s in report["subjects"]]
    timeline = [
        (e["date"], e["subject"], e["kind"], e.get("state"), e.get("count"), e["publishers"])
        for e in report["timeline"]
    ]
    return subjects, timeline


@pytest.mark.slow  # the demo fetched twice over, every page served and read
def test_summary_feeds_with_pages_give_the_same_story_as_full_feeds(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "summaries").mkdir()
    (tmp_path / "teasers").mkdir()
    with FeedServer() as server:
        full = _run(tmp_path / "full", server, summaries=False, mode="never")
        from_pages = _run(tmp_path / "summaries", server, summaries=True, mode="auto")
        teasers = _run(tmp_path / "teasers", server, summaries=True, mode="never")
    assert _outcome(full)[1], "the demo has a timeline"
    assert _outcome(from_pages) == _outcome(full)
    assert _outcome(teasers) != _outcome(full)  # the first sentences alone do not tell the story
    conn = sqlite3.connect(tmp_path / "summaries" / "events.db")
    pages = conn.execute("SELECT count(*) FROM events WHERE type = 'ArticleTextFetched'").fetchone()[0]
    urls = {row[0] for row in conn.execute("SELECT DISTINCT url FROM facts")}
    conn.close()
    assert pages == sum(
        load_document(f["file"]).count(b"<item>") + load_document(f["file"]).count(b"<entry>")
        for f in demo_feeds()
    )
    assert urls and all("/pages/" in url for url in urls)  # the pages are the sources
