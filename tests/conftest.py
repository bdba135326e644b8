"""Fixtures shared by the whole suite: a clock that moves only when told, a fresh store on disk,
the application assembled around it, a loopback feed server and a loopback webhook receiver.

Helpers that tests import by name live in `tests/helpers/`: `cli.tracker` and `cli.invoke` (the
real command, in a child process or in this one), `feed_server.FeedServer` (the one loopback HTTP
server), `events` (event factories) and `clock.StepClock`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.clock import StepClock
from tests.helpers.feed_server import FeedServer
from tests.helpers.webhook import WebhookReceiver
from tracker.bootstrap import Tracker, assemble
from tracker.config import default_config
from tracker.storage.store import Store


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
