"""The demo in tests: its outlets as a test's configuration (`tracker demo`'s own, without the
pause between two page requests to one host, which only makes a test wait: these tests are not
about pages), and the suite's one run of it (`demo_run` in conftest.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import NamedTuple

from tracker.config import Config
from tracker.demo.run import demo_config
from tracker.demo.server import DemoServer


class DemoRun(NamedTuple):
    db: Path  # the store it wrote
    out: str  # what it printed: the report, as JSON


def unpaused_demo_config(server: DemoServer) -> Config:
    config = demo_config(server)
    return dataclasses.replace(config, fetch=dataclasses.replace(config.fetch, page_delay="0s"))
