"""Scale: a generated store of 1,000,000 events; report latency, size, and full rebuilds on 1 and 2 cores.

    .venv/bin/python bench/bench_scale.py [--events 1000000] [--rebuild-articles 100000] [--json PATH]
    .venv/bin/python bench/bench_scale.py --quick             # 20,000 events, a smoke check

Two stores are generated (bench/corpus.py text, ~2% of articles about a tracked subject, the
rest about anything else) and kept in a cache directory, so re-runs reuse them:

- the scale store: `--events` article observations (one-paragraph summaries, as most feeds
  give, ~0.5 KB of HTML each) from 1,000 feeds over about a year, appended through the store's
  own API in transactions of 10,000, then projected once with `tracker rebuild` (that run is the
  full-rebuild figure for this size, measured when the cache is built). Measured each run: size
  on disk, and `tracker report --format json` as a whole process: plain, `--as-of` a day in the
  middle, `--known-at` a time in the middle (median of the runs);
- the rebuild store: `--rebuild-articles` articles of ~3 KB of HTML (the ingest benchmark's
  articles), rebuilt with `tracker rebuild` on both cores and pinned to one core
  (`sched_setaffinity`), to show how the work spreads over cores.

The cache key is a digest of the generator, the store's schema version and the projections'
fingerprints, so a store is built anew when what it holds would differ, and kept across other
changes to tracker. `--cache DIR` (default
~/.cache/tracker-bench) chooses where; `--fresh` ignores what is there.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import corpus
from measure import profiled, run_process, summary, table, top_functions, tracker_command, write_json

GENERATOR_VERSION = 1
FEEDS = 1000
BATCH = 10_000
MINUTES_APART = 0.5  # 1,000,000 articles over ~347 days


# --- adapters: the only places that know tracker's API ------------------------------------------------


def tracker_writer() -> Callable[[Path, Iterator[list[dict[str, Any]]]], None]:
    """Append batches of article observations, one transaction per batch."""
    from tracker.events import ArticleObserved
    from tracker.storage.store import Store

    def write(path: Path, batches: Iterator[list[dict[str, Any]]]) -> None:
        store = Store.open(path)
        try:
            for batch in batches:
                with store.transaction():
                    store.append([ArticleObserved.model_validate(f) for f in batch])
        finally:
            store.close()

    return write


def store_format() -> tuple[str, str]:
    """Digests of what makes a cached store reusable: its log (the store's schema version, and the
    generator: its functions here and the corpus) and its projections (their
    fingerprints: code versions and rules). Other changes to tracker read the same store the same
    way, so they keep the cache."""
    from tracker.config import default_config
    from tracker.projections import default_projections
    from tracker.storage.schema import SCHEMA_VERSION

    log = hashlib.sha256(f"schema {SCHEMA_VERSION}".encode())
    for part in (FEEDS, BATCH, MINUTES_APART, inspect.getsource(observation), inspect.getsource(batches)):
        log.update(f"\0{part}".encode())
    log.update(Path(corpus.__file__).read_bytes())
    config = default_config()
    fingerprints = [p.fingerprint() for p in default_projections(config.subjects, config.publishers)]
    projections = hashlib.sha256("\0".join(fingerprints).encode())
    return log.hexdigest()[:16], projections.hexdigest()[:16]


# --- generation -------------------------------------------------------------------------------------------


def observation(item: corpus.Article, feed: int) -> dict[str, Any]:
    return {
        "feed_id": f"outlet-{feed}",
        "entry_key": f"guid:{item.key}",
        "guid": item.key,
        "link": item.link,
        "title": item.title,
        "author": corpus.rng_free_author(item.key),
        "published_raw": item.published.strftime("%a, %d %b %Y %H:%M:%S +0000"),
        "published": item.published,
        "summary": item.summary,
        "content": item.content or None,
        "content_hash": corpus.content_hash(item),
    }


def batches(count: int, size: int, share: float) -> Iterator[list[dict[str, Any]]]:
    done = 0
    while done < count:
        n = min(BATCH, count - done)
        rng = random.Random(done)
        items = [
            corpus.article(
                rng,
                f"a{done + i}",
                corpus.BASE_TIME + timedelta(minutes=MINUTES_APART * (done + i)),
                size=size,
                relevant=rng.random() < share,
            )
            for i in range(n)
        ]
        yield [observation(item, (done + i) % FEEDS) for i, item in enumerate(items)]
        done += n
        if done % 100_000 == 0 or done == count:
            print(f"    {done:,} events", flush=True)


def cached_store(
    cache: Path, name: str, count: int, size: int, share: float, fresh: bool, *, project: bool
) -> tuple[Path, dict[str, Any]]:
    """The store for these parameters: generated unless cached, and projected with `tracker rebuild`
    if asked and its projections are not those of this code."""
    shape = f"{name}-{count}-{size}-{share}"
    log_format, projections = store_format()
    key = f"{shape}-g{GENERATOR_VERSION}-{log_format}"
    db, meta_path = cache / f"{key}.db", cache / f"{key}.json"
    meta: dict[str, Any] = {}
    if db.exists() and meta_path.exists() and not fresh:
        print(f"  reusing {db}", flush=True)
        meta = json.loads(meta_path.read_text())
    else:
        for stale in cache.glob(f"{shape}-*"):  # the same store built by other code
            stale.unlink()
        cache.mkdir(parents=True, exist_ok=True)
        print(f"  generating {count:,} events into {db}", flush=True)
        started = time.perf_counter()
        tracker_writer()(db, batches(count, size, share))
        meta = {
            "generation_s": time.perf_counter() - started,
            "built_at": time.strftime("%FT%TZ", time.gmtime()),
            "log_bytes_on_disk": size_on_disk(db),  # before any projection exists
        }
        meta_path.write_text(json.dumps(meta, indent=2))
    if project and meta.get("projections") != projections:
        print("  projecting it: tracker rebuild", flush=True)
        run = rebuild(db, cache)
        meta["projections"] = projections
        meta["projected_at"] = time.strftime("%FT%TZ", time.gmtime())
        meta["full_rebuild"] = summary(run) | {
            "articles_per_s": count / run.wall_s,
            "articles_per_cpu_s": count / run.cpu_s,
        }
        meta_path.write_text(json.dumps(meta, indent=2))
    return db, meta


# --- measuring --------------------------------------------------------------------------------------------


def rebuild(db: Path, cwd: Path, cpus: set[int] | None = None) -> Any:
    return run_process([*tracker_command(), "rebuild", "--db", str(db)], cwd=cwd, cpus=cpus)


def size_on_disk(db: Path) -> int:
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def free_bytes(db: Path) -> int:
    """Pages the file keeps free: a cached store re-projected in place keeps the pages its dropped
    projections held, which a store projected once would not have."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        return int(free) * int(conn.execute("PRAGMA page_size").fetchone()[0])


