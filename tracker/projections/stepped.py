"""Catching projections up in short transactions, with the expensive work outside them.

A long catch-up (a rebuild, a first fetch of many feeds) must not hold the store's write lock for
its whole duration: a daemon polling the same store would wait, and fail. So it goes chunk by
chunk. For each chunk, outside any transaction, the events are read and prepared (the articles
interpreted, in worker processes and in parallel when the runner's facts projection has a pool);
then one short transaction applies the prepared results, in log order, and saves the checkpoints
with the rows. Chunks are sized so that a transaction holds the lock about `target_seconds`.

Between two transactions the lock is left free long enough for a writer that waited for it to get
in (`gap_after`): another writer waits in SQLite's busy handler, or in the daemon's equivalent,
which sleep between attempts at most 100 ms and at most about twice as long as they have waited.
So after a transaction that held the lock long, the gap is GAP, over 100 ms with room for the
waiting process to be scheduled; after a short one (a first fetch's catch-up writes only facts), a
writer that began waiting during it tries again sooner, and the gap is that much shorter, rather
than idle the workers. Reading the next chunk fills the gap.

The workers never wait for the writing or for the gap: AHEAD chunks past the one being applied
are read and being interpreted all along, so the main process (reading, applying, writing, and the
gaps) and the workers (interpreting) each go at their own pace, and a rebuild takes as long as the
slower of the two, not their sum.

What a reader sees meanwhile: every projection is consistent with its own checkpoint (rows and
checkpoint commit together), but a projection may lag the log, and during a rebuild the projections
start again from empty, so a reader sees them fill up from the start of the log, as the lag
reported by `tracker feeds` and `tracker report` says.
"""

from __future__ import annotations

import contextlib
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.errors import ProjectionFailed
from tracker.projections import checkpoints
from tracker.projections.runner import CatchUp, ProjectionRunner, Ready
from tracker.storage.store import Store

if TYPE_CHECKING:
    from tracker.events import RecordedEvent

FIRST_CHUNK, MIN_CHUNK = 200, 10
# The most events a chunk holds. A catch-up keeps AHEAD + 1 chunks of decoded events in memory;
# once a chunk's transaction only writes rows (the text stays in the log), 0.2 s holds far more than
# this: a 100,000-article rebuild capped at 20,000 peaked at 560-697 MiB and took 12.4-13.7 s; at
# 5,000, 308-316 MiB and 11.4-11.7 s (1.3-1.6 s of system CPU against 2.6-3.7), and the
# 1,000,000-event store no slower (95 s against 99); a writer committing every 50 ms beside the
# rebuild waited 0.18-0.19 s at most, against 0.44-0.53 s. The daemon's catch-up uses the same bound.
MAX_CHUNK = 5_000
# The longest a chunk's transaction should hold the write lock: a writer waiting for it waits about
# this plus a gap. At 0.4 s a 100k rebuild ran 5-6% faster, but another writer's longest wait passed
# a second in two runs of four (at 0.2 s, 0.84 s at most in five): a daemon's poll matters more.
TARGET_SECONDS = 0.2
GAP = 0.15  # the longest the lock is left free between two chunks: over the busy handler's 100 ms
AHEAD = 2  # chunks read and being interpreted past the one being applied
# The catch-up's page cache. SQLite's default, 2 MiB, is smaller than the pages one chunk's rows
# reach in the articles' indexes (keyed by hashed streams, so spread over the whole index): pages
# written were spilled and read back within the transaction (a third more system CPU).
CACHE_KIB = 64 * 1024


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
    chunk, committed, held = FIRST_CHUNK, 0.0, 0.0
    ahead: deque[_Ahead] = deque()  # the chunks after the current one, read and being interpreted
    with _page_cache(store):
        while True:
            after = furthest_behind(store, runner, only)
            if ahead and ahead[0].after == after:
                current = ahead.popleft()
            else:  # a projection went elsewhere (it skipped events): start again from where it is
                _abandon(ahead)
                current = _Ahead.start(store, runner, only, after, chunk)
            # Keep AHEAD chunks interpreting past this one, so the workers always have work while
            # this chunk is applied and while the lock is left free.
            while len(ahead) < AHEAD and (ahead[-1] if ahead else current).end < target:
                ahead.append(_Ahead.start(store, runner, only, (ahead[-1] if ahead else current).end, chunk))
            current.ready()
            # Reading left the lock free; leave it free long enough for a waiting writer to get in.
            time.sleep(max(0.0, gap_after(held) - (time.monotonic() - committed)))
            started = time.monotonic()
            with store.transaction():
                # Derived tables (the story) are refolded once, by the chunk that reaches the target.
                result = runner.catch_up(
                    store,
                    only=only,
                    max_events=chunk,
                    prefetched=(after, current.events),
                    finish=current.end >= target,
                )
            committed = time.monotonic()
            held = committed - started
            for name, count in result.applied.items():
                applied[name] = applied.get(name, 0) + count
            rebuilt.extend(name for name in result.rebuilt if name not in rebuilt)
            failures.extend(result.failures)
            if _caught_up(store, runner, only, target):  # events a projection fails on are skipped
                _abandon(ahead)
                return CatchUp(applied, tuple(rebuilt), tuple(failures))
            chunk = resized(chunk, held, target_seconds)


@dataclass(frozen=True, slots=True)
class _Ahead:
    """A chunk of the log read after `after`, being prepared (in the background) by the projections."""

    after: int
    end: int  # the log position the chunk reaches
    events: list[RecordedEvent]
    ready: Ready

    @classmethod
    def start(
        cls, store: Store, runner: ProjectionRunner, only: Sequence[str] | None, after: int, chunk: int
    ) -> _Ahead:
        events = list(store.read(after=after, until=after + chunk))
        end = events[-1].position if events else after + chunk
        return cls(after, end, events, runner.prepare_ahead(store, events, only))


def _abandon(ahead: deque[_Ahead]) -> None:
    """Forget the chunks read ahead that will not be applied as they are, once their
    interpretation has ended (their results are not wanted, nor their failures)."""
    while ahead:
        with contextlib.suppress(Exception):
            ahead.popleft().ready()


@contextlib.contextmanager
def _page_cache(store: Store) -> Iterator[None]:
    """A larger page cache for the catch-up, the connection's own again after it."""
    previous = store.conn.execute("PRAGMA cache_size").fetchone()[0]
    store.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    try:
        yield
    finally:
        store.conn.execute(f"PRAGMA cache_size = {int(previous)}")


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


def gap_after(held: float) -> float:
    """How long to leave the lock free after a transaction that held it `held` seconds. A writer
    that began waiting during it is asleep in its busy handler for at most max(5 ms, twice as long
    as it has waited) between attempts (SQLite's: 1, 2, 5, 10, 15 … 100 ms; the daemon's
    `begin_immediate`: 5 ms doubling to 100), so it tries again within 5 ms + 2 × `held` of the
    commit; 30 ms more let the system schedule it. Never more than GAP."""
    return min(GAP, 0.035 + 2 * held)


def resized(chunk: int, held: float, target: float) -> int:
    """The next chunk's size, after one that held the lock `held` seconds against `target`."""
    if held < target / 2:
        return min(MAX_CHUNK, chunk * 2)
    if held > target:
        return max(MIN_CHUNK, int(chunk * target / held))
    return chunk
