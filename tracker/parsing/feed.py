"""Feed bytes → entries, with no I/O.

RSS and Atom go through feedparser, which only ever receives an in-memory stream (given a `str` it would
open a path or fetch a URL) and sits behind defusedxml; well-formed RSS 2.0, RSS 1.0 and Atom 1.0 documents
are first offered to fastxml.py, which gives exactly feedparser's result for the documents it accepts and
declines the rest. JSON Feed 1.0/1.1 is read by the small parser here.
Text is kept raw (HTML is sanitised at render time); dates are kept as the feed wrote them, and parsed
only when the string holds a full calendar date.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.api
from defusedxml import DefusedXmlException
from feedparser.encodings import convert_to_utf8
from feedparser.sanitizer import replace_doctype

from tracker.errors import FeedRejected, NotAFeed, ParseError
from tracker.parsing.fastxml import fast_parse
from tracker.parsing.model import ParsedEntry, ParsedFeed
from tracker.textsafe import clean_text, sane_moment

__all__ = [
    "MAX_ENTRIES",
    "MAX_TEXT_CHARS",
    "MAX_TITLE_CHARS",
    "ParsedEntry",
    "ParsedFeed",
    "parse_feed",
]

# defusedxml's reader refuses entity declarations and external references outright.
_DEFUSED_READER = "defusedxml.expatreader"
if _DEFUSED_READER not in feedparser.api.PREFERRED_XML_PARSERS:
    feedparser.api.PREFERRED_XML_PARSERS.insert(0, _DEFUSED_READER)

MAX_ENTRIES = 1_000
MAX_TITLE_CHARS = 1_000
MAX_TEXT_CHARS = 1_000_000  # summary and content
_MAX_SHORT_CHARS = 4_096  # guid, link, author, raw dates
_MAX_WARNING_CHARS = 200

_MONTH_NAME = re.compile(r"(?i)(?<![a-z])(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_DIGITS = re.compile(r"\d+")
_HTTP_URL = re.compile(r"(?i)https?://[^\s/?#]+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # what urlsplit takes for a scheme, its common form


def parse_feed(
    body: bytes, *, content_type: str | None = None, url: str | None = None, fast: bool = True
) -> ParsedFeed:
    """Parse an RSS, Atom or JSON Feed document.

    `content_type` is the response's Content-Type (its charset is honoured); `url` is the feed's final URL,
    used only to resolve relative entry links. `fast=False` reads RSS and Atom with feedparser alone, the
    reference the fast path is checked against. Raises NotAFeed or FeedRejected.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        # A str reaching feedparser would be opened as a path or fetched as a URL.
        raise TypeError(f"parse_feed() needs bytes, not {type(body).__name__}")
    body = bytes(body)
    if not body.strip():
        raise NotAFeed("not a feed (empty body)")
    from tracker.parsing.jsonfeed import looks_like_json, parse_json_feed  # it builds on this module

    if looks_like_json(body, content_type):
        return parse_json_feed(body, url)
    return _parse_xml_feed(body, content_type, url, fast=fast)


# --- RSS and Atom -------------------------------------------------------------------------------------


def _parse_xml_feed(body: bytes, content_type: str | None, url: str | None, *, fast: bool) -> ParsedFeed:
    headers = {"content-type": content_type} if content_type else {}
    decoded = _decode_refusing_entities(body, headers)
    result = fast_parse(decoded) if decoded is not None and fast else None
    return _parsed_feed(result or _feedparser_result(body, headers), content_type, url)


def _feedparser_result(body: bytes, headers: dict[str, str]) -> Any:
    # No Content-Location: feedparser would then resolve guids as URLs too ("12" → "https://host/12"),
    # changing entry identity whenever the feed moves. Links are resolved here instead.
    try:
        result = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except DefusedXmlException as exc:
        raise FeedRejected(f"refused for safety: {type(exc).__name__}") from None
    except RecursionError:
        raise FeedRejected("refused for safety: nested too deeply") from None
    except Exception as exc:  # feedparser bugs on odd input must not escape as anything but a ParseError
        raise ParseError(f"feedparser failed: {type(exc).__name__}") from exc
    return result


