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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.clock import Clock
from tracker.config import FeedConfig
from tracker.net.fetch import Fetcher
from tracker.polling import Fetched, PollResult, RecordedPoll, append_poll, fetch_feed, log_tail, plan_poll
from tracker.projections.runner import ProjectionRunner
from tracker.storage import polling_store
from tracker.storage.store import Store

if TYPE_CHECKING:  # the pool loads once a poll has a body to parse
    from tracker.events import RecordedEvent
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
        self._states: dict[str, polling_store.FeedPolling] | None = None
        # Whether each article version the groups committed is a teaser, by log position, as its
        # parse found (`ParsedEntry.teaser`): the pass's page decisions need not read its text.
        self.teasers: dict[int, bool] = {}

    async def poll(self, feed: FeedConfig, *, fetcher: Fetcher, parser: ParsePool) -> PollResult:
        """Poll `feed` once; returns once its outcome is committed."""
        self._running += 1
        try:
            fetched = await fetch_feed(feed, self._state(feed.id), fetcher, parser, self._clock)
        finally:
            self._running -= 1
        outcome: asyncio.Future[PollResult] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(feed, fetched, outcome))
        self._arrived.set()
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_groups())
        return await asyncio.shield(outcome)  # a cancelled caller does not cancel its group's write

    def _state(self, feed_id: str) -> polling_store.FeedPolling:
        """The feed's polling state: every feed's is read in one statement at the first poll, a
        pass polling each feed once; a feed polled again, or never before, is read alone."""
        if self._states is None:
            self._states = polling_store.load_all(self._store)
        state = self._states.pop(feed_id, None)
        return polling_store.load(self._store, feed_id) if state is None else state

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
        teasers: dict[int, bool] = {}
        try:
            async with store.transaction_async(durable=any(w.fetched.durable for w in group)):
                quiet: list[tuple[_Waiting, RecordedPoll]] = []  # polls that append nothing
                for waiting in group:
                    try:
                        planned = plan_poll(store, waiting.feed, waiting.fetched, self._clock)
                        if not planned.events:
                            quiet.append((waiting, append_poll(store, planned)))
                            continue
                        with store.savepoint("poll"):
                            recorded = append_poll(store, planned)
                            polling_store.record_many(store, [recorded.write])
                        written.append((waiting, recorded))
                        teasers.update(_by_position(recorded.appended, planned.entries.teasers))
                    except Exception as exc:
                        if not polling_store.transaction_open(store):  # lost, and the group with it
                            raise
                        waiting.outcome.set_exception(exc)
                written += _record_quiet(store, quiet)
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
        self.teasers.update(teasers)  # committed with the group
        errors = tuple(str(f) for f in caught_up.failures)
        for waiting, recorded in written:
            result = (
                dataclasses.replace(recorded.result, projection_errors=errors) if errors else recorded.result
            )
            waiting.outcome.set_result(result)


def _record_quiet(
    store: Store, quiet: list[tuple[_Waiting, RecordedPoll]]
) -> list[tuple[_Waiting, RecordedPoll]]:
    """Record the polls that appended nothing (most of a pass: 304s) with one statement for all
    their poll records and one for their feeds' states; if that fails, each on its own, so that
    only a poll whose record fails is lost, as with a poll that appends. Returns those recorded."""
    try:
        with store.savepoint("quiet_polls"):
            polling_store.record_many(store, [recorded.write for _, recorded in quiet])
        return quiet
    except Exception:
        if not polling_store.transaction_open(store):
            raise
    recorded_alone = []
    for waiting, recorded in quiet:
        try:
            with store.savepoint("poll"):
                polling_store.record_many(store, [recorded.write])
            recorded_alone.append((waiting, recorded))
        except Exception as exc:
            if not polling_store.transaction_open(store):
                raise
            waiting.outcome.set_exception(exc)
    return recorded_alone


def _by_position(
    appended: Sequence[RecordedEvent], planned: Mapping[tuple[str, str], bool]
) -> dict[int, bool]:
    """The verdicts planned for article versions (by entry key and content hash), by the log
    positions those versions were appended at."""
    if not planned:  # a pass of 304s loads no event model
        return {}
    from tracker.events import ArticleObserved, ArticleRevised

    found = {}
    for recorded in appended:
        event = recorded.event
        if isinstance(event, ArticleObserved | ArticleRevised):
            teaser = planned.get((event.entry_key, event.content_hash))
            if teaser is not None:
                found[recorded.position] = teaser
    return found


def _group_size(waiting: Sequence[_Waiting], max_group: int) -> int:
    """How many of the first polls waiting make the next group: within both bounds, at least one."""
    entries = 0
    for size, poll in enumerate(waiting[:max_group]):
        entries += poll.fetched.entries
        if entries > MAX_GROUP_ENTRIES and size > 0:
            return size
    return min(len(waiting), max_group)
