"""Renderers: hostile feed text never reaches a terminal or a browser as markup or escapes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from tracker.report.render import render

EVIL = "\x1b]0;pwned\x07\x1b[2J<script>alert(1)</script> \u202eevil*_[x](javascript:alert(1))"


def hostile_report() -> dict[str, Any]:
    source = {
        "url": "javascript:alert(1)",
        "title": EVIL,
        "feed": "f",
        "published": "2025-09-11",
        "publisher": EVIL,
    }
    evidence = [{"sentence": EVIL, "url": "javascript:alert(1)", "modality": "asserted"}]
    return {
        "generated_at": "2026-01-01T00:00:00.000000Z",
        "as_of": None,
        "known_at": None,
        "subjects": [
            {"id": "s", "title": EVIL, "kind": "state", "state": "x", "state_label": EVIL,
             "since": "2025-09-01", "date_precision": "month", "evidence": evidence, "sources": [source],
             "conflicts": [{"state": EVIL, "sources": [source], "evidence": evidence}]},
        ],
        "timeline": [
            {"date": "2025-09-01", "date_precision": "month", "subject": "s", "kind": "change", "state": "x",
             "summary": EVIL, "publishers": 1, "sources": [source], "evidence": evidence},
        ],
        "retracted": [],
        "coverage": [{"feed": "f", "title": EVIL, "articles": 1, "latest": [
            {"title": EVIL, "url": "javascript:alert(1)", "published": "2025-09-11", "revisions": 1}]}],
    }  # fmt: skip


def test_text_output_carries_no_control_characters() -> None:
    for terminal in (False, True):
        text = render(hostile_report(), "text", terminal=terminal)
        raw = text.replace("\x1b[", "")  # rich's own styling on a terminal
        assert "\x07" not in text and "\u202e" not in text and "]0;pwned" not in raw.replace("\\x1b]0;", "")
        assert "\\x1b" in text  # shown escaped, visibly
    assert "Sep 2025" in render(hostile_report(), "text")  # month precision prints no day


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]


def test_html_output_escapes_everything_and_drops_unsafe_links() -> None:
    page = render(hostile_report(), "html")
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    assert not any(h.startswith("javascript:") for h in parser.hrefs)
    assert "default-src 'none'" in page


def test_markdown_output_escapes_markup() -> None:
    text = render(hostile_report(), "markdown")
    assert "<script>" not in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text)  # brackets escaped: never a link