def _parsed_feed(result: Any, content_type: str | None, url: str | None) -> ParsedFeed:
    version = result.get("version") or ""
    raw_entries: list[Any] = result.get("entries") or []
    if not version and not raw_entries:
        raise NotAFeed(_not_a_feed_message(content_type))

    notes = _Notes()
    if not version:
        notes.add("no feed format detected; entries read anyway")
    if result.get("bozo"):
        problem = result.get("bozo_exception")
        notes.add(_short(f"recovered from {type(problem).__name__}: {problem}"))

    base = _base_url(url)
    entries = notes.keep(raw_entries, lambda raw: _xml_entry(raw, base, notes))

    feed = result.get("feed") or {}
    return ParsedFeed(
        format=version or "unknown",
        title=notes.text(dict.get(feed, "title"), MAX_TITLE_CHARS, "feed title"),
        link=_absolute(notes.text(dict.get(feed, "link"), _MAX_SHORT_CHARS, "feed link"), base),
        entries=tuple(entries),
        warnings=notes.finish(),
        ttl_seconds=_ttl_seconds(dict.get(feed, "ttl")),
        unreadable=tuple(notes.unreadable),
    )


def _ttl_seconds(raw: object) -> int | None:
    """RSS `<ttl>` minutes as seconds; anything but a plain positive number of minutes is ignored."""
    if not isinstance(raw, str) or not raw.strip().isdigit() or len(raw.strip()) > 7:
        return None
    minutes = int(raw.strip())
    return minutes * 60 if minutes > 0 else None


def _decode_refusing_entities(body: bytes, headers: Mapping[str, str]) -> bytes | None:
    """The document as feedparser decodes it (UTF-8), if that went cleanly; refuses entity declarations.

    The strict parser (defusedxml) refuses them, but when a document is malformed *before* its DOCTYPE the
    strict parser gives up first and feedparser's loose parser expands the declared entities itself: a
    quadratic blowup then gets through. Running feedparser's own decoding and DOCTYPE handling finds
    exactly the declarations the loose parser would use.
    """
    scratch: dict[str, Any] = {}
    try:
        decoded = convert_to_utf8(dict(headers), body, scratch)
        entities = replace_doctype(decoded)[2]
    except Exception:  # undecodable input is the parser's problem, reported there
        return None
    if entities:
        raise FeedRejected("refused for safety: entity declarations")
    # Only a document feedparser would read with its strict parser, and without a warning, is read fast.
    return decoded if scratch.get("encoding") and not scratch.get("bozo") else None


def _xml_entry(raw: Any, base: str | None, notes: _Notes) -> ParsedEntry | None:
    guid = notes.text(dict.get(raw, "id"), _MAX_SHORT_CHARS, "guid")
    link = _absolute(_xml_link(raw, guid, notes), base)
    if guid is None and link is None:
        return None  # a truncated document leaves such a phantom behind
    published_raw = notes.text(dict.get(raw, "published"), _MAX_SHORT_CHARS, "date")
    updated_raw = notes.text(dict.get(raw, "updated"), _MAX_SHORT_CHARS, "date")
    summary = None
    if "summary_detail" in raw:  # without it, feedparser copied the content into summary
        summary = notes.text(dict.get(raw, "summary"), MAX_TEXT_CHARS, "summary")
    contents = [c.get("value") for c in dict.get(raw, "content") or () if isinstance(c, Mapping)]
    longest = max((c for c in contents if isinstance(c, str)), key=len, default=None)
    published_parsed, updated_parsed = dict.get(raw, "published_parsed"), dict.get(raw, "updated_parsed")
    published = _struct_date(published_raw, published_parsed)
    if (updated_raw, updated_parsed) == (published_raw, published_parsed):
        updated = published  # often the same date twice
    else:
        updated = _struct_date(updated_raw, updated_parsed)
    return ParsedEntry(
        guid=guid,
        link=link,
        title=notes.text(dict.get(raw, "title"), MAX_TITLE_CHARS, "title"),
        published_raw=published_raw,
        published=published,
        updated_raw=updated_raw,
        updated=updated,
        author=notes.text(dict.get(raw, "author"), _MAX_SHORT_CHARS, "author"),
        summary=summary,
        content=notes.text(longest, MAX_TEXT_CHARS, "content"),
    )


def _xml_link(raw: Any, guid: str | None, notes: _Notes) -> str | None:
    link = notes.text(dict.get(raw, "link"), _MAX_SHORT_CHARS, "link")
    if link is None or link != guid:
        return link
    # feedparser copies a permalink guid (or an Atom id) into `link` when there is no link element;
    # "12" or "urn:uuid:…" is not a link, so keep the copy only when it is an http(s) URL.
    hrefs = {d.get("href") for d in dict.get(raw, "links") or () if isinstance(d, Mapping)}
    if link in hrefs or _HTTP_URL.match(link):
        return link
    return None


