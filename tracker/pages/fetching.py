"""Passes over the article pages that are due: fetch, extract, record — after the feed polls
have committed, never inside their transactions.

Pages are fetched through the feeds' `Fetcher`, so every connection and redirect hop passes the
address guard (`tracker.net.netguard`), with the feed's own host as the trusted one; text is
extracted in worker processes under a budget (`extract_pool`). One page at a time per host,
`[fetch] page_delay` apart; hosts in parallel within the fetcher's bounds. Each
page ends in its own short transaction: its `ArticleTextFetched` event and its row, or a failed
attempt with back-off (given up after `page_attempts`, at once for refusals another try would
repeat).
"""

from __future__ import annotations

import asyncio
import time
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


class PageFetcher:
    """Fetches the pages that are due, pass after pass, sharing what passes must share: one page
    at a time per host, `page_delay` apart, across concurrent passes (the daemon runs one after
    each feed's poll); a page in flight is never taken by a second pass; robots.txt is read once
    per host and kept `robots_for` seconds (a `tracker fetch` keeps it for its one pass)."""

    def __init__(
        self,
        store: Store,
        runner: ProjectionRunner,
        tools: tuple[Fetcher, ExtractPool],
        settings: FetchSettings,
        clock: Clock,
        *,
        robots_for: float = 3600.0,
    ) -> None:
        self.store, self.runner, self.tools, self.settings, self.clock = store, runner, tools, settings, clock
        self.robots_for = robots_for
        self._robots = RobotsCache(tools[0])
        self._robots_since = time.monotonic()
        self._hosts: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._last_request: dict[str, float] = {}  # host -> monotonic time its last page ended
        self._inflight: set[str] = set()  # article streams whose page is being fetched
        delay = settings.page_delay.strip()
        self._delay = 0.0 if delay in ("0", "0s") else float(parse_duration(delay))

    async def run(self, feeds: Sequence[FeedConfig]) -> PagePass:
        """Queue the pages `feeds` want, then fetch those that are due and not in flight."""
        async with self.store.transaction_async():
            page_store.enqueue_wanted(self.store, feeds, self.clock())
        by_id = {feed.id: feed for feed in feeds}
        pages = [p for p in page_store.due(self.store, by_id, self.clock()) if p.stream not in self._inflight]
        self._inflight.update(page.stream for page in pages)
        if time.monotonic() - self._robots_since > self.robots_for:
            self._robots, self._robots_since = RobotsCache(self.tools[0]), time.monotonic()
        by_host: defaultdict[str, list[page_store.WantedPage]] = defaultdict(list)
        for page in pages:
            by_host[urlsplit(page.url).netloc.lower()].append(page)
        tally: list[str] = []
        try:
            await asyncio.gather(*(self._host(host, queue, by_id, tally) for host, queue in by_host.items()))
        finally:
            self._inflight.difference_update(page.stream for page in pages)
        return PagePass(tally.count("fetched"), tally.count("failed"), tally.count("given-up"))

    async def _host(
        self, host: str, queue: list[page_store.WantedPage], by_id: dict[str, FeedConfig], tally: list[str]
    ) -> None:
        for page in queue:
            async with self._hosts[host]:  # politeness: one host, one page at a time, spaced
                wait = self._last_request.get(host, -self._delay) + self._delay - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                try:
                    tally.append(await self._one(by_id[page.feed_id], page))
                finally:
                    self._last_request[host] = time.monotonic()

    async def _one(self, feed: FeedConfig, page: page_store.WantedPage) -> str:
        """Fetch, extract and record one page; returns fetched, failed or given-up."""
        store, settings = self.store, self.settings
        bounds = PageRequest(
            trusted_host=urlsplit(feed.url).hostname,
            content_types=PAGE_TYPES,
            ports=frozenset({80, 443, *settings.page_ports}),
            max_body_bytes=min(MAX_PAGE_BYTES, settings.max_body_mb * 2**20),
            deadline=float(parse_duration(settings.deadline)),
        )
        obey_robots = not (feed.ignore_robots or settings.ignore_robots)
        try:
            found = await _follow(page.url, self.tools, self._robots if obey_robots else None, bounds)
        except _Failure as failure:
            async with store.transaction_async():
                given_up = page_store.record_failure(
                    store,
                    page,
                    clean_text(str(failure)),
                    self.clock(),
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
            page_store.record_fetched(store, page.stream, found.final_url, text.content_hash, self.clock())
            # Interpretation follows in short transactions, after the pass or in the background.
            self.runner.catch_up(store, only=INLINE_PROJECTIONS)
        return "fetched"


async def fetch_pages(
    store: Store,
    runner: ProjectionRunner,
    feeds: Sequence[FeedConfig],
    tools: tuple[Fetcher, ExtractPool],
    settings: FetchSettings,
    clock: Clock,
) -> PagePass:
    """One pass, as `tracker fetch` runs it: queue the pages `feeds` want, fetch those that are due."""
    return await PageFetcher(store, runner, tools, settings, clock).run(feeds)


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
