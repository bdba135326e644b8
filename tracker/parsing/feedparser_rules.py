"""feedparser's rules for the elements it knows and the values it keeps: what fastxml.py follows.

Each function names the feedparser code it reproduces; tests check them against feedparser itself.
"""

from __future__ import annotations

import contextlib
import re
import time
from datetime import UTC, datetime, timedelta
from functools import cache

from feedparser.api import StrictFeedParser
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252
from feedparser.urls import _urljoin

__all__ = [
    "AUTHOR_PARTS",
    "COLLIDING",
    "ENTRY_FIELDS",
    "ENTRY_INERT",
    "FEED_INERT",
    "IMAGE_PARTS",
    "TEXTINPUT_PARTS",
    "author_of",
    "content_type",
    "feed_date",
    "has_handler",
    "popped",
    "resolved",
    "rss_version",
]

# The elements feedparser knows, as the fast path reads them.
# Bare names feedparser stores under keys feed.py reads, though it has no handler for them.
COLLIDING = frozenset({"links", "published_parsed", "updated_parsed", "summary_detail", "ttl"})

# Entry elements, by feedparser's name for them, and the field each one sets.
ENTRY_FIELDS = {
    "title": "title",
    "dc_title": "title",
    "link": "link",
    "guid": "id",
    "id": "id",
    "description": "summary",
    "dc_description": "summary",
    "summary": "summary",
    "content_encoded": "content",
    "content": "content",
    "pubdate": "published",
    "published": "published",
    "issued": "published",
    "dcterms_issued": "published",
    "updated": "updated",
    "modified": "updated",
    "lastbuilddate": "updated",
    "dc_date": "updated",
    "dcterms_modified": "updated",
    "author": "author",
    "dc_creator": "author",
    "dc_author": "author",
    "managingeditor": "author",
}
# Elements feedparser handles without touching any key feed.py reads (checked one by one).
ENTRY_INERT = frozenset(
    {"category", "dc_subject", "enclosure", "media_content", "media_thumbnail", "media_category"}
    | {"rights", "dc_rights", "language", "dc_language", "dcterms_created", "expirationdate", "source"}
)
FEED_INERT = frozenset(
    {"description", "subtitle", "tagline", "language", "dc_language", "copyright", "rights", "dc_rights"}
    | {"pubdate", "lastbuilddate", "updated", "published", "modified", "dc_date", "generator"}
    | {"webmaster", "dc_publisher", "category", "dc_subject", "cloud"}
)
AUTHOR_PARTS = frozenset({"name", "email", "uri", "url", "homepage"})
# feedparser leaves an image or a text input box as soon as any other element starts inside it.
IMAGE_PARTS = frozenset({"title", "link", "url", "width", "height", "description"})
TEXTINPUT_PARTS = frozenset({"title", "link", "description", "name"})

_WINDOWS_1252 = re.compile("[\x80-\x9f]")
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def rss_version(attribute: str) -> str:
    """feedparser's version of an <rss> document."""
    known = {"0.91": "rss091u", "0.92": "rss092", "0.93": "rss093", "0.94": "rss094"}
    return known.get(attribute) or ("rss20" if attribute.startswith("2.") else "rss")


def author_of(detail: dict[str, str]) -> str | None:
    """feedparser's `author` from an author's parts (its `_sync_author_detail`)."""
    name, email = detail.get("name"), detail.get("email")
    if name and email:
        return f"{name} ({email})"
    return name or email or None


def popped(text: str, *, uri: bool = False) -> str:
    """A text element's value as feedparser's `pop` leaves it."""
    value = text.strip()
    if uri:
        value = resolved(value)
    if not value.isascii():
        # feedparser's repair of UTF-8 that was read as ISO-8859-1
        with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):
            value = value.encode("iso-8859-1").decode("utf-8")
        if _WINDOWS_1252.search(value):
            value = value.translate(_cp1252)
    return value


_CONTENT_TYPE_NAMES = {
    "text": "text/plain",
    "plain": "text/plain",
    "html": "text/html",
    "xhtml": "application/xhtml+xml",
}


def resolved(uri: str) -> str:
    """feedparser's `resolve_uri` with no base URI: only its removal of extra slashes changes a URI."""
    return _urljoin("", uri) if ":///" in uri else uri


def content_type(kind: str) -> str:
    """feedparser's `map_content_type`."""
    kind = kind.lower()
    return _CONTENT_TYPE_NAMES.get(kind, kind)


@cache
def has_handler(name: str) -> bool:
    """Whether feedparser gives the element so named a meaning of its own."""
    return hasattr(StrictFeedParser, f"_start_{name}") or hasattr(StrictFeedParser, f"_end_{name}")


_MONTHS = {name: number for number, name in enumerate(_MONTH_NAMES, 1)}
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" (\d{4}) (\d\d):(\d\d):(\d\d) (?:(GMT|UT|UTC|Z)|([+-])(\d\d)(\d\d))"
)
_W3DTF = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(?:(Z)|([+-])(\d\d):(\d\d))")


def feed_date(value: str) -> time.struct_time | None:
    """feedparser's `_parse_date`, without trying its nine handlers on the two common forms.

    For these forms feedparser's W3DTF or RFC 822 handler answers first, with this arithmetic.
    """
    if match := _RFC822.fullmatch(value):
        day, month, year, hour, minute, second, _zone, sign, zone_hours, zone_minutes = match.groups()
        month_number = _MONTHS[month.lower()]
    elif match := _W3DTF.fullmatch(value):
        year, month, day, hour, minute, second, _zone, sign, zone_hours, zone_minutes = match.groups()
        month_number = int(month)
    else:
        return _any_date(value)
    try:
        stamp = datetime(int(year), month_number, int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        offset = timedelta(hours=int(zone_hours or 0), minutes=int(zone_minutes or 0))
        return (stamp + offset if sign == "-" else stamp - offset).utctimetuple()
    except (ValueError, OverflowError):
        return _any_date(value)


def _any_date(value: str) -> time.struct_time | None:
    parsed: time.struct_time | None = _parse_date(value)
    return parsed
