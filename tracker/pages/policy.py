"""Which feed entries want their linked page fetched (pure)."""

from __future__ import annotations

from tracker.config import FullTextMode
from tracker.extract import html_to_text

# Below this many characters of text an entry is a teaser, not the article.
SHORT_TEXT = 600


def entry_text(summary: str | None, content: str | None) -> str:
    """The fullest text the feed itself gave for an entry."""
    return html_to_text(content or summary or "")


def wants_page(mode: FullTextMode, link: str | None, summary: str | None, content: str | None) -> bool:
    """Whether an entry's page should be fetched under the feed's `full_text` mode.

    "auto" fetches when the feed gave only a summary (no content) or a text shorter than
    `SHORT_TEXT` characters; an entry without an http(s) link has no page to fetch.
    """
    if mode == "never" or not link or not link.lower().startswith(("http://", "https://")):
        return False
    if mode == "always":
        return True
    return not content or len(entry_text(summary, content)) < SHORT_TEXT
