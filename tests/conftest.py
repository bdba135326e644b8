"""Fixtures shared by the whole suite: a clock that moves only when told, a fresh store on disk,
the application assembled around it, a loopback feed server, a loopback webhook receiver, the
store `tracker demo` writes (built once per test process: tests that write to it take a copy), and
the worker pools every application of a test process shares.

Helpers that tests import by name live in `tests/helpers/`: `cli.tracker` and `cli.invoke` (the
real command, in a child process or in this one), `feed_server.FeedServer` (the one loopback HTTP
server), `events` (event factories) and `clock.StepClock`.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import in_process
from tests.helpers.clock import StepClock
from tests.helpers.demo import DemoRun
from tests.helpers.feed_server import FeedServer
from tests.helpers.webhook import WebhookReceiver
from tracker import bootstrap
from tracker.bootstrap import Tracker, assemble
from tracker.config import default_config
from tracker.interpretation.pool import WORKERS_ENV
from tracker.storage.store import Store

# One interpreting process per pool, here (see shared_worker_pools) and in the commands the suite
# runs as child processes: the tests' stores hold a few dozen articles, and each worker costs a
# start-up. The pool's own tests give their sizes explicitly.
os.environ.setdefault(WORKERS_ENV, "1")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two test processes a core. Many tests spend much of their time waiting (on a
    child process, a loopback server, a worker pool, a daemon's timer), and a second process per
    core runs another test meanwhile: the default suite took about a third less wall time so."""
    return 2 * (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class KeptOpen:
    """A worker pool shared by the applications of one test process: `close()` leaves its workers
    running for the next application; `stop()` ends them."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    def close(self) -> None:
        """Kept for the next application."""

    def stop(self) -> None:
        self._pool.close()


@pytest.fixture(scope="session", autouse=True)
def shared_worker_pools() -> Iterator[None]:
    """One parse, page extraction and interpreting pool of each size and budget per test process,
    for every application the tests assemble (the commands run in this process included): a worker
    costs an interpreter start-up and its imports (an interpreting one about a second of CPU), and
    the suite assembles over a hundred applications. The workers are real processes all the same.
    Tests of the pools themselves build their own (`ParsePool(…)`, `InterpretPool(…)`, …)."""
    pools: dict[tuple[object, ...], KeptOpen] = {}

    def sharing(factory: Callable[..., Any]) -> Callable[..., Any]:
        def shared(*args: Any, **kwargs: Any) -> KeptOpen:
            key = (factory.__name__, args, tuple(sorted(kwargs.items())))
            if key not in pools:
                pools[key] = KeptOpen(factory(*args, **kwargs))
            return pools[key]

        return shared

    with pytest.MonkeyPatch.context() as patch:
        for name in ("parse_pool", "extract_pool", "interpret_pool"):
            patch.setattr(bootstrap, name, sharing(getattr(bootstrap, name)))
        yield
    for pool in pools.values():
        pool.stop()


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
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`tracker demo --format json`, run once per test process: read its store only."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    run = in_process("demo", "--format", "json", "--db", str(db))
    assert run.code == 0, run.err
    assert json.loads(run.out)["articles"] == 15
    return DemoRun(db, run.out)


@pytest.fixture(scope="session")
def demo_db(demo_run: DemoRun) -> Path:
    """The store `tracker demo` writes, shared by every test of this process: read it only."""
    return demo_run.db


@pytest.fixture
def demo_copy(demo_db: Path, tmp_path: Path) -> Path:
    """A copy of the demo's store in the test's own folder, to write to."""
    db = tmp_path / "demo.db"
    shutil.copy(demo_db, db)
    return db
