"""JSON Feed 1.0 and 1.1 documents → entries (feedparser reads no JSON); no I/O."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from tracker.errors import FeedRejected, NotAFeed
from tracker.parsing.feed import (
    _MAX_SHORT_CHARS,
    MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
    ParsedEntry,
    ParsedFeed,
    _absolute,
    _base_url,
    _Notes,
    _short,
)
from tracker.textsafe import sane_moment

_JSON_MEDIA_TYPES = frozenset({"application/feed+json", "application/json"})
_JSON_FEED_VERSION = re.compile(r"https?://jsonfeed\.org/version/(?P<v>[^/\s]+)/?")
_JSON_FORMATS = {"1": "json10", "1.1": "json11"}


def looks_like_json(body: bytes, content_type: str | None) -> bool:
    start = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"{"):
        return True
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return (media in _JSON_MEDIA_TYPES or media.endswith("+json")) and not start.startswith(b"<")


def parse_json_feed(body: bytes, url: str | None) -> ParsedFeed:
    try:
        doc = json.loads(body)
    except RecursionError:
        raise FeedRejected("refused for safety: JSON nested too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise NotAFeed("not a feed (invalid JSON)") from None
    except ValueError:  # integers past the int-to-str digit limit
        raise FeedRejected("refused for safety: JSON number too large") from None

    version = doc.get("version") if isinstance(doc, dict) else None
    match = _JSON_FEED_VERSION.fullmatch(version.strip()) if isinstance(version, str) else None
    if match is None or not isinstance(doc, dict):
        raise NotAFeed("not a feed (JSON without a JSON Feed version)")
    notes = _Notes()
    fmt = _JSON_FORMATS.get(match["v"])
    if fmt is None:
        notes.add(_short(f"unknown JSON Feed version {match['v']!r}; read as 1.1"))
        fmt = "json"

    items = doc.get("items")
    if not isinstance(items, list):
        notes.add("JSON Feed without an items list")
        items = []
    base = _base_url(url)
    entries = notes.keep(
        items, lambda item: _json_entry(item, base, notes) if isinstance(item, dict) else None
    )
    return ParsedFeed(
        format=fmt,
        title=notes.text(doc.get("title"), MAX_TITLE_CHARS, "feed title"),
        link=_absolute(notes.text(doc.get("home_page_url"), _MAX_SHORT_CHARS, "feed link"), base),
        entries=tuple(entries),
        warnings=notes.finish(),
        unreadable=tuple(notes.unreadable),
    )


def _json_entry(item: dict[str, Any], base: str | None, notes: _Notes) -> ParsedEntry | None:
    raw_id = item.get("id")
    # The spec says to coerce a numeric id to a string.
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    guid = notes.text(raw_id, _MAX_SHORT_CHARS, "guid")
    link = _absolute(notes.text(item.get("url"), _MAX_SHORT_CHARS, "link"), base)
    if guid is None and link is None:
        return None
    published_raw = notes.text(item.get("date_published"), _MAX_SHORT_CHARS, "date")
    updated_raw = notes.text(item.get("date_modified"), _MAX_SHORT_CHARS, "date")
    content = item.get("content_html")
    if not isinstance(content, str) or not content.strip():
        content = item.get("content_text")
    return ParsedEntry(
        guid=guid,
        link=link,
        title=notes.text(item.get("title"), MAX_TITLE_CHARS, "title"),
        published_raw=published_raw,
        published=iso_date(published_raw),
        updated_raw=updated_raw,
        updated=iso_date(updated_raw),
        author=notes.text(_json_authors(item), _MAX_SHORT_CHARS, "author"),
        summary=notes.text(item.get("summary"), MAX_TEXT_CHARS, "summary"),
        content=notes.text(content, MAX_TEXT_CHARS, "content"),
    )


def _json_authors(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")  # 1.1
    if not isinstance(authors, list):
        authors = [item.get("author")]  # 1.0
    names = [a["name"].strip() for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    return ", ".join(n for n in names if n) or None


def iso_date(raw: str | None) -> datetime | None:
    """An RFC 3339 date as aware UTC; a date without a zone is not a point in time."""
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return None
    # Checked before conversion: 0001-01-01T00:00:00+14:00 has no UTC representation.
    return moment.astimezone(UTC) if (moment := sane_moment(value, datetime.now(UTC))) else None
