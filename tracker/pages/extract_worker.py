"""The page extraction worker process: `python -m tracker.pages.extract_worker FD MEMORY_LIMIT BUDGET`.

Says ("ready", None) once trafilatura is imported and has read one page, then reads (html, url)
requests from the socket FD and answers each with ("ok", Extraction), ("over-budget", None) when
the page needs more than BUDGET seconds of CPU, ("memory", None) when it needs more than
MEMORY_LIMIT bytes of address space, or ("crash", text). After a memory failure the pool ends the
worker: its heap may be fragmented.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection
from typing import Any

from tracker.workers.child import OverBudget, answer, confine, connection, cpu_budget, error_text

_WARM_UP = (
    "<html><head><title>Warm-up</title><meta name='author' content='A'></head><body><article>"
    + "<p>A paragraph of a page read once when the worker starts, dated 2 March 2026.</p>" * 4
    + "</article></body></html>"
).encode()


def serve(conn: Connection, memory_limit: int, budget: float) -> None:
    confine(memory_limit)
    from tracker.pages.extract import extract_page

    # trafilatura imports and compiles much on its first page: done before "ready", so that it
    # never counts against a page's budget.
    extract_page(_WARM_UP, "https://example.org/warm-up")
    conn.send(("ready", None))
    while True:
        try:
            html, url = conn.recv()
        except (EOFError, OSError):
            return
        reply: tuple[str, Any]
        try:
            with cpu_budget(budget):
                reply = ("ok", extract_page(html, url))
        except OverBudget:
            reply = ("over-budget", None)
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:
            reply = ("crash", error_text(exc))
        del html
        if not answer(conn, reply):
            return


def main(argv: list[str]) -> int:
    serve(connection(argv[1]), int(argv[2]), float(argv[3]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
