"""What `tracker --help`, `tracker report` and `tracker fetch` import: a command run from a shell or
cron must start at once. Neither `--help` nor `report` loads the network stack, the feed parser,
the scheduler, the demo's server or the extractor; `--help` not even the configuration, the store,
the fold or the report; `report` read from the projected tables not the fold itself nor the
facts it reads, only the vocabulary of what it made; `report`, whatever it is asked (a day, a
moment, details), neither sqlite-utils (it reads with plain SQL), pydantic nor the event models (it
reads the projections' tables and decodes no event), the audit behind `verify`, nor the other
commands. `fetch` leaves parsing to its workers and page
extraction to its own, and never loads httpx's command-line client; a `fetch` that finds nothing
new (every feed answers 304) appends no event and parses nothing, so it loads neither the event
models (nor pydantic), sqlite-utils, the entry planner, the page fetcher, the alerts, the worker
processes' plumbing nor httpx (its conditional GETs go by the light path). An interpretation
worker, started for every rebuild and first fetch, reads articles without pydantic or the event
models: it is sent plain values."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.feed_server import FeedServer, Item, write_feeds

SHIPPED_CONFIG = Path(__file__).parent.parent / "feeds.toml"

# Run the command in-process, then list every module it loaded.
_PROBE = """
import contextlib, io, json, sys
from tracker.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit as exc:
        assert not exc.code, exc.code
