"""Fetched HTML → the article's main text and metadata, with trafilatura. Pure: bytes in, data out.

trafilatura only ever sees bytes we fetched ourselves (never its own downloader). A page that is
only a redirect shell (a meta refresh or a script setting `location`, with no article text) is
reported as such, with its target, so that it is never taken for the article.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from importlib.metadata import version
from urllib.parse import urljoin

# Pages are capped before this; extraction of a pathological tree stays bounded by the cap.
_MIN_TEXT = 120  # characters: less is a stub (a paywall, a cookie wall), not an article
_META_REFRESH = re.compile(
    rb"""<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*([^"'>\s]+)""",
    re.IGNORECASE,
)
_JS_LOCATION = re.compile(
    rb"""(?:window\.|document\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']|location\.replace\(\s*["']([^"']+)["']""",
    re.IGNORECASE,
)
_HEAD_BYTES = 64 * 1024  # where a redirect shell puts its redirect


def extractor_version() -> str:
    return f"trafilatura {version('trafilatura')}"


@dataclass(frozen=True, slots=True)
class PageText:
    text: str  # paragraphs separated by blank lines, the page's own title line left out
    content_hash: str  # sha256 of the text
    title: str | None
    author: str | None
    date: str | None  # as trafilatura read it from the page (YYYY-MM-DD)
    sitename: str | None


@dataclass(frozen=True, slots=True)
class RedirectShell:
    target: str  # absolute URL the shell sends the browser to


@dataclass(frozen=True, slots=True)
class NoArticle:
    reason: str  # e.g. "no article text (paywall or cookie wall?)"


Extraction = PageText | RedirectShell | NoArticle


def extract_page(html: bytes, url: str) -> Extraction:
    """The article in `html` (fetched from `url`), a redirect shell's target, or why there is none."""
    import trafilatura  # heavy: loaded by the paths that fetch pages only

    raw = trafilatura.extract(html, url=url, output_format="json", with_metadata=True)
    found = json.loads(raw) if raw else {}
    text = _paragraphs(found.get("text") or "", found.get("title"))
    if len(text) < _MIN_TEXT:
        target = redirect_target(html, url)
        if target is not None:
            return RedirectShell(target)
        shown = f"{len(text)} characters" if text else "none"
        return NoArticle(f"no article text (found {shown}; a paywall, a cookie wall or a stub?)")
    return PageText(
        text=text,
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=found.get("title") or None,
        author=found.get("author") or None,
        date=found.get("date") or None,
        sitename=found.get("source-hostname") or found.get("sitename") or None,
    )


def redirect_target(html: bytes, url: str) -> str | None:
    """Where a meta refresh or a script's `location = …` sends the reader, as an absolute URL."""
    head = html[:_HEAD_BYTES]
    match = _META_REFRESH.search(head) or _JS_LOCATION.search(head)
    if match is None:
        return None
    found = next(g for g in match.groups() if g)
    target = urljoin(url, found.decode("utf-8", "replace").strip())
    return target if target.startswith(("http://", "https://")) else None


def _paragraphs(text: str, title: str | None) -> str:
    """trafilatura's lines as blank-line-separated paragraphs, without a leading copy of the title."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0] == " ".join(title.split()):
        lines = lines[1:]
    return "\n\n".join(lines)
