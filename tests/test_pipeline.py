"""End to end through the real CLI: feeds.toml → HTTP on loopback → events.db → report.

Hostile and broken feeds sit beside a good one; each must end as a recorded, readable failure of
that feed while the good feed's articles go in, within the deadline and a bounded amount of
memory.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import in_process, tracker
from tests.helpers.feed_server import FeedServer

GOOD_RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Good wire</title><link>https://good.example/</link>
<item><guid>good-1</guid><title>Belarus frees 52 prisoners</title><link>https://good.example/52</link>
<pubDate>Thu, 11 Sep 2025 14:00:00 GMT</pubDate>
<description>Belarus released 52 prisoners on Thursday.
John Coale said Washington wants to reopen its embassy in Minsk.</description></item>
<item><guid>good-2</guid><title>Embassy remains closed</title><link>https://good.example/closed</link>
<pubDate>Fri, 12 Sep 2025 09:00:00 GMT</pubDate>
<description>The U.S. embassy in Minsk remains closed, officials said.</description></item>
</channel></rss>"""

# Quadratic blowup: one ~50 KB entity, on its own line (the layout that reaches feedparser's
# loose parser), referenced many times.
ENTITY_RSS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + b"x" * 50_000 + b'">\n]>\n'
    b'<rss version="2.0"><channel><title>&a;&a;&a;&a;&a;&a;&a;&a;</title><item><title>'
    + b"&a;" * 800
    + b"</title><guid>e</guid></item></channel></rss>"
)

HTML = b"<!doctype html><html><head><title>Sign in</title></head><body><p>Please log in.</p></body></html>"


def gzip_bomb(size: int = 100 * 2**20) -> bytes:
    return gzip.compress(b"\0" * size, compresslevel=9)


def trickle(request: BaseHTTPRequestHandler) -> None:
    """Promises 100 KB and sends a byte a second: only the total deadline stops it."""
    request.send_response(200)
    request.send_header("Content-Type", "application/rss+xml")
    request.send_header("Content-Length", "100000")
    request.end_headers()
    server: Any = request.server
    while not server.stopping.wait(1.0):
        request.wfile.write(b"<")
        request.wfile.flush()


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer() as feeds:
        feeds.static("/good.xml", GOOD_RSS, etag='"good-v1"')
        feeds.static("/ttl.xml", GOOD_RSS.replace(b"</title>", b"</title><ttl>3</ttl>", 1), etag='"ttl-v1"')
        feeds.static("/html", HTML, content_type="text/html; charset=utf-8")
        feeds.static("/500", b"oops", status=500, content_type="text/plain")
        feeds.static("/entity", ENTITY_RSS)
        feeds.static("/bomb", gzip_bomb(), headers={"Content-Encoding": "gzip"})
        feeds.redirect("/loop", "/loop")
        feeds.raw("/trickle", trickle)
        yield feeds


def base(server: FeedServer) -> str:
    return server.base_url


def write_config(tmp_path: Path, feeds: dict[str, str], deadline: str = "3s") -> Path:
    # The entries' article pages are tried, one host at a time: no pause between them here.
    lines = [f'[fetch]\ndeadline = "{deadline}"\nread_timeout = "2s"\npage_delay = "0s"\n']
    for feed_id, url in feeds.items():
        lines.append(f'[[feeds]]\nid = "{feed_id}"\nurl = "{url}"\ninterval = "15m"\n')
    path = tmp_path / "feeds.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# A small interpreter launches the CLI and reports the peak RSS of its children (the CLI and its
