"""The interpretation worker process: `python -m tracker.interpretation.worker FD MEMORY_LIMIT BUDGET`.

Says ("ready", None) once imported, then reads requests from the socket FD:

* ("subjects", key, subjects): the rules the next batches are interpreted with, compiled at once
  (so that compiling never counts against an article) and acknowledged with ("compiled", key, None);
* ("batch", key, articles, every): `ArticleInput`s (an article version, with its page's text),
  answered with one reply per article, in order: ("ok", position, rows), or ("skipped", position,
  reason) when the article needs more than BUDGET seconds of CPU or more memory than MEMORY_LIMIT,
  or its extraction fails. Replies are sent in lists, each once `every` seconds have passed since
  the last list was sent (and the rest at the end of the batch): one message for a few hundred
  articles instead of one each, since most articles take a few microseconds to dismiss and a
  message costs more. With `every` at 0, each reply is sent alone, before the next article starts.

After a memory failure it exits once the batch is answered: its heap may be fragmented.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import Any

from tracker.workers.child import OverBudget, answer, confine, connection, cpu_budget, error_text

_ERROR_TEXT = 200
Reply = tuple[str, int, Any]
# How much lower the worker's scheduling priority is than its parent's. The parent writes what the
# workers found, holding the store's write lock while it does: with the workers at its own priority
# it got two thirds of a core beside them, and a 100,000-article rebuild's transactions took 5.1-5.2 s
# of wall time for 2.8 s of its CPU; at 5, 3.3-3.5 s, and another writer's longest wait beside it
# fell from 0.73 s to 0.44 s. Under other load, interpretation gives way.
NICENESS = 5


def serve(conn: Connection, memory_limit: int, budget: float) -> None:
    confine(memory_limit)
    os.nice(NICENESS)
    # Everything extraction loads on first use is imported before "ready", so that it counts
    # neither against an article's budget nor against the pool's wall-time backstop.
    import tracker.extract.pipeline
    import tracker.extract.text  # noqa: F401
    from tracker.extract.matching import compile_subjects
    from tracker.projections.article_facts import facts_of

    conn.send(("ready", None))
    subjects: dict[str, Sequence[Any]] = {}
    exhausted = False
    over_budget = f"over its interpretation budget of {budget:g} s"
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
        _, key, articles, every = message
        replies: list[Reply] = []
        sent = time.monotonic()
        for article in articles:
            if replies and time.monotonic() - sent >= every:
                if not answer(conn, replies):
                    return
                replies, sent = [], time.monotonic()
            try:
                with cpu_budget(budget):
                    rows = facts_of(article, subjects[key])
                replies.append(("ok", article.position, rows))
            except OverBudget:
                replies.append(("skipped", article.position, over_budget))
            except MemoryError:
                exhausted = True
                replies.append(("skipped", article.position, f"needed over {memory_limit // 2**20} MiB"))
            except Exception as exc:
                replies.append(("skipped", article.position, error_text(exc, _ERROR_TEXT)))
        if not answer(conn, replies):
            return


def main(argv: list[str]) -> int:
    serve(connection(argv[1]), int(argv[2]), float(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
