"""The interpretation worker process: `python -m tracker.interpretation.worker FD MEMORY_LIMIT BUDGET`.

Says ("ready", None) once imported, then reads requests from the socket FD:

* ("subjects", key, subjects): the rules the next batches are interpreted with, compiled at once
  (so that compiling never counts against an article) and acknowledged with ("compiled", key, None);
* ("batch", key, readings): (event, page or None) pairs, answered with one reply per event, in
  order: ("ok", position, rows),
  or ("skipped", position, reason) when the article needs more than BUDGET seconds of CPU or more
  memory than MEMORY_LIMIT, or its extraction fails.

After a memory failure it exits once the batch is answered: its heap may be fragmented.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from tracker.workers.child import OverBudget, answer, confine, connection, cpu_budget, error_text

_ERROR_TEXT = 200


def serve(conn: Connection, memory_limit: int, budget: float) -> None:
    confine(memory_limit)
    # Everything extraction loads on first use is imported before "ready", so that importing never
    # counts against an article's budget or the pool's wall-time backstop.
    import tracker.extract.pipeline
    import tracker.extract.text  # noqa: F401
    from tracker.extract.matching import compile_subjects
    from tracker.projections.facts import facts_from_article

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
        _, key, readings = message
        for recorded, page in readings:
            reply: tuple[str, int, Any]
            try:
                with cpu_budget(budget):
                    rows = facts_from_article(recorded, subjects[key], page=page)
                reply = ("ok", recorded.position, rows)
            except OverBudget:
                reply = ("skipped", recorded.position, f"over its interpretation budget of {budget:g} s")
            except MemoryError:
                exhausted = True
                reply = ("skipped", recorded.position, f"needed over {memory_limit // 2**20} MiB")
            except Exception as exc:
                reply = ("skipped", recorded.position, error_text(exc, _ERROR_TEXT))
            if not answer(conn, reply):
                return


def main(argv: list[str]) -> int:
    serve(connection(argv[1]), int(argv[2]), float(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
