"""Many polls' outcomes written in one transaction: the store half of a pass over many feeds.

Polls fetch and parse concurrently; as each finishes its network half it joins the next group,
and a single writer commits the group in one transaction (its events, poll records, feeds' states
and the cheap projections), so a pass pays for tens of transactions, not one per feed. Nothing
changes for a single poll: each keeps its own savepoint, so a poll whose write fails is rolled
back alone and its error goes to that poll's caller; no poll reports before its group has
committed, so a crash loses only polls that never reported, and never leaves part of a group.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.clock import Clock
from tracker.config import FeedConfig
from tracker.net.fetch import Fetcher
from tracker.polling import Fetched, PollResult, RecordedPoll, fetch_feed, log_tail, record_poll
from tracker.projections.runner import ProjectionRunner
from tracker.storage import polling_store
from tracker.storage.store import Store

if TYPE_CHECKING:  # the pool loads once a poll has a body to parse
    from tracker.parsing.pool import ParsePool

GATHER_SECONDS = 0.05  # how long a group waits for polls still running to join it
# Bounds on a group, so that one write holds neither the loop nor the store's write lock long:
MAX_GROUP = 100  # polls (a 304 costs a few statements)
MAX_GROUP_ENTRIES = 500  # parsed entries (each may be an event to plan, append and project)


@dataclass(frozen=True, slots=True)
class _Waiting:
    feed: FeedConfig
    fetched: Fetched
    outcome: asyncio.Future[PollResult]


class PollGroups:
    """Polls feeds like `tracker.polling.poll_feed`, writing their outcomes in groups.

    Use from one event loop, with the store that loop's tasks share (its transactions never span
    an await that lets another writer in: the group is written without awaiting)."""

    def __init__(
        self,
        store: Store,
        runner: ProjectionRunner,
        *,
        projections: Sequence[str] | None,
        clock: Clock,
        gather_seconds: float = GATHER_SECONDS,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._store, self._runner, self._projections, self._clock = store, runner, projections, clock
        self._gather_seconds = gather_seconds
        self._max_group = max_group
        self._waiting: list[_Waiting] = []
        self._running = 0  # polls in their network half: a group waits a little for them
        self._arrived = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    async def poll(self, feed: FeedConfig, *, fetcher: Fetcher, parser: ParsePool) -> PollResult:
        """Poll `feed` once; returns once its outcome is committed."""
        self._running += 1
        try:
            fetched = await fetch_feed(
                feed, polling_store.load(self._store, feed.id), fetcher, parser, self._clock
            )
        finally:
            self._running -= 1
        outcome: asyncio.Future[PollResult] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(feed, fetched, outcome))
        self._arrived.set()
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_groups())
        return await asyncio.shield(outcome)  # a cancelled caller does not cancel its group's write

    async def _write_groups(self) -> None:
        try:
            while self._waiting:
                await self._gather()
                size = _group_size(self._waiting, self._max_group)
                group, self._waiting = self._waiting[:size], self._waiting[size:]
                await self._write(group)
        except BaseException:  # cancelled with the loop: no poll waits for a write that will not come
            for waiting in self._waiting:
                waiting.outcome.cancel()
            raise
        finally:
            self._writer = None

    async def _gather(self) -> None:
        """Let polls still running join the group, for at most `gather_seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._gather_seconds
        while self._running and not self._full() and loop.time() < deadline:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout_at(deadline):
                    await self._arrived.wait()

    def _full(self) -> bool:
        return len(self._waiting) >= self._max_group or _group_size(self._waiting, self._max_group) < len(
            self._waiting
        )

    async def _write(self, group: list[_Waiting]) -> None:
        store = self._store
        written: list[tuple[_Waiting, RecordedPoll]] = []
        try:
            async with store.transaction_async(durable=any(w.fetched.durable for w in group)):
                for waiting in group:
                    try:
                        with store.savepoint("poll"):
                            written.append(
                                (waiting, record_poll(store, waiting.feed, waiting.fetched, self._clock))
                            )
                    except Exception as exc:
                        if not polling_store.transaction_open(store):  # lost, and the group with it
                            raise
                        waiting.outcome.set_exception(exc)
                # A poll rolled back is not among them: the group's events are the log's tail.
                appended = [event for _, recorded in written for event in recorded.appended]
                prefetched = log_tail(store, appended)
                caught_up = self._runner.catch_up(store, only=self._projections, prefetched=prefetched)
        except BaseException as exc:
            for waiting in group:
                if waiting.outcome.done():
                    continue
                if isinstance(exc, Exception):
                    waiting.outcome.set_exception(exc)
                else:  # the writer was cancelled (the loop is closing) or the process is exiting
                    waiting.outcome.cancel()
            if not isinstance(exc, Exception):
                raise
            return
        errors = tuple(str(f) for f in caught_up.failures)
        for waiting, recorded in written:
            waiting.outcome.set_result(dataclasses.replace(recorded.result, projection_errors=errors))


def _group_size(waiting: Sequence[_Waiting], max_group: int) -> int:
    """How many of the first polls waiting make the next group: within both bounds, at least one."""
    entries = 0
    for size, poll in enumerate(waiting[:max_group]):
        entries += poll.fetched.entries
        if entries > MAX_GROUP_ENTRIES and size > 0:
            return size
    return min(len(waiting), max_group)
