"""The daemon's background threads: one loop, on the thread's own store, woken on demand.

A `StoreThread` opens its own store (SQLite connections belong to their thread), then runs
`_step` whenever it is poked, and at the latest after the pause `_step` asked for. A failed step
is reported and the loop goes on; `stop()` ends it after the current step.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from pathlib import Path

from tracker.clock import Clock, system_clock
from tracker.storage.store import Store


class StoreThread(ABC):
    def __init__(self, db_path: Path, *, name: str, period: float, clock: Clock = system_clock) -> None:
        self.db_path = db_path
        self.period = period
        self.clock = clock
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._paused = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        """Work is waiting: run a step soon."""
        self._wake.set()

    def pause(self) -> None:
        self._paused.set()

    def resume(self) -> None:
        self._paused.clear()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Finish the current step and end the thread; False if it did not end within `timeout`."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @abstractmethod
    def _step(self, store: Store) -> float:
        """One round of work; returns how many seconds to sleep before the next."""

    @abstractmethod
    def _report(self, exc: BaseException) -> None:
        """A step (or opening the store) failed with `exc`."""

    def _run(self) -> None:
        try:
            store = Store.open(self.db_path, clock=self.clock)
        except Exception as exc:
            self._report(exc)
            return
        try:
            while not self._stopping.is_set():
                wait = self.period
                if not self._paused.is_set():
                    try:
                        wait = self._step(store)
                    except Exception as exc:
                        self._report(exc)
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            store.close()
