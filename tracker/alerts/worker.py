"""The daemon's alert thread: records and delivers alerts beside polling, never in its way.

It wakes when the projections have caught up (`poke()`, from the catch-up worker), when a
retry falls due, and every `period` seconds regardless; it works on its own SQLite connection
(connections belong to their thread) and in short transactions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from tracker.alerts import reactor
from tracker.clock import Clock, system_clock
from tracker.config import Config
from tracker.storage.store import Store


class AlertWorker:
    def __init__(
        self,
        db_path: Path,
        config: Config,
        *,
        period: float = 30.0,
        clock: Clock = system_clock,
        on_error: Callable[[BaseException], object],
        on_outcome: Callable[[reactor.Outcome], object] = lambda outcome: None,
    ) -> None:
        self.db_path = db_path
        self.config = config
        self.period = period
        self.clock = clock
        self._on_error = on_error
        self._on_outcome = on_outcome
        self._news = threading.Event()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tracker-alerts", daemon=True)

    def start(self) -> None:
        self._news.set()  # a restart first records what the last run may not have
        self._thread.start()

    def poke(self) -> None:
        """The projections caught up: record what changed and deliver it."""
        self._news.set()
        self._wake.set()

    def set_config(self, config: Config) -> None:
        self.config = config
        self.poke()

    def stop(self, timeout: float = 10.0) -> bool:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            store = Store.open(self.db_path, clock=self.clock)
        except Exception as exc:
            self._on_error(exc)
            return
        try:
            while not self._stopping.is_set():
                wait = self.period
                try:
                    wait = self._step(store)
                except Exception as exc:
                    self._on_error(exc)
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            store.close()

    def _step(self, store: Store) -> float:
        """One round; returns how long to sleep before the next."""
        config = self.config
        if not config.alerts:
            return self.period
        if self._news.is_set():
            self._news.clear()
            reactor.record_changes(store, config, self.clock)
        for outcome in reactor.deliver_due(store, config.alerts, self.clock):
            self._on_outcome(outcome)
        due = reactor.seconds_until_due(store, config.alerts, self.clock)
        return self.period if due is None else min(self.period, max(0.05, due))
