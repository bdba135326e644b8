"""One pass over the article pages that are due: fetch, extract, record — after the feed polls
have committed, never inside their transactions.

Pages are fetched through the feeds' `Fetcher`, so every connection and redirect hop passes the
address guard (`tracker.net.netguard`), with the feed's own host as the trusted one. One page at a
time per host, `[fetch] page_delay` apart; hosts in parallel within the fetcher's bounds. Each
page ends in its own short transaction: its `ArticleTextFetched` event and its row, or a failed
attempt with back-off (given up after `page_attempts`, at once for refusals another try would
repeat).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tracker.clock import Clock, parse_duration
from tracker.config import FeedConfig, FetchSettings
from tracker.errors import ExtractionFailed, FetchError, HTTPStatusFailure
from tracker.events import ArticleTextFetched
from tracker.net.fetch import Fetcher, PageRequest
from tracker.pages.extract import PageText, RedirectShell, extractor_version
from tracker.pages.extract_pool import ExtractPool
from tracker.pages.robots import RobotsCache
from tracker.polling import INLINE_PROJECTIONS
from tracker.projections.runner import ProjectionRunner
from tracker.storage import page_store
from tracker.storage.store import Store
from tracker.textsafe import clean_text

PAGE_TYPES = ("text/html", "application/xhtml+xml")
MAX_PAGE_BYTES = 5 * 2**20
_RETRIED_STATUSES = frozenset({408, 425, 429})  # 4xx answers another try may change


@dataclass(frozen=True, slots=True)
class PagePass:
    fetched: int = 0
    failed: int = 0
    given_up: int = 0


class _Failure(Exception):
    def __init__(self, text: str, *, final: bool) -> None:
        super().__init__(text)
        self.final = final


@dataclass(frozen=True, slots=True)
class _Found:
    page: PageText
    final_url: str


async def fetch_pages(
    store: Store,
    runner: ProjectionRunner,
    feeds: Sequence[FeedConfig],
    fetcher: Fetcher,
    extractor: ExtractPool,
    settings: FetchSettings,
    clock: Clock,
) -> PagePass:
    """Queue the pages `feeds` want, then fetch those that are due."""
    with store.transaction():
        page_store.enqueue_wanted(store, feeds, clock())
    by_id = {feed.id: feed for feed in feeds}
    pages = page_store.due(store, by_id, clock())
    by_host: defaultdict[str, list[page_store.WantedPage]] = defaultdict(list)
    for page in pages:
        by_host[urlsplit(page.url).netloc.lower()].append(page)
    robots = RobotsCache(fetcher)
    delay = 0.0 if settings.page_delay.strip() in ("0", "0s") else float(parse_duration(settings.page_delay))
    tally: list[str] = []

    async def host_worker(queue: list[page_store.WantedPage]) -> None:
        for index, page in enumerate(queue):
            if index:
                await asyncio.sleep(delay)  # politeness: one host, one page at a time, spaced
            tally.append(
                await _fetch_one(
                    store, runner, by_id[page.feed_id], page, (fetcher, extractor), robots, settings, clock
                )
            )

    await asyncio.gather(*(host_worker(queue) for queue in by_host.values()))
    return PagePass(tally.count("fetched"), tally.count("failed"), tally.count("given-up"))


async def _fetch_one(
    store: Store,
    runner: ProjectionRunner,
    feed: FeedConfig,
    page: page_store.WantedPage,
    tools: tuple[Fetcher, ExtractPool],
    robots: RobotsCache,
    settings: FetchSettings,
    clock: Clock,
) -> str:
    """Fetch, extract and record one page; returns fetched, failed or given-up."""
    bounds = PageRequest(
        trusted_host=urlsplit(feed.url).hostname,
        content_types=PAGE_TYPES,
        ports=frozenset({80, 443, *settings.page_ports}),
        max_body_bytes=min(MAX_PAGE_BYTES, settings.max_body_mb * 2**20),
        deadline=float(parse_duration(settings.deadline)),
    )
    obey_robots = not (feed.ignore_robots or settings.ignore_robots)
    try:
        found = await _follow(page.url, tools, robots if obey_robots else None, bounds)
    except _Failure as failure:
        async with store.transaction_async():
            given_up = page_store.record_failure(
                store,
                page,
                clean_text(str(failure)),
                clock(),
                max_attempts=settings.page_attempts,
                final=failure.final,
            )
        return "given-up" if given_up else "failed"
    text = found.page
    event = ArticleTextFetched(
        feed_id=page.feed_id,
        entry_key=page.entry_key,
        url=page.url,
        final_url=found.final_url,
        content_hash=text.content_hash,
        text=text.text,
        title=text.title,
        author=text.author,
        date=text.date,
        sitename=text.sitename,
        extractor=extractor_version(),
    )
    async with store.transaction_async():
        store.append([event], meta={"feed": page.feed_id})
        page_store.record_fetched(store, page.stream, found.final_url, text.content_hash, clock())
        # Interpretation follows in short transactions after the pass (`app.fetch_feeds`).
        runner.catch_up(store, only=INLINE_PROJECTIONS)
    return "fetched"


async def _follow(
    url: str, tools: tuple[Fetcher, ExtractPool], robots: RobotsCache | None, bounds: PageRequest
) -> _Found:
    """The article behind `url`: redirects are followed by the fetcher, a redirect shell once here."""
    fetcher, extractor = tools
    for _ in range(2):
        if robots is not None and (refusal := await robots.refusal(url, bounds)):
            raise _Failure(refusal[0], final=refusal[1])
        try:
            result = await fetcher.fetch(
                url, headers={"Accept": "text/html, application/xhtml+xml"}, page=bounds
            )
        except HTTPStatusFailure as exc:
            retried = exc.status >= 500 or exc.status in _RETRIED_STATUSES
            raise _Failure(f"{exc.category}: {exc}", final=not retried) from None
        except FetchError as exc:
            raise _Failure(
                f"{exc.category}: {exc}", final=exc.category not in ("timeout", "connect")
            ) from None
        # trafilatura is CPU-bound and the page untrusted: in a worker process, under a budget,
        # so other hosts' fetches and polls go on and a pathological page costs at most that.
        try:
            extraction = await extractor.extract_async(result.body or b"", result.url)
        except ExtractionFailed as exc:
            raise _Failure(f"extraction: {exc}", final=exc.final) from None
        if isinstance(extraction, PageText):
            return _Found(extraction, result.url)
        if not isinstance(extraction, RedirectShell):
            raise _Failure(f"no-article: {extraction.reason}", final=True)
        url = extraction.target
    raise _Failure(f"redirect-shell: a page that only redirects (to {url[:120]})", final=True)