print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))
"""

NEVER_AT_START = {
    "apscheduler",
    "dateparser",
    "feedparser",
    "http.server",
    "httpcore",
    "httpx",
    "jinja2",
    "lxml",
    "syntok",
    "text2num",
    "tracker.app",
    "tracker.daemon",
    "tracker.demo.server",
    "tracker.extract.pipeline",
    "tracker.net.fetch",
    "tracker.parsing",
    "tracker.polling",
}
NOT_FOR_HELP = {
    "pydantic",
    "rich",
    "sqlite_utils",
    "tracker.bootstrap",
    "tracker.config",
    "tracker.events",
    "tracker.fold",
    "tracker.projections",
    "tracker.report",
    "tracker.storage.store",
    "tracker.subjects",
}
NOT_FOR_REPORT = {
    "annotated_types",
    "asyncio",
    "importlib.resources",  # the shipped subjects are read as the files beside their module
    "pydantic",
    "pydantic_core",
    "rich",
    "sqlite_utils",
    "tracker.cli.alerts",
    "tracker.cli.changes",
    "tracker.cli.feedlist",
    "tracker.cli.interpretation",
    "tracker.cli.polling",
    "tracker.cli.serve",
    "tracker.events",
    "tracker.extract.text",
    "tracker.storage.audit",  # only `verify` audits the log
}
# The fold itself and the fact records it reads: a report read from the projected tables needs
# only the vocabulary of what it made.
FOLDING = {
    "tracker.extract.model",
    "tracker.fold.fact",
    "tracker.fold.cluster",
    "tracker.fold.identity",
    "tracker.fold.state",
    "tracker.fold.story",
    "tracker.fold.tally",
}
NOT_FOR_FETCH = {
    "apscheduler",
    "dateparser",
    "defusedxml",
    "feedparser",
    "httpx._main",
    "jinja2",
    "lxml",
    "pygments",
    "rich",
    "syntok",
    "trafilatura",
    "tracker.cli.alerts",
    "tracker.cli.reading",
    "tracker.daemon",
    "tracker.demo.server",
    "tracker.extract.pipeline",
    "tracker.extract.text",
    "tracker.parsing.feed",
    "tracker.report.html",
}

# Beyond NOT_FOR_FETCH: what only a pass that found something new needs.
NOT_FOR_UNCHANGED_FETCH = {
    "annotated_types",
    "anyio",
    "httpcore",
    "httpx",
    "multiprocessing",
    "pydantic",
    "pydantic_core",
    "sqlite_utils",
    "tracker.alerts.reactor",
    "tracker.events",
    "tracker.ingest",
    "tracker.net.client",
    "tracker.pages.extract",
    "tracker.pages.extract_pool",
    "tracker.pages.fetching",
}


def loaded(args: list[str], cwd: Path) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return set(json.loads(proc.stdout))


def offenders(modules: set[str], banned: set[str]) -> list[str]:
    """The loaded modules that are, or are inside, a banned package."""
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in banned))


def test_help_imports_only_the_command_line(tmp_path: Path) -> None:
    modules = loaded(["--help"], tmp_path)
    assert "click" in modules  # the probe did run the command
    assert offenders(modules, NEVER_AT_START | NOT_FOR_HELP) == []


@pytest.mark.parametrize(
    "options",
    [
        ["--format", "json"],
        [],
        ["--format", "json", "--details"],
        ["--as-of", "2025-10-01"],
        ["--format", "json", "--known-at", "2030-01-01"],
        ["--config", str(SHIPPED_CONFIG)],
    ],
    ids=["json", "text", "details", "as-of", "known-at", "shipped-feeds.toml"],
)
def test_report_imports_neither_network_extractor_nor_event_models(
    demo_db: Path, tmp_path: Path, options: list[str]
) -> None:
    modules = loaded(["report", *options, "--db", str(demo_db)], tmp_path)
    assert "tracker.report.data" in modules and "tracker.config" in modules
    assert offenders(modules, NEVER_AT_START | NOT_FOR_REPORT) == []


@pytest.mark.parametrize("options", [["--format", "json"], [], ["--format", "json", "--details"]])
def test_report_read_from_the_tables_does_not_load_the_fold(
    demo_db: Path, tmp_path: Path, options: list[str]
) -> None:
    modules = loaded(["report", *options, "--db", str(demo_db)], tmp_path)
    assert "tracker.projections.story_read" in modules  # the story was read, not folded
    assert offenders(modules, FOLDING) == []


def test_fetch_leaves_parsing_and_extraction_to_its_workers(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nid = "off"\nurl = "http://127.0.0.1:9/feed"\nenabled = false\n')
    modules = loaded(["fetch", "--config", str(config), "--db", str(tmp_path / "events.db")], tmp_path)
    assert "tracker.net.fetch" in modules and "tracker.polling" in modules  # the probe did reach the fetch
    assert offenders(modules, NOT_FOR_FETCH) == []


def test_fetch_that_finds_nothing_new_loads_neither_event_models_nor_sqlite_utils(
    tmp_path: Path, feed: FeedServer
) -> None:
    urls = {f"f{n}": feed.feed(f"/{n}.xml", [Item(f"g{n}", f"Story {n}", "Text " * 200)]) for n in range(3)}
    config = write_feeds(tmp_path / "feeds.toml", urls)
    args = ["fetch", "--config", str(config), "--db", str(tmp_path / "events.db")]
    first = loaded(args, tmp_path)
    assert "tracker.events" in first  # the first pass stored the articles
    modules = loaded(args, tmp_path)
    assert "tracker.net.conditional" in modules and "tracker.polling" in modules
    assert offenders(modules, NOT_FOR_FETCH | NOT_FOR_UNCHANGED_FETCH) == []


# An interpretation worker served in-process (its own limits and imports), asked for one article.
_WORKER_PROBE = """
import json, socket, sys, threading
from multiprocessing.connection import Connection
from tracker.config import default_config
from tracker.interpretation.worker import serve
from tracker.projections.article_facts import ArticleInput

ours, theirs = socket.socketpair()
parent, child = Connection(ours.detach()), Connection(theirs.detach())
article = ArticleInput(
    1, "article:f:1", "2025-09-11T12:00:00Z", "f", 1, "https://news.example/1", "Belarus frees 52",
    None, "<p>Belarus freed 52 political prisoners on Thursday, the U.S. embassy said.</p>",
)
replies = []

def ask():
    assert parent.recv()[0] == "ready"
    parent.send(("subjects", "k", list(default_config().subjects)))
    assert parent.recv()[0] == "compiled"
    parent.send(("batch", "k", [article], 0))
    replies.extend(parent.recv())
    parent.close()

asking = threading.Thread(target=ask)
asking.start()
serve(child, 2**34, 10.0)
asking.join()
print(json.dumps([[[kind, len(rows)] for kind, _, rows in replies], sorted(sys.modules)]))
"""


def test_an_interpretation_worker_never_loads_the_event_models(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _WORKER_PROBE], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    replies, modules = json.loads(proc.stdout)
    assert replies and replies[0][0] == "ok" and replies[0][1] >= 1  # the article was read, its facts made
    assert offenders(set(modules), {"pydantic", "tracker.events", "sqlite_utils"}) == []
