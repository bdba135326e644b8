"""The parse worker process: `python -m tracker.parsing.worker FD MEMORY_LIMIT`.

Says ("ready", None) once imported, then reads (body, content_type, url) requests from the socket
FD and answers each with ("ok", ParsedFeed),
("error", ParseError), ("memory", None) or ("crash", text), until the socket closes. Runs under an
address-space limit so that a hostile document fails here, not in the daemon.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection
from typing import Any

from tracker.workers.child import confine, connection


def serve(conn: Connection, memory_limit: int) -> None:
    confine(memory_limit)
    from tracker.errors import FeedError
    from tracker.parsing.feed import parse_feed

    conn.send(("ready", None))  # the parse timeout starts counting after the imports
    while True:
        try:
            body, content_type, url = conn.recv()
        except (EOFError, OSError):
            return
        reply: tuple[str, Any]
        try:
            reply = ("ok", parse_feed(body, content_type=content_type, url=url))
        except FeedError as exc:
            # The parser reports its own MemoryError as a ParseError; the limit is what matters.
            reply = ("memory", None) if isinstance(exc.__cause__, MemoryError) else ("error", exc)
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:
            reply = ("crash", f"{type(exc).__name__}: {exc}"[:300])
        del body
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("memory", None))
        except (EOFError, OSError):
            return
        except Exception as exc:  # an unpicklable result: say so rather than leave the parent waiting
            conn.send(("crash", f"result not transferable: {type(exc).__name__}"))


def main(argv: list[str]) -> int:
    serve(connection(argv[1]), int(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
