"""Ingest: `tracker fetch` against lemon24/reader on the same loopback feeds, each a whole process.

    .venv/bin/python bench/bench_ingest.py [--feeds 200] [--entries 50] [--quick] [--json PATH]

A feed server in its own process (bench/feedserver.py) serves N RSS feeds of M articles of about
3 KB of news-like HTML each (~2% of them about a tracked subject) and honours conditional GET.
Each tool runs as a whole process, first on an empty store (first pass: every feed is new), then
again on the same store (unchanged pass: every feed answers 304). Measured per run: wall time,
CPU (user + system, the process and its children), peak RSS of the largest process; and the same
figures net of the tool's own start-up, measured as a no-op pass with no feed to poll
(`tracker fetch` with one disabled feed; reader's `update_feeds` with no feeds).

All feeds share one loopback host standing in for N hosts, so tracker's per-host limit is raised
to its overall limit (`max_per_host = max_connections`, the default 20); reader runs with its
default `workers=1`. Needs `pip install -e '.[bench]'` for reader.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from measure import (
    median_run,
    profiled,
    ratio,
    run_process,
    summary,
    table,
    top_functions,
    tracker_command,
    write_json,
)

HERE = Path(__file__).resolve().parent


# --- the peer: one reader pass, run in a process of its own ------------------------------------------


def reader_pass(db: str, url_file: str) -> None:
    """`update_feeds(scheduled=False)` over every URL in the file (none: a no-op start-up)."""
    from reader import make_reader

    urls = [line for line in Path(url_file).read_text().splitlines() if line]
    reader = make_reader(db)
    for url in urls:
        reader.add_feed(url, exist_ok=True)
    reader.update_feeds(scheduled=False)
    reader.close()


def reader_argv(db: Path, url_file: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--reader-pass", str(db), str(url_file)]


def reader_entries(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])


# --- tracker ---------------------------------------------------------------------------------------


def tracker_config(urls: list[str], enabled: bool) -> str:
    feeds = "".join(
        f'[[feeds]]\nid = "bench-{n}"\nurl = "{url}"\nenabled = {"true" if enabled else "false"}\n\n'
        for n, url in enumerate(urls)
    )
    return f"[fetch]\nmax_connections = 20\nmax_per_host = 20\n\n{feeds}"


def tracker_argv(config: Path, db: Path) -> list[str]:
    return [*tracker_command(), "fetch", "--config", str(config), "--db", str(db)]


def tracker_articles(db: Path) -> int:
    """Articles in the log, through the documented SQL contract (the `events` table)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(
            conn.execute(
                "SELECT count(DISTINCT stream) FROM events WHERE type = 'ArticleObserved'"
            ).fetchone()[0]
        )


# --- the run ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def feed_server(directory: Path, feeds: int, entries: int, size: int, share: float) -> Iterator[int]:
    port_file = directory / "port"
    argv = [
        sys.executable,
        str(HERE / "feedserver.py"),
        "--feeds",
        str(feeds),
        "--entries",
        str(entries),
        "--size",
        str(size),
        "--relevant-share",
        str(share),
        "--port-file",
        str(port_file),
    ]
    server = subprocess.Popen(argv)
    try:
        deadline = time.monotonic() + 300
        while not port_file.exists() or not port_file.read_text():
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the feed server did not start")
            time.sleep(0.1)
        yield int(port_file.read_text())
    finally:
        server.terminate()
        server.wait(timeout=10)


def measure_tool(name: str, first: list[str], noop: list[str], cwd: Path, repeats: int) -> dict[str, Any]:
    run_process(noop, cwd=cwd)  # warm the page cache and create the no-op store
    start_up = median_run([run_process(noop, cwd=cwd) for _ in range(repeats)])
    first_run = run_process(first, cwd=cwd)
    unchanged_runs = [run_process(first, cwd=cwd) for _ in range(repeats)]
    unchanged = median_run(unchanged_runs)
    result: dict[str, Any] = {"start_up": start_up, "first": summary(first_run), "unchanged": unchanged}
    for key in ("first", "unchanged"):
        result[key]["net_wall_s"] = result[key]["wall_s"] - start_up["wall_s"]
        result[key]["net_cpu_s"] = result[key]["cpu_s"] - start_up["cpu_s"]
    print(
        f"  {name}: first pass {first_run.wall_s:.2f} s, unchanged {unchanged['wall_s']:.2f} s, "
        f"start-up {start_up['wall_s']:.2f} s",
        flush=True,
    )
    return result


