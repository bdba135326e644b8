"""Article pages in the daemon: each feed's due pages fetched after its poll commits, and pages
whose retry comes due later picked up by a sweep on a timer.

A page pass runs as a task of its own, never inside a poll's run: a slow or failing page never
delays any feed's polling, and a poll never waits for its pages. Passes share one `PageFetcher`,
so a host gets one page at a time, `page_delay` apart, and no page is fetched by two passes at
once. A pass stopped by shutdown or `kill -9` leaves its pages pending: the next start fetches
them, and none already recorded again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable, Sequence

from tracker.config import FeedConfig
from tracker.daemon import storage
from tracker.daemon.jobs import JobTable
from tracker.daemon.log import emit
from tracker.daemon.outage import StorageOutage
from tracker.pages.fetching import PageFetcher
from tracker.projections.runner import ProjectionRunner

SWEEP_EVERY = 60.0  # seconds between looks for page retries that came due


class PageJobs:
    def __init__(
        self,
        pages: PageFetcher,
        *,
        jobs: JobTable,
        news: Callable[[], None],
        log: logging.Logger,
        outage: StorageOutage,
    ) -> None:
        """`jobs`: the scheduled feeds; `news`: pages were recorded (interpretation catches up)."""
        self.pages = pages
        self.fetched = 0
        self._jobs = jobs
        self._news = news
        self._log = log
        self._outage = outage
        self._tasks: set[asyncio.Task[None]] = set()

    def after_poll(self, feed: FeedConfig, runner: ProjectionRunner) -> None:
        """The feed's poll committed: fetch its due pages, in a task of their own. `runner`: the
        poll's, which a reload may have replaced."""
        self.pages.runner = runner
        if feed.full_text != "never":
            self._start([feed])

    async def sweep_forever(self, every: float = SWEEP_EVERY) -> None:
        """Every `every` seconds, fetch the pages of every scheduled feed that have come due."""
        while True:
            await asyncio.sleep(every)
            feeds = [feed for feed in self._jobs.feeds.values() if feed.full_text != "never"]
            if feeds and self._outage.problem is None:
                self._start(feeds)

    async def stop(self) -> None:
        """Cancel the passes in flight (their pages stay pending for the next start)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _start(self, feeds: Sequence[FeedConfig]) -> None:
        task = asyncio.create_task(self._pass(feeds))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _pass(self, feeds: Sequence[FeedConfig]) -> None:
        try:
            result = await self.pages.run(feeds)
        except sqlite3.Error as exc:
            if storage.is_storage_failure(exc):
                self._outage.failed(exc)
            else:  # a busy store: the pages stay pending for the next pass
                emit(self._log, logging.WARNING, "pages", f"store: {exc}")
            return
        except Exception:
            self._log.exception("page pass failed unexpectedly", extra={"event": "pages"})
            return
        if result.fetched:
            self.fetched += result.fetched
            self._news()
        if result.fetched or result.failed or result.given_up:
            feed = feeds[0].id if len(feeds) == 1 else None
            emit(
                self._log,
                logging.INFO,
                "pages",
                feed=feed,
                fetched=result.fetched,
                failed=result.failed,
                given_up=result.given_up,
            )
