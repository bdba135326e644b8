"""Feed parsing in killable worker processes (`tracker.workers`).

feedparser is pure Python: a hostile or merely huge document can hold the GIL for tens of seconds
in a thread, and a thread cannot be stopped. So each parse runs in a worker process
(`tracker.parsing.worker`) under an address-space limit; a parse that overruns its time is ended
by killing its worker, and the next parse that needs one starts a fresh worker. Workers are
reused, so a parse costs one socket round trip more than an in-process call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from tracker.errors import (
    FeedError,
    FeedRejected,
    ParseError,
    ParseTimedOut,
    ParseWorkerDied,
    WorkerUnavailable,
)
from tracker.parsing.model import ParsedFeed
from tracker.workers.pool import WorkerDied, WorkerPool

__all__ = [
    "MEMORY_LIMIT",
    "PARSE_TIMEOUT",
    "ParsePool",
    "ParseStats",
    "ParseTimedOut",
    "ParseWorkerDied",
]

PARSE_TIMEOUT = 15.0  # seconds of wall time per parse; a 200-item feed takes ~0.1 s
MEMORY_LIMIT = 512 * 2**20  # address space of a worker
RECYCLE_AFTER = 500  # parses per worker: feedparser's heap only grows, so workers are renewed


@dataclass(frozen=True, slots=True)
class ParseStats:
    parses: int
    timeouts: int
    workers_started: int


class ParsePool:
    """Up to `workers` parses at once, each in a worker process; thread-safe.

    `parse()` blocks (call it from a thread); `parse_async()` waits for it on threads of the pool's
    own. Every failure comes back as a ParseError subclass.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        timeout: float = PARSE_TIMEOUT,
        memory_limit: int = MEMORY_LIMIT,
    ) -> None:
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._workers = WorkerPool(
            "tracker.parsing.worker",
            [str(memory_limit)],
            size=workers,
            recycle_after=RECYCLE_AFTER,
            name="parse",
        )
        self.size = workers
        self._lock = threading.Lock()
        self._parses = self._timeouts = 0

    def parse(self, body: bytes, *, content_type: str | None = None, url: str | None = None) -> ParsedFeed:
        if not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError(f"parse() needs bytes, not {type(body).__name__}")
        try:
            kind, value = self._workers.call(
                (bytes(body), content_type, url), self.timeout, recycle_on="memory"
            )
        except TimeoutError:
            with self._lock:
                self._timeouts += 1
            raise ParseTimedOut(f"parse timed out after {self.timeout:g} s (parser stopped)") from None
        except WorkerDied as exc:
            raise ParseWorkerDied(f"parser process died ({exc.reason})") from None
        except WorkerUnavailable as exc:
            raise ParseWorkerDied(f"parser process unavailable: {exc}") from None
        with self._lock:
            self._parses += 1
        if kind == "ok" and isinstance(value, ParsedFeed):
            return value
        if kind == "error" and isinstance(value, FeedError):
            raise value
        if kind == "memory":
            raise FeedRejected(f"refused for safety: parsing needed over {self.memory_limit // 2**20} MiB")
        raise ParseError(f"parser failed: {value}")

    async def parse_async(
        self, body: bytes, *, content_type: str | None = None, url: str | None = None
    ) -> ParsedFeed:
        return await self._workers.run_async(self.parse, body, content_type=content_type, url=url)

    def warm(self) -> None:
        """Start the workers now and wait until they are ready, so that no parse waits for them."""
        self._workers.warm()

    def stats(self) -> ParseStats:
        with self._lock:
            return ParseStats(self._parses, self._timeouts, self._workers.started)

    def close(self) -> None:
        """Stop every worker; parses in progress fail with ParseWorkerDied."""
        self._workers.close()

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
