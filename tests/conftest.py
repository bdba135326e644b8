"""Fixtures shared by the whole suite: a clock that moves only when told, a fresh store on disk,
the application assembled around it, a loopback feed server, a loopback webhook receiver, and the
store `tracker demo` writes (built once per test process: tests that write to it take a copy).

Helpers that tests import by name live in `tests/helpers/`: `cli.tracker` and `cli.invoke` (the
real command, in a child process or in this one), `feed_server.FeedServer` (the one loopback HTTP
server), `events` (event factories) and `clock.StepClock`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.cli import in_process
from tests.helpers.clock import StepClock
from tests.helpers.feed_server import FeedServer
from tests.helpers.webhook import WebhookReceiver
from tracker.bootstrap import Tracker, assemble
from tracker.config import default_config
from tracker.interpretation.pool import WORKERS_ENV
from tracker.storage.store import Store

# One interpreting process per application the suite opens, here and in the commands it runs as
# child processes: the tests' stores hold a few dozen articles, and each worker costs a start-up.
# The pool's own tests give their sizes explicitly.
os.environ.setdefault(WORKERS_ENV, "1")


@pytest.fixture
def clock() -> StepClock:
    return StepClock()


@pytest.fixture
def new_store(tmp_path: Path, clock: StepClock) -> Iterator[Store]:
    """An empty store in a fresh file, on the test's clock."""
    with Store.open(tmp_path / "events.db", clock=clock) as store:
        yield store


@pytest.fixture
def tracker_app(new_store: Store) -> Tracker:
    """The application (shipped subjects, no feeds) around `new_store`."""
    return assemble(default_config(), new_store)


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store `tracker demo` writes, shared by every test of this process: read it only."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    run = in_process("demo", "--format", "json", "--db", str(db))
    assert run.code == 0, run.err
    assert json.loads(run.out)["articles"] == 15
    return db


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo's store in the test's own folder, to write to."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    return db
