"""The job table: one APScheduler job per enabled feed, and when each runs next.

Jobs are rebuilt from feeds.toml at start; the stored `feed_state.next_due_at` decides the first
run, so a restart never hammers a server. After every poll the job is moved to the time the policy
(tracker.schedule) chose; the trigger is only a fallback. Each planned run is also kept on the
monotonic clock (DueTimes), so a wall-clock jump keeps every feed's remaining wait. A reload's plan
(reload.py) is applied here whole or not at all.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
    JobExecutionEvent,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from tracker.clock import Clock, format_duration, parse_utc
from tracker.config import FeedConfig
from tracker.daemon.clockwatch import DueTimes
from tracker.daemon.log import RepeatFilter, emit
from tracker.daemon.reload import ReloadPlan
from tracker.errors import ConfigError
from tracker.schedule import first_due, schedulable
from tracker.storage import polling_store

MISFIRE_GRACE = 120  # seconds a run may start late (APScheduler's default of 1 s skips runs)
SHORT_INTERVAL = 60  # intervals below this draw a warning

RunPoll = Callable[[str], Awaitable[None]]  # a coroutine function: APScheduler runs others in a thread
States = Mapping[str, polling_store.FeedPolling]


@dataclass
class _Snapshot:
    """What a reload may change, kept to put back if applying it fails half-way. (The repeat
    filter's memory of a removed feed is not: at worst its next failure is logged once more.)"""

    feeds: dict[str, FeedConfig]
    next_runs: dict[str, datetime | None]  # None: paused
    due: dict[str, float]
    failing: dict[str, str]
    gone: set[str]


class JobTable:
    def __init__(self, poll: RunPoll, *, log: logging.Logger, clock: Clock, rng: random.Random) -> None:
        self.log = log
        self.clock = clock
        self.feeds: dict[str, FeedConfig] = {}  # the scheduled (enabled) feeds
        self.inflight: dict[str, asyncio.Task[Any]] = {}
        self.failing: dict[str, str] = {}  # feed id -> failure category
        self.gone: set[str] = set()
        self.repeats = RepeatFilter()
        self.missed = 0  # runs APScheduler skipped since report_missed() last said so
        self.due = DueTimes(now=clock)
        self._poll = poll
        self._rng = rng
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        )
        self.scheduler.add_listener(
            self._on_scheduler_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
        )

    # --- building -------------------------------------------------------------------------------

    def schedule_all(self, feeds: Iterable[FeedConfig], states: States, *, margin: float) -> None:
        """The jobs at start: one per enabled feed. Raises ConfigError for a feed that cannot be
        scheduled (before any job is added)."""
        enabled = [feed for feed in feeds if feed.enabled]
        self.check_schedulable(enabled, margin=margin)
        for feed in enabled:
            self.add(feed, states.get(feed.id))
        self.warn_short_intervals(enabled)
        if not self.feeds:
            message = "no enabled feeds: nothing to poll until a reload adds some"
            emit(self.log, logging.WARNING, "config", message)

    def check_schedulable(self, feeds: Iterable[FeedConfig], *, margin: float) -> None:
        """ConfigError unless every time the policy may plan for these feeds is a valid datetime."""
        now = self.clock()
        for feed in feeds:
            if not schedulable(now, feed.interval_seconds, margin=margin):
                raise ConfigError(f"feed {feed.id!r}: interval {feed.interval!r} is too long to schedule")

    def add(self, feed: FeedConfig, state: polling_store.FeedPolling | None) -> None:
        """Schedule `feed` (replacing any job it had), first run from its stored state."""
        interval = feed.interval_seconds
        same_url = state is not None and state.url == feed.url
        # Gone stays gone until the user acts: `tracker feeds reset`, or a new URL in feeds.toml.
        gone = state is not None and state.gone and same_url
        due: datetime | None = None
        if not gone and state is not None and same_url and state.consecutive_failures:
            self.failing.setdefault(feed.id, "failing")  # failing before this start
        if not gone:
            stored = state.next_due_at if state is not None and same_url else None
            next_due = parse_utc(stored) if stored else None
            due = first_due(self.clock(), interval, next_due_at=next_due, rng=self._rng)
        self._put_job(feed, due)
        self.feeds[feed.id] = feed
        if due is None:
            self.gone.add(feed.id)
            self.due.discard(feed.id)
        else:
            self.gone.discard(feed.id)
            self.due.set(feed.id, due)

    def _put_job(self, feed: FeedConfig, next_run: datetime | None) -> None:
        """Add or replace the feed's job; None adds it paused. The trigger is only a fallback."""
        interval = feed.interval_seconds
        self.scheduler.add_job(
            self._poll,
            AfterInterval(interval, jitter=max(1, interval // 10)),
            args=[feed.id],
            id=feed.id,
            name=feed.id,
            replace_existing=True,
            next_run_time=next_run,
        )

    def remove(self, feed_id: str) -> None:
        self.feeds.pop(feed_id, None)
        if self.scheduler.get_job(feed_id) is not None:
            self.scheduler.remove_job(feed_id)
        self.due.discard(feed_id)
        self.failing.pop(feed_id, None)
        self.gone.discard(feed_id)
        self.repeats.forget(feed_id)

    def warn_short_intervals(self, feeds: Sequence[FeedConfig]) -> None:
        short = [f.id for f in feeds if f.interval_seconds < SHORT_INTERVAL]
        if short:
            shown = ",".join(short[:5]) + (",…" if len(short) > 5 else "")
            message = "intervals under a minute: polite only to your own servers"
            emit(self.log, logging.WARNING, "config", message, feeds=len(short), ids=shown)

    # --- reload ---------------------------------------------------------------------------------

    def apply(self, plan: ReloadPlan, states: States, *, margin: float) -> None:
        """Apply a reload plan whole, or (on any exception, re-raised) put every job back as it was."""
        self.check_schedulable(plan.feeds("add", "new-url", "reschedule"), margin=margin)
        before = self._snapshot()
        try:
            for action in plan.actions:
                if action.kind == "remove":
                    self.remove(action.feed_id)
                elif action.kind in ("add", "new-url") and action.new is not None:
                    self.add(action.new, states.get(action.feed_id))  # a new URL is polled soon
                elif action.kind == "reschedule" and action.new is not None:
                    self._reschedule(action.new, states.get(action.feed_id))
                elif action.kind == "update" and action.new is not None:
                    self.feeds[action.feed_id] = action.new  # the next poll uses the new settings
        except BaseException:
            self._restore(before)
            raise

    def _reschedule(self, feed: FeedConfig, state: polling_store.FeedPolling | None) -> None:
        """A new interval: the next poll keeps what is left of its wait, up to the new interval."""
        if feed.id in self.gone:
            self.feeds[feed.id] = feed
            return
        remaining = self.due.remaining(feed.id)
        self.add(feed, state)
        if feed.id not in self.failing and remaining is not None:
            wait = max(0.0, min(remaining, float(feed.interval_seconds)))
            self.plan(feed.id, self.clock() + timedelta(seconds=wait))

    def first_due(self) -> tuple[datetime, str] | None:
        """The next scheduled poll: (when, feed id); None when no feed is scheduled."""
        due = [(job.next_run_time, job.id) for job in self.scheduler.get_jobs() if job.id in self.feeds]
        return min(((when, feed_id) for when, feed_id in due if when is not None), default=None)

    def log_first_poll(self) -> None:
        """Between "started" and the first poll may lie a while (jitter, back-off): say when."""
        if (first := self.first_due()) is None:
            emit(self.log, logging.INFO, "waiting", "no feed is due: nothing to poll")
            return
        when, feed_id = first
        wait = f"{max(0.0, (when - self.clock()).total_seconds()):.0f}s"
        emit(self.log, logging.INFO, "waiting", "for the first poll", feed=feed_id, due=when, wait=wait)

    def _snapshot(self) -> _Snapshot:
        next_runs: dict[str, datetime | None] = {}
        for feed_id in self.feeds:
            job = self.scheduler.get_job(feed_id)
            next_runs[feed_id] = job.next_run_time if job is not None else None
        return _Snapshot(dict(self.feeds), next_runs, self.due.snapshot(), dict(self.failing), set(self.gone))

    def _restore(self, snapshot: _Snapshot) -> None:
        for job in self.scheduler.get_jobs():
            if job.id not in snapshot.feeds:
                self.scheduler.remove_job(job.id)
        for feed_id, feed in snapshot.feeds.items():
            self._put_job(feed, snapshot.next_runs.get(feed_id))
        self.feeds = snapshot.feeds
        self.due.restore(snapshot.due)
        self.failing = snapshot.failing
        self.gone = snapshot.gone

    # --- moving jobs ------------------------------------------------------------------------------

    def plan(self, feed_id: str, due: datetime | None) -> None:
        """Move the feed's job to `due` (None: pause it until the user acts)."""
        job = self.scheduler.get_job(feed_id)
        if job is None or feed_id not in self.feeds:
            return  # removed by a reload meanwhile
        if due is None:
            self.due.discard(feed_id)
            job.pause()
        else:
            self.due.set(feed_id, due)
            job.modify(next_run_time=due)

    def plan_soon(self, feed_id: str) -> None:
        """Poll within two seconds (a reset feed)."""
        self.plan(feed_id, self.clock() + timedelta(seconds=self._rng.uniform(0, 2)))

    def spread_overdue(self, window: float = 30.0) -> None:
        """Jobs whose time passed (while paused) run over the next `window` seconds, not all at once."""
        now = self.clock()
        for feed_id, feed in self.feeds.items():
            remaining = self.due.remaining(feed_id)
            if remaining is not None and remaining <= 0 and feed_id not in self.inflight:
                spread = min(float(feed.interval_seconds), window)
                self.plan(feed_id, now + timedelta(seconds=self._rng.uniform(0, spread)))

    def replan_after_clock_jump(self) -> None:
        """Put every planned poll at now + the wait it had left, on the new wall clock."""
        for feed_id, due in self.due.wall_times():
            job = self.scheduler.get_job(feed_id)
            if job is not None and feed_id not in self.gone:
                job.modify(next_run_time=due)

    def reconcile(self, states: States) -> None:
        """Notice what the user did from another process: `tracker feeds reset ID`."""
        for feed_id in list(self.feeds):
            state = states.get(feed_id)
            if state is None or feed_id in self.inflight:
                continue
            if feed_id in self.gone:
                if not state.gone:
                    self.gone.discard(feed_id)
                    emit(self.log, logging.INFO, "reset", "polling again", feed=feed_id)
                    self.plan_soon(feed_id)
                continue
            remaining = self.due.remaining(feed_id)
            if state.next_due_at is None and remaining is not None and remaining > 5:
                emit(self.log, logging.INFO, "reset", "failures cleared: polling now", feed=feed_id)
                self.failing.pop(feed_id, None)
                self.plan_soon(feed_id)

    def report_missed(self) -> None:
        """Log how many runs APScheduler skipped since the last report, if any."""
        if self.missed:
            message = (
                f"polls skipped for starting over {MISFIRE_GRACE} s late "
                "(an overloaded machine, or a clock jump)"
            )
            emit(self.log, logging.WARNING, "scheduler", message, skipped=self.missed)
            self.missed = 0

    def _on_scheduler_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            # Started too late (the loop was overloaded, or the clock jumped): the trigger moved the
            # job on; keep the monotonic plan in step. Counted, and summed up by the heartbeat.
            self.missed += 1
            job = self.scheduler.get_job(event.job_id)
            left = self.due.remaining(event.job_id)
            if job is not None and left is not None and left > 0:
                # Not due on the monotonic clock: the wall clock jumped before the watchdog saw it.
                job.modify(next_run_time=self.clock() + timedelta(seconds=left))
            elif job is not None and job.next_run_time is not None:
                self.due.set(event.job_id, job.next_run_time)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            self.missed += 1
        elif isinstance(event, JobExecutionEvent) and event.exception is not None:
            emit(self.log, logging.ERROR, "internal", f"job {event.job_id}: {event.exception!r}")


class AfterInterval(BaseTrigger):  # type: ignore[misc]
    """A job's fallback trigger: `interval` (plus up to `jitter` s) after whenever it is asked.

    APScheduler's IntervalTrigger counts fire times forward from the last one, so after the clock
    jumps ten years ahead it lists every missed run (half a million for a 10-minute feed) before it
    notices they are all too late. This one never replays history.
    """

    __slots__ = ("interval", "jitter")

    def __init__(self, interval: float, *, jitter: float = 0) -> None:
        self.interval = timedelta(seconds=interval)
        self.jitter = jitter

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        next_time: datetime | None = self._apply_jitter(now + self.interval, self.jitter, now)
        return next_time

    def __str__(self) -> str:
        return f"every {format_duration(self.interval.total_seconds())} after the last poll"
