"""Feed parsing in killable worker processes.

feedparser is pure Python: a hostile or merely huge document can hold the GIL for tens of seconds
in a thread, and a thread cannot be stopped. So each parse runs in a small, long-lived worker
process (`tracker.parsing.worker`) under an address-space limit; a parse that overruns its time is
ended by killing its worker, and the next parse that needs one starts a fresh worker. Workers are
reused, so a parse costs one socket round trip more than an in-process call.

Workers are plain `python -m tracker.parsing.worker` subprocesses rather than multiprocessing
children: nothing is forked from the multi-threaded daemon, and no caller's `__main__` is
re-imported in the child.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import queue
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from tracker.errors import FeedError, FeedRejected, ParseError, ParseTimedOut, ParseWorkerDied
from tracker.parsing.feed import ParsedFeed

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
START_TIMEOUT = 60.0  # seconds a new worker may take to import the parser (a loaded machine)


@dataclass(frozen=True, slots=True)
class ParseStats:
    parses: int
    timeouts: int
    workers_started: int


class _Worker:
    """One worker process and the parent's end of its socket."""

    def __init__(self, memory_limit: int) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tracker.parsing.worker", str(theirs.fileno()), str(memory_limit)],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # never the caller's stdout: that is for data
                close_fds=True,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        self.parses = 0
        self.ready = False

    def wait_ready(self) -> None:
        """Wait for the worker's imports, so that its start-up never counts against a parse."""
        if self.ready:
            return
        if not self.conn.poll(START_TIMEOUT):
            raise ParseWorkerDied(f"parser process did not start within {START_TIMEOUT:g} s")
        kind, _ = self.conn.recv()
        if kind != "ready":
            raise ParseWorkerDied(f"parser process said {kind!r} instead of ready")
        self.ready = True

    def call(self, request: tuple[bytes, str | None, str | None], timeout: float) -> tuple[str, Any]:
        self.wait_ready()
        self.conn.send(request)
        if not self.conn.poll(timeout):
            raise ParseTimedOut(f"parse timed out after {timeout:g} s (parser stopped)")
        reply: tuple[str, Any] = self.conn.recv()
        self.parses += 1
        return reply

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            self.conn.close()

    def exit_reason(self, exc: BaseException) -> str:
        code = self.process.poll()
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        if code is not None:
            return f"exit status {code}"
        return type(exc).__name__


class ParsePool:
    """Up to `workers` parses at once, each in a worker process; thread-safe.

    `parse()` blocks (call it from a thread); `parse_async()` waits for it on threads of the pool's
    own (so parses queued behind a slow one never tie up the event loop's default executor, which
    DNS lookups need). Every failure comes back as a ParseError subclass.
    """

    def __init__(
        self,
        workers: int = 2,
        *,
        timeout: float = PARSE_TIMEOUT,
        memory_limit: int = MEMORY_LIMIT,
    ) -> None:
        if workers < 1:
            raise ValueError("a parse pool needs at least one worker")
        self.size = workers
        self.timeout = timeout
        self.memory_limit = memory_limit
        self._slots = threading.BoundedSemaphore(workers)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._parses = self._timeouts = self._started = 0
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tracker-parse")

    # --- parsing ----------------------------------------------------------------------------------

    def parse(self, body: bytes, *, content_type: str | None = None, url: str | None = None) -> ParsedFeed:
        if not isinstance(body, bytes | bytearray | memoryview):
            raise TypeError(f"parse() needs bytes, not {type(body).__name__}")
        request = (bytes(body), content_type, url)
        with self._slots:
            worker = self._checkout()
            try:
                kind, value = worker.call(request, self.timeout)
            except ParseTimedOut:
                self._discard(worker, timed_out=True)
                raise
            except (EOFError, OSError) as exc:
                self._discard(worker)
                raise ParseWorkerDied(f"parser process died ({worker.exit_reason(exc)})") from None
            except BaseException:
                self._discard(worker)
                raise
            self._checkin(worker, recycle=kind == "memory")
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
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(self.parse, body, content_type=content_type, url=url)
        )

    # --- lifecycle --------------------------------------------------------------------------------

    def warm(self) -> None:
        """Start the workers now and wait until they are ready, so that no parse waits for them."""
        started: list[_Worker] = []
        while self._slots.acquire(blocking=False):
            started.append(self._checkout())
        for worker in started:
            try:
                worker.wait_ready()
            except (ParseWorkerDied, EOFError, OSError):
                self._discard(worker)  # the next parse starts another
            else:
                self._checkin(worker)
            self._slots.release()

    def stats(self) -> ParseStats:
        with self._lock:
            return ParseStats(self._parses, self._timeouts, self._started)

    def close(self) -> None:
        """Stop every worker; parses in progress fail with ParseWorkerDied."""
        with self._lock:
            self._closed = True
            workers = list(self._busy)
            self._busy.clear()
        while True:
            try:
                workers.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in workers:
            worker.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- workers ----------------------------------------------------------------------------------

    def _checkout(self) -> _Worker:
        worker: _Worker | None = None
        while worker is None:
            with self._lock:
                if self._closed:
                    raise ParseWorkerDied("the parse pool is closed")
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = _Worker(self.memory_limit)
                with self._lock:
                    self._started += 1
            else:
                if not worker.alive():  # died while idle (the OOM killer, say)
                    worker.kill()
                    worker = None
        with self._lock:
            self._busy.add(worker)
        return worker

    def _checkin(self, worker: _Worker, *, recycle: bool = False) -> None:
        with self._lock:
            self._busy.discard(worker)
            closed = self._closed
        if closed or recycle or worker.parses >= RECYCLE_AFTER:
            worker.kill()
        else:
            self._idle.put(worker)

    def _discard(self, worker: _Worker, *, timed_out: bool = False) -> None:
        worker.kill()
        with self._lock:
            self._busy.discard(worker)
            self._timeouts += timed_out