# parse workers). Measured from pytest itself, wait4() would also count pages the child shared
# with pytest before exec.
_LAUNCHER = """
import json, resource, subprocess, sys, time
start = time.monotonic()
proc = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"code": proc.returncode, "out": proc.stdout, "err": proc.stderr,
                  "seconds": time.monotonic() - start,
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def run_measured(args: list[str], cwd: Path) -> tuple[int, str, str, float, float]:
    """Run the CLI: (exit code, stdout, stderr, seconds, peak RSS in MB of it and its children)."""
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads(proc.stdout)
    return result["code"], result["out"], result["err"], result["seconds"], result["peak_kb"] / 1024


def poll_rows(db: Path) -> dict[str, tuple[str, str | None, str | None]]:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT feed_id, outcome, error_category, error FROM polls ORDER BY id").fetchall()
    conn.close()
    return {feed: (outcome, category, error) for feed, outcome, category, error in rows}


def test_hostile_feeds_fail_alone_while_the_good_one_goes_in(server: FeedServer, tmp_path: Path) -> None:
    url = base(server)
    config = write_config(
        tmp_path,
        {
            "good": f"{url}/good.xml",
            "html": f"{url}/html",
            "error": f"{url}/500",
            "entity": f"{url}/entity",
            "bomb": f"{url}/bomb",
            "trickle": f"{url}/trickle",
            "loop": f"{url}/loop",
        },
    )
    code, _, err, elapsed, peak_mb = run_measured(
        ["fetch", "--config", str(config), "--db", "events.db"], tmp_path
    )
    assert code == 0, err
    # The trickle's 3 s deadline holds for its poll; the whole process (an interpreter, the pools'
    # workers, the other feeds) only has to end, with room for a busy machine.
    assert elapsed < 30, f"fetch took {elapsed:.1f} s"
    polls = poll_rows(tmp_path / "events.db")
    conn = sqlite3.connect(tmp_path / "events.db")
    (trickle_ms,) = conn.execute("SELECT duration_ms FROM polls WHERE feed_id = 'trickle'").fetchone()
    conn.close()
    assert trickle_ms < 3000 + 2000, f"the trickling feed took {trickle_ms} ms"
    assert peak_mb < 200, f"peak RSS {peak_mb:.0f} MB"
    assert polls["good"][0] == "ok"
    expected = {
        "html": "not-a-feed",
        "error": "http",
        "entity": "rejected",
        "bomb": "too-large",
        "trickle": "timeout",
        "loop": "redirects",
    }
    for feed, category in expected.items():
        outcome, got, error = polls[feed]
        assert (outcome, got) == ("failed", category), (feed, polls[feed])
        assert error and "\n" not in error and len(error) <= 300
    assert "6 failed" in err and "2 new articles" in err
    # Each failing feed has a FeedFailed event; the good feed's articles are in the report.
    code, out, _ = in_process(
        "events", "--type", "FeedFailed", "--format", "json", "--db", "events.db", cwd=tmp_path
    )
    assert {e["data"]["feed_id"] for e in json.loads(out)} == set(expected)
    code, out, _ = in_process(
        "report", "--format", "json", "--config", str(config), "--db", "events.db", cwd=tmp_path
    )
    report = json.loads(out)
    titles = {a["title"] for feed in report["coverage"] for a in feed["latest"]}
    assert titles == {"Belarus frees 52 prisoners", "Embassy remains closed"}


def test_fetching_unchanged_feeds_again_adds_no_event(server: FeedServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"good": f"{base(server)}/good.xml"})
    args = ("fetch", "--config", str(config), "--db", "events.db")
    assert in_process(*args, cwd=tmp_path)[0] == 0
    conn = sqlite3.connect(tmp_path / "events.db")
    events_before = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    code, _, err = in_process(*args, cwd=tmp_path)
    assert code == 0, err
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == events_before
    outcomes = [r[0] for r in conn.execute("SELECT outcome FROM polls ORDER BY id")]
    assert outcomes == ["ok", "not-modified"]  # 304: nothing was parsed
    etags = [r[0] for r in conn.execute("SELECT etag FROM polls ORDER BY id")]
    assert etags == ['"good-v1"', '"good-v1"']
    assert "not modified (304), 0 new" in err


def test_an_unreachable_feed_is_a_recorded_failure_not_a_crash(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"offline": "http://127.0.0.1:9/feed.xml"})
    code, _, err = tracker("fetch", "--config", str(config), "--db", "events.db", cwd=tmp_path)
    assert code == 3  # the pass ran, but no feed answered: said on stderr, and in the exit code
    assert "offline: FAILED (connect)" in err
    assert "warning: every feed failed (1 feed)" in err
    code, out, _ = tracker("feeds", "--config", str(config), "--db", "events.db", cwd=tmp_path)
    assert code == 0 and "offline" in out and "failing" in out


def test_usage_config_and_store_errors_have_distinct_exit_codes(tmp_path: Path) -> None:
    code, _, err = tracker("report", "--as-of", "yesterday", cwd=tmp_path)
    assert code == 2 and "Traceback" not in err
    bad = tmp_path / "bad.toml"
    bad.write_text('[[feeds]]\nid = "x"\nurl = "https://x.org"\nintervall = "5m"\n')
    code, _, err = tracker("fetch", "--config", str(bad), cwd=tmp_path)
    assert code == 1 and f"{bad}: feeds[0] (id 'x'): intervall: unknown key" in err and "Traceback" not in err
    code, _, err = tracker("report", "--db", "evnts.db", cwd=tmp_path)
    assert code == 1 and "no such database" in err
    assert not (tmp_path / "evnts.db").exists()
    # The same exit for every reader, as the command gives it (a process of its own shows no more).
    code, _, err = in_process("events", cwd=tmp_path, env={"TRACKER_DB": str(tmp_path / "nope.db")})
    assert code == 1 and "nope.db" in err
    for command in (["rebuild"], ["prune", "--polls-older-than", "1d"], ["feeds", "reset", "x"]):
        code, _, err = in_process(*command, "--db", "typo.db", cwd=tmp_path)
        assert code == 1 and "no such database" in err, command
    assert not (tmp_path / "typo.db").exists()  # only fetch, daemon and demo create a store


def test_verify_passes_then_names_a_forged_position(server: FeedServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"good": f"{base(server)}/good.xml"})
    assert in_process("fetch", "--config", str(config), "--db", "events.db", cwd=tmp_path)[0] == 0
    code, out, _ = in_process("verify", "--db", "events.db", cwd=tmp_path)
    assert code == 0 and out.startswith("ok:")
    conn = sqlite3.connect(tmp_path / "events.db")
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute(
        "UPDATE events SET data = json_set(data, '$.title', 'Belarus frees 520 prisoners') WHERE position = 1"
    )
    conn.commit()
    conn.close()
    code, _, err = in_process("verify", "--db", "events.db", cwd=tmp_path)
    assert code == 1 and "position 1" in err


def test_events_listing_and_pruning_the_poll_log(server: FeedServer, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"good": f"{base(server)}/good.xml", "error": f"{base(server)}/500"})
    for _ in range(2):
        assert in_process("fetch", "--config", str(config), "--db", "events.db", cwd=tmp_path)[0] == 0
    code, out, _ = in_process("events", "--format", "json", "--db", "events.db", cwd=tmp_path)
    everything = json.loads(out)
    assert sorted(e["type"] for e in everything) == ["ArticleObserved", "ArticleObserved", "FeedFailed"]
    assert [e["position"] for e in everything] == [1, 2, 3]
    code, out, _ = in_process("events", "--since", "2", "--format", "json", "--db", "events.db", cwd=tmp_path)
    assert [e["position"] for e in json.loads(out)] == [3]
    code, out, _ = in_process(
        "events", "--since", "2000-01-01", "--limit", "1", "--db", "events.db", cwd=tmp_path
    )
    assert code == 0 and len(out.strip().splitlines()) == 2  # header + one row when piped
    code, _, err = in_process("prune", "--polls-older-than", "1d", "--db", "events.db", cwd=tmp_path)
    assert code == 0 and err.startswith("0 poll rows removed")
    time.sleep(1.1)
    code, _, err = in_process("prune", "--polls-older-than", "1s", "--db", "events.db", cwd=tmp_path)
    assert code == 0 and err.startswith("4 poll rows removed")
    conn = sqlite3.connect(tmp_path / "events.db")
    assert conn.execute("SELECT count(*) FROM polls").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3  # the log is never pruned


def test_a_feeds_ttl_is_remembered_across_polls(server: FeedServer, tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(f'[[feeds]]\nid = "slow-news"\nurl = "{base(server)}/ttl.xml"\ninterval = "1m"\n')
    for _ in range(2):  # a 200 that carries <ttl>3</ttl> (minutes), then a 304 that carries nothing
        assert in_process("fetch", "--config", str(path), "--db", "events.db", cwd=tmp_path)[0] == 0
    conn = sqlite3.connect(tmp_path / "events.db")
    outcomes = [r[0] for r in conn.execute("SELECT outcome FROM polls ORDER BY id")]
    assert outcomes == ["ok", "not-modified"]
    reason, ttl, last_poll, next_due = conn.execute(
        "SELECT backoff_reason, ttl_seconds, last_poll_at, next_due_at FROM feed_state"
    ).fetchone()
    assert (reason, ttl) == ("ttl", 180)
    wait = datetime.fromisoformat(next_due.replace("Z", "+00:00")) - datetime.fromisoformat(
        last_poll.replace("Z", "+00:00")
    )
    assert 170 <= wait.total_seconds() <= 200


def test_the_demo_never_writes_into_a_store_with_real_feeds(
    server: FeedServer, tmp_path: Path, demo_copy: Path
) -> None:
    config = write_config(tmp_path, {"good": f"{base(server)}/good.xml"})
    assert in_process("fetch", "--config", str(config), "--db", "events.db", cwd=tmp_path)[0] == 0
    code, _, err = in_process("demo", "--db", "events.db", cwd=tmp_path)
    assert code == 1 and "run the demo elsewhere" in err
    # Running it again on a store the demo wrote is fine (`demo_copy`: the demo already ran there).
    code, out, _ = in_process("demo", "--db", str(demo_copy), cwd=tmp_path)
    assert code == 0 and "Prisoners released by Belarus: 192 in total" in out
