"""Which feed entries want their linked page fetched (pure)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # this module is imported where entries are parsed, which needs no configuration
    from tracker.config import FullTextMode

# Below this many characters of text an entry is a teaser, not the article.
SHORT_TEXT = 600
# How a feed says its summary stops short of the article.
_CUT_MARKS = re.compile(r"(…|\.\.\.|\[…\]|\[\.\.\.\]|read more|continue reading|read the full \w+)\W*$", re.I)


def entry_text(summary: str | None, content: str | None) -> str:
    """The fullest text the feed itself gave for an entry."""
    from tracker.extract import html_to_text  # lxml and its cleaner: only once there are entries

    return html_to_text(content or summary or "")


def wants_page(
    mode: FullTextMode,
    link: str | None,
    summary: str | None,
    content: str | None,
    *,
    teaser: bool | None = None,
) -> bool:
    """Whether an entry's page should be fetched under the feed's `full_text` mode: "auto" fetches
    when the feed's own text is a teaser (`is_teaser`; `teaser` when that is known already); an
    entry without an http(s) link has no page."""
    if mode == "never" or not link or not link.lower().startswith(("http://", "https://")):
        return False
    if mode == "always":
        return True
    return is_teaser(summary, content) if teaser is None else teaser


def is_teaser(summary: str | None, content: str | None) -> bool:
    """Whether the text a feed gave for an entry stops short of the article: shorter than
    `SHORT_TEXT` characters, or a summary that says it stops short ("…", "Read more")."""
    if len(content or summary or "") < SHORT_TEXT:  # text is never longer than its markup: no need to read it
        return True
    if content:
        # Only the text's length matters: the conversion reads no further than it needs.
        from tracker.extract.text import html_text_shorter_than

        return html_text_shorter_than(content, SHORT_TEXT)
    text = entry_text(summary, content)
    return len(text) < SHORT_TEXT or _CUT_MARKS.search(text) is not None
