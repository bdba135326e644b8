"""The text report on a terminal: the same lines as piped, URLs whole, links only to themselves."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import tracker
from tracker.report import render
from tracker.report.terminal import hyperlink, render_terminal, safe_url, supports_hyperlinks, wants_color

DATA = Path(__file__).parent / "data" / "demo_report.json"
OSC8 = re.compile(r"\x1b\]8;;([^\x1b]*)\x1b\\([^\x1b]*)\x1b\]8;;\x1b\\")
LONG_URL = "https://news.invalid/" + "a-very-long-article-slug-" * 8 + "end"


@pytest.fixture
def report() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    first = data["subjects"][0]
    first["evidence"][0]["sentence"] = f"Officials said so, as reported at {LONG_URL} on Monday morning."
    first["evidence"][0]["url"] = LONG_URL
    return data


def _unstyled(text: str) -> str:
    return OSC8.sub(lambda m: m.group(2), text).replace("\x1b[1m", "").replace("\x1b[0m", "")


def test_a_terminal_gets_the_same_lines_as_a_pipe(
    report: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM_PROGRAM", "iTerm.app")
    monkeypatch.delenv("NO_COLOR", raising=False)
    piped = render(report, "text")
    styled = render(report, "text", terminal=True)
    assert styled != piped and _unstyled(styled) == piped
    for section in ("SUBJECTS", "TIMELINE", "LATEST COVERAGE"):
        assert f"\x1b[1m{section}\x1b[0m" in styled.splitlines()


def test_urls_are_printed_whole_and_link_only_to_themselves(
    report: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM_PROGRAM", "WezTerm")
    monkeypatch.delenv("NO_COLOR", raising=False)
    styled = render(report, "text", terminal=True)
    links = OSC8.findall(styled)
    assert links and all(target == label for target, label in links)
    assert (LONG_URL, LONG_URL) in links
    # Whole on its own line, and whole inside the wrapped sentence too.
    assert sum(LONG_URL in line for line in _unstyled(styled).splitlines()) == 2


def test_no_color_and_unknown_terminals(report: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    plain = render(report, "text")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM_PROGRAM", "iTerm.app")
    assert render(report, "text", terminal=True) == plain
    assert not wants_color({"NO_COLOR": ""}) and wants_color({}) and not wants_color({"TERM": "dumb"})
    assert not supports_hyperlinks({"TERM": "xterm-256color"})
    assert supports_hyperlinks({"VTE_VERSION": "7200"}) and not supports_hyperlinks({"VTE_VERSION": "4000"})
    no_links = render_terminal(plain, {"TERM": "xterm-256color"})
    assert "\x1b]8" not in no_links and "\x1b[1m" in no_links


def test_only_a_clean_http_url_becomes_a_link() -> None:
    assert safe_url("https://news.invalid/a?b=c") == "https://news.invalid/a?b=c"
    for text in (
        "javascript:alert(1)",
        "https://news.invalid/a b",
        "https://\x1b]8;;x",
        "ftp://x.invalid/",
        "https://",
    ):
        assert safe_url(text) is None
    text = "  https://evil.invalid/\\x1b]8;;https://other.invalid"  # an escape, as neutralised text
    styled = render_terminal(text, {"TERM_PROGRAM": "iTerm.app"})
    assert OSC8.findall(styled) == [(text.strip(), text.strip())]
    assert (
        hyperlink("https://a.invalid/") == "\x1b]8;;https://a.invalid/\x1b\\https://a.invalid/\x1b]8;;\x1b\\"
    )


def _stderr_on_a_terminal(*args: str) -> tuple[int, bytes]:
    """Run `tracker ARGS` with stderr on a pseudo-terminal; (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args], stderr=slave, stdout=subprocess.PIPE, check=False
    )
    os.close(slave)
    seen = b""
    with contextlib.suppress(OSError):  # EIO once the terminal's other side is closed and drained
        while chunk := os.read(master, 65536):
            seen += chunk
    os.close(master)
    return proc.returncode, seen


def test_a_rebuild_shows_progress_on_a_terminal_only(demo_copy: Path) -> None:
    db = demo_copy
    code, seen = _stderr_on_a_terminal("rebuild", "--db", str(db), "--config", "/dev/null")
    assert code == 0 and b"rebuilding projections" in seen and b"story:" in seen
    piped = tracker("rebuild", "--db", str(db), "--config", "/dev/null")
    assert piped.code == 0 and "rebuilding" not in piped.err and "\x1b" not in piped.err
