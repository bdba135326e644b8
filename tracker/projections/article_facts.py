"""The facts of one article version: what extraction reads of it, and the facts it gives (pure).

`ArticleInput` holds only the plain values extraction reads of an article version and its page: a
worker process is sent these rather than the decoded events, whose models cost several times more
to pickle and unpickle than interpreting most articles (the word screen dismisses them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker.clock import format_utc, parse_utc
from tracker.streams import stable_id
from tracker.subjects import Subject

if TYPE_CHECKING:
    from tracker.events import ArticleTextFetched, RecordedEvent
    from tracker.extract.model import Document
    from tracker.fold.fact import Fact


class ArticleInput(NamedTuple):
    """An article version as extraction reads it, with the text of the page read with it, if any."""

    position: int  # of the version (or of the page, for a page read after it)
    stream: str
    recorded_at: str
    feed_id: str
    revision: int
    link: str | None
    title: str | None
    published: datetime | None
    html: str  # the feed's body: its content, else its summary
    page_text: str | None = None
    page_url: str | None = None  # the page's final URL: the source, when there is a page


def article_input(recorded: RecordedEvent, page: ArticleTextFetched | None = None) -> ArticleInput | None:
    """What extraction reads of an article event (with the page read with it); None for any other
    event."""
    from tracker.events import ArticleObserved, ArticleRevised

    event = recorded.event
    if not isinstance(event, ArticleObserved | ArticleRevised):
        return None
    return ArticleInput(
        recorded.position,
        recorded.stream,
        recorded.recorded_at,
        event.feed_id,
        event.revision,
        event.link,
        event.title,
        event.published,
        event.content or event.summary or "",
        page.text if page is not None else None,
        page.final_url if page is not None else None,
    )


def article_text(article: ArticleInput, lines: str | None = None) -> str:
    """The text extraction reads: the title, then the richest body known — the feed's, or the
    article page's when that is longer. `lines`: the feed body's `html_lines`, if already made."""
    from tracker.extract.text import clean_lines, html_lines  # the extractor loads on first use

    body = clean_lines(html_lines(article.html) if lines is None else lines)
    if article.page_text is not None and len(article.page_text) > len(body):
        body = article.page_text
    return "\n\n".join(part for part in (article.title or "", body) if part.strip())


def facts_from_article(
    recorded: RecordedEvent,
    subjects: Sequence[Subject],
    publishers: Mapping[str, str] | None = None,
    page: ArticleTextFetched | None = None,
) -> list[Fact]:
    """Extract the facts of one article version (pure), with its page's text when there is one
    (the page's final URL is then the source)."""
    article = article_input(recorded, page)
    return [] if article is None else facts_of(article, subjects, publishers)


def facts_of(
    article: ArticleInput, subjects: Sequence[Subject], publishers: Mapping[str, str] | None = None
) -> list[Fact]:
    """`facts_from_article` of what extraction reads of the article version."""
    from tracker.extract.model import Document
    from tracker.extract.pipeline import markup_may_speak, may_speak
    from tracker.extract.text import html_lines

    # Most articles name nothing any subject needs: one pass over their words dismisses them before
    # the text is cleaned, split into sentences or dated; most before their markup is converted.
    title, html, extra = article.title or "", article.html, article.page_text or ""
    lines = html_lines(html) if markup_may_speak(title, html, extra, subjects) else None
    if lines is None or not may_speak("\n".join((title, lines, extra)), subjects):
        return []
    # An undated entry is dated by when we first saw it (stored in the log, so rebuilds agree).
    anchor = article.published or parse_utc(article.recorded_at)
    document = Document(text=article_text(article, lines), published=anchor, title=article.title)
    provenance: dict[str, Any] = {
        "position": article.position,
        "stream": article.stream,
        "revision": article.revision,
        "feed_id": article.feed_id,
        "url": article.page_url if article.page_url is not None else article.link,
        "title": article.title,
        "published": format_utc(article.published) if article.published else None,
        "publisher": (publishers or {}).get(article.feed_id, article.feed_id),
    }
    return document_facts(document, subjects, provenance)


def document_facts(
    document: Document, subjects: Sequence[Subject], provenance: Mapping[str, Any]
) -> list[Fact]:
    """The facts of one document: its claims with `provenance` (the Fact fields naming the article,
    at least `stream`), one per subject, claim and sentence."""
    from tracker.extract.pipeline import extract_claims  # the extractor loads on first use
    from tracker.fold.fact import Fact

    facts: dict[str, Fact] = {}
    stream = provenance["stream"]
    for claim in extract_claims(document, subjects):
        fact_id = stable_id(
            "fact", stream, claim.subject, claim.state, claim.count, " ".join(claim.sentence.split())
        )
        if fact_id in facts and facts[fact_id].event_date != claim.event_date:
            # The same count twice in one sentence, of two dates ("52 on 11 September and another
            # 52 on 16 October"): two events, two facts.
            fact_id = stable_id("fact", fact_id, claim.event_date.isoformat())
        if fact_id not in facts:
            claim_fields: dict[str, Any] = {f.name: getattr(claim, f.name) for f in fields(claim)}
            facts[fact_id] = Fact(**claim_fields, fact_id=fact_id, **provenance)
    return list(facts.values())
