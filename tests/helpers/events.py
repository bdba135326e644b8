"""Events as tests write them: short factories with the fields a test does not care about filled in."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tracker.events import ArticleObserved, ArticleRevised, ArticleTextFetched

PUBLISHED = datetime(2025, 9, 11, 12, tzinfo=UTC)


def article(
    key: str, text: str = "body", feed: str = "wire", *, published: datetime = PUBLISHED
) -> ArticleObserved:
    return ArticleObserved(
        feed_id=feed,
        entry_key=key,
        title=f"title {key}",
        link=f"https://{feed}.invalid/{key}",
        content=text,
        content_hash=f"hash-{key}-{text}",
        published=published,
    )


def revision(first: ArticleObserved, text: str, *, number: int = 2) -> ArticleRevised:
    """`first` seen again with new text (its `number`-th version)."""
    return ArticleRevised(
        **first.model_dump(exclude={"type", "revision", "content", "content_hash"}),
        content=text,
        content_hash=f"hash-{first.entry_key}-{text}",
        revision=number,
        previous_hash=first.content_hash,
    )


def page_of(observed: ArticleObserved, text: str) -> ArticleTextFetched:
    """The article page of `observed`, with `text`, found at https://publisher.invalid/KEY."""
    return ArticleTextFetched(
        feed_id=observed.feed_id,
        entry_key=observed.entry_key,
        url=observed.link or "",
        final_url=f"https://publisher.invalid/{observed.entry_key}",
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        text=text,
        extractor="test",
    )
