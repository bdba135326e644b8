"""A pool of long-lived worker processes: started on demand, reused, limited, replaced.

Pure-Python work on untrusted input (a feed, an article page, an article's text) can hold the GIL
for seconds in a thread, and a thread cannot be stopped. So it runs in worker processes under an
address-space limit (and, where the worker sets one, a CPU budget per request); one that overruns
its wall time is killed, and the next request that needs a worker starts a fresh one. Workers are
reused, and renewed after `recycle_after` requests (a Python heap only grows).

Workers are plain `python -m MODULE FD ARGS…` subprocesses rather than multiprocessing children:
nothing is forked from the multi-threaded daemon, and no caller's `__main__` is re-imported in the
child. A pool never runs more than `size` of them at once; it is thread-safe.
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
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from tracker.errors import WorkerUnavailable

START_TIMEOUT = 60.0  # seconds a new worker may take for its imports (a loaded machine)

T = TypeVar("T")


class WorkerDied(WorkerUnavailable):
    """A worker process ended (crash, memory limit, killed) before it answered."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"worker process died ({reason})")
        self.reason = reason  # "killed by SIGKILL", "exit status 1"…


class WorkerProcess:
    """One worker process and the parent's end of its socket."""

    def __init__(self, module: str, args: Sequence[str]) -> None:
        # Loaded with the first worker: a pass of 304s makes a pool, never a process.
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module, str(theirs.fileno()), *args],
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
        self.uses = 0  # requests answered, counted by the pool's users
        self.loaded: str | None = None  # what its user loaded into it (rules, say), by key
        self.ready = False

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait for the worker's imports, so that its start-up never counts against a request."""
        if self.ready:
            return
        try:
            said = self.conn.recv()[0] if self.conn.poll(timeout) else None
        except (EOFError, OSError) as exc:
            raise WorkerDied(self.exit_reason(exc)) from None
        if said != "ready":
            raise WorkerUnavailable(f"worker process did not start within {timeout:g} s")
        self.ready = True

    def request(self, message: object, timeout: float) -> Any:
        """Send one request and wait `timeout` seconds for its reply; TimeoutError if none came
        (the worker must then be discarded), WorkerDied if the worker ended."""
        try:
            self.conn.send(message)
            answered = self.conn.poll(timeout)
            reply = self.conn.recv() if answered else None
        except (EOFError, OSError) as exc:
            raise WorkerDied(self.exit_reason(exc)) from None
        if not answered:
            raise TimeoutError(f"no answer within {timeout:g} s")
        self.uses += 1
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
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)  # a dying worker's socket closes just before it exits
        code = self.process.poll()
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                return f"killed by {signal.Signals(-code).name}"
        if code is not None:
            return f"exit status {code}"
        return type(exc).__name__


class WorkerPool:
    """Up to `size` worker processes running `python -m module FD *args`."""

    def __init__(self, module: str, args: Sequence[str], *, size: int, recycle_after: int, name: str) -> None:
        if size < 1:
            raise ValueError(f"a {name} pool needs at least one worker")
        self.module, self.args, self.size, self.name = module, tuple(args), size, name
        self.recycle_after = recycle_after
        self.started = 0  # worker processes started, for statistics and tests
        self._slots = threading.BoundedSemaphore(size)
        self._idle: queue.LifoQueue[WorkerProcess] = queue.LifoQueue()
        self._busy: set[WorkerProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        # Threads of the pool's own to wait on workers from (see run_async).
        self.executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"tracker-{name}")

    # --- leasing workers --------------------------------------------------------------------------

    def checkout(self) -> WorkerProcess:
        """A ready worker, waiting for a free slot; give it back with checkin() or discard()."""
        self._slots.acquire()
        try:
            return self._take()
        except BaseException:
            self._slots.release()
            raise

    def checkin(self, worker: WorkerProcess, *, recycle: bool = False) -> None:
        """Give a worker back after a request it answered (`recycle`: end it all the same)."""
        with self._lock:
            self._busy.discard(worker)
            closed = self._closed
        if closed or recycle or worker.uses >= self.recycle_after:
            worker.kill()
        else:
            self._idle.put(worker)
        self._slots.release()

    def discard(self, worker: WorkerProcess) -> None:
        """End a worker that overran, died or is in an unknown state; a fresh one replaces it."""
        worker.kill()
        with self._lock:
            self._busy.discard(worker)
        self._slots.release()

    def call(self, message: object, timeout: float, *, recycle_on: str | None = None) -> Any:
        """One request, one reply, on a worker of the pool; a worker that gives no reply within
        `timeout` seconds is killed (TimeoutError), one that died is replaced (WorkerDied). A reply
        of kind `recycle_on` (its first item) ends the worker after it answered."""
        worker = self.checkout()
        try:
            reply = worker.request(message, timeout)
        except BaseException:
            self.discard(worker)
            raise
        self.checkin(worker, recycle=recycle_on is not None and reply[0] == recycle_on)
        return reply

    async def run_async(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking call of the pool's user on the pool's own threads, so that requests
        queued behind a slow one never tie up the event loop's default executor (DNS needs it)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(function, *args, **kwargs))

    # --- lifecycle --------------------------------------------------------------------------------

    def warm(self) -> None:
        """Start the workers now and wait until they are ready, so that no request waits for them."""
        started: list[WorkerProcess] = []
        while self._slots.acquire(blocking=False):
            try:
                started.append(self._spawn_or_reuse())
            except BaseException:
                self._slots.release()
                raise
        for worker in started:
            try:
                worker.wait_ready()
            except WorkerUnavailable:
                self.discard(worker)  # the next request starts another
            else:
                self.checkin(worker)

    def close(self) -> None:
        """Stop every worker; requests in progress fail with WorkerDied."""
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
        self.executor.shutdown(wait=False, cancel_futures=True)

    # --- internals --------------------------------------------------------------------------------

    def _take(self) -> WorkerProcess:
        while True:
            worker = self._spawn_or_reuse()
            try:
                worker.wait_ready()
            except BaseException:
                self._forget(worker)
                raise
            if worker.alive():
                return worker
            self._forget(worker)  # died while idle (its memory limit, the OOM killer)

    def _spawn_or_reuse(self) -> WorkerProcess:
        with self._lock:
            if self._closed:
                raise WorkerUnavailable(f"the {self.name} pool is closed")
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = WorkerProcess(self.module, self.args)
            with self._lock:
                self.started += 1
        with self._lock:
            self._busy.add(worker)
        return worker

    def _forget(self, worker: WorkerProcess) -> None:
        worker.kill()
        with self._lock:
            self._busy.discard(worker)
