"""The demo's outlets as a test's configuration: `tracker demo`'s own, without the pause between
two page requests to one host, which only makes a test wait (these tests are not about pages)."""

from __future__ import annotations

import dataclasses

from tracker.config import Config
from tracker.demo.run import demo_config
from tracker.demo.server import DemoServer


def unpaused_demo_config(server: DemoServer) -> Config:
    config = demo_config(server)
    return dataclasses.replace(config, fetch=config.fetch.model_copy(update={"page_delay": "0s"}))
