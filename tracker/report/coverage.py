"""The report's coverage: per feed, how many articles it holds and its latest ones.

The `articles` projection answers from its (feed_id, published) index, so the cost does not grow
with the history; article versions the projection has not folded yet (a daemon lagging) are read
from the log and laid over it. A report known at a position the projection has already passed
(`--known-at`) reads every article version of the log up to that position instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from tracker.clock import end_of_day, format_utc
from tracker.config import Config
from tracker.projections import articles as articles_table
from tracker.projections import checkpoints
from tracker.projections import feeds as feeds_table
from tracker.storage.log_queries import ArticleVersion, article_versions
from tracker.storage.store import Store

# A feed's newest few show it is read and what it brings; more (`--latest`) make a report of many feeds
# mostly coverage, and the rest is in the `articles` table.
COVERAGE_PER_FEED = 3
# Past this many versions not yet projected, reading the log is as cheap as excluding them one by one.
_MAX_OVERLAY = 500

Article = dict[str, Any]  # feed, title, url, published, published_at, revisions, first


def coverage(
    store: Store,
    config: Config,
    *,
    until: int,
    as_of: date | None,
    streams: set[str] | None = None,
    latest: int = COVERAGE_PER_FEED,
) -> tuple[list[dict[str, Any]], int]:
    """The `latest` articles of each feed (of `streams` only, unless None), as known at position
    `until`, published by `as_of`; and how many articles were known in all, whatever the filters."""
    cutoff = format_utc(end_of_day(as_of)) if as_of else None
    projection = articles_table.ArticlesProjection()
    checkpoint = checkpoints.current_position(store, projection.name, projection.fingerprint())
    usable = 0 < checkpoint <= until
    overlay = _latest(article_versions(store, until, after=checkpoint)) if usable else {}
    if usable and len(overlay) <= _MAX_OVERLAY:
        all_counts = _counts_leaving_out(store, checkpoint, overlay)
        known = sum(all_counts.values()) + len(overlay)
        by_feed = None  # the projection has no index by stream: a report narrowed to subjects reads the log
        if streams is None:
            counts = articles_table.count_before(store, cutoff, list(overlay)) if cutoff else all_counts
            by_feed = _from_projection(store, overlay, cutoff, counts, latest)
    else:
        known, by_feed = None, None
    if by_feed is None:
        everything = _latest(article_versions(store, until))
        known = len(everything) if known is None else known
        by_feed = _by_feed(
            (a for stream, a in everything.items() if streams is None or stream in streams), cutoff
        )
    titles = {feed.id: feed.display_name for feed in config.feeds}
    result = []
    for feed_id in sorted(by_feed):
        count, articles = by_feed[feed_id]
        # Log order first, so that equal keys keep it: newest first, then by URL.
        articles.sort(key=lambda a: a["first"])
        articles.sort(key=lambda a: (a["published_at"] or "", a["url"] or ""), reverse=True)
        result.append(
            {
                "feed": feed_id,
                "title": titles.get(feed_id, feed_id),
                "articles": count,
                "latest": [_listed(a) for a in articles[:latest]],
            }
        )
    return result, known or 0


def _counts_leaving_out(store: Store, checkpoint: int, overlay: Mapping[str, Article]) -> dict[str, int]:
    """Each feed's articles in the `articles` projection (at `checkpoint`), leaving out those in
    `overlay`. `feed_history` keeps the counts as it goes, so they are read, not counted, when it
    stands where `articles` does and neither went on without an event; else the index is scanned."""
    history = feeds_table.FeedHistoryProjection()
    skipped = {name for name, *_ in checkpoints.skipped_events(store)}
    kept = checkpoints.current_position(store, history.name, history.fingerprint()) == checkpoint
    if not kept or skipped & {history.name, articles_table.ArticlesProjection.name}:
        return articles_table.count_by_feed(store, None, list(overlay))  # a scan of the index
    counts = feeds_table.articles_by_feed(store)
    for stream in articles_table.first_positions(store, list(overlay)):  # already counted
        counts[overlay[stream]["feed"]] -= 1
    return {feed: count for feed, count in counts.items() if count}


def _listed(article: Article) -> dict[str, Any]:
    """An article as the report lists it (the rest of its keys choose and order them)."""
    return {
        "title": article["title"],
        "url": article["url"],
        "published": article["published"],
        "revisions": article["revisions"],
    }


def _article(version: ArticleVersion, first: int) -> Article:
    return {
        "feed": version.feed_id,
        "title": version.title,
        "url": version.link,
        "published": version.occurred_at[:10] if version.occurred_at else None,
        "published_at": version.occurred_at,
        "revisions": version.revision,
        "first": first,
    }


def _latest(versions: Iterable[ArticleVersion]) -> dict[str, Article]:
    """Each article's last version; `first` is the position where the article first appears."""
    latest: dict[str, Article] = {}
    for version in versions:
        first = latest[version.stream]["first"] if version.stream in latest else version.position
        latest[version.stream] = _article(version, first)
    return latest


def _by_feed(articles: Iterable[Article], cutoff: str | None) -> dict[str, tuple[int, list[Article]]]:
    by_feed: dict[str, list[Article]] = {}
    for article in articles:
        if cutoff and (article["published_at"] is None or article["published_at"] >= cutoff):
            continue
        by_feed.setdefault(article["feed"], []).append(article)
    return {feed: (len(items), items) for feed, items in by_feed.items()}


def _from_projection(
    store: Store, overlay: Mapping[str, Article], cutoff: str | None, counts: Mapping[str, int], latest: int
) -> dict[str, tuple[int, list[Article]]]:
    """Counts (`counts`: the projection's, published before `cutoff`, leaving out the overlay) and
    the `latest` articles from the projection, with the unprojected versions laid over."""
    excluding = list(overlay)
    # An article revised since the checkpoint keeps the place its first version gave it.
    firsts = articles_table.first_positions(store, excluding)
    fresh = [{**a, "first": firsts.get(stream, a["first"])} for stream, a in overlay.items()]
    newest = articles_table.newest_by_feed(store, list(counts), latest, cutoff, excluding)
    result = {
        feed: (
            count,
            [
                {
                    "feed": feed,
                    "title": title,
                    "url": link,
                    "published": published[:10] if published else None,
                    "published_at": published,
                    "revisions": revisions,
                    "first": first,
                }
                for title, link, published, revisions, first in newest[feed]
            ],
        )
        for feed, count in counts.items()
    }
    for feed, (count, items) in _by_feed(fresh, cutoff).items():
        known, top = result.get(feed, (0, []))
        result[feed] = (known + count, top + items)
    return result
