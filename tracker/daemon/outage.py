"""Storage outages: pause polling when the store cannot be written, probe with backoff, resume.

A full disk, a read-only file or an I/O error is not a feed's fault (storage.py tells them from a
busy lock). Polling pauses, the lock is kept, the problem is logged once, and writing is probed
after a wait that doubles up to a cap; the first successful probe resumes polling. No crash loop,
and nothing is lost: ingestion is idempotent, so the next poll fetches what a failed one could not store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from tracker.clock import Clock, format_duration
from tracker.daemon.log import emit


class StorageOutage:
    def __init__(
        self,
        *,
        log: logging.Logger,
        clock: Clock,
        probe_first: float,
        probe_max: float,
        pause: Callable[[], None],
        resume: Callable[[], None],
        probe: Callable[[], Awaitable[str | None]],
        stopping: asyncio.Event,
    ) -> None:
        """`probe` returns None when the store takes a write again, else why not."""
        self.problem: str | None = None  # why polling is paused, or None while it runs
        self._since: datetime | None = None
        self._log = log
        self._clock = clock
        self._probe_first = self._delay = probe_first
        self._probe_max = probe_max
        self._pause = pause
        self._resume = resume
        self._probe = probe
        self._stopping = stopping
        self._task: asyncio.Task[None] | None = None

    def healthy(self) -> None:
        """A write committed: the next outage starts probing from the first, short wait."""
        self._delay = self._probe_first

    def failed(self, exc: BaseException) -> None:
        """The store cannot be written: pause polling and start probing (once per outage)."""
        if self.problem is not None or self._stopping.is_set():
            return
        self.problem = str(exc)
        self._since = self._clock()
        self._pause()
        emit(
            self._log,
            logging.ERROR,
            "storage",
            f"{exc}: polling paused; the lock is kept and writing is retried in "
            f"{format_duration(self._delay)}, backing off to {format_duration(self._probe_max)}",
        )
        self._task = asyncio.get_running_loop().create_task(self._probe_until_writable())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _probe_until_writable(self) -> None:
        probes = 0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._delay)
            if self._stopping.is_set():
                return
            probes += 1
            why = await self._probe()
            if why is None:
                break
            self._delay = min(self._delay * 2, self._probe_max)
            emit(self._log, logging.DEBUG, "storage", f"still not writable: {why}", probes=probes)
        since = self._since or self._clock()
        emit(
            self._log,
            logging.INFO,
            "storage",
            "writable again: polling resumed",
            probes=probes,
            paused_for=format_duration((self._clock() - since).total_seconds()),
        )
        self.problem = None
        self._since = None
        self._resume()
