"""The interpretation worker process: `python -m tracker.interpretation.worker FD MEMORY_LIMIT BUDGET`.

Says ("ready", None) once imported, then reads requests from the socket FD:

* ("subjects", key, subjects): the rules the next batches are interpreted with, compiled at once
  (so that compiling never counts against an article) and acknowledged with ("compiled", key, None);
* ("batch", key, events): answered with one reply per event, in order: ("ok", position, rows),
  or ("skipped", position, reason) when the article needs more than BUDGET seconds of CPU or more
  memory than MEMORY_LIMIT, or its extraction fails.

After a memory failure it exits once the batch is answered: its heap may be fragmented.
"""

from __future__ import annotations

import contextlib
import resource
import signal
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from types import FrameType
from typing import Any

_ERROR_TEXT = 200


class _OverBudget(Exception):
    pass


def _over_budget(signum: int, frame: FrameType | None) -> None:
    raise _OverBudget


def serve(conn: Connection, memory_limit: int, budget: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when a worker ends
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    from tracker.extract.matching import compile_subjects
    from tracker.projections.facts import facts_from_article

    # CPU time, not wall time: a loaded machine must not make a normal article look hostile.
    signal.signal(signal.SIGPROF, _over_budget)
    conn.send(("ready", None))
    subjects: dict[str, Sequence[Any]] = {}
    exhausted = False
    while not exhausted:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message[0] == "subjects":
            subjects = {message[1]: tuple(message[2])}
            compile_subjects(subjects[message[1]])
            conn.send(("compiled", message[1], None))
            continue
        _, key, events = message
        for recorded in events:
            reply: tuple[str, int, Any]
            try:
                signal.setitimer(signal.ITIMER_PROF, budget)
                try:
                    rows = facts_from_article(recorded, subjects[key])
                finally:
                    signal.setitimer(signal.ITIMER_PROF, 0)
                reply = ("ok", recorded.position, rows)
            except _OverBudget:
                reply = ("skipped", recorded.position, f"over its interpretation budget of {budget:g} s")
            except MemoryError:
                exhausted = True
                reply = ("skipped", recorded.position, f"needed over {memory_limit // 2**20} MiB")
            except Exception as exc:
                reply = ("skipped", recorded.position, f"{type(exc).__name__}: {exc}"[:_ERROR_TEXT])
            try:
                conn.send(reply)
            except (EOFError, OSError):
                return


def main(argv: list[str]) -> int:
    fd, memory_limit, budget = int(argv[1]), int(argv[2]), float(argv[3])
    serve(Connection(fd), memory_limit, budget)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