def run(
    feeds: int, entries: int, size: int, share: float, repeats: int, profile: Path | None
) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp,
        feed_server(Path(tmp), feeds, entries, size, share) as port,
    ):
        d = Path(tmp)
        urls = [f"http://127.0.0.1:{port}/feed/{n}.xml" for n in range(feeds)]
        (d / "urls.txt").write_text("\n".join(urls) + "\n")
        (d / "none.txt").write_text("")
        (d / "feeds.toml").write_text(tracker_config(urls, enabled=True))
        (d / "noop.toml").write_text(tracker_config(urls[:1], enabled=False))
        print(f"ingest: {feeds} feeds x {entries} entries of ~{size} B on 127.0.0.1:{port}", flush=True)
        results = {
            "reader": measure_tool(
                "reader",
                reader_argv(d / "reader.db", d / "urls.txt"),
                reader_argv(d / "reader-noop.db", d / "none.txt"),
                d,
                repeats,
            ),
            "tracker": measure_tool(
                "tracker",
                tracker_argv(d / "feeds.toml", d / "tracker.db"),
                tracker_argv(d / "noop.toml", d / "tracker-noop.db"),
                d,
                repeats,
            ),
        }
        results["articles"] = {
            "tracker": tracker_articles(d / "tracker.db"),
            "reader": reader_entries(d / "reader.db"),
            "expected": feeds * entries,
        }
        if profile is not None:
            # A separate run: the profiler's overhead stays out of the figures above.
            profile.mkdir(parents=True, exist_ok=True)
            for name in ("first", "unchanged"):  # the same command twice: the second pass is all 304s
                stats = profile / f"tracker-fetch-{name}-pass.prof"
                run_process(profiled(tracker_argv(d / "feeds.toml", d / "profiled.db"), stats), cwd=d)
                print(top_functions(stats))
                print(f"profile of the {name} pass (main process; parsing runs in worker processes): {stats}")
    return results


def report(results: dict[str, Any]) -> dict[str, Any]:
    t, r = results["tracker"], results["reader"]
    rows = []
    for key, label in (("first", "first pass"), ("unchanged", "unchanged pass (304s)")):
        for tool, data in (("tracker", t), ("reader", r)):
            m = data[key]
            rows.append(
                [
                    f"{label}: {tool}",
                    m["wall_s"],
                    m["cpu_s"],
                    m["peak_rss_mb"],
                    m["net_wall_s"],
                    m["net_cpu_s"],
                ]
            )
    for tool, data in (("tracker", t), ("reader", r)):
        m = data["start_up"]
        rows.append([f"no-op start-up: {tool}", m["wall_s"], m["cpu_s"], m["peak_rss_mb"], None, None])
    print(
        table(
            "ingest, whole process (median of repeated runs for unchanged and start-up)",
            ["run", "wall s", "CPU s", "peak RSS MB", "net wall s", "net CPU s"],
            rows,
        )
    )
    speedups = {
        "first_wall": ratio(r["first"]["wall_s"], t["first"]["wall_s"]),
        "first_cpu": ratio(r["first"]["cpu_s"], t["first"]["cpu_s"]),
        "unchanged_wall": ratio(r["unchanged"]["wall_s"], t["unchanged"]["wall_s"]),
        "unchanged_net_wall": ratio(r["unchanged"]["net_wall_s"], t["unchanged"]["net_wall_s"]),
        "first_net_wall": ratio(r["first"]["net_wall_s"], t["first"]["net_wall_s"]),
    }
    targets = {"first_wall": 5.0, "unchanged_wall": 3.0, "unchanged_net_wall": 10.0}
    print(
        table(
            "reader time / tracker time (above 1: tracker is faster)",
            ["figure", "ratio", "target"],
            [[k, v, targets.get(k)] for k, v in speedups.items()],
        )
    )
    a = results["articles"]
    print(f"articles stored: tracker {a['tracker']:,}, reader {a['reader']:,} (expected {a['expected']:,})")
    return {"speedup_reader_over_tracker": speedups, "targets": targets}


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--reader-pass":
        reader_pass(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--size", type=int, default=3000, help="bytes of HTML per article")
    parser.add_argument("--relevant-share", type=float, default=0.02)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the unchanged pass and start-up")
    parser.add_argument("--quick", action="store_true", help="20 feeds x 20 entries, for a smoke check")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="also profile tracker's first pass (cProfile)"
    )
    args = parser.parse_args()
    if args.quick:
        args.feeds, args.entries, args.repeats = 20, 20, 2
    results = run(args.feeds, args.entries, args.size, args.relevant_share, args.repeats, args.profile)
    derived = report(results)
    params = {
        "feeds": args.feeds,
        "entries": args.entries,
        "size": args.size,
        "relevant_share": args.relevant_share,
        "repeats": args.repeats,
        "tracker_settings": {"max_connections": 20, "max_per_host": 20},
        "reader_settings": {"workers": 1},
    }
    write_json(args.json, "ingest", {"parameters": params, "results": results, **derived})


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
