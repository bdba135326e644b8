"""Reports for the HTML tests, each built by the real pipeline into a real SQLite store: the demo
coverage plus a hostile outlet, and a store of many analysts' assertions."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tracker import app
from tracker.config import Config, FeedConfig
from tracker.demo.run import demo_config
from tracker.demo.server import DemoServer, bundled_documents
from tracker.events import FactAsserted
from tracker.report import build_report
from tracker.store import Store
from tracker.subjects import load_shipped_subjects

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOSTILE_TITLE = f"Hostile {SCRIPT}{IMG} \x1b]0;pwned\x07\u202eevil"


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


HOSTILE_FEED = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>{_xml(HOSTILE_TITLE)}</title><link>https://hostile.invalid/</link><description>x</description>
  <item>
    <title>Belarus frees 7 prisoners {_xml(SCRIPT + IMG)}</title>
    <link>https://hostile.invalid/seven-freed</link>
    <guid>https://hostile.invalid/seven-freed</guid>
    <pubDate>Mon, 20 Oct 2025 09:00:00 GMT</pubDate>
    <description>Belarus freed seven political prisoners on Monday, officials said. {_xml(IMG)}</description>
  </item>
</channel></rss>
""".encode()


def demo_report(db: Path, *, hostile: bool = True) -> dict[str, Any]:
    """The demo's two fetches, with (if `hostile`) a fourth outlet whose feed title and article
    carry markup."""
    with DemoServer({**bundled_documents(), "/hostile.xml": HOSTILE_FEED}) as server, Store.open(db) as store:
        demo = demo_config(server)
        extra = FeedConfig(
            id="hostile",
            url=server.url("hostile"),
            title=HOSTILE_TITLE,
            publisher=HOSTILE_TITLE,
            interval="15m",
        )
        config = Config(path=None, feeds=(*demo.feeds, *([extra] if hostile else [])), subjects=demo.subjects)
        asyncio.run(app.fetch_feeds(config, store))
        server.publish_wire_update()
        asyncio.run(app.fetch_feeds(config, store))
        return build_report(store, config)


def busy_report(db: Path, assertions: int = 590) -> dict[str, Any]:
    """Analysts' assertions on every shipped subject, every day or two for over a year, then a
    burst of a dozen a day: well over 500 timeline entries."""
    subjects = load_shipped_subjects()
    cycle = {s.id: [state.id for state in s.states] for s in subjects if s.kind != "tally"}
    order = [s.id for s in subjects]
    events = []
    for i in range(assertions):
        subject = order[i % len(order)]
        day = date(2024, 1, 1) + timedelta(days=int(i * 1.3))
        if i >= assertions - 110:
            day = date(2025, 6, 1) + timedelta(days=(i - assertions + 110) // 12)
        source = f"https://example.org/assertion/{i}"
        if subject in cycle:
            state = cycle[subject][(i // len(order)) % len(cycle[subject])]
            events.append(
                FactAsserted(subject=subject, state=state, date=day, source=source, note=f"Note {i}")
            )
        else:
            events.append(
                FactAsserted(subject=subject, count=1 + i % 17, date=day, source=source, note=f"Note {i}")
            )
    with Store.open(db) as store:
        with store.transaction():
            store.append(events)
        return build_report(store, Config(path=None, feeds=(), subjects=subjects))
