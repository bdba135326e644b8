"""Which characters are unsafe in text from feeds, and the two pure functions that deal with them.

`clean_text` runs where feed text enters (parsing): lone surrogates (which cannot be encoded,
hashed or stored) become U+FFFD, line and paragraph separators become newlines, and C0/C1 control
characters (except newline and tab) and bidirectional controls are dropped. `is_unsafe` is the
stricter test every output path escapes on (`tracker.output.neutralise`): all control and format
characters, separators and surrogates.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import UTC, datetime, time, timedelta
from urllib.parse import quote, urlsplit

from tracker.limits import EARLIEST_DAY

# Bidirectional embedding, override and isolate controls, and the implicit marks.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

# Published dates outside this window are treated as unknown: before it they are placeholders
# ("0001-01-01") or typos, and beyond `now + MAX_FUTURE` a feed is announcing, not reporting.
EARLIEST_DATE = datetime.combine(EARLIEST_DAY, time(), UTC)
MAX_FUTURE = timedelta(days=2)


@functools.cache
def _cleaning() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Any unsafe character; surrogates; newlines; the dropped characters. Compiled on first use:
    only ingest cleans text, and compiling them cost every command 1.5 ms."""
    return (
        re.compile(f"[\ud800-\udfff\u2028\u2029\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]"),
        re.compile("[\ud800-\udfff]"),
        re.compile("\r\n|[\r\u2028\u2029\x85]"),
        re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{BIDI_CONTROLS}]"),
    )


def clean_text(text: str) -> str:
    """Feed text made safe to hash, store and show: see the module docstring."""
    any_unsafe, surrogate, newlines, dropped = _cleaning()
    if not any_unsafe.search(text):  # most text: one scan instead of three
        return text
    text = surrogate.sub("\ufffd", text)
    text = newlines.sub("\n", text)
    return dropped.sub("", text)


def is_unsafe(ch: str) -> bool:
    """Control (C0, C1, DEL), format (bidi, zero-width…), separator and surrogate code points."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def sane_moment(value: datetime | None, now: datetime) -> datetime | None:
    """`value` if it lies between EARLIEST_DATE and `now + MAX_FUTURE`, else None (unknown)."""
    if value is None or value.tzinfo is None:
        return None
    if not EARLIEST_DATE <= value <= now + MAX_FUTURE:
        return None
    return value


# Everything else in a link is percent-encoded: no space, quote, angle bracket, parenthesis,
# backslash or control character survives to end a Markdown link or an HTML attribute early.
_URL_SAFE = "-._~:/?#@!$&*+,;=%"


def link_url(url: str | None) -> str | None:
    """An http(s) URL with a host, percent-encoded so it is inert in Markdown and HTML; else None."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return quote(url.strip(), safe=_URL_SAFE, errors="replace")
