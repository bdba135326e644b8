"""The `tracker` command: parse arguments, call the application, format the output.

Data goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 a handled error (bad
configuration, lock held, verification failed), 2 bad usage, 3 a fetch in which every feed
failed. `group.py` holds what every command shares (the parameter types are
`tracker.cliparams`); the commands live by what they are about: `polling.py` (fetch, daemon,
feeds, prune), `feedlist.py` (feeds add, remove, import, export), `interpretation.py` (rebuild,
assert, retract, eval), `reading.py` (report, events, verify, demo), `changes.py` (changes),
`alerts.py` (alerts, alerts test) and `serve.py` (serve: the store in Datasette). A command's
module is imported only when it runs (`group.COMMAND_MODULES`).
"""

import gc
import os

# The models are the application's own: no pydantic plugin observes them, so pydantic need not
# scan every installed distribution's entry points for one (every command that decodes events pays it).
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

from tracker.cli.group import main

__all__ = ["main", "run"]


def run() -> None:
    """The `tracker` command as its own process runs it (`python -m tracker`, the installed script);
    tests call the command group, `main`, in theirs."""
    try:
        main()
    finally:
        # On its way out the interpreter collects cycles among everything still alive, every module,
        # class and function loaded, several times over: 10-15 ms of any command, two thirds of its
        # exit. Frozen, they are left to the system, which takes the process's memory back whole;
        # what is in no cycle is still freed as before, and each command has closed its store.
        gc.freeze()
