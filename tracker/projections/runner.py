"""The projection runner: keeps every projection (a named, versioned fold of the log into
ordinary tables) caught up with the log, each with a checkpoint.

A projection's rows and its checkpoint are written in the same transaction, so they never
disagree. A projection whose fingerprint (code version, plus the rules it depends on) differs
from the stored one is dropped and replayed from the start. Catch-up reads the log once for all
projections that need it.

A projection that cannot apply an event (a "poison" event) goes on past it: the event is
recorded in `projection_errors` (its dead letter: position, event id, error, attempts, first and
last seen, `skipped`) before the checkpoint passes it, so nothing in the log can stop a projection
forever, and the others are never held back. Projections are pure folds, so applying the same
event again in the same state fails the same way: it is not retried at once, but at the
projection's next rebuild (a fix to the code or the rules changes the fingerprint, which rebuilds;
so does `tracker rebuild`), and a rebuild that applies it forgets the error. A fault of the
storage itself (a full disk, a lock: `tracker.storage.storage_faults`) is no poison: it fails the whole
catch-up, and nothing is skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, NamedTuple, TypeVar

from tracker.clock import format_utc
from tracker.errors import ProjectionFailed, StoreError
from tracker.projections import checkpoints
from tracker.storage.storage_faults import is_storage_fault
from tracker.storage.store import Store

if TYPE_CHECKING:
    import sqlite_utils

    from tracker.events import RecordedEvent

_BATCH = 500  # events applied under one savepoint
Ready = Callable[[], None]  # waits for a projection's preparation of some events
_T = TypeVar("_T")


def _ready() -> None:
    """The preparation of a projection that prepares nothing: already done."""


class Projection:
    """Base class: subclasses set `name`, `version`, and implement create/drop/apply."""

    name: ClassVar[str]
    version: ClassVar[int]
    # Event types this projection reads; None means all of them.
    handles: ClassVar[frozenset[str] | None] = None

    def fingerprint(self) -> str:
        return f"{self.name}/v{self.version}"

    def create(self, db: sqlite_utils.Database) -> None:
        raise NotImplementedError

    def drop(self, db: sqlite_utils.Database) -> None:
        raise NotImplementedError

    def apply(self, db: sqlite_utils.Database, event: RecordedEvent) -> None:
        raise NotImplementedError

    def apply_batch(self, db: sqlite_utils.Database, events: Sequence[RecordedEvent]) -> None:
        """Apply `events` in order, as apply() would one by one: a projection whose rows can be
        written a batch at a time overrides this (its tables must end up exactly the same)."""
        for event in events:
            self.apply(db, event)

    def prepare(self, db: sqlite_utils.Database, events: Sequence[RecordedEvent]) -> Ready:
        """Called, outside any transaction, with events apply() will soon see: a projection whose
        work is mostly pure computation (extraction) does it here, in parallel if it can. It may
        read the log (`db`), never write. The work may go on in the background: the caller calls
        the returned function, which waits for it, before applying these events."""
        return _ready

    def finish(self, db: sqlite_utils.Database) -> None:
        """Called once after a catch-up that applied events (derived tables are refreshed here)."""


# Named tuples, not dataclasses: every command imports this module, and a frozen dataclass costs
# about a millisecond to build at import, a tuple class a twentieth of that.
class ProjectionStatus(NamedTuple):
    name: str
    position: int
    head: int
    fingerprint_ok: bool
    error: str | None  # the latest event it skipped (or its failed finish), with the error
    skipped: int = 0  # events it went on without

    @property
    def lag(self) -> int:
        return self.head - self.position


class CatchUp(NamedTuple):
    applied: dict[str, int]  # projection name -> events applied
    rebuilt: tuple[str, ...]
    failures: tuple[ProjectionFailed, ...]


class ProjectionRunner:
    def __init__(self, projections: Sequence[Projection]) -> None:
        names = [p.name for p in projections]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate projection names: {names}")
        self.projections = tuple(projections)

    def catch_up(
        self,
        store: Store,
        *,
        only: Sequence[str] | None = None,
        rebuild: bool = False,
        max_events: int | None = None,
        prefetched: tuple[int, Sequence[RecordedEvent]] | None = None,
        finish: bool = True,
    ) -> CatchUp:
        """Bring projections up to the head of the log. Runs inside the caller's transaction.

        `max_events` bounds the work: projections advance at most that many log positions past the
        furthest-behind one, so a caller can catch up in short transactions, chunk by chunk.
        `prefetched` is (after, the events after that position the caller holds: read and prepared,
        or just appended): when the furthest-behind projection is still at `after`, exactly those
        events are applied.
        With `finish` False, finish() (a refold of derived tables) is left to a later catch-up: it
        is recorded as pending, so it runs next time even after a crash.
        """
        if not store.conn.in_transaction:
            raise StoreError("catch_up() must run inside store.transaction()")
        selected = [p for p in self.projections if only is None or p.name in only]
        starts, rebuilt = _starting_points(store, selected, rebuild=rebuild)
        head, _ = store.head()
        positions = dict(starts)
        applied = dict.fromkeys(starts, 0)
        failed: list[ProjectionFailed] = []
        active = [p for p in selected if starts[p.name] < head]
        if active:
            first = min(starts[p.name] for p in active)
            until = None if max_events is None else first + max(1, max_events)
            source: Iterable[RecordedEvent] = store.read(after=first, until=until)
            if prefetched is not None and prefetched[0] == first and prefetched[1]:
                source = prefetched[1]
            self._apply_all(store, active, source, positions, applied, failed)
        # Plain statements on the connection: a catch-up with nothing to apply (a pass of 304s)
        # never builds sqlite-utils' wrapper, which only the projections' own tables need.
        pending = checkpoints.failed_finish(store.conn)
        for projection in selected:
            needs_finish = (
                applied[projection.name]
                or projection.name in rebuilt
                or starts[projection.name] == 0
                or projection.name in pending
            )
            if needs_finish:
                self._finish(store, projection, positions[projection.name], failed, deferred=not finish)
            at = format_utc(store.clock())
            position = positions[projection.name]
            checkpoints.save(store.conn, projection.name, projection.fingerprint(), position, at)
        return CatchUp(applied, tuple(rebuilt), tuple(failed))

    def _apply_all(
        self,
        store: Store,
        active: Sequence[Projection],
        source: Iterable[RecordedEvent],
        positions: dict[str, int],
        applied: dict[str, int],
        failed: list[ProjectionFailed],
    ) -> None:
        """Apply `source` to the `active` projections, batch by batch."""
        batch: list[RecordedEvent] = []
        for event in source:
            batch.append(event)
            if len(batch) == _BATCH:
                self._apply_batch(store, active, batch, positions, applied, failed)
                batch = []
        self._apply_batch(store, active, batch, positions, applied, failed)

    def _finish(
        self,
        store: Store,
        projection: Projection,
        position: int,
        failed: list[ProjectionFailed],
        *,
        deferred: bool,
    ) -> None:
        """Refold the projection's derived tables, or record that a later catch-up must (`deferred`)."""
        if deferred:
            error = checkpoints.finish_error(checkpoints.DEFERRED)
            checkpoints.record_error(store.db, projection.name, position, error, format_utc(store.clock()))
            return
        failure = self._guarded(store, projection, position, projection.finish, finish=True)
        if failure:
            failed.append(failure)
        else:
            checkpoints.clear_errors(store.db, projection.name, finish_only=True)

    def prepare(
        self, store: Store, events: Sequence[RecordedEvent], only: Sequence[str] | None = None
    ) -> None:
        """Let the projections (every one, or `only` these) prepare `events` outside a transaction."""
        self.prepare_ahead(store, events, only)()

    def prepare_ahead(
        self, store: Store, events: Sequence[RecordedEvent], only: Sequence[str] | None = None
    ) -> Ready:
        """`prepare`, left to go on in the background: returns the function that waits for it (call
        it before applying `events`; until then, the caller may apply earlier events)."""
        if not events:
            return _ready
        # Each projection prepares only the events it has not folded: when another is behind (a new
        # version of it replays the log), one that is current must not interpret it all again.
        waits = []
        for projection in self.projections:
            if only is not None and projection.name not in only:
                continue
            after = checkpoints.current_position(store, projection.name, projection.fingerprint())
            waits.append(projection.prepare(store.db, [e for e in events if e.position > after]))

        def ready() -> None:
            for wait in waits:
                wait()

        return ready

    def reset(self, store: Store, only: Sequence[str] | None = None) -> list[str]:
        """Drop projections and create them empty, checkpointed at 0 (the first step of a rebuild
        in several transactions). Runs inside the caller's transaction."""
        if not store.conn.in_transaction:
            raise StoreError("reset() must run inside store.transaction()")
        selected = [p for p in self.projections if only is None or p.name in only]
        _, rebuilt = _starting_points(store, selected, rebuild=True)
        at = format_utc(store.clock())
        for projection in selected:
            checkpoints.save(store.conn, projection.name, projection.fingerprint(), 0, at)
        return rebuilt

    def _apply_batch(
        self,
        store: Store,
        active: Sequence[Projection],
        batch: Sequence[RecordedEvent],
        positions: dict[str, int],
        applied: dict[str, int],
        failed: list[ProjectionFailed],
    ) -> None:
        """Apply a batch to each projection under one savepoint; on an error, redo the batch event
        by event, so only the events that fail are skipped (each recorded first)."""
        for projection in active:
            todo = [e for e in batch if e.position > positions[projection.name]]
            relevant = [e for e in todo if projection.handles is None or e.type in projection.handles]
            if not todo:
                continue
            batch_step = _applying(projection, relevant)
            if self._guarded(store, projection, todo[-1], batch_step, record=False) is None:
                checkpoints.forget_errors(store.db, projection.name, todo[0].position, todo[-1].position)
                positions[projection.name] = todo[-1].position
                applied[projection.name] += len(relevant)
                continue
            for event in relevant:
                failure = self._guarded(store, projection, event, _applying(projection, [event]))
                if failure:
                    failed.append(failure)
                else:
                    checkpoints.forget_errors(store.db, projection.name, event.position, event.position)
                    applied[projection.name] += 1
            positions[projection.name] = todo[-1].position

    def _guarded(
        self,
        store: Store,
        projection: Projection,
        at: RecordedEvent | int,
        step: Callable[[sqlite_utils.Database], None],
        *,
        finish: bool = False,
        record: bool = True,
    ) -> ProjectionFailed | None:
        """Run one step of a projection under a savepoint: a projection bug must never take the
        log (or the other projections) down with it. Failures go to `projection_errors`, except a
        whole batch's (`record=False`): the event-by-event retry finds and records the culprits.
        A storage fault is raised: it is the store's failure, not the event's."""
        position = at if isinstance(at, int) else at.position
        try:
            with store.savepoint(f"projection_{projection.name}"):
                step(store.db)
        except Exception as exc:
            if is_storage_fault(exc) or not store.conn.in_transaction:
                raise
            import traceback  # here: only a failing event needs it, and every command imports this module

            error = "".join(traceback.format_exception_only(exc)).strip()[:500]
            if finish:
                error = checkpoints.finish_error(error)
            if record:
                event_id = None if isinstance(at, int) else at.id
                at_time = format_utc(store.clock())
                checkpoints.record_error(store.db, projection.name, position, error, at_time, event_id)
            return ProjectionFailed(projection.name, position, error)
        return None

    def status(self, store: Store) -> list[ProjectionStatus]:
        """Per projection: checkpoint, head, whether its fingerprint is current, last error."""
        head, _ = store.head()
        stored_checkpoints = checkpoints.load(store.conn)
        result = []
        for projection in self.projections:
            stored = stored_checkpoints.get(projection.name)
            result.append(
                ProjectionStatus(
                    projection.name,
                    stored[1] if stored else 0,
                    head,
                    stored is not None and stored[0] == projection.fingerprint(),
                    checkpoints.last_error(store.conn, projection.name),
                    checkpoints.skipped_count(store.conn, projection.name),
                )
            )
        return result


