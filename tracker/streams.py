"""Stream names and stable ids: the stream each event belongs to, and the ids of events and facts,
without the event models (a report reads stream names and decodes no event; an interpretation
worker names facts and never loads the models)."""

from __future__ import annotations

import hashlib

ANALYST_STREAM = "analyst"  # analysts' assertions and retractions


def article_stream(feed_id: str, entry_key: str) -> str:
    digest = hashlib.sha256(entry_key.encode("utf-8")).hexdigest()[:24]
    return f"article:{feed_id}:{digest}"


def page_stream(feed_id: str, entry_key: str) -> str:
    """The stream of an article's fetched page texts: the article's own stream, under `page:`.

    Kept apart from the article's stream, whose versions number the feed's revisions."""
    return page_stream_of(article_stream(feed_id, entry_key))


def page_stream_of(article: str) -> str:
    """`page_stream` of the article whose stream is `article` (the store names an article event's
    stream by `article_stream`), without hashing its key again."""
    return "page:" + article.removeprefix("article:")


def feed_stream(feed_id: str) -> str:
    return f"feed:{feed_id}"


def stable_id(kind: str, *parts: object) -> str:
    """`kind:` + 32 hex digits of sha256 over the parts, joined by the unit separator."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return f"{kind}:{hashlib.sha256(joined.encode('utf-8')).hexdigest()[:32]}"
