"""Events as tests write them: short factories with the fields a test does not care about filled in."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.events import ArticleObserved, ArticleRevised

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