def in_background(work: Callable[[], _T]) -> Callable[[], _T]:
    """Run `work` in a thread of its own; the returned function waits for its result (or raises
    its exception)."""
    outcome: list[_T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the waiting thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="interpret-ahead", daemon=True)
    thread.start()

    def result() -> _T:
        thread.join()
        if failure:
            raise failure[0]
        return outcome[0]

    return result


def _starting_points(
    store: Store, selected: Sequence[Projection], *, rebuild: bool
) -> tuple[dict[str, int], list[str]]:
    """Where each projection resumes, and which were rebuilt: a projection that is new, asked to
    rebuild, or whose fingerprint changed is dropped, created afresh and starts from 0."""
    stored_checkpoints = checkpoints.load(store.conn)
    starts: dict[str, int] = {}
    rebuilt: list[str] = []
    for projection in selected:
        stored = stored_checkpoints.get(projection.name)
        if rebuild or stored is None or stored[0] != projection.fingerprint():
            projection.drop(store.db)
            projection.create(store.db)
            # Its dead letters stay: each is forgotten when the replay applies its event.
            starts[projection.name] = 0
            if stored is not None or rebuild:
                rebuilt.append(projection.name)
        else:
            starts[projection.name] = stored[1]
    return starts, rebuilt


def _applying(
    projection: Projection, events: Sequence[RecordedEvent]
) -> Callable[[sqlite_utils.Database], None]:
    def run(db: sqlite_utils.Database) -> None:
        projection.apply_batch(db, events)

    return run