def _struct_date(raw: str | None, parsed: Any) -> datetime | None:
    """feedparser's UTC struct_time as an aware datetime, if the raw string is a full date."""
    if raw is None or not isinstance(parsed, time.struct_time):
        return None
    try:
        value = datetime(*parsed[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None
    return sane_moment(value, datetime.now(UTC)) if _has_full_date(raw, value) else None


def _has_full_date(raw: str, value: datetime) -> bool:
    """Whether `raw` names a day, a month and `value`'s year.

    feedparser fills gaps: "2024" becomes 1 Jan 2024, "12" becomes Nov 1101, "2025-W23" 1 Nov 2025.
    Those are guesses, not dates the feed gave.
    """
    numbers = _DIGITS.findall(raw)
    month_named = _MONTH_NAME.search(raw) is not None
    if len(numbers) + month_named < 3:
        return False
    for n in numbers:
        if len(n) == 4 and abs(int(n) - value.year) <= 1:  # ±1: a zone offset can cross New Year
            return True
    # RFC 822 allows a two-digit year ("10 Jun 25").
    return month_named and any(len(n) == 2 and int(n) in _near(value.year % 100) for n in numbers)


def _near(two_digit_year: int) -> set[int]:
    return {(two_digit_year - 1) % 100, two_digit_year, (two_digit_year + 1) % 100}


def _not_a_feed_message(content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip()
    if media:
        return _short(f"not a feed (Content-Type {media})")
    return "not a feed (no RSS, Atom or JSON Feed found)"


# --- shared -------------------------------------------------------------------------------------------


def _base_url(url: str | None) -> str | None:
    return url if url and _HTTP_URL.match(url) else None


def _absolute(link: str | None, base: str | None) -> str | None:
    """Resolve a relative link against the feed's URL; anything with a scheme is left alone."""
    if link is None or base is None or _SCHEME.match(link) or urlsplit(link).scheme:
        return link
    try:
        return urljoin(base, link)
    except ValueError:
        return link


class _Notes:
    """Collects warnings, counting truncations per field instead of repeating them."""

    def __init__(self) -> None:
        self._messages: list[str] = []
        self._truncated: Counter[str] = Counter()
        self.unreadable: list[str] = []

    def add(self, message: str) -> None:
        self._messages.append(message)

    def keep(self, raws: Iterable[Any], read: Callable[[Any], ParsedEntry | None]) -> list[ParsedEntry]:
        """The usable entries, up to the cap; phantoms (no id, no link), entries that could not be
        read (an error in one never drops the others) and the excess are noted."""
        entries: list[ParsedEntry] = []
        phantoms = over_cap = 0
        for raw in raws:
            if len(entries) >= MAX_ENTRIES:
                over_cap += 1
                continue
            try:
                entry = read(raw)
            except Exception as exc:  # hostile input: this entry fails, not the feed
                self.unreadable.append(
                    _short(f"entry unreadable: {type(exc).__name__}: {clean_text(str(exc))}")
                )
                continue
            if entry is None:
                phantoms += 1
            else:
                entries.append(entry)
        if phantoms:
            self.add(f"{_entries(phantoms)} without id or link dropped")
        if over_cap:
            self.add(f"{_entries(over_cap)} over the cap of {MAX_ENTRIES:,} dropped")
        return entries

    def text(self, value: Any, limit: int, field: str) -> str | None:
        """A stripped string, None when empty or not a string, cut to `limit` characters."""
        if not isinstance(value, str):
            return None
        text = clean_text(value).strip()
        if not text:
            return None
        if len(text) > limit:
            self._truncated[f"{field}:{limit}"] += 1
            text = text[:limit]
        return text

    def finish(self) -> tuple[str, ...]:
        cut = []
        for key, count in self._truncated.items():
            field, limit = key.rsplit(":", 1)
            noun = "value" if count == 1 else "values"
            cut.append(f"{count:,} {field} {noun} truncated to {int(limit):,} characters")
        return (*self._messages, *cut)


def _entries(n: int) -> str:
    return f"{n:,} entry" if n == 1 else f"{n:,} entries"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_WARNING_CHARS else text[: _MAX_WARNING_CHARS - 1] + "…"
