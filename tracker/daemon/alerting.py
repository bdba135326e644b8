"""The daemon's alerts: the reactor's checkpoint set before polling starts, and its thread, which
records and delivers alerts beside polling, never in its way, logging every delivery outcome.

The thread (a `StoreThread`) wakes when the projections have caught up (`poke()`, from the
catch-up worker), when a retry falls due, and every `period` seconds regardless; it works in
short transactions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.alerts import reactor
from tracker.clock import Clock, system_clock
from tracker.config import Config
from tracker.daemon.background import StoreThread
from tracker.daemon.log import emit
from tracker.storage.store import Store

if TYPE_CHECKING:
    from tracker.daemon.service import DaemonOptions


class AlertWorker(StoreThread):
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
        super().__init__(db_path, name="tracker-alerts", period=period, clock=clock)
        self.config = config
        self._on_error = on_error
        self._on_outcome = on_outcome
        self._news = threading.Event()

    def start(self) -> None:
        self._news.set()  # a restart first records what the last run may not have
        super().start()

    def poke(self) -> None:
        """The projections caught up: record what changed and deliver it."""
        self._news.set()
        super().poke()

    def set_config(self, config: Config) -> None:
        self.config = config
        self.poke()

    def _report(self, exc: BaseException) -> None:
        self._on_error(exc)

    def _step(self, store: Store) -> float:
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


def start_alerts(
    store: Store, config: Config, options: DaemonOptions, *, clock: Clock, log: logging.Logger
) -> AlertWorker:
    """Before the first poll: a reactor switched on now announces what is learned from now on."""
    if config.alerts:
        reactor.start(store, clock)

    def outcome(result: reactor.Outcome) -> None:
        if result.error is None:
            emit(log, logging.INFO, "alert", alert=result.alert_id, key=result.key, outcome="delivered")
        else:
            emit(
                log,
                logging.WARNING,
                "alert",
                result.error,
                alert=result.alert_id,
                key=result.key,
                outcome="retry",
            )

    worker = AlertWorker(
        options.db_path,
        config,
        period=options.catch_up_every,
        clock=clock,
        on_error=lambda exc: emit(log, logging.ERROR, "alert", f"{type(exc).__name__}: {exc}"),
        on_outcome=outcome,
    )
    worker.start()
    return worker