def report_latency(db: Path, cwd: Path, extra: list[str], runs: int) -> dict[str, Any]:
    argv = [*tracker_command(), "report", "--format", "json", "--db", str(db), *extra]
    first = run_process(argv, cwd=cwd)
    timings = [run_process(argv, cwd=cwd) for _ in range(runs)]
    report = json.loads(first.stdout)
    return {
        "median_s": statistics.median(t.wall_s for t in timings),
        "min_s": min(t.wall_s for t in timings),
        "cold_s": first.wall_s,
        "cpu_median_s": statistics.median(t.cpu_s for t in timings),
        "peak_rss_mb": max(t.peak_rss_mb for t in timings),
        "timeline_entries": len(report.get("timeline", [])),
        "runs": runs,
    }


def rebuild_options(cwd: Path) -> list[str]:
    """Options of `tracker rebuild` that could choose a number of workers, if it has any."""
    text = run_process([*tracker_command(), "rebuild", "--help"], cwd=cwd).stdout
    words = ("worker", "jobs", "process", "parallel", "cores", "cpu")
    return [
        line.strip()
        for line in text.splitlines()
        if line.strip().startswith("-") and any(w in line.lower() for w in words)
    ]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Both stores (generated or from the cache), the reports on the first, rebuilds of the second."""
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        cwd = Path(tmp)  # no feeds.toml here: the shipped subjects
        print(f"scale store: {args.events:,} events", flush=True)
        db, meta = cached_store(
            args.cache, "scale", args.events, 0, args.relevant_share, args.fresh, project=True
        )
        results["scale_store"] = {
            "events": args.events,
            "bytes_on_disk": size_on_disk(db),
            "free_bytes": free_bytes(db),
            **meta,
        }
        middle = corpus.BASE_TIME + timedelta(minutes=MINUTES_APART * args.events / 2)
        for name, extra in (
            ("report", []),
            ("report --as-of", ["--as-of", middle.date().isoformat()]),
            ("report --known-at", ["--known-at", "2999-01-01T00:00:00Z"]),
        ):
            results[name] = report_latency(db, cwd, extra, args.runs)
            print(f"  tracker {name}: {results[name]['median_s']:.3f} s", flush=True)
        print(f"rebuild store: {args.rebuild_articles:,} articles of ~3 KB", flush=True)
        rdb, rmeta = cached_store(
            args.cache, "rebuild", args.rebuild_articles, 3000, args.relevant_share, args.fresh, project=False
        )
        results["rebuild_store"] = {
            "articles": args.rebuild_articles,
            "bytes_on_disk": size_on_disk(rdb),
            **rmeta,
        }
        results["rebuild_options"] = rebuild_options(cwd)
        for label, cpus in (("rebuild, 2 cores", None), ("rebuild, 1 core", {0})):
            run = rebuild(rdb, cwd, cpus)
            results[label] = summary(run) | {
                "articles_per_s": args.rebuild_articles / run.wall_s,
                "articles_per_cpu_s": args.rebuild_articles / run.cpu_s,
                "cores_busy": run.cpu_s / run.wall_s,
            }
            print(f"  {label}: {run.wall_s:.1f} s", flush=True)
        if args.profile is not None:
            pdb, _ = cached_store(
                args.cache, "profile", 10_000, 3000, args.relevant_share, args.fresh, project=False
            )
            args.profile.mkdir(parents=True, exist_ok=True)
            stats = args.profile / "tracker-rebuild.prof"
            run_process(profiled([*tracker_command(), "rebuild", "--db", str(pdb)], stats), cwd=cwd)
            print(top_functions(stats))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rebuild-articles", type=int, default=100_000)
    parser.add_argument("--relevant-share", type=float, default=0.02)
    parser.add_argument("--runs", type=int, default=3, help="runs of each report")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "tracker-bench")
    parser.add_argument("--fresh", action="store_true", help="generate the stores again")
    parser.add_argument("--quick", action="store_true", help="20,000 events, 5,000 articles to rebuild")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="also profile `tracker rebuild` of 10,000 such articles (cProfile)",
    )
    args = parser.parse_args()
    if args.quick:
        args.events, args.rebuild_articles, args.runs = 20_000, 5_000, 3
    results = measure(args)
    show(results, args)
    parameters = vars(args) | {"cache": str(args.cache), "json": None, "profile": None}
    write_json(args.json, "scale", {"parameters": parameters, "results": results})


def show(results: dict[str, Any], args: argparse.Namespace) -> None:
    scale, full = results["scale_store"], results["scale_store"].get("full_rebuild", {})
    rows: list[list[object]] = [
        [f"store of {args.events:,} events: size on disk (MB)", scale["bytes_on_disk"] / 2**20, ""],
        ["  of which the log and its indexes (MB)", scale["log_bytes_on_disk"] / 2**20, ""],
        ["  of which free pages (MB; left by earlier projections)", scale["free_bytes"] / 2**20, ""],
        ["generating it (s; through the store API)", scale["generation_s"], ""],
        [
            f"full rebuild of it (s, when it was projected, {scale.get('projected_at')})",
            full.get("wall_s"),
            "",
        ],
        ["  articles/s", full.get("articles_per_s"), ""],
        ["  articles per CPU-second", full.get("articles_per_cpu_s"), ""],
        ["tracker report --format json (s, whole process)", results["report"]["median_s"], "≤ 0.300"],
        ["tracker report --as-of (s)", results["report --as-of"]["median_s"], "≤ 0.500"],
        ["tracker report --known-at (s)", results["report --known-at"]["median_s"], ""],
    ]
    two, one = results["rebuild, 2 cores"], results["rebuild, 1 core"]
    rows += [
        [f"rebuild {args.rebuild_articles:,} articles of ~3 KB, 2 cores (s)", two["wall_s"], ""],
        ["  articles/s", two["articles_per_s"], "≥ 5,000"],
        ["  articles per CPU-second", two["articles_per_cpu_s"], ""],
        ["  CPU s (all processes)", two["cpu_s"], ""],
        ["  cores busy (CPU s ÷ wall s)", two["cores_busy"], "near 2"],
        ["rebuild, pinned to 1 core (s)", one["wall_s"], ""],
        ["  speed-up 1 → 2 cores", one["wall_s"] / two["wall_s"], "near 2"],
        ["rebuild options for workers", ", ".join(results["rebuild_options"]) or "none", ""],
    ]
    print(table("scale", ["figure", "value", "target"], rows))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
