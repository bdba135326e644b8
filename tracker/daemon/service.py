"""`tracker daemon`: poll every enabled feed on its own schedule, for months, unattended.

Wiring, in one place:

* **One daemon per store**: exclusive flocks on `<db>.lock` and on the database file (lock.py),
  taken before the store is used and held until exit; a lock file that cannot be written exits 75.
* **Scheduling**: APScheduler 3.11 `AsyncIOScheduler`, in-memory jobs rebuilt from feeds.toml at
  start, one per enabled feed (`id` = feed id). The stored `feed_state.next_due_at` decides the
  first run, so a restart never hammers a server; after every poll the job is moved to the time the
  policy (tracker.schedule) chose: interval, backoff, Retry-After, max-age/ttl, or paused when the
  feed is gone. The deadline lives inside the job, and concurrency is bounded by the Fetcher.
* **Interpretation off the polling path**: a poll catches up only the cheap projections inline;
  facts and story are caught up by a worker thread on its own connection, in short chunks.
* **Hostile bodies** are parsed in killable worker processes (tracker.parsing.pool).
* **Signals**: SIGTERM/SIGINT pause the scheduler, let polls in flight finish for a bounded time,
  then exit 0; a second signal exits at once (safe: a poll's writes are one transaction). SIGHUP
  reloads feeds.toml; an invalid file is logged and the running configuration kept.
* **Watchdogs**: a heartbeat row every ~15 s; a clock-jump check every minute (clockwatch.py);
  a look at `feed_state` every ~10 s for feeds the user reset; storage failures (full disk,
  read-only, I/O errors) pause polling and are probed with backoff until writes work again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
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

from tracker import feedstate
from tracker.app import fetch_limits, make_fetcher
from tracker.clock import Clock, format_duration, parse_utc, system_clock
from tracker.config import Config, FeedConfig, load_config
from tracker.daemon import heartbeat, storage
from tracker.daemon.catchup import INTERPRETATION, CatchUpWorker
from tracker.daemon.clockwatch import ClockWatch, DueTimes
from tracker.daemon.lock import EX_TEMPFAIL, DaemonLock
from tracker.daemon.log import LOGGER_NAME, RepeatFilter, emit
from tracker.errors import LockFileError, TrackerError
from tracker.fetch import Fetcher
from tracker.parsing.pool import PARSE_TIMEOUT, ParsePool
from tracker.polling import PollResult, poll_feed
from tracker.projections import runner_for
from tracker.projections.runner import ProjectionRunner
from tracker.schedule import first_due
from tracker.store import Store

CHEAP_PROJECTIONS = ("articles", "feed_status")
MISFIRE_GRACE = 120  # seconds a run may start late (APScheduler's default of 1 s skips runs)
SHORT_INTERVAL = 60  # intervals below this draw a warning
JOB_MARGIN = 60.0  # job deadline = fetch deadline + parse timeout + this (waits for slots, commit)
WAL_WARN_BYTES = 64 * 2**20


@dataclass(frozen=True)
class DaemonOptions:
    config_path: Path
    db_path: Path
    drain_timeout: float = 5.0  # seconds polls in flight get to finish after SIGTERM
    heartbeat_every: float = 15.0
    watchdog_every: float = 60.0
    reconcile_every: float = 5.0
    catch_up_every: float = 30.0
    probe_first: float = 5.0  # first wait before probing a failed store; doubles up to probe_max
    probe_max: float = 300.0
    parse_workers: int = 2
    parse_timeout: float = PARSE_TIMEOUT
    install_signals: bool = True


def run_daemon(config: Config, options: DaemonOptions, logger: logging.Logger | None = None) -> int:
    """Run until stopped; returns the exit status. Raises LockHeld if another daemon has the store."""
    return asyncio.run(Daemon(config, options, logger=logger).run())


class Daemon:
    def __init__(
        self,
        config: Config,
        options: DaemonOptions,
        *,
        logger: logging.Logger | None = None,
        clock: Clock = system_clock,
    ) -> None:
        self.config = config
        self.options = options
        self.log = logger or logging.getLogger(LOGGER_NAME)
        self.clock = clock
        self.store: Store | None = None
        self.polls = 0
        self.ready = asyncio.Event()  # set once jobs are scheduled (for tests and embedding)
        self._rng = random.Random()
        self._feeds: dict[str, FeedConfig] = {}  # the scheduled (enabled) feeds
        self._inflight: dict[str, asyncio.Task[Any]] = {}
        self._due = DueTimes(now=clock)
        self._failing: dict[str, str] = {}  # feed id -> failure category
        self._gone: set[str] = set()
        self._repeats = RepeatFilter()
        self._stop = asyncio.Event()
        self._signals = 0
        self._storage_problem: str | None = None
        self._storage_since: datetime | None = None
        self._probe_delay = options.probe_first
        self._probe_task: asyncio.Task[None] | None = None
        self._wal_warned = False
        self._missed = 0  # runs APScheduler skipped since the last heartbeat
        self._started_at = clock()
        self._runner: ProjectionRunner = runner_for(config)
        self._scheduler: AsyncIOScheduler | None = None
        self._fetcher: Fetcher | None = None
        self._parser: ParsePool | None = None
        self._worker: CatchUpWorker | None = None

    # --- life cycle -------------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        try:
            lock = DaemonLock.acquire(self.options.db_path)
        except LockFileError as exc:  # a full disk, say: worth a restart, unlike a second daemon
            emit(self.log, logging.ERROR, "lock", str(exc))
            return EX_TEMPFAIL
        try:
            if self.options.install_signals:  # early: a SIGTERM during start-up is a clean stop too
                self._install_signals(loop)
            self.store = Store.open(self.options.db_path)
            try:
                lock.hold_database()
                return await self._run_with_store(self.store)
            finally:
                self.store.close()
        except LockFileError as exc:
            emit(self.log, logging.ERROR, "lock", str(exc))
            return EX_TEMPFAIL
        finally:
            if self.options.install_signals:
                for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                    loop.remove_signal_handler(signum)
            lock.release()

    def request_stop(self) -> None:
        """Begin a graceful stop, as SIGTERM does."""
        self._stop.set()

    @property
    def storage_problem(self) -> str | None:
        """Why polling is paused for storage trouble, or None while it runs."""
        return self._storage_problem

    async def _run_with_store(self, store: Store) -> int:
        loop = asyncio.get_running_loop()
        self._started_at = self.clock()
        try:
            self._catch_up_cheap(store)
        except sqlite3.Error as exc:  # the first poll meets it again, and pauses if it must
            emit(self.log, logging.ERROR, "catch-up", f"before polling: {exc}")
        self._parser = ParsePool(self.options.parse_workers, timeout=self.options.parse_timeout)
        await asyncio.to_thread(self._parser.warm)
        self._worker = CatchUpWorker(
            self.options.db_path,
            runner_for(self.config),
            period=self.options.catch_up_every,
            on_storage_failure=lambda exc: loop.call_soon_threadsafe(self._storage_failed, exc),
            on_error=lambda exc: loop.call_soon_threadsafe(self._worker_failed, exc),
        )
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
        )
        self._scheduler.add_listener(
            self._on_scheduler_event, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR
        )
        tasks: list[asyncio.Task[None]] = []
        try:
            async with make_fetcher(self.config) as fetcher:
                self._fetcher = fetcher
                self._scheduler.start()
                self._schedule_all(store)
                self._worker.start()
                self._heartbeat()  # a store that cannot be written pauses polling here already
                tasks = [
                    asyncio.create_task(self._every(self.options.heartbeat_every, self._heartbeat)),
                    asyncio.create_task(self._watch_clock()),
                    asyncio.create_task(self._every(self.options.reconcile_every, self._reconcile)),
                ]
                emit(
                    self.log,
                    logging.INFO,
                    "started",
                    pid=os.getpid(),
                    feeds=len(self._feeds),
                    db=str(self.options.db_path),
                    config=str(self.options.config_path),
                )
                self.ready.set()
                await self._stop.wait()
                await self._shutdown(store, tasks)
        finally:
            self._parser.close()
            if self._worker is not None:
                self._worker.stop(timeout=0)
        return 0

    async def _shutdown(self, store: Store, tasks: Sequence[asyncio.Task[None]]) -> None:
        assert self._scheduler is not None and self._worker is not None
        self._scheduler.pause()  # no new polls
        inflight = set(self._inflight.values())
        emit(self.log, logging.INFO, "stopping", in_flight=len(inflight), drain_s=self.options.drain_timeout)
        if inflight:
            _, pending = await asyncio.wait(inflight, timeout=self.options.drain_timeout)
            for task in pending:  # cancelled at an await: nothing of theirs was written
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for task in [*tasks, *([self._probe_task] if self._probe_task else [])]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(self._worker.stop, 10.0)
        # AsyncIOExecutor.shutdown cancels coroutine jobs; nothing is left to cancel by now.
        self._scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # the scheduler's shutdown is queued onto the loop
        with contextlib.suppress(sqlite3.Error):
            self._write_heartbeat(store, stopped=True)
        emit(self.log, logging.INFO, "stopped", polls=self.polls)

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._on_stop_signal, signum)
        loop.add_signal_handler(signal.SIGHUP, self.reload)

    def _on_stop_signal(self, signum: int) -> None:
        self._signals += 1
        name = signal.Signals(signum).name
        if self._signals > 1:
            # Safe: each poll's writes are one transaction, and the kernel drops the lock.
            emit(self.log, logging.WARNING, "exit", f"second {name}: exiting now")
            for handler in self.log.handlers:
                handler.flush()
            os._exit(128 + signum)
        emit(self.log, logging.INFO, "signal", f"{name}: finishing polls in flight, then exiting")
        self._stop.set()

    # --- scheduling -------------------------------------------------------------------------------

    def _schedule_all(self, store: Store) -> None:
        states = feedstate.load_all(store)
        for feed in self.config.feeds:
            if feed.enabled:
                self._add_job(feed, states.get(feed.id))
        self._warn_short_intervals(list(self._feeds.values()))
        if not self._feeds:
            emit(
                self.log,
                logging.WARNING,
                "config",
                "no enabled feeds: nothing to poll until a reload adds some",
            )

    def _add_job(self, feed: FeedConfig, state: feedstate.FeedState | None) -> None:
        """Schedule `feed` (replacing any job it had), first run from its stored state."""
        assert self._scheduler is not None
        interval = feed.interval_seconds
        self._feeds[feed.id] = feed
        same_url = state is not None and state.url == feed.url
        # Gone stays gone until the user acts: `tracker feeds reset`, or a new URL in feeds.toml.
        gone = state is not None and state.gone and same_url
        due: datetime | None = None
        if gone:
            self._gone.add(feed.id)
            self._due.discard(feed.id)
        else:
            self._gone.discard(feed.id)
            if state is not None and same_url and state.consecutive_failures:
                self._failing.setdefault(feed.id, "failing")  # failing before this start
            stored = state.next_due_at if state is not None and same_url else None
            due = first_due(
                self.clock(), interval, next_due_at=parse_utc(stored) if stored else None, rng=self._rng
            )
            self._due.set(feed.id, due)
        # The trigger is only a fallback: after every poll the job is moved to the policy's time.
        self._scheduler.add_job(
            self._poll_job,
            AfterInterval(interval, jitter=max(1, interval // 10)),
            args=[feed.id],
            id=feed.id,
            name=feed.id,
            replace_existing=True,
            next_run_time=due,  # None adds the job paused
        )

    def _warn_short_intervals(self, feeds: Sequence[FeedConfig]) -> None:
        short = [f.id for f in feeds if f.interval_seconds < SHORT_INTERVAL]
        if short:
            shown = ",".join(short[:5]) + (",…" if len(short) > 5 else "")
            message = "intervals under a minute: polite only to your own servers"
            emit(self.log, logging.WARNING, "config", message, feeds=len(short), ids=shown)

    def _remove_job(self, feed_id: str) -> None:
        assert self._scheduler is not None
        self._feeds.pop(feed_id, None)
        if self._scheduler.get_job(feed_id) is not None:
            self._scheduler.remove_job(feed_id)
        self._due.discard(feed_id)
        self._failing.pop(feed_id, None)
        self._gone.discard(feed_id)
        self._repeats.forget(feed_id)

    def _plan(self, feed_id: str, due: datetime | None) -> None:
        """Move the feed's job to `due` (None: pause it until the user acts)."""
        assert self._scheduler is not None
        job = self._scheduler.get_job(feed_id)
        if job is None or feed_id not in self._feeds:
            return  # removed by a reload meanwhile
        if due is None:
            self._due.discard(feed_id)
            job.pause()
        else:
            self._due.set(feed_id, due)
            job.modify(next_run_time=due)

    def _spread_overdue(self, window: float = 30.0) -> None:
        """Jobs whose time passed (while paused) run over the next `window` seconds, not all at once."""
        now = self.clock()
        for feed_id, feed in self._feeds.items():
            remaining = self._due.remaining(feed_id)
            if remaining is not None and remaining <= 0 and feed_id not in self._inflight:
                spread = min(float(feed.interval_seconds), window)
                self._plan(feed_id, now + timedelta(seconds=self._rng.uniform(0, spread)))

    def _job_deadline(self) -> float:
        return fetch_limits(self.config).deadline + self.options.parse_timeout + JOB_MARGIN

    # --- one poll ----------------------------------------------------------------------------------

    async def _poll_job(self, feed_id: str) -> None:
        feed = self._feeds.get(feed_id)
        store, fetcher = self.store, self._fetcher
        if feed is None or store is None or fetcher is None or self._stop.is_set():
            return
        if self._storage_problem is not None or feed_id in self._inflight:
            return
        task = asyncio.current_task()
        assert task is not None
        self._inflight[feed_id] = task
        deadline = self._job_deadline()
        # If this run dies without rescheduling, the job still comes back.
        self._plan(feed_id, self.clock() + timedelta(seconds=deadline + feed.interval_seconds))
        try:
            async with asyncio.timeout(deadline):
                result = await poll_feed(
                    feed,
                    fetcher=fetcher,
                    store=store,
                    runner=self._runner,
                    projections=CHEAP_PROJECTIONS,
                    parser=self._parser,
                    clock=self.clock,
                )
        except TimeoutError:
            emit(
                self.log,
                logging.ERROR,
                "poll",
                f"no result within the {deadline:g} s job deadline",
                feed=feed_id,
            )
            self._plan(feed_id, self.clock() + timedelta(seconds=feed.interval_seconds))
        except sqlite3.Error as exc:
            if storage.is_storage_failure(exc):
                self._plan(feed_id, self.clock())  # first in line once writing works again
                self._storage_failed(exc)
            else:  # e.g. "database is locked" past the busy timeout: try again next interval
                emit(self.log, logging.ERROR, "poll", f"store: {exc}", feed=feed_id)
                self._plan(feed_id, self.clock() + timedelta(seconds=feed.interval_seconds))
        except Exception:
            self.log.exception("poll of %s failed unexpectedly", feed_id, extra={"event": "poll"})
            self._plan(feed_id, self.clock() + timedelta(seconds=feed.interval_seconds))
        else:
            self._after_poll(feed, result)
        finally:
            self._inflight.pop(feed_id, None)

    def _after_poll(self, feed: FeedConfig, result: PollResult) -> None:
        self.polls += 1
        self._probe_delay = self.options.probe_first  # a committed poll: the store is healthy
        if result.failed:
            self._failing[feed.id] = result.category or "error"
        else:
            self._failing.pop(feed.id, None)
        if (result.new or result.revised or result.health_event) and self._worker is not None:
            self._worker.poke()  # the poll appended events: interpretation catches up now
        if result.next_due is None:
            self._gone.add(feed.id)
        self._plan(feed.id, result.next_due)
        self._log_poll(result)

    def _log_poll(self, result: PollResult) -> None:
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
        if result.next_due is None:
            emit(
                self.log,
                logging.WARNING,
                "poll",
                "gone: not polled again until `tracker feeds reset "
                f"{result.feed_id}` or a new URL in the configuration",
                **fields,
            )
            return
        if result.failed:
            signature = f"{result.category}:{result.error}"
            log_it, repeated = self._repeats.failure(result.feed_id, signature)
            if log_it:
                emit(
                    self.log,
                    logging.WARNING,
                    "poll",
                    category=result.category,
                    error=result.error,
                    repeated=repeated or None,
                    **fields,
                )
            return
        left_out = self._repeats.success(result.feed_id)
        emit(
            self.log,
            logging.INFO,
            "poll",
            recovered=True if result.health_event == "FeedRecovered" else None,
            failures_not_logged=left_out or None,
            **fields,
        )

    # --- reload --------------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read feeds.toml: added, removed and changed feeds take effect; a bad file changes nothing."""
        store = self.store
        if store is None or self._scheduler is None or self._stop.is_set():
            return
        try:
            new = load_config(self.options.config_path)
            new_runner = runner_for(new)
        except TrackerError as exc:
            emit(self.log, logging.ERROR, "reload", f"{exc}; keeping the running configuration")
            return
        except Exception as exc:  # a bug in a loader must not take the daemon down either
            emit(
                self.log,
                logging.ERROR,
                "reload",
                f"{self.options.config_path}: {type(exc).__name__}: {exc}; keeping the running configuration",
            )
            return
        old = dict(self._feeds)
        wanted = {feed.id: feed for feed in new.feeds if feed.enabled}
        states = feedstate.load_all(store)
        removed = sorted(old.keys() - wanted.keys())
        added = sorted(wanted.keys() - old.keys())
        changed = sorted(i for i in old.keys() & wanted.keys() if old[i] != wanted[i])
        for feed_id in removed:
            self._remove_job(feed_id)
        for feed_id in added:
            self._add_job(wanted[feed_id], states.get(feed_id))
        for feed_id in changed:
            self._change_job(old[feed_id], wanted[feed_id], states.get(feed_id))
        self._warn_short_intervals([wanted[i] for i in (*added, *changed)])
        if (
            _fingerprints(new_runner) != _fingerprints(self._runner)
            or new.publishers != self.config.publishers
        ):
            self._runner = new_runner
            if self._worker is not None:
                self._worker.set_runner(runner_for(new))
        if new.fetch != self.config.fetch:
            emit(
                self.log,
                logging.WARNING,
                "reload",
                "[fetch] settings changed: they take effect after a restart",
            )
        self.config = new
        emit(
            self.log,
            logging.INFO,
            "reload",
            feeds=len(self._feeds),
            added=",".join(added) or None,
            removed=",".join(removed) or None,
            changed=",".join(changed) or None,
        )

    def _change_job(self, old: FeedConfig, new: FeedConfig, state: feedstate.FeedState | None) -> None:
        if old.url != new.url:
            self._add_job(new, state)  # a new URL is polled soon, gone or not
            return
        self._feeds[new.id] = new  # headers, title...: the next poll uses them
        if old.interval_seconds == new.interval_seconds or new.id in self._gone:
            return
        remaining = self._due.remaining(new.id)
        self._add_job(new, state)
        if new.id not in self._failing and remaining is not None:
            wait = max(0.0, min(remaining, float(new.interval_seconds)))
            self._plan(new.id, self.clock() + timedelta(seconds=wait))

    # --- background duties -------------------------------------------------------------------------

    async def _every(self, seconds: float, duty: Callable[[], None]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                duty()
            except Exception:
                self.log.exception(
                    "%s failed", getattr(duty, "__name__", "duty"), extra={"event": "internal"}
                )

    async def _watch_clock(self) -> None:
        # asyncio sleeps on the monotonic clock, so this keeps its rhythm across wall-clock jumps.
        watch = ClockWatch()
        while True:
            await asyncio.sleep(self.options.watchdog_every)
            jump = watch.check()
            if jump is not None:
                emit(
                    self.log,
                    logging.WARNING,
                    "clock-jump",
                    "wall clock jumped; rescheduling every feed",
                    seconds=round(jump, 1),
                )
                self.replan_after_clock_jump()

    def replan_after_clock_jump(self) -> None:
        """Put every planned poll at now + the wait it had left, on the new wall clock."""
        assert self._scheduler is not None
        for feed_id, due in self._due.wall_times():
            job = self._scheduler.get_job(feed_id)
            if job is not None and feed_id not in self._gone:
                job.modify(next_run_time=due)

    def _heartbeat(self) -> None:
        if self._missed:
            emit(
                self.log,
                logging.WARNING,
                "scheduler",
                "polls skipped for starting over "
                f"{MISFIRE_GRACE} s late (an overloaded machine, or a clock jump)",
                skipped=self._missed,
            )
            self._missed = 0
        store = self.store
        if store is None or self._storage_problem is not None:
            return
        try:
            self._write_heartbeat(store)
        except sqlite3.Error as exc:
            if storage.is_storage_failure(exc):
                self._storage_failed(exc)
            else:
                emit(self.log, logging.WARNING, "heartbeat", str(exc))
        self._check_wal(store)

    def _write_heartbeat(self, store: Store, *, stopped: bool = False) -> None:
        with store.transaction():
            self._beat(store, stopped=stopped)

    def _beat(self, store: Store, *, stopped: bool = False) -> None:
        lag: dict[str, int | str] = {}
        for status in self._runner.status(store):
            if status.name in INTERPRETATION:
                lag[status.name] = status.lag if status.fingerprint_ok else "rebuilding"
        detail: dict[str, Any] = {
            "state": "stopped" if stopped else ("paused" if self._storage_problem else "running"),
            "feeds": len(self._feeds),
            "polls": self.polls,
            "failing": sorted(self._failing)[:20],
            "gone": sorted(self._gone)[:20],
            "lag": lag,
        }
        if self._storage_problem:
            detail["storage"] = self._storage_problem
        if stopped:
            detail["stopped_at"] = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        heartbeat.beat(store, started_at=self._started_at, now=self.clock(), detail=detail)

    def _check_wal(self, store: Store) -> None:
        """A reader holding a snapshot open stops checkpoints and the WAL grows: try, then say so."""
        wal = store.path.with_name(store.path.name + "-wal")
        try:
            size = wal.stat().st_size
        except OSError:
            return
        if size < WAL_WARN_BYTES:
            self._wal_warned = False
            return
        try:
            busy, frames, done = store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error:
            busy, frames, done = 1, 0, 0
        if (busy or frames != done) and not self._wal_warned:
            self._wal_warned = True
            emit(
                self.log,
                logging.WARNING,
                "wal",
                "the write-ahead log keeps growing: a reader is probably holding a transaction open",
                wal_mb=round(size / 2**20),
            )

    def _reconcile(self) -> None:
        """Notice what the user did from another process: `tracker feeds reset ID`."""
        store = self.store
        if store is None or self._storage_problem is not None:
            return
        states = feedstate.load_all(store)
        for feed_id in list(self._feeds):
            state = states.get(feed_id)
            if state is None or feed_id in self._inflight:
                continue
            if feed_id in self._gone:
                if not state.gone:
                    self._gone.discard(feed_id)
                    emit(self.log, logging.INFO, "reset", "polling again", feed=feed_id)
                    self._plan(feed_id, self.clock() + timedelta(seconds=self._rng.uniform(0, 2)))
                continue
            remaining = self._due.remaining(feed_id)
            if state.next_due_at is None and remaining is not None and remaining > 5:
                emit(self.log, logging.INFO, "reset", "failures cleared: polling now", feed=feed_id)
                self._failing.pop(feed_id, None)
                self._plan(feed_id, self.clock() + timedelta(seconds=self._rng.uniform(0, 2)))

    # --- storage trouble ---------------------------------------------------------------------------

    def _storage_failed(self, exc: BaseException) -> None:
        if self._storage_problem is not None or self._stop.is_set():
            return
        assert self._scheduler is not None
        self._storage_problem = str(exc)
        self._storage_since = self.clock()
        self._scheduler.pause()
        if self._worker is not None:
            self._worker.pause()
        emit(
            self.log,
            logging.ERROR,
            "storage",
            f"{exc}: polling paused; the lock is kept and writing is retried in "
            f"{format_duration(self._probe_delay)}, backing off to {format_duration(self.options.probe_max)}",
        )
        self._probe_task = asyncio.get_running_loop().create_task(self._probe_storage())

    async def _probe_storage(self) -> None:
        store = self.store
        assert store is not None and self._scheduler is not None
        probes = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self._probe_delay)
            if self._stop.is_set():
                return
            probes += 1
            why = storage.probe(store, self._beat)
            if why is None:
                break
            self._probe_delay = min(self._probe_delay * 2, self.options.probe_max)
            emit(self.log, logging.DEBUG, "storage", f"still not writable: {why}", probes=probes)
        since = self._storage_since or self.clock()
        emit(
            self.log,
            logging.INFO,
            "storage",
            "writable again: polling resumed",
            probes=probes,
            paused_for=format_duration((self.clock() - since).total_seconds()),
        )
        self._storage_problem = None
        self._storage_since = None
        self._spread_overdue()
        self._scheduler.resume()
        if self._worker is not None:
            self._worker.resume()

    def _on_scheduler_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            # Started too late (the loop was overloaded, or the clock jumped): the trigger moved the
            # job on; keep the monotonic plan in step. Counted, and summed up by the heartbeat.
            self._missed += 1
            job = self._scheduler.get_job(event.job_id) if self._scheduler else None
            if job is not None and job.next_run_time is not None:
                self._due.set(event.job_id, job.next_run_time)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            self._missed += 1
        elif isinstance(event, JobExecutionEvent) and event.exception is not None:
            emit(self.log, logging.ERROR, "internal", f"job {event.job_id}: {event.exception!r}")

    def _worker_failed(self, exc: BaseException) -> None:
        log_it, repeated = self._repeats.failure("(catch-up)", repr(exc))
        if log_it:
            emit(
                self.log, logging.ERROR, "catch-up", f"{type(exc).__name__}: {exc}", repeated=repeated or None
            )

    # --- start-up ----------------------------------------------------------------------------------

    def _catch_up_cheap(self, store: Store) -> None:
        """Before polling starts, bring the inline projections to the head in short transactions, so
        that the first poll does not carry a whole rebuild in its transaction."""
        while True:
            with store.transaction():
                result = self._runner.catch_up(store, only=CHEAP_PROJECTIONS, max_events=5000)
            statuses = [s for s in self._runner.status(store) if s.name in CHEAP_PROJECTIONS]
            if result.failures or all(s.lag == 0 and s.fingerprint_ok for s in statuses):
                return


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


def _fingerprints(runner: ProjectionRunner) -> list[str]:
    return [projection.fingerprint() for projection in runner.projections]
