"""The worker's side of a worker process: its limits, set before it imports what it runs.

A worker reads requests from the socket the pool passed it (`connection`), says ("ready", None)
once its imports are done (so that importing never counts against a request), and answers each
request until the socket closes.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from collections.abc import Iterator
from multiprocessing.connection import Connection
from types import FrameType


class OverBudget(BaseException):
    """The request used up its CPU budget. Not an Exception: libraries that catch every Exception
    (trafilatura does, around its steps) must not swallow it."""


def _over_budget(signum: int, frame: FrameType | None) -> None:
    raise OverBudget


def connection(fd: str) -> Connection:
    """The worker's end of the socket the pool passed as file descriptor `fd`."""
    return Connection(int(fd))


def confine(memory_limit: int) -> None:
    """Limit this process's address space, leave its ending to the parent, and spare it pydantic's
    search for plugins."""
    # The models are the application's own: no plugin observes them, so a worker's first decode
    # need not scan every installed distribution's entry points (a few tenths of a second on a
    # loaded machine, counted against the article it decodes), whatever process started the pool.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # Ctrl-C reaches the whole process group; the parent decides when a worker ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    signal.signal(signal.SIGPROF, _over_budget)


@contextlib.contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise OverBudget in the body once it has used `seconds` of CPU. CPU time, not wall time: a
    loaded machine must not make a normal request look hostile. (A long call inside C code is
    only interrupted when it returns to Python: the pool's wall-time backstop covers that.)"""
    # Repeated after the first expiry, in case a bare `except:` swallowed the first one.
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)


def error_text(exc: BaseException, limit: int = 300) -> str:
    """An unexpected failure, in one short line for the parent to record."""
    return f"{type(exc).__name__}: {exc}"[:limit]


def answer(conn: Connection, reply: object) -> bool:
    """Send a reply; False when the parent has gone (the worker should then end)."""
    try:
        conn.send(reply)
    except (EOFError, OSError):
        return False
    return True
