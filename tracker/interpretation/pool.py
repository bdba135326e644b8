"""Interpretation in worker processes, in parallel, under a per-article budget.

Extraction is pure Python and CPU-bound: a batch (a rebuild, a first fetch of many feeds) is split
into slices that worker processes (`tracker.interpretation.worker`) interpret at once, one per
core by default, and the results are handed back keyed by log position, so the caller applies
them in log order and the projections are the same as a serial run's.

An article gets BUDGET seconds of CPU in its worker; one that needs more (or more memory than the
worker's limit, or that makes extraction fail) comes back as skipped, with the reason, and the
batch goes on. A worker answers a slice in few messages (most articles are dismissed in less
time than a message costs); one that stops answering altogether (stuck in C code, where the
budget's signal cannot reach it) is killed after a wall-time backstop, the articles it had not
answered for go to a fresh worker that answers each at once, so the one it is stuck on is found
and skipped, and the rest goes on. Workers (`tracker.workers`) are reused and renewed after
RECYCLE_AFTER articles.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import queue
import threading
from collections.abc import Mapping, Sequence

from tracker.errors import WorkerUnavailable
from tracker.events import ArticleTextFetched, RecordedEvent
from tracker.projections.article_facts import ArticleInput, article_input
from tracker.projections.facts import Interpreted
from tracker.subjects import Subject
from tracker.workers.pool import START_TIMEOUT, WorkerDied, WorkerPool, WorkerProcess

BUDGET = 5.0  # seconds of CPU per article; a long real article takes ~20 ms
MEMORY_LIMIT = 512 * 2**20  # address space of a worker
# Articles per worker before it is renewed. Extraction's heap stops growing early (a worker's RSS
# measured: 42 MB after 1,000 articles, 50 MB from 10,000 to 90,000), and a renewal costs a worker's
# start-up (about 0.5 s of CPU): renewed every 50,000, both workers of a rebuild of 100,000 were
# renewed for its last few slices.
RECYCLE_AFTER = 250_000
REPLY_EVERY = 0.5  # seconds a worker may hold its answers before sending them
SLICE = 64  # articles sent to a worker at once: small enough to balance the load between workers
WORKERS_ENV = "TRACKER_WORKERS"


class InterpretationFailed(WorkerUnavailable):
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


class InterpretPool:
    """Interprets batches of article events in up to `workers` processes at once; thread-safe.

    `interpret(events, subjects, pages)` returns {position: Interpreted} for every event given;
    `pages` maps a position to the article page read with the event there (see `Interpreter`).
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
        # The longest a worker keeps answers before sending them: a small share of the backstop.
        self.reply_every = min(REPLY_EVERY, self.backstop / 10)
        self._workers = WorkerPool(
            "tracker.interpretation.worker",
            [str(memory_limit), repr(budget)],
            size=self.size,
            recycle_after=RECYCLE_AFTER,
            name="interpret",
        )

    @property
    def started(self) -> int:
        """Worker processes started, for tests and benchmarks."""
        return self._workers.started

    def interpret(
        self,
        events: Sequence[RecordedEvent],
        subjects: Sequence[Subject],
        pages: Mapping[int, ArticleTextFetched] | None = None,
    ) -> dict[int, Interpreted]:
        if not events:
            return {}
        rules = tuple(subjects)
        key = hashlib.sha256(pickle.dumps(rules)).hexdigest()
        results: dict[int, Interpreted] = {}
        # The workers are sent plain values, not the events' models (several times dearer to pickle).
        found = pages or {}
        articles: list[ArticleInput] = []
        for event in events:
            article = article_input(event, found.get(event.position))
            if article is None:
                results[event.position] = Interpreted(())
            else:
                articles.append(article)
        slices: queue.SimpleQueue[list[ArticleInput]] = queue.SimpleQueue()
        for start in range(0, len(articles), SLICE):
            slices.put(articles[start : start + SLICE])
        runs = min(self.size, (len(articles) + SLICE - 1) // SLICE)
        executor = self._workers.executor
        futures = [executor.submit(self._drain, slices, key, rules, results) for _ in range(runs)]
        for future in futures:
            future.result()
        return results

    def close(self) -> None:
        """Stop every worker; interpretations in progress fail."""
        self._workers.close()

    def __enter__(self) -> InterpretPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- one thread's share of a batch ------------------------------------------------------------

    def _drain(
        self,
        slices: queue.SimpleQueue[list[ArticleInput]],
        key: str,
        rules: tuple[Subject, ...],
        results: dict[int, Interpreted],
    ) -> None:
        while True:
            try:
                todo = slices.get_nowait()
            except queue.Empty:
                return
            careful = False
            while todo:  # a killed worker leaves the rest of its slices to a fresh one
                more = None if careful else slices
                todo, careful = self._run_slice(todo, key, rules, results, careful=careful, more=more)

    def _run_slice(
        self,
        todo: list[ArticleInput],
        key: str,
        rules: tuple[Subject, ...],
        results: dict[int, Interpreted],
        *,
        careful: bool,
        more: queue.SimpleQueue[list[ArticleInput]] | None = None,
    ) -> tuple[list[ArticleInput], bool]:
        """Interpret `todo` on one worker, then the slices taken from `more`, if given; returns what
        is left if the worker had to be killed, and whether that must be interpreted `careful`ly.

        The worker sends its answers in lists, holding them at most `reply_every` seconds (a
        message costs more than dismissing an article), so when it has to be killed the article
        it was stuck on is not known: the articles it had not answered for are given to a fresh
        worker that answers each at once (`careful`), which finds the culprit, skips it, and goes
        on. Slices from `more` are sent one ahead, so the worker never waits for its next slice
        while the last one's answers are received; a thread of its own sends it (a worker's
        answers may be larger than the socket's buffer: it must be free to send them)."""
        try:
            worker = self._workers.checkout()
        except WorkerUnavailable as exc:
            raise InterpretationFailed(f"interpretation worker unavailable: {exc}") from None
        every = 0.0 if careful else self.reply_every
        done, ends = 0, [len(todo)]  # answers received; where each slice sent ends in `todo`
        sender = _Sender(worker) if more is not None else None
        try:
            self._load_rules(worker, key, rules)
            worker.conn.send(("batch", key, todo, every))
            while done < len(todo):
                if sender is not None and more is not None and len(ends) < 2:
                    following = _taken(more)
                    if following:
                        todo = [*todo, *following]
                        ends.append(len(todo))
                        sender.send(("batch", key, following, every))
                if not worker.conn.poll(self.backstop):
                    raise TimeoutError
                for kind, position, value in worker.conn.recv():
                    results[position] = Interpreted(tuple(value)) if kind == "ok" else Interpreted((), value)
                    done += 1
                ends = [end for end in ends if end > done]
        except (TimeoutError, EOFError, OSError, WorkerDied) as exc:
            self._workers.discard(worker)
            return self._left_after(exc, todo[done:], results, careful=careful)
        except BaseException:
            self._workers.discard(worker)
            raise
        finally:
            if sender is not None:
                sender.close()
        worker.uses += done
        self._workers.checkin(worker)
        return [], False

    def _left_after(
        self,
        exc: BaseException,
        unanswered: list[ArticleInput],
        results: dict[int, Interpreted],
        *,
        careful: bool,
    ) -> tuple[list[ArticleInput], bool]:
        """What is left to interpret after a worker was killed or died with `unanswered` articles:
        all of them, carefully; or, if it was already careful, all but the first, which it was on."""
        if not careful:
            return unanswered, True
        if unanswered:
            reason = (
                f"interpretation stopped after {self.backstop:g} s"
                if isinstance(exc, TimeoutError)
                else "interpretation worker died"
            )
            results[unanswered[0].position] = Interpreted((), reason)
        return unanswered[1:], False

    @staticmethod
    def _load_rules(worker: WorkerProcess, key: str, rules: tuple[Subject, ...]) -> None:
        """Have the worker compile the rules (once per worker), so compiling never counts
        against an article."""
        if worker.loaded == key:
            return
        try:
            said = worker.request(("subjects", key, rules), START_TIMEOUT)
        except TimeoutError:
            said = None
        if not said or said[0] != "compiled":
            raise InterpretationFailed("interpretation worker did not compile the rules")
        worker.loaded = key


def _taken(slices: queue.SimpleQueue[list[ArticleInput]]) -> list[ArticleInput]:
    """The next slice, or an empty one when none is left."""
    try:
        return slices.get_nowait()
    except queue.Empty:
        return []


class _Sender:
    """Sends a worker its messages, in order, from a thread of its own, on a duplicate of the
    worker's socket (closing the worker's never leaves this thread writing to a reused descriptor);
    a failure to send is left for the receiving side to find (no answer, or the socket closed)."""

    def __init__(self, worker: WorkerProcess) -> None:
        from multiprocessing.connection import Connection

        self._conn = Connection(os.dup(worker.conn.fileno()))
        self._outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="interpret-send", daemon=True)
        self._thread.start()

    def send(self, message: object) -> None:
        self._outbox.put(message)

    def close(self) -> None:
        self._outbox.put(None)

    def _run(self) -> None:
        try:
            while (message := self._outbox.get()) is not None:
                self._conn.send(message)
        except OSError:  # the worker ended or was killed
            pass
        finally:
            self._conn.close()
