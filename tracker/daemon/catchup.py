"""Catching projections up in short transactions, without blocking polling.

Before polling starts, the inline projections are brought to the head (`catch_up_before_polling`).

Extraction (facts) and the story fold are the expensive projections. In the daemon they run in
this worker thread, on the thread's own SQLite connection (connections belong to their thread),
with the articles interpreted before each transaction (in worker processes, when the runner's
facts projection has a pool), in short transactions: each chunk is sized so that it holds the
write lock for about `target_seconds`, then the worker pauses about as long, so a poll waiting to
commit gets in.
The worker (a `StoreThread`) wakes when a poll appended events (`poke()`) and every `period`
seconds regardless.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from tracker.daemon.background import StoreThread
from tracker.daemon.storage import is_storage_failure
from tracker.projections.runner import ProjectionRunner
from tracker.projections.stepped import furthest_behind, resized
from tracker.storage.store import Store

INTERPRETATION = ("facts", "story")


class CatchUpWorker(StoreThread):
    def __init__(
        self,
        db_path: Path,
        runner: ProjectionRunner,
        *,
        projections: Sequence[str] = INTERPRETATION,
        period: float = 30.0,
        target_seconds: float = 0.2,
        on_storage_failure: Callable[[BaseException], object],
        on_error: Callable[[BaseException], object],
        on_caught_up: Callable[[], object] = lambda: None,
    ) -> None:
        super().__init__(db_path, name="tracker-catch-up", period=period)
        self.projections = tuple(projections)
        self.target_seconds = target_seconds
        self._runner = runner
        self._on_storage_failure = on_storage_failure
        self._on_error = on_error
        self._on_caught_up = on_caught_up
        self._chunk = 200
        self.chunks = 0  # transactions committed, for the heartbeat and tests

    def set_runner(self, runner: ProjectionRunner) -> None:
        """Use new projection definitions (a reload changed the subjects) from the next chunk on."""
        self._runner = runner
        self._wake.set()

    def _step(self, store: Store) -> float:
        self._drain(store)
        return self.period

    def _drain(self, store: Store) -> None:
        """Chunk after chunk until the projections reach the head (or the daemon stops)."""
        while not (self._stopping.is_set() or self._paused.is_set()):
            runner = self._runner
            # Articles are interpreted before the transaction, so it only writes their rows.
            after = furthest_behind(store, runner, self.projections)
            events = list(store.read(after=after, until=after + self._chunk))
            runner.prepare(store, events, self.projections)
            last = after + self._chunk >= store.head()[0]  # the story is refolded by the last chunk
            started = time.monotonic()
            with store.transaction():
                runner.catch_up(
                    store,
                    only=self.projections,
                    max_events=self._chunk,
                    prefetched=(after, events),
                    finish=last,
                )
            elapsed = time.monotonic() - started
            self.chunks += 1
            self._chunk = resized(self._chunk, elapsed, self.target_seconds)
            if self._lag(store, runner) == 0:
                # caught up (events a projection could not apply are recorded and skipped); the
                # alert reactor compares the story before and after
                self._on_caught_up()
                return
            # Leave the write lock free about as long as it was held, so waiting polls commit.
            self._stopping.wait(max(0.02, elapsed))

    def _lag(self, store: Store, runner: ProjectionRunner) -> int:
        statuses = [s for s in runner.status(store) if s.name in self.projections]
        return max((s.lag if s.fingerprint_ok else s.head + 1 for s in statuses), default=0)

    def _report(self, exc: BaseException) -> None:
        if is_storage_failure(exc):
            self._paused.set()  # the daemon resumes us once the store is writable again
            self._on_storage_failure(exc)
        else:
            self._on_error(exc)


async def catch_up_before_polling(store: Store, runner: ProjectionRunner, projections: Sequence[str]) -> None:
    """Before polling starts, bring the inline projections to the head in short transactions, so
    that the first poll does not carry a whole rebuild in its transaction."""
    while True:
        async with store.transaction_async():
            runner.catch_up(store, only=projections, max_events=5000)
        statuses = [s for s in runner.status(store) if s.name in projections]
        if all(s.lag == 0 and s.fingerprint_ok for s in statuses):
            return
