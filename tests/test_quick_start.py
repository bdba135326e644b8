"""The README's quick start, followed literally in an empty directory on a machine without
internet: the demo, then the shipped feed list, then the report. Every URL of the shipped feeds is
pointed at a closed port on loopback, so nothing leaves the machine; the feeds keep their ids."""

from __future__ import annotations

import json
import re
import shlex
import socket
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.helpers.cli import ROOT, CliRun, in_process, tracker

README = ROOT / "README.md"
SHIPPED_FEEDS = ROOT / "feeds.toml"
DEMO_IDS = {"demo-wire", "demo-belnews", "demo-digest"}


def quick_start_commands() -> list[list[str]]:
    """The `tracker …` commands of the quick start's shell block, in order, without comments."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick start") : text.index("## How it works")]
    block = section[section.index("```sh") : section.index("```", section.index("```sh") + 5)]
    commands = []
    for line in block.splitlines():
        match = re.search(r"\.venv/bin/tracker ([^#&]*)", line)
        if match:
            commands.append(shlex.split(match.group(1)))
    return commands


def closed_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def offline_copy_of_shipped_feeds(directory: Path) -> Path:
    """feeds.toml as shipped, each URL replaced by one on a closed loopback port."""
    port = closed_loopback_port()
    text = SHIPPED_FEEDS.read_text(encoding="utf-8")
    copy = re.sub(r'(?m)^url = "[^"]*"', f'url = "http://127.0.0.1:{port}/feed.xml"', text)
    shipped, offline = tomllib.loads(text), tomllib.loads(copy)
    assert [f["id"] for f in offline["feeds"]] == [f["id"] for f in shipped["feeds"]]
    assert all(urlsplit(f["url"]).hostname == "127.0.0.1" for f in offline["feeds"])
    path = directory / "feeds.toml"
    path.write_text(copy, encoding="utf-8")
    return path


def events(directory: Path, db: str) -> list[dict[str, Any]]:
    """What the store holds, read in this process (the quick start itself runs as a user would)."""
    result = in_process("events", "--format", "json", "--db", db, cwd=directory)
    assert result.code == 0, result.err
    return list(json.loads(result.out))


def no_traceback(run: CliRun) -> CliRun:
    assert "Traceback" not in run.err + run.out
    return run


def test_the_quick_start_keeps_the_demo_out_of_the_real_store(tmp_path: Path) -> None:
    commands = quick_start_commands()
    assert [c[0] for c in commands] == ["demo", "fetch", "report", "daemon"]
    offline_copy_of_shipped_feeds(tmp_path)
    shipped_ids = {f["id"] for f in tomllib.loads(SHIPPED_FEEDS.read_text(encoding="utf-8"))["feeds"]}

    demo = no_traceback(tracker(*commands[0], cwd=tmp_path))
    assert demo.code == 0, demo.err
    assert "Demo Wire" in demo.out and "14 new articles" in demo.err
    assert (tmp_path / "demo.db").exists() and not (tmp_path / "events.db").exists()

    fetch = no_traceback(tracker(*commands[1], cwd=tmp_path))
    assert fetch.code == 3, fetch.err  # offline: every feed failed, and it says so
    assert f"every feed failed ({len(shipped_ids)} feeds)" in fetch.err

    report = no_traceback(tracker(*commands[2], cwd=tmp_path))
    assert report.code == 0, report.err
    assert "Nothing has been fetched successfully yet" in report.out
    assert "sources: 1 ()" not in report.out and "Demo" not in report.out
    # The daemon line is the long-running step; tests/test_daemon.py runs it.

    real = events(tmp_path, "events.db")
    assert real and {e["type"] for e in real} == {"FeedFailed"}
    assert {e["data"]["feed_id"] for e in real} == shipped_ids
    assert "demo" not in json.dumps(real)
    assert {e["stream"].split(":")[1] for e in events(tmp_path, "demo.db")} == DEMO_IDS


@pytest.mark.slow  # the demo run twice as a user would, in processes of its own
def test_a_demo_store_reads_correctly_later_and_a_rerun_adds_nothing(tmp_path: Path) -> None:
    offline_copy_of_shipped_feeds(tmp_path)  # the user's feed list is in force from here on
    assert tracker("demo", cwd=tmp_path).code == 0
    before = events(tmp_path, "demo.db")

    again = no_traceback(tracker("demo", cwd=tmp_path))
    assert again.code == 0 and "already ran" in again.err
    assert events(tmp_path, "demo.db") == before  # no revision of the corrected article, nothing

    report = tracker("report", "--db", "demo.db", cwd=tmp_path)
    assert report.code == 0 and "Demo Wire" in report.out and "demo-wire" not in report.out
    feeds = tracker("feeds", "--db", "demo.db", cwd=tmp_path)
    assert feeds.code == 0 and "out of date" not in feeds.err
    assert {line.split("\t")[0] for line in feeds.out.splitlines()[1:]} == DEMO_IDS

    refused = no_traceback(tracker("fetch", "--db", "demo.db", cwd=tmp_path))
    assert refused.code == 1 and "demo store" in refused.err
    assert events(tmp_path, "demo.db") == before
