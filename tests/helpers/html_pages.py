"""Reports for the HTML tests, built by the real pipeline into real SQLite files: the demo (through
`tracker demo`), the demo plus a hostile outlet served on loopback (through `tracker fetch`), and
a store of many analysts' assertions."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.helpers.cli import invoke
from tests.helpers.feed_server import FeedServer, Item
from tracker.demo.outlets import demo_outlets
from tracker.demo.server import DemoServer
from tracker.events import FactAsserted
from tracker.storage.store import Store
from tracker.subjects import load_shipped_subjects

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOSTILE_TITLE = f"Hostile {SCRIPT}{IMG}"


HOSTILE_ITEM = Item(
    guid="seven-freed",
    title=f"Belarus frees 7 prisoners {SCRIPT}{IMG}",
    text=f"Belarus freed seven political prisoners on Monday, officials said. {IMG}",
    published="Mon, 20 Oct 2025 09:00:00 GMT",
)


def run_ok(*args: str | Path) -> str:
    """`tracker ARGS…` in this process; its stdout (it must succeed)."""
    result = invoke(*(str(a) for a in args))
    assert result.exit_code == 0, result.output
    return result.stdout


def demo_report(folder: Path) -> dict[str, Any]:
    """The demo's outlets and a fourth whose feed title and article carry markup, fetched as the
    demo does (a fetch, the wire's correction, a fetch): the report as JSON, as `tracker report`
    gives it. `tracker demo` itself keeps its store to the demo's outlets."""
    db, config = folder / "events.db", folder / "feeds.toml"
    with DemoServer() as demo, FeedServer() as server:
        url = server.feed("/hostile.xml", [HOSTILE_ITEM])
        feeds = [
            f'id = "{f.id}"\nurl = "{f.url}"\ntitle = "{f.title}"\npublisher = "{f.publisher}"\n'
            for f in demo_outlets(demo.base_url)
        ]
        feeds.append(
            f'id = "hostile"\nurl = "{url}"\ntitle = "{HOSTILE_TITLE}"\npublisher = "{HOSTILE_TITLE}"\n'
        )
        # No pause between two page requests to one host: the pages are not what is tested here.
        unpaused = '[fetch]\npage_delay = "0s"\n\n'
        config.write_text(unpaused + "".join(f"[[feeds]]\n{feed}\n" for feed in feeds), "utf-8")
        run_ok("fetch", "--config", config, "--db", db)
        demo.publish_wire_update()
        run_ok("fetch", "--config", config, "--db", db)
    report: dict[str, Any] = json.loads(run_ok("report", "--config", config, "--db", db, "--format", "json"))
    return report


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
    with Store.open(db) as store, store.transaction():
        store.append(events)
    config = db.with_name("no-feeds.toml")
    config.write_text("# the shipped subjects, no feeds\n", encoding="utf-8")
    report: dict[str, Any] = json.loads(run_ok("report", "--config", config, "--db", db, "--format", "json"))
    return report
