"""tracker.parsing.feed and hostile documents, parsed in a memory-capped child: entity expansion,
external entities, quadratic blowup, deep nesting; contained, and no request made."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.test_parse import load, rss
from tracker.errors import FeedRejected
from tracker.parsing.feed import MAX_TEXT_CHARS, parse_feed

REPO = Path(__file__).resolve().parent.parent

# --- hostile documents, parsed in a child with RLIMIT_AS ----------------------------------------------

_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    limit = 512 * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from tracker.parsing.feed import parse_feed

    def peak_mb():
        # This process's own peak (VmHWM): ru_maxrss would also count the test runner's memory,
        # which a child inherits at fork and keeps through exec.
        with open("/proc/self/status") as status:
            return int(next(line for line in status if line.startswith("VmHWM")).split()[1]) / 1024

    markers = json.loads(sys.argv[1])
    for path in sys.argv[2:]:
        body = open(path, "rb").read()
        # CPU time, not wall: the bound is on the parser's work, whatever else the machine runs.
        started = time.process_time()
        try:
            feed = parse_feed(body)
            outcome = "ok"
            texts = [feed.title or "", feed.link or ""]
            for e in feed.entries:
                texts += [e.guid or "", e.link or "", e.title or "", e.summary or "", e.content or ""]
        except BaseException as exc:
            outcome, texts = type(exc).__name__, [str(exc)]
        elapsed = time.process_time() - started
        print(json.dumps({
            "path": path, "outcome": outcome, "elapsed": elapsed,
            "longest": max(map(len, texts), default=0),
            "leaked": [m for m in markers if any(m in t for t in texts)],
            "maxrss_mb": peak_mb(),
        }), flush=True)
    """
)

_SECRET = "TOP-SECRET-MARKER-7f3a"


def _quadratic(prefix: str = "", one_line: bool = False) -> bytes:
    """About 54 KB that feedparser's fallback parser would expand to ~100 MB."""
    value = "a" * 27_000
    refs = "&a;" * 9_000
    if one_line:
        doctype = f'<!DOCTYPE rss [<!ENTITY a "{value}">]>'
    else:
        doctype = f'<!DOCTYPE rss [\n<!ENTITY a "{value}">\n]>'
    return (
        f'<?xml version="1.0"?>\n{prefix}{doctype}\n<rss version="2.0"><channel><title>t</title>'
        f"<item><guid>1</guid><title>{refs}</title></item></channel></rss>"
    ).encode()


def _hostile_documents(marker_file: Path, base: str) -> dict[str, tuple[bytes, set[str]]]:
    """name → (document, acceptable outcomes)."""
    # Long on purpose: the catalogue of hostile documents, one entry each.
    safe = {"FeedRejected", "ok", "NotAFeed"}
    item = "<item><guid>1</guid><title>&xxe;</title></item>"
    return {
        "billion-laughs": (load("billion_laughs.xml"), {"FeedRejected"}),
        "quadratic-own-line": (_quadratic(), {"FeedRejected"}),
        # Malformed before the DOCTYPE: the strict parser gives up before it sees the declaration.
        "quadratic-after-bad-comment": (_quadratic(prefix="<!-- a -- b -->\n"), {"FeedRejected"}),
        "quadratic-one-line": (_quadratic(one_line=True), safe),
        "xxe-file-own-line": (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "file://{marker_file}">\n]>\n'
            f'<rss version="2.0"><channel><title>x</title>{item}</channel></rss>'.encode(),
            safe,
        ),
        "xxe-file-one-line": (
            f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{marker_file}">]>'
            f'<rss version="2.0"><channel><title>x</title>{item}</channel></rss>'.encode(),
            safe,
        ),
        "xxe-http": (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe SYSTEM "{base}/xxe">\n]>\n'
            f'<rss version="2.0"><channel><title>x</title>{item}</channel></rss>'.encode(),
            safe,
        ),
        "external-dtd": (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "{base}/evil.dtd">\n'
            f'<rss version="2.0"><channel><title>&leak;</title>{item}</channel></rss>'.encode(),
            safe,
        ),
        "parameter-entity-own-line": (
            f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY % remote SYSTEM "{base}/param.dtd">\n'
            "%remote;\n]>\n"
            f'<rss version="2.0"><channel><title>&leak;</title>{item}</channel></rss>'.encode(),
            safe,
        ),
        "parameter-entity-one-line": (
            f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % remote SYSTEM "{base}/param.dtd"> %remote;]>'
            f'<rss version="2.0"><channel><title>&leak;</title>{item}</channel></rss>'.encode(),
            safe,
        ),
        "deep-json": (b'{"a":' * 100_000, {"FeedRejected"}),
        "deep-json-in-feed": (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 100_000,
            {"FeedRejected"},
        ),
        "huge-json-int": (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": ' + b"9" * 5000 + b"}]}",
            {"FeedRejected"},
        ),
        "deep-xml": (
            b'<rss version="2.0"><channel><title>x</title><item><guid>1</guid>'
            + b"<div>" * 20_000
            + b"</item></channel></rss>",
            safe,
        ),
        "megabyte-title": (
            rss("<item><guid>1</guid><title>" + "\u200b" * 3_000_000 + "</title></item>"),
            {"ok"},
        ),
        "ansi-and-xss": (
            rss(
                "<item><guid>1</guid><title>\x1b[31mred\x1b[0m &lt;img src=x onerror=alert(1)&gt;</title>"
                "<description><![CDATA[<script>alert(1)</script>]]></description></item>"
            ),
            {"ok"},
        ),
    }


