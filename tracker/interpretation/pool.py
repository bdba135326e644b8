"""Interpretation in worker processes, in parallel, under a per-article budget.

Extraction is pure Python and CPU-bound: a batch (a rebuild, a first fetch of many feeds) is split
into slices that worker processes (`tracker.interpretation.worker`) interpret at once, one per
core by default, and the results are handed back keyed by log position, so the caller applies
them in log order and the projections are the same as a serial run's.

An article gets BUDGET seconds of CPU in its worker; one that needs more (or more memory than the
worker's limit, or that makes extraction fail) comes back as skipped, with the reason, and the
batch goes on. A worker that stops answering altogether (stuck in C code, where the budget's
signal cannot reach it) is killed after a wall-time backstop, its current article is skipped and
a fresh worker takes the rest. Workers are reused, renewed after RECYCLE_AFTER articles, and are
plain `python -m` subprocesses like the parse pool's, so nothing is forked from a threaded process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import queue
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection

from tracker.errors import TrackerError
from tracker.events import RecordedEvent
from tracker.projections.facts import Interpreted
from tracker.subjects import Subject

BUDGET = 5.0  # seconds of CPU per article; a long real article takes ~20 ms
MEMORY_LIMIT = 512 * 2**20  # address space of a worker
RECYCLE_AFTER = 50_000  # articles per worker before it is renewed
START_TIMEOUT = 60.0  # seconds a worker may take to import the extractor or compile the rules
SLICE = 64  # articles sent to a worker at once: small enough to balance the load between workers
WORKERS_ENV = "TRACKER_WORKERS"


class InterpretationFailed(TrackerError):
    """The worker processes could not be used at all (they would not start)."""


def default_workers() -> int:
    """Workers for a pool: TRACKER_WORKERS if set, else one per core this process may run on."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value:
        try:
            workers = int(value)
        except ValueError:
            raise InterpretationFailed(f"{WORKERS_ENV} must be a whole number, not {value!r}") from None
        if not 1 <= workers <= 256:
            raise InterpretationFailed(f"{WORKERS_ENV} must be between 1 and 256, not {workers}")
        return workers
    if hasattr(os, "sched_getaffinity"):  # a process pinned to some cores (taskset) gets as many
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


class _Worker:
    """One worker process and the parent's end of its socket."""

    def __init__(self, memory_limit: int, budget: float) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tracker.interpretation.worker",
                    str(theirs.fileno()),
                    str(memory_limit),
                    repr(budget),
                ],
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
        self.subjects_key: str | None = None
        self.articles = 0
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(START_TIMEOUT) or self.conn.recv()[0] != "ready":
            raise InterpretationFailed(f"interpretation worker did not start within {START_TIMEOUT:g} s")
        self.ready = True

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            self.conn.close()


class InterpretPool:
    """Interprets batches of article events in up to `workers` processes at once; thread-safe.

    `interpret(events, subjects)` returns {position: Interpreted} for every event given.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        budget: float = BUDGET,
        memory_limit: int = MEMORY_LIMIT,
        backstop: float | None = None,
    ) -> None:
        self.size = workers if workers is not None else default_workers()
        if self.size < 1:
            raise ValueError("an interpretation pool needs at least one worker")
        self.budget = budget
        self.memory_limit = memory_limit
        # Wall time an article may take before its worker is killed: the CPU budget, stretched
        # for a machine whose cores are shared.
        self.backstop = backstop if backstop is not None else max(30.0, budget * 6)
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._lock = threading.Lock()
        self._busy: set[_Worker] = set()
        self._closed = False
        self._executor = ThreadPoolExecutor(max_workers=self.size, thread_name_prefix="tracker-interpret")
        self.started = 0  # worker processes started, for tests and benchmarks

    def interpret(
        self, events: Sequence[RecordedEvent], subjects: Sequence[Subject]
    ) -> dict[int, Interpreted]:
        if not events:
            return {}
        rules = tuple(subjects)
        key = hashlib.sha256(pickle.dumps(rules)).hexdigest()
        slices: queue.SimpleQueue[list[RecordedEvent]] = queue.SimpleQueue()
        for start in range(0, len(events), SLICE):
            slices.put(list(events[start : start + SLICE]))
        results: dict[int, Interpreted] = {}
        runs = min(self.size, (len(events) + SLICE - 1) // SLICE)
        futures = [self._executor.submit(self._drain, slices, key, rules, results) for _ in range(runs)]
        for future in futures:
            future.result()
        return results

    def close(self) -> None:
        """Stop every worker; interpretations in progress fail."""
        with self._lock:
            self._closed = True
            workers = list(self._busy)
        while True:
            try:
                workers.append(self._idle.get_nowait())
            except queue.Empty:
                break
        for worker in workers:
            worker.kill()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> InterpretPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one thread's share of a batch ------------------------------------------------------------

    def _drain(
        self,
        slices: queue.SimpleQueue[list[RecordedEvent]],
        key: str,
        rules: tuple[Subject, ...],
        results: dict[int, Interpreted],
    ) -> None:
        while True:
            try:
                todo = slices.get_nowait()
            except queue.Empty:
                return
            while todo:  # a killed worker leaves the rest of its slice to a fresh one
                todo = self._run_slice(todo, key, rules, results)

    def _run_slice(
        self, todo: list[RecordedEvent], key: str, rules: tuple[Subject, ...], results: dict[int, Interpreted]
    ) -> list[RecordedEvent]:
        """Interpret `todo` on one worker; returns what is left if the worker had to be killed."""
        worker = self._checkout()
        done = 0
        try:
            if worker.subjects_key != key:
                worker.conn.send(("subjects", key, rules))
                if not worker.conn.poll(START_TIMEOUT) or worker.conn.recv()[0] != "compiled":
                    raise InterpretationFailed("interpretation worker did not compile the rules")
                worker.subjects_key = key
            worker.conn.send(("batch", key, todo))
            for _ in todo:
                if not worker.conn.poll(self.backstop):
                    raise TimeoutError
                kind, position, value = worker.conn.recv()
                results[position] = Interpreted(tuple(value)) if kind == "ok" else Interpreted((), value)
                done += 1
        except (TimeoutError, EOFError, OSError) as exc:
            worker.kill()
            self._forget(worker)
            if done < len(todo):
                reason = (
                    f"interpretation stopped after {self.backstop:g} s"
                    if isinstance(exc, TimeoutError)
                    else "interpretation worker died"
                )
                results[todo[done].position] = Interpreted((), reason)
            return todo[done + 1 :]
        except BaseException:
            worker.kill()
            self._forget(worker)
            raise
        worker.articles += done
        self._checkin(worker)
        return []

    # --- workers ----------------------------------------------------------------------------------

    def _checkout(self) -> _Worker:
        while True:
            with self._lock:
                if self._closed:
                    raise InterpretationFailed("the interpretation pool is closed")
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                worker = _Worker(self.memory_limit, self.budget)
                with self._lock:
                    self.started += 1
                try:
                    worker.wait_ready()
                except BaseException:
                    worker.kill()
                    raise
            if worker.alive():
                with self._lock:
                    self._busy.add(worker)
                return worker
            worker.kill()  # died while idle (its memory limit, the OOM killer)

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            closed = self._closed
        if closed or worker.articles >= RECYCLE_AFTER:
            worker.kill()
        else:
            self._idle.put(worker)

    def _forget(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
