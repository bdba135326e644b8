"""Soak test of `tracker daemon`: many feeds, short intervals, minutes of polling.

    .venv/bin/python bench/bench_soak.py                    # 1,000 feeds every 10 s for 3 minutes
    .venv/bin/python bench/bench_soak.py --duration 600 --feeds 2000 --interval 20s --json out.json

A fast loopback feed server runs in its own process (its CPU is not the daemon's); each feed gains
an article every `--change-every` seconds and answers 304 to a matching If-None-Match otherwise.
The daemon runs as `python -m tracker daemon` and is sampled every few seconds from /proc: CPU time,
resident memory of the daemon and of its parse workers, and polls committed (from the `polls`
table, read-only). Polls/s is measured after a warm-up. The same run measures the raw SQLite limit
on this disk: plain sqlite3, WAL, synchronous=FULL, one single-row INSERT per transaction.
Not collected by pytest; Linux only (/proc).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from feedserver import serve_http

ROOT = Path(__file__).resolve().parents[1]
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


# --- the feed server (runs in its own process) ----------------------------------------------------


def feed_body(feed: int, version: int, items: int = 15) -> bytes:
    entries = "".join(
        f"<item><title>Feed {feed} article {v}</title><link>https://soak.invalid/{feed}/{v}</link>"
        f"<guid>soak-{feed}-{v}</guid><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>"
        f"<description>Report number {v} from feed {feed}: officials met on Monday to discuss "
        f"trade, transport and the weather in the region.</description></item>"
        for v in range(version, max(0, version - items), -1)
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Soak feed {feed}</title><link>https://soak.invalid/{feed}</link>{entries}</channel></rss>"
    ).encode()


async def serve(port_file: Path, feeds: int, change_every: float) -> None:
    started = time.time()
    cache: dict[tuple[int, int], tuple[bytes, str]] = {}

    def current(feed: int) -> tuple[bytes, str]:
        # Each feed changes every `change_every` s, at its own phase.
        version = 1 + int((time.time() - started + (feed % 97) / 97 * change_every) // change_every)
        key = (feed, version)
        if key not in cache:
            body = feed_body(feed, version)
            cache[key] = (body, '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
            cache.pop((feed, version - 2), None)
        return cache[key]

    def respond(path: str, headers: dict[str, str]) -> bytes:
        try:
            feed = int(path.rsplit("/", 1)[1].split(".")[0])
        except ValueError:
            feed = -1
        if not 0 <= feed < feeds:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        body, etag = current(feed)
        if headers.get("if-none-match") == etag:
            return f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n".encode()
        return (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    await serve_http(respond, port_file)


# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Sample:
    t: float  # seconds since the daemon started
    polls: int
    cpu_s: float  # daemon process, user + system
    rss_mb: float  # daemon process
    workers_rss_mb: float  # parse workers together
    workers_cpu_s: float


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def proc_rss_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def rss_or_zero(pid: int) -> float:
    try:
        return proc_rss_mb(pid)
    except OSError:  # a worker recycled meanwhile
        return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def count_polls(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.OperationalError:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM polls").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


def raw_sqlite_commits_per_s(directory: Path, seconds: float = 3.0) -> float:
    """Plain sqlite3 on the same disk: WAL, synchronous=FULL, one single-row INSERT per commit."""
    path = directory / "raw.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, feed TEXT, at TEXT, n INTEGER)")
    done, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO t (feed, at, n) VALUES (?, ?, ?)", (f"feed-{done}", "2026-03-02T10:00:00Z", done)
        )
        conn.execute("COMMIT")
        done += 1
    rate = done / (time.perf_counter() - started)
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return rate


def slope_mb_per_min(samples: list[Sample], attr: str) -> float:
    xs = [s.t / 60 for s in samples]
    ys = [getattr(s, attr) for s in samples]
    if len(xs) < 3:
        return 0.0
    return statistics.linear_regression(xs, ys).slope


# --- the run --------------------------------------------------------------------------------------


def main() -> int:
    # Long on purpose: one soak run read top to bottom (feed server, daemon, sampling, figures),
    # with one `finally` that stops every process it started.
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--interval", default="10s", help="every feed's interval (default 10s)")
    parser.add_argument("--duration", type=float, default=180.0, help="seconds of polling (default 180)")
    parser.add_argument("--warmup", type=float, default=30.0, help="seconds left out of polls/s (default 30)")
    parser.add_argument(
        "--change-every", type=float, default=60.0, help="each feed gains an article this often"
    )
    parser.add_argument("--sample-every", type=float, default=5.0)
    parser.add_argument("--log-level", default="info", choices=["info", "warning"])
    parser.add_argument("--max-per-host", type=int, default=20, help="every feed is on one loopback host")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # internal: be the feed server
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.feeds, args.change_every))
        return 0

    with tempfile.TemporaryDirectory(prefix="tracker-soak-") as tmp:
        work = Path(tmp)
        raw_before = raw_sqlite_commits_per_s(work)
        port_file = work / "port"
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port_file), "--feeds", str(args.feeds),
             "--change-every", str(args.change_every)],
        )  # fmt: skip
        daemon: subprocess.Popen[bytes] | None = None
        try:
            while not port_file.exists() or not port_file.read_text():
                time.sleep(0.05)
            port = int(port_file.read_text())
            config = work / "feeds.toml"
            config.write_text(
                f'[fetch]\nmax_per_host = {args.max_per_host}\ndeadline = "10s"\n'
                + "".join(
                    f'[[feeds]]\nid = "f{n}"\nurl = "http://127.0.0.1:{port}/feed/{n}.xml"\n'
                    f'interval = "{args.interval}"\n'
                    for n in range(args.feeds)
                )
            )
            db = work / "events.db"
            log = work / "daemon.log"
            with log.open("wb") as log_file:
                started = time.monotonic()
                daemon = subprocess.Popen(
                    [sys.executable, "-m", "tracker", "daemon", "--config", str(config), "--db", str(db),
                     "--log-level", args.log_level],
                    cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log_file,
                )  # fmt: skip
                samples: list[Sample] = []
                worker_cpu: dict[int, float] = {}  # every worker seen: recycled ones keep their CPU
                while time.monotonic() - started < args.duration:
                    time.sleep(args.sample_every)
                    workers = children(daemon.pid)
                    for worker in workers:
                        with contextlib.suppress(OSError):
                            worker_cpu[worker] = proc_cpu(worker)
                    samples.append(
                        Sample(
                            t=round(time.monotonic() - started, 1),
                            polls=count_polls(db),
                            cpu_s=round(proc_cpu(daemon.pid), 2),
                            rss_mb=round(proc_rss_mb(daemon.pid), 1),
                            workers_rss_mb=round(sum(rss_or_zero(w) for w in workers), 1),
                            workers_cpu_s=round(sum(worker_cpu.values()), 2),
                        )
                    )
                    print(
                        f"t={samples[-1].t:6.1f}s polls={samples[-1].polls:7d} cpu={samples[-1].cpu_s:7.1f}s "
                        f"rss={samples[-1].rss_mb:6.1f}MB workers={samples[-1].workers_rss_mb:5.1f}MB",
                        file=sys.stderr,
                    )
                stop_started = time.monotonic()
                daemon.send_signal(signal.SIGTERM)
                code = daemon.wait(30)
                stop_s = time.monotonic() - stop_started
        finally:
            for process in (daemon, server):
                if process is not None and process.poll() is None:
                    process.kill()
                    process.wait()
        raw_after = raw_sqlite_commits_per_s(work)

        steady = [s for s in samples if s.t >= args.warmup]
        first, last = steady[0], steady[-1]
        polls_per_s = (last.polls - first.polls) / (last.t - first.t)
        conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
        outcomes = dict(conn.execute("SELECT outcome, count(*) FROM polls GROUP BY outcome").fetchall())
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        lag = conn.execute(
            "SELECT name, (SELECT max(position) FROM events) - position FROM projection_checkpoints"
        ).fetchall()
        conn.close()
        raw = statistics.mean([raw_before, raw_after])
        log_text = log.read_text(errors="replace")
        figures = {
            "feeds": args.feeds,
            "interval": args.interval,
            "offered_polls_per_s": round(args.feeds / parse_seconds(args.interval), 1),
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "sustained_polls_per_s": round(polls_per_s, 1),
            "polls_total": last.polls,
            "poll_outcomes": outcomes,
            "events": events,
            "projection_lag_at_stop": dict(lag),
            "daemon_cpu_s": last.cpu_s,
            "daemon_cpu_share": round((last.cpu_s - first.cpu_s) / (last.t - first.t), 3),
            "cpu_ms_per_poll": round(1000 * (last.cpu_s - first.cpu_s) / max(1, last.polls - first.polls), 2),
            "workers_cpu_s": last.workers_cpu_s,
            "daemon_rss_mb": {
                "peak": max(s.rss_mb for s in samples),
                "after_warmup_min": min(s.rss_mb for s in steady),
                "after_warmup_max": max(s.rss_mb for s in steady),
                "slope_mb_per_min": round(slope_mb_per_min(steady, "rss_mb"), 2),
            },
            "workers_rss_mb_peak": max(s.workers_rss_mb for s in samples),
            "raw_sqlite_commits_per_s": round(raw, 0),
            "raw_sqlite_before_after": [round(raw_before), round(raw_after)],
            "polls_per_s_over_raw_commits_per_s": round(polls_per_s / raw, 3),
            "sigterm_exit": code,
            "sigterm_to_exit_s": round(stop_s, 2),
            "log_lines": log_text.count("\n"),
            "log_warnings": log_text.count(" WARNING "),
            "log_errors": log_text.count(" ERROR "),
            "samples": [asdict(s) for s in samples],
        }
    summary = {k: v for k, v in figures.items() if k != "samples"}
    print(json.dumps(summary, indent=2))
    print("\nRSS over time (daemon MB): " + " ".join(f"{s.rss_mb:.0f}" for s in samples))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


def parse_seconds(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    return float(text[:-1]) * units[text[-1]]


if __name__ == "__main__":
    sys.exit(main())
