"""The HTML report, read back with html.parser: one self-contained page, hostile feed text shown
as text, a card per subject, one timeline marker per entry leading to that entry's sources."""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import invoke
from tests.helpers.html_pages import HOSTILE_TITLE, IMG, SCRIPT, busy_report, demo_report, run_ok
from tracker.report.html import CSP, render_html

EXTERNAL_REL = "noopener noreferrer nofollow"
EVIL = f"{HOSTILE_TITLE} \x1b]0;pwned\x07\u202eevil"  # markup, a terminal escape, a bidi override


class Page(HTMLParser):
    """Every element with its attributes, the text inside each element with an id, all text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text_by_id: dict[str, list[str]] = {}
        self.texts: list[str] = []
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        self.elements.append((tag, attributes))
        if tag not in ("meta", "br", "hr", "input", "link", "img", "rect", "circle", "line", "path"):
            self._open.append((tag, attributes.get("id")))
            if attributes.get("id"):
                self.text_by_id[attributes["id"]] = []

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            name, _ = self._open.pop()
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        for _, element_id in self._open:
            if element_id:
                self.text_by_id[element_id].append(data)

    def all(self, tag: str, cls: str | None = None) -> list[dict[str, str]]:
        return [
            a for t, a in self.elements if t == tag and (cls is None or cls in a.get("class", "").split())
        ]

    def text(self, element_id: str | None = None) -> str:
        return " ".join("".join(self.texts if element_id is None else self.text_by_id[element_id]).split())


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return demo_report(tmp_path_factory.mktemp("html"))


def hostile_report() -> dict[str, Any]:
    source = {
        "url": "javascript:alert(1)",
        "title": EVIL,
        "feed": "f",
        "published": "2025-09-11",
        "publisher": EVIL,
    }
    good = {"url": 'https://example.org/a?q="><script>', "title": "fine", "feed": "g", "publisher": "G"}
    evidence = [{"sentence": EVIL, "url": "data:text/html,<script>alert(1)</script>"}]
    subject = {
        "id": "s",
        "title": EVIL,
        "kind": "state",
        "state": "x",
        "state_label": EVIL,
        "since": "2025-09-01",
        "date_precision": "month",
        "evidence": evidence,
        "sources": [source, good],
        "conflicts": [{"state": EVIL, "sources": [source], "evidence": evidence}],
    }
    entry = {
        "date": "2025-09-01",
        "date_precision": "month",
        "subject": "s",
        "kind": "change",
        "state": "x",
        "summary": EVIL,
        "publishers": 1,
        "sources": [source, good],
        "evidence": evidence,
        "analyst": True,
    }
    article = {
        "title": EVIL,
        "url": "javascript:alert(1)",
        "published": "2025-09-11",
        "revisions": 1,
    }
    return {
        "generated_at": "2026-01-01T00:00:00.000000Z",
        "as_of": None,
        "known_at": None,
        "subjects": [subject],
        "timeline": [entry],
        "retracted": [{"fact_id": "fact:1", "subject": "s", "reason": EVIL}],
        "coverage": [{"feed": "f", "title": EVIL, "articles": 1, "latest": [article]}],
        "a_key_from_a_newer_version": {"ignored": True},
    }


def assert_inert(html: str) -> Page:
    page = Page(html)
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"script", "img", "iframe", "object", "embed", "link", "form", "base", "foreignobject"}
    for tag, attributes in page.elements:
        assert not [name for name in attributes if name.startswith("on")], tag
        assert "src" not in attributes and "xlink:href" not in attributes
        href = attributes.get("href")
        if href is not None and not href.startswith("#"):
            assert tag == "a" and href.startswith(("http://", "https://")), href
            assert attributes.get("rel") == EXTERNAL_REL
    assert page.all("meta", None)[2] == {"http-equiv": "Content-Security-Policy", "content": CSP}
    assert "default-src 'none'" in CSP and "script" not in CSP
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in page.all("meta")
    unsafe = [ch for ch in html if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]
    assert unsafe == []
    return page


def test_hostile_text_is_shown_as_text_and_links_are_http_only() -> None:
    page = assert_inert(render_html(hostile_report()))
    text = page.text()
    assert f"Hostile {SCRIPT}{IMG}" in text  # as text, visibly
    assert "\\x1b]0;pwned\\x07\\u202eevil" in text  # control characters shown escaped
    hrefs = [a["href"] for a in page.all("a") if not a["href"].startswith("#")]
    assert hrefs == ["https://example.org/a?q=%22%3E%3Cscript%3E"] * len(hrefs) and hrefs  # percent-encoded
    assert page.all("span", "analyst") and "Retracted" in text


def test_demo_page_has_a_card_per_subject_with_its_title_state_and_corroboration(
    demo: dict[str, Any],
) -> None:
    page = assert_inert(render_html(demo))
    cards = page.all("article", "card")
    assert len(cards) == len(demo["subjects"]) == 4
    for n, subject in enumerate(demo["subjects"], start=1):
        heading = page.text(f"card-{n}")
        assert heading == subject["title"] and subject["id"] not in heading
    text = page.text()
    assert "Reopening under discussion since 2025-09-11 2 outlets: Demo Belarus Monitor, Demo Wire" in text
    assert (
        "Sanctions eased since 2025-09-11 3 outlets" in text
        and "Conflicting reports lifted according to" in text
    )
    assert "199 in total latest release 2025-12-13" in text  # 192 from the demo, 7 from the hostile outlet
    assert f"4 outlets: Demo Belarus Monitor, Demo Policy Digest, Demo Wire, {HOSTILE_TITLE}" in text
    assert page.text("now-h") == "Where things stand"
    assert "Generated 20" in text and " UTC" in text


def test_one_marker_per_entry_leading_to_its_evidence_and_sources(demo: dict[str, Any]) -> None:
    page = Page(render_html(demo))
    markers = page.all("a", "tl-marker")
    entries = [f"entry-{n}" for n in range(1, len(demo["timeline"]) + 1)]
    assert len(markers) == len(demo["timeline"]) > 10
    assert sorted(m["href"] for m in markers) == sorted(f"#{e}" for e in entries)
    assert [m["data-entries"] for m in markers if m["href"] == "#entry-1"] == ["entry-1"]
    assert all(m["aria-label"] for m in markers)
    for anchor, entry in zip(entries, demo["timeline"], strict=True):
        text = page.text(anchor)
        assert text.startswith(entry["date"])
        for source in entry["sources"][:4]:
            assert " ".join(source["title"].split()) in text
        assert " ".join(entry["evidence"][0]["sentence"].split()) in text
    lanes = page.all("g", "lane")
    assert [lane["aria-label"] for lane in lanes] == [s["title"] for s in demo["subjects"]]
    points = page.all("a", "chart-point")
    assert len(points) == sum(1 for e in demo["timeline"] if e["subject"] == "prisoner-releases")


def test_a_busy_store_clusters_what_cannot_be_drawn_apart(tmp_path: Path) -> None:
    report = busy_report(tmp_path / "events.db")
    page = Page(render_html(report))
    markers = page.all("a", "tl-marker")
    covered = [anchor for m in markers for anchor in m["data-entries"].split()]
    assert len(report["timeline"]) >= 500
    assert sorted(covered) == sorted(f"entry-{n}" for n in range(1, len(report["timeline"]) + 1))
    assert len(markers) < len(covered)  # the burst of a dozen a day is clustered
    assert page.all("a", "cluster")
    assert len(page.all("li", "entry")) == len(report["timeline"])


def test_report_to_a_file_marks_analysts_assertions_and_retractions(demo_copy: Path, tmp_path: Path) -> None:
    db = demo_copy
    kept = ("--date", "2025-12-20", "--source", "https://example.org/a", "--note", "It reopened.")
    run_ok("assert", "us-embassy-minsk", "reopened", *kept, "--db", db)
    note = ("--note", "Forty freed.", "--source", "https://example.org/b")
    wrong = run_ok("assert", "prisoner-releases", "40", "--date", "2025-12-21", *note, "--db", db).strip()
    run_ok("retract", wrong, "--reason", "Misread: forty were transferred.", "--db", db)
    result = invoke("report", "--format", "html", "-o", str(tmp_path / "out.html"), "--db", str(db))
    assert result.exit_code == 0 and result.stdout == "" and "report written to" in result.output
    page = assert_inert((tmp_path / "out.html").read_text(encoding="utf-8"))
    assert page.text().startswith("Story report")
    analyst = [m for m in page.all("a", "tl-marker") if "analyst" in m["class"].split()]
    assert len(analyst) == 1 and "Reopened" in analyst[0]["aria-label"]
    entry = page.text(analyst[0]["href"][1:])
    assert "Reopened analyst An analyst’s assertion It reopened. analyst's note example.org" in entry
    assert "Reopened analyst since 2025-12-20 Set by an analyst’s assertion" in page.text()  # its card
    retracted = page.text("retracted")
    assert "Misread: forty were transferred." in retracted and wrong in retracted
    assert "Forty freed." not in page.text()
