"""The daemon's alerts: the reactor's checkpoint set before polling starts, and its thread,
logging every delivery outcome."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tracker.alerts import reactor
from tracker.alerts.worker import AlertWorker
from tracker.clock import Clock
from tracker.config import Config
from tracker.daemon.log import emit
from tracker.storage.store import Store

if TYPE_CHECKING:
    from tracker.daemon.service import DaemonOptions


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
