"""Reports for the HTML tests, built by the real pipeline into real SQLite files: the demo (through
`tracker demo`), the demo plus a hostile outlet served on loopback (through `tracker fetch`), and
a store of many analysts' assertions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from tracker.cli import main
from tracker.events import FactAsserted
from tracker.store import Store
from tracker.subjects import load_shipped_subjects

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(2)>"
HOSTILE_TITLE = f"Hostile {SCRIPT}{IMG}"


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


def tracker(*args: str | Path) -> str:
    """Run a `tracker` command; its stdout (it must succeed)."""
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


class _HostileFeed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(HOSTILE_FEED)))
        self.end_headers()
        self.wfile.write(HOSTILE_FEED)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def hostile_feed() -> Iterator[str]:
    """The hostile outlet's feed URL on loopback, while the context is open."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HostileFeed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hostile.xml"
    finally:
        server.shutdown()
        server.server_close()


def demo_report(folder: Path) -> dict[str, Any]:
    """The demo's store, then a fourth outlet whose feed title and article carry markup: the report
    as JSON, as `tracker report` gives it."""
    db, config = folder / "events.db", folder / "feeds.toml"
    tracker("demo", "--db", db, "--format", "json")
    with hostile_feed() as url:
        feed = f'id = "hostile"\nurl = "{url}"\ntitle = "{HOSTILE_TITLE}"\npublisher = "{HOSTILE_TITLE}"\n'
        config.write_text(f"[[feeds]]\n{feed}", "utf-8")
        tracker("fetch", "--config", config, "--db", db)
    report: dict[str, Any] = json.loads(tracker("report", "--config", config, "--db", db, "--format", "json"))
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
    report: dict[str, Any] = json.loads(tracker("report", "--config", config, "--db", db, "--format", "json"))
    return report
