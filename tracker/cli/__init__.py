"""The `tracker` command: parse arguments, call the application, format the output.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 a handled error (bad
configuration, lock held, verification failed), 2 bad usage, 3 a fetch in which every feed
failed. `group.py` holds what every command shares, `dates.py` the one date grammar; the
commands live by what they are about: `polling.py` (fetch, daemon, feeds, prune), `feedlist.py`
(feeds add, remove, import, export), `interpretation.py` (rebuild, assert, retract, eval) and
`reading.py` (report, events, verify, demo).
"""

from tracker.cli import (  # noqa: F401 - each registers its commands
    alerts,
    changes,
    feedlist,
    interpretation,
    polling,
    reading,
    serve,
)
from tracker.cli.group import main

__all__ = ["main"]
