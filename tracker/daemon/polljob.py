"""The poll job: what one scheduled run of one feed does, and the line it logs.

A run polls its feed (tracker.polling) under a deadline that lives inside the job (APScheduler
cannot stop a running job), then moves the feed's job to the time the policy chose. Whatever goes
wrong is that feed's: a timeout or a busy store waits an interval, a store that cannot be written
at all pauses polling (outage.py), anything else is logged with its traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tracker.clock import Clock
from tracker.config import FeedConfig
from tracker.daemon import storage
from tracker.daemon.jobs import JobTable
from tracker.daemon.log import emit
from tracker.daemon.outage import StorageOutage
from tracker.daemon.pagejob import PageJobs
from tracker.net.fetch import Fetcher
from tracker.parsing.pool import ParsePool
from tracker.polling import INLINE_PROJECTIONS, PollResult, poll_feed
from tracker.projections.runner import ProjectionRunner
from tracker.storage.store import Store

CHEAP_PROJECTIONS = INLINE_PROJECTIONS  # caught up inside a poll's transaction


@dataclass
class PollContext:
    """What a poll needs that the service builds; `runner` is replaced when a reload changes it."""

    store: Store
    fetcher: Fetcher
    parser: ParsePool
    runner: ProjectionRunner
    deadline: float  # seconds a run may take: fetch deadline + parse timeout + a margin
    news: Callable[[], None]  # a poll appended events: interpretation should catch up
    pages: PageJobs | None = None  # fetches a feed's due article pages after its poll


class PollJobs:
    def __init__(
        self,
        *,
        log: logging.Logger,
        clock: Clock,
        outage: StorageOutage,
        stopping: asyncio.Event,
    ) -> None:
        self.polls = 0
        self.context: PollContext | None = None  # set once the store, fetcher and parsers exist
        self.jobs: JobTable | None = None
        self._log = log
        self._clock = clock
        self._outage = outage
        self._stopping = stopping

    async def run(self, feed_id: str) -> None:
        """The scheduled run of `feed_id`'s job."""
        jobs, context = self.jobs, self.context
        if jobs is None or context is None or self._stopping.is_set() or self._outage.problem is not None:
            return
        feed = jobs.feeds.get(feed_id)
        if feed is None or feed_id in jobs.inflight:
            return
        task = asyncio.current_task()
        assert task is not None
        jobs.inflight[feed_id] = task
        after_interval = timedelta(seconds=feed.interval_seconds)
        # If this run dies without rescheduling, the job still comes back.
        jobs.plan(feed_id, self._clock() + timedelta(seconds=context.deadline) + after_interval)
        try:
            async with asyncio.timeout(context.deadline):
                result = await poll_feed(
                    feed,
                    fetcher=context.fetcher,
                    store=context.store,
                    runner=context.runner,
                    projections=CHEAP_PROJECTIONS,
                    parser=context.parser,
                    clock=self._clock,
                )
        except TimeoutError:
            message = f"no result within the {context.deadline:g} s job deadline"
            emit(self._log, logging.ERROR, "poll", message, feed=feed_id)
            jobs.plan(feed_id, self._clock() + after_interval)
        except sqlite3.Error as exc:
            if storage.is_storage_failure(exc):
                jobs.plan(feed_id, self._clock())  # first in line once writing works again
                self._outage.failed(exc)
            else:  # e.g. "database is locked" past the busy timeout: try again next interval
                emit(self._log, logging.ERROR, "poll", f"store: {exc}", feed=feed_id)
                jobs.plan(feed_id, self._clock() + after_interval)
        except Exception:
            self._log.exception("poll of %s failed unexpectedly", feed_id, extra={"event": "poll"})
            jobs.plan(feed_id, self._clock() + after_interval)
        else:
            self._after_poll(jobs, context, feed, result)
        finally:
            jobs.inflight.pop(feed_id, None)

    def _after_poll(self, jobs: JobTable, context: PollContext, feed: FeedConfig, result: PollResult) -> None:
        self.polls += 1
        self._outage.healthy()  # a committed poll: the store is healthy
        if result.failed:
            jobs.failing[feed.id] = result.category or "error"
        else:
            jobs.failing.pop(feed.id, None)
        if result.new or result.revised or result.health_event:
            context.news()
        if result.next_due is None:
            jobs.gone.add(feed.id)
        jobs.plan(feed.id, result.next_due)
        self._log_poll(jobs, result)
        if context.pages is not None and not result.failed:
            context.pages.after_poll(feed, context.runner)

    def _log_poll(self, jobs: JobTable, result: PollResult) -> None:
        fields: dict[str, Any] = {
            "feed": result.feed_id,
            "outcome": result.outcome,
            "status": result.status,
            "new": result.new,
            "revised": result.revised,
            "ms": round(result.duration * 1000),
            "next": result.next_due,
            "reason": result.next_due_reason,
        }
        if result.deferred:  # changes of entries rate-limited (`tracker.revisions`)
            fields["rate_limited"] = result.deferred
        if result.next_due is None:
            message = (
                f"gone: not polled again until `tracker feeds reset {result.feed_id}` "
                "or a new URL in the configuration"
            )
            emit(self._log, logging.WARNING, "poll", message, **fields)
            return
        if result.failed:
            log_it, repeated = jobs.repeats.failure(result.feed_id, f"{result.category}:{result.error}")
            if log_it:
                failure: dict[str, Any] = {
                    "category": result.category,
                    "error": result.error,
                    "repeated": repeated or None,
                }
                emit(self._log, logging.WARNING, "poll", **fields, **failure)
            return
        left_out = jobs.repeats.success(result.feed_id)
        emit(
            self._log,
            logging.INFO,
            "poll",
            recovered=True if result.health_event == "FeedRecovered" else None,
            failures_not_logged=left_out or None,
            **fields,
        )
