"""`tracker daemon`: the service that wires the daemon's parts together and answers signals.

* **One daemon per store**: the lock (lock.py) is taken before the store is opened and held until exit.
* **Jobs** (jobs.py, polljob.py): one job per feed; catch-up (catchup.py) and parsing off the loop.
* **Signals**: SIGTERM/SIGINT drain polls in flight, then exit 0 (a second signal exits at once);
  SIGHUP reloads feeds.toml as a pure diff (reload.py) applied whole or not at all.
* **Watchdogs**: a heartbeat every ~15 s (and the WAL, wal.py); clock jumps (clockwatch.py); feeds
  the user reset; storage failures pause polling until writes work again (outage.py).
* **The event loop never waits on SQLite's busy handler** (`Store.transaction_async`).
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
from pathlib import Path
from typing import Any

from tracker import bootstrap
from tracker.bootstrap import LazyInterpretPool, fetch_limits, make_fetcher, parse_pool, projection_runner
from tracker.clock import Clock, system_clock
from tracker.config import Config, load_config
from tracker.daemon import heartbeat, storage
from tracker.daemon.alerting import AlertWorker, start_alerts
from tracker.daemon.catchup import INTERPRETATION, CatchUpWorker, catch_up_before_polling
from tracker.daemon.clockwatch import ClockWatch
from tracker.daemon.jobs import JobTable
from tracker.daemon.lock import EX_TEMPFAIL, DaemonLock
from tracker.daemon.log import LOGGER_NAME, emit
from tracker.daemon.outage import StorageOutage
from tracker.daemon.pagejob import SWEEP_EVERY, PageJobs
from tracker.daemon.polljob import CHEAP_PROJECTIONS, PollContext, PollJobs
from tracker.daemon.reload import CHANGED, ReloadPlan, fingerprints, plan_reload
from tracker.daemon.wal import WalWatch
from tracker.errors import LockFileError, TrackerError
from tracker.pages.fetching import PageFetcher
from tracker.parsing.pool import PARSE_TIMEOUT
from tracker.projections.runner import ProjectionRunner
from tracker.storage import polling_store
from tracker.storage.store import Store

JOB_MARGIN = 60.0  # job deadline = fetch deadline + parse timeout + this (waits for slots, commit)


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
    page_sweep_every: float = SWEEP_EVERY  # seconds between looks for page retries come due
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
        self.ready = asyncio.Event()  # set once jobs are scheduled (for tests and embedding)
        self._stop = asyncio.Event()
        self._signals = 0
        self._started_at = clock()
        self._runner: ProjectionRunner = projection_runner(config)
        self._worker: CatchUpWorker | None = None
        self._alerts: AlertWorker | None = None
        # The catch-up worker's articles are interpreted in worker processes, under a time budget.
        self._interpreter = LazyInterpretPool()
        self._wal = WalWatch(self.log)
        self.outage = StorageOutage(
            log=self.log,
            clock=clock,
            probe_first=options.probe_first,
            probe_max=options.probe_max,
            pause=self._pause_polling,
            resume=self._resume_polling,
            probe=self._probe_storage,
            stopping=self._stop,
        )
        self.poller = PollJobs(log=self.log, clock=clock, outage=self.outage, stopping=self._stop)
        self.jobs = JobTable(self.poller.run, log=self.log, clock=clock, rng=random.Random())
        self.poller.jobs = self.jobs

    @property
    def polls(self) -> int:
        return self.poller.polls

    @property
    def storage_problem(self) -> str | None:
        """Why polling is paused for storage trouble, or None while it runs."""
        return self.outage.problem

    def request_stop(self) -> None:
        """Begin a graceful stop, as SIGTERM does."""
        self._stop.set()

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
            # Releasing closes a descriptor of the database, which would drop the POSIX locks of a
            # catch-up thread still inside a transaction: then the process's exit releases it.
            if self._worker is None or self._worker.stop(timeout=0):
                lock.release()

    # Wiring every part in the order start-up needs, with one teardown: longer than 60 lines.
    async def _run_with_store(self, store: Store) -> int:
        loop = asyncio.get_running_loop()
        self._started_at = self.clock()
        try:
            await catch_up_before_polling(store, self._runner, CHEAP_PROJECTIONS)
        except sqlite3.Error as exc:  # the first poll meets it again, and pauses if it must
            emit(self.log, logging.ERROR, "catch-up", f"before polling: {exc}")
        deadline = fetch_limits(self.config).deadline + self.options.parse_timeout + JOB_MARGIN
        self.jobs.check_schedulable(self.config.feeds, margin=deadline)  # before workers start
        parser = parse_pool(self.options.parse_workers, timeout=self.options.parse_timeout)
        await asyncio.to_thread(parser.warm)
        extractor = bootstrap.extract_pool()  # its workers start with the first page
        self._alerts = alerts = start_alerts(store, self.config, self.options, clock=self.clock, log=self.log)
        self._worker = worker = CatchUpWorker(
            self.options.db_path,
            projection_runner(self.config, self._interpreter),
            period=self.options.catch_up_every,
            on_storage_failure=lambda exc: loop.call_soon_threadsafe(self.outage.failed, exc),
            on_error=lambda exc: loop.call_soon_threadsafe(self._worker_failed, exc),
            on_caught_up=alerts.poke,
        )
        tasks: list[asyncio.Task[None]] = []
        try:
            async with make_fetcher(self.config) as fetcher:
                pages = PageFetcher(store, self._runner, (fetcher, extractor), self.config.fetch, self.clock)
                page_jobs = PageJobs(
                    pages, jobs=self.jobs, news=worker.poke, log=self.log, outage=self.outage
                )
                self.poller.context = PollContext(
                    store, fetcher, parser, self._runner, deadline, worker.poke, page_jobs
                )
                self.jobs.scheduler.start()
                self.jobs.schedule_all(self.config.feeds, polling_store.load_all(store), margin=deadline)
                worker.start()
                await self._heartbeat()  # a store that cannot be written pauses polling here already
                tasks = [
                    asyncio.create_task(self._every(self.options.heartbeat_every, self._heartbeat)),
                    asyncio.create_task(self._watch_clock()),
                    asyncio.create_task(self._every(self.options.reconcile_every, self._reconcile)),
                    asyncio.create_task(page_jobs.sweep_forever(self.options.page_sweep_every)),
                ]
                where = {"db": str(self.options.db_path), "config": str(self.options.config_path)}
                emit(self.log, logging.INFO, "started", pid=os.getpid(), feeds=len(self.jobs.feeds), **where)
                self.jobs.log_first_poll()
                self.ready.set()
                await self._stop.wait()
                await page_jobs.stop()  # pages in flight stay pending for the next start
                await self._shutdown(store, worker, tasks)
        finally:
            parser.close()
            extractor.close()
            worker.stop(timeout=0)
            alerts.stop(timeout=5.0)  # lets a delivery in flight record its outcome
            self._interpreter.close()
            if self.jobs.scheduler.running:
                self.jobs.scheduler.shutdown(wait=False)
        return 0

    async def _shutdown(
        self, store: Store, worker: CatchUpWorker, tasks: Sequence[asyncio.Task[None]]
    ) -> None:
        self.jobs.scheduler.pause()  # no new polls
        inflight = set(self.jobs.inflight.values())
        emit(self.log, logging.INFO, "stopping", in_flight=len(inflight), drain_s=self.options.drain_timeout)
        if inflight:
            _, pending = await asyncio.wait(inflight, timeout=self.options.drain_timeout)
            for task in pending:  # cancelled at an await: nothing of theirs was written
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for task in tasks:
            task.cancel()
        self.outage.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(worker.stop, 10.0)
        # AsyncIOExecutor.shutdown cancels coroutine jobs; nothing is left to cancel by now.
        self.jobs.scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # the scheduler's shutdown is queued onto the loop
        with contextlib.suppress(sqlite3.Error):
            await self._write_heartbeat(store, stopped=True)
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

    # --- storage outages --------------------------------------------------------------------------

    def _pause_polling(self) -> None:
        self.jobs.scheduler.pause()
        if self._worker is not None:
            self._worker.pause()

    def _resume_polling(self) -> None:
        self.jobs.spread_overdue()
        self.jobs.scheduler.resume()
        if self._worker is not None:
            self._worker.resume()

    async def _probe_storage(self) -> str | None:
        assert self.store is not None
        return await storage.probe(self.store, self._beat)

    def _worker_failed(self, exc: BaseException) -> None:
        log_it, repeated = self.jobs.repeats.failure("(catch-up)", repr(exc))
        if log_it:
            message = f"{type(exc).__name__}: {exc}"
            emit(self.log, logging.ERROR, "catch-up", message, repeated=repeated or None)

    # --- reload -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read feeds.toml: added, removed and changed feeds take effect; a bad file changes nothing."""
        store, context = self.store, self.poller.context
        if store is None or context is None or self._stop.is_set():
            return
        try:
            new = load_config(self.options.config_path)
            new_runner = projection_runner(new)
            plan = plan_reload(
                self.jobs.feeds,
                self.config,
                new,
                old_fingerprints=fingerprints(self._runner),
                new_fingerprints=fingerprints(new_runner),
            )
            # Whole or not at all; the job deadline stays the running one ([fetch] waits for a restart).
            self.jobs.apply(plan, polling_store.load_all(store), margin=context.deadline)
        except TrackerError as exc:
            emit(self.log, logging.ERROR, "reload", f"{exc}; keeping the running configuration")
            return
        except Exception as exc:  # a bug in a loader or an overflow must not take the daemon down
            where = self.options.config_path
            message = f"{where}: {type(exc).__name__}: {exc}; keeping the running configuration"
            emit(self.log, logging.ERROR, "reload", message)
            return
        self._adopt(new, new_runner, plan)

    def _adopt(self, new: Config, new_runner: ProjectionRunner, plan: ReloadPlan) -> None:
        """The new configuration's jobs are in place: the rest of the daemon follows it."""
        self.jobs.warn_short_intervals(plan.feeds("add", *CHANGED))
        if plan.interpretation_changed:
            self._runner = new_runner
            if self.poller.context is not None:
                self.poller.context.runner = new_runner
            if self._worker is not None:
                self._worker.set_runner(projection_runner(new, self._interpreter))
        if plan.fetch_changed:
            message = "[fetch] settings changed: they take effect after a restart"
            emit(self.log, logging.WARNING, "reload", message)
        self.config = new
        if self._alerts is not None:
            self._alerts.set_config(new)
        emit(
            self.log,
            logging.INFO,
            "reload",
            feeds=len(self.jobs.feeds),
            added=",".join(plan.ids("add")) or None,
            removed=",".join(plan.ids("remove")) or None,
            changed=",".join(plan.ids(*CHANGED)) or None,
        )

    # --- background duties ------------------------------------------------------------------------

    async def _every(self, seconds: float, duty: Callable[[], Any]) -> None:
        """Run `duty` (a function or a coroutine function) every `seconds`; its failures are logged."""
        while True:
            await asyncio.sleep(seconds)
            try:
                result = duty()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                name = getattr(duty, "__name__", "duty")
                self.log.exception("%s failed", name, extra={"event": "internal"})

    async def _watch_clock(self) -> None:
        # asyncio sleeps on the monotonic clock, so this keeps its rhythm across wall-clock jumps.
        watch = ClockWatch()
        while True:
            await asyncio.sleep(self.options.watchdog_every)
            jump = watch.check()
            if jump is not None:
                message = "wall clock jumped; rescheduling every feed"
                emit(self.log, logging.WARNING, "clock-jump", message, seconds=round(jump, 1))
                self.jobs.replan_after_clock_jump()

    def _reconcile(self) -> None:
        """Notice what the user did from another process: `tracker feeds reset ID`."""
        if self.store is not None and self.outage.problem is None:
            self.jobs.reconcile(polling_store.load_all(self.store))

    async def _heartbeat(self) -> None:
        self.jobs.report_missed()
        store = self.store
        if store is None or self.outage.problem is not None:
            return
        try:
            await self._write_heartbeat(store)
        except sqlite3.Error as exc:
            if storage.is_storage_failure(exc):
                self.outage.failed(exc)
            else:
                emit(self.log, logging.WARNING, "heartbeat", str(exc))
        self._wal.check(store)

    async def _write_heartbeat(self, store: Store, *, stopped: bool = False) -> None:
        async with store.transaction_async():
            self._beat(store, stopped=stopped)

    def _beat(self, store: Store, *, stopped: bool = False) -> None:
        lag: dict[str, int | str] = {}
        for status in self._runner.status(store):
            if status.name in INTERPRETATION:
                lag[status.name] = status.lag if status.fingerprint_ok else "rebuilding"
        problem = self.outage.problem
        detail: dict[str, Any] = {
            "state": "stopped" if stopped else ("paused" if problem else "running"),
            "feeds": len(self.jobs.feeds),
            "polls": self.polls,
            "failing": sorted(self.jobs.failing)[:20],
            "gone": sorted(self.jobs.gone)[:20],
            "lag": lag,
        }
        if problem:
            detail["storage"] = problem
        if stopped:
            detail["stopped_at"] = self.clock().strftime("%Y-%m-%dT%H:%M:%SZ")
        heartbeat.beat(store, started_at=self._started_at, now=self.clock(), detail=detail)
