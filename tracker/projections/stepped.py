"""Catching projections up in short transactions, with the expensive work outside them.

A long catch-up (a rebuild, a first fetch of many feeds) must not hold the store's write lock for
its whole duration: a daemon polling the same store would wait, and fail. So it goes chunk by
chunk. For each chunk, outside any transaction, the events are read and prepared (the articles
interpreted, in worker processes and in parallel when the runner's facts projection has a pool);
then one short transaction applies the prepared results, in log order, and saves the checkpoints
with the rows. While a chunk is applied, the next one is already read and being interpreted, so
the workers do not wait for the applying. Chunks are sized so that a transaction holds the lock
about `target_seconds`, and the lock is left free at least about as long between two of them, so
a waiting writer gets in.

What a reader sees meanwhile: every projection is consistent with its own checkpoint (rows and
checkpoint commit together), but a projection may lag the log, and during a rebuild the projections
start again from empty, so a reader sees them fill up from the start of the log, as the lag
reported by `tracker feeds` and `tracker report` says.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.errors import ProjectionFailed
from tracker.projections import checkpoints
from tracker.projections.runner import CatchUp, ProjectionRunner, Ready
from tracker.storage.store import Store

if TYPE_CHECKING:
    from tracker.events import RecordedEvent

FIRST_CHUNK, MIN_CHUNK, MAX_CHUNK = 200, 10, 20_000
TARGET_SECONDS = 0.2  # the longest a chunk's transaction should hold the write lock
MIN_GAP = 0.1  # the shortest time the lock is left free between two chunks


def catch_up_in_steps(
    store: Store,
    runner: ProjectionRunner,
    *,
    only: Sequence[str] | None = None,
    rebuild: bool = False,
    target_seconds: float = TARGET_SECONDS,
) -> CatchUp:
    """Bring projections (every one, or `only` these) at least to the head the log had when this
    was called (later events may be applied too; a writer appending all along is never chased);
    with `rebuild`, drop them first. Must not run inside a transaction."""
    applied: dict[str, int] = {}
    rebuilt: list[str] = []
    failures: list[ProjectionFailed] = []
    if rebuild:
        with store.transaction():
            rebuilt = runner.reset(store, only)
    target, _ = store.head()
    if not rebuild and _caught_up(store, runner, only, target) and not _finish_pending(store, runner, only):
        return CatchUp({}, (), ())  # nothing to apply (a pass of 304s): no transaction is taken
    chunk, committed, gap = FIRST_CHUNK, 0.0, 0.0
    ahead: _Ahead | None = None
    while True:
        after = furthest_behind(store, runner, only)
        if ahead is not None and ahead.after == after:
            current, ahead = ahead, None
        else:
            current = _Ahead.start(store, runner, only, after, chunk)
        end = current.events[-1].position if current.events else after + chunk
        if end < target:  # the next chunk is read and interpreted while this one is applied
            ahead = _Ahead.start(store, runner, only, end, chunk)
        current.ready()
        # Reading and interpreting left the lock free; leave it free long enough for a writer
        # waiting in SQLite's busy handler (which retries every 100 ms) to get in.
        time.sleep(max(0.0, gap - (time.monotonic() - committed)))
        started = time.monotonic()
        with store.transaction():
            # Derived tables (the story) are refolded once, by the chunk that reaches the target.
            result = runner.catch_up(
                store,
                only=only,
                max_events=chunk,
                prefetched=(after, current.events),
                finish=end >= target,
            )
        committed = time.monotonic()
        held = committed - started
        gap = max(MIN_GAP, min(held, target_seconds))
        for name, count in result.applied.items():
            applied[name] = applied.get(name, 0) + count
        rebuilt.extend(name for name in result.rebuilt if name not in rebuilt)
        failures.extend(result.failures)
        if _caught_up(store, runner, only, target):  # events a projection fails on are skipped
            if ahead is not None:  # not needed after all: let its interpretation end first
                with contextlib.suppress(Exception):
                    ahead.ready()
            return CatchUp(applied, tuple(rebuilt), tuple(failures))
        chunk = _resized(chunk, held, target_seconds)


@dataclass(frozen=True, slots=True)
class _Ahead:
    """A chunk of the log read after `after`, being prepared (in the background) by the projections."""

    after: int
    events: list[RecordedEvent]
    ready: Ready

    @classmethod
    def start(
        cls, store: Store, runner: ProjectionRunner, only: Sequence[str] | None, after: int, chunk: int
    ) -> _Ahead:
        events = list(store.read(after=after, until=after + chunk))
        return cls(after, events, runner.prepare_ahead(store, events, only))


def furthest_behind(store: Store, runner: ProjectionRunner, only: Sequence[str] | None) -> int:
    """The log position the furthest-behind projection (of `only`, or of all) has folded to."""
    statuses = [s for s in runner.status(store) if only is None or s.name in only]
    return min((s.position if s.fingerprint_ok else 0 for s in statuses), default=0)


def _caught_up(store: Store, runner: ProjectionRunner, only: Sequence[str] | None, target: int) -> bool:
    statuses = [s for s in runner.status(store) if only is None or s.name in only]
    return all(s.position >= target and s.fingerprint_ok for s in statuses)


def _finish_pending(store: Store, runner: ProjectionRunner, only: Sequence[str] | None) -> bool:
    """Whether a projection's finish() failed or was deferred: the next catch-up must run it."""
    pending = checkpoints.failed_finish(store.conn)
    return any(p.name in pending for p in runner.projections if only is None or p.name in only)


def _resized(chunk: int, held: float, target: float) -> int:
    if held < target / 2:
        return min(MAX_CHUNK, chunk * 2)
    if held > target:
        return max(MIN_CHUNK, int(chunk * target / held))
    return chunk
