"""Watching the write-ahead log: a reader holding a snapshot open stops checkpoints, and the WAL grows.

Past a size, a checkpoint is tried (without waiting for that reader: the daemon's event loop must
not stall); if the reader still blocks it, that is said once until the WAL shrinks again.
"""

from __future__ import annotations

import logging
import sqlite3

from tracker.daemon.log import emit
from tracker.storage.store import Store

WAL_WARN_BYTES = 64 * 2**20


class WalWatch:
    def __init__(self, log: logging.Logger, *, warn_bytes: int = WAL_WARN_BYTES) -> None:
        self._log = log
        self._warn_bytes = warn_bytes
        self._warned = False

    def check(self, store: Store) -> None:
        wal = store.path.with_name(store.path.name + "-wal")
        try:
            size = wal.stat().st_size
        except OSError:
            return
        if size < self._warn_bytes:
            self._warned = False
            return
        try:
            with store.busy_wait(0):
                busy, frames, done = store.checkpoint_wal()
        except sqlite3.Error:
            busy, frames, done = 1, 0, 0
        if (busy or frames != done) and not self._warned:
            self._warned = True
            emit(
                self._log,
                logging.WARNING,
                "wal",
                "the write-ahead log keeps growing: a reader is probably holding a transaction open",
                wal_mb=round(size / 2**20),
            )