@pytest.fixture(scope="module")
def hostile_results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Any], HTTPServer]]:
    tmp = tmp_path_factory.mktemp("hostile")
    marker_file = tmp / "marker.txt"
    marker_file.write_text(_SECRET)
    # Its own server, so that any request a document causes is counted here.
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/xxe").respond_with_data(_SECRET)
    server.expect_request("/evil.dtd").respond_with_data(f'<!ENTITY leak "{_SECRET}">')
    server.expect_request("/param.dtd").respond_with_data(f'<!ENTITY leak "{_SECRET}">')
    server.start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        paths: dict[str, str] = {}
        expected: dict[str, set[str]] = {}
        for name, (body, outcomes) in _hostile_documents(marker_file, base).items():
            path = tmp / f"{name}.doc"
            path.write_bytes(body)
            paths[str(path)] = name
            expected[name] = outcomes
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps([_SECRET]), *paths],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO,
            check=False,
        )
        results: dict[str, Any] = {}
        for line in proc.stdout.splitlines():
            row = json.loads(line)
            row["expected"] = expected[paths[row["path"]]]
            results[paths[row["path"]]] = row
        assert proc.returncode == 0, proc.stderr[-2000:]
        yield results, server
    finally:
        server.clear()
        server.stop()


HOSTILE = [
    "billion-laughs",
    "quadratic-own-line",
    "quadratic-after-bad-comment",
    "quadratic-one-line",
    "xxe-file-own-line",
    "xxe-file-one-line",
    "xxe-http",
    "external-dtd",
    "parameter-entity-own-line",
    "parameter-entity-one-line",
    "deep-json",
    "deep-json-in-feed",
    "huge-json-int",
    "deep-xml",
    "megabyte-title",
    "ansi-and-xss",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_document_is_contained(name: str, hostile_results: tuple[dict[str, Any], HTTPServer]) -> None:
    results, _ = hostile_results
    row = results[name]
    assert row["outcome"] in row["expected"], row
    assert row["elapsed"] < 2.0, row
    assert row["leaked"] == [], row
    assert row["longest"] <= MAX_TEXT_CHARS, row
    assert row["maxrss_mb"] < 300, row


def test_hostile_documents_made_no_requests(hostile_results: tuple[dict[str, Any], HTTPServer]) -> None:
    results, server = hostile_results
    assert set(results) == set(HOSTILE)
    assert server.log == []
    # The server did answer whoever asked: the documents simply never asked.
    with urllib.request.urlopen(server.url_for("/evil.dtd"), timeout=5) as response:
        assert _SECRET.encode() in response.read()
    assert len(server.log) == 1


def test_quadratic_blowup_is_refused_quickly_in_process() -> None:
    body = _quadratic()
    assert 50_000 < len(body) < 60_000
    with pytest.raises(FeedRejected):
        parse_feed(body)


def test_raw_html_is_kept_for_render_time_sanitising() -> None:
    body = rss(
        "<item><guid>1</guid><title>\x1b[31mred\x1b[0m</title>"
        "<description><![CDATA[<script>alert(1)</script><p onclick='x()'>hi</p>]]></description></item>"
    )
    (entry,) = parse_feed(body).entries
    assert entry.summary == "<script>alert(1)</script><p onclick='x()'>hi</p>"
