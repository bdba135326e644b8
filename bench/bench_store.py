"""Event-store throughput against the raw SQLite limit and a peer library, in one run.

    .venv/bin/python bench/bench_store.py [--events 100000]

Prints events/s and the ratio to raw sqlite3 for: appends in one transaction, appends of 100
events per transaction (the size of a poll), reading the log back decoded, and a full rebuild
of the cheap projections. If `eventsourcing` is installed (`pip install -e '.[bench]'`), its
SQLite store is measured on the same workload. Machines here are shared: compare ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.events import ArticleObserved
from tracker.projections.articles import ArticlesProjection
from tracker.projections.feeds import FeedHistoryProjection
from tracker.projections.runner import ProjectionRunner
from tracker.store import Store

BASE = datetime(2025, 9, 1, tzinfo=UTC)


def make_events(n: int) -> list[ArticleObserved]:
    return [
        ArticleObserved(
            feed_id=f"feed-{i % 50}",
            entry_key=f"guid:{i}",
            guid=str(i),
            link=f"https://example.org/{i}",
            title=f"Article {i} about Belarus",
            summary="Belarus freed prisoners; the U.S. wants to reopen.",
            content_hash=f"{i:064x}",
            published=BASE + timedelta(minutes=i),
        )
        for i in range(n)
    ]


def timed(label: str, n: int, run: Callable[[], object], results: dict[str, float]) -> None:
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    results[label] = n / elapsed
    print(f"  {label:<52} {n / elapsed:>11,.0f} events/s  ({elapsed:.2f} s)")


def raw_sqlite(path: Path, rows: list[tuple[str, str, str]], per_tx: int | None) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT, type TEXT, data TEXT)")
    step = per_tx or len(rows)
    for start in range(0, len(rows), step):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO events (id, type, data) VALUES (?, ?, ?)", rows[start : start + step])
        conn.execute("COMMIT")
    conn.close()


def ours(path: Path, events: list[ArticleObserved], per_tx: int | None) -> None:
    store = Store.open(path)
    step = per_tx or len(events)
    for start in range(0, len(events), step):
        with store.transaction():
            store.append(events[start : start + step])
    store.close()


def peer_eventsourcing(path: Path, events: list[ArticleObserved], per_tx: int) -> bool:
    try:
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.sqlite import SQLiteFactory
    except ImportError:
        return False
    os.environ.update({"SQLITE_DBNAME": str(path), "SQLITE_LOCK_TIMEOUT": "10"})
    recorder = SQLiteFactory(os.environ).aggregate_recorder()
    recorder.create_table()
    import uuid

    stored = [
        StoredEvent(
            originator_id=uuid.uuid5(uuid.NAMESPACE_URL, e.entry_key),
            originator_version=1,
            topic="tracker:ArticleObserved",
            state=e.model_dump_json().encode(),
        )
        for e in events
    ]
    for start in range(0, len(stored), per_tx):
        recorder.insert_events(stored[start : start + per_tx])
    return True


def story_bench(path: Path, results: dict[str, float], copies: int = 150) -> None:
    """The interpretation side on realistic text: the demo articles, each published `copies`
    times under new keys (a few thousand articles), then a full rebuild with extraction and a
    report."""
    from tracker.bootstrap import projection_runner
    from tracker.config import default_config
    from tracker.demo import bundled_documents
    from tracker.ingest import plan
    from tracker.parsing.feed import parse_feed
    from tracker.report import build_report

    entries = [
        e
        for name, body in bundled_documents().items()
        if "updated" not in name
        for e in parse_feed(body).entries
    ]
    store = Store.open(path)
    with store.transaction():
        for copy in range(copies):
            store.append(
                plan(f"feed-{copy % 7}", [replace(e, guid=f"{e.guid}-{copy}") for e in entries], {}).events
            )
    config = default_config()
    runner = projection_runner(config)
    n = store.count()
    print(f"interpretation ({n:,} articles of real length)")

    def rebuild_all() -> None:
        with store.transaction():
            runner.catch_up(store, rebuild=True)

    timed("rebuild all projections (extraction + story fold)", n, rebuild_all, results)
    timed("tracker report (fold in memory, from facts)", n, lambda: build_report(store, config), results)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    n = args.events
    events = make_events(n)
    rows = [(f"article:{i}", "ArticleObserved", e.model_dump_json()) for i, e in enumerate(events)]
    results: dict[str, float] = {}
    print(f"tracker store benchmark: {n:,} events, SQLite {sqlite3.sqlite_version}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        print("append, one transaction")
        timed("raw sqlite3 executemany, bare table", n, lambda: raw_sqlite(d / "r1.db", rows, None), results)
        timed(
            "tracker Store.append (ids, triggers, hash chain)",
            n,
            lambda: ours(d / "o1.db", events, None),
            results,
        )
        print("append, 100 events per transaction (synchronous=FULL)")
        timed("raw sqlite3", n, lambda: raw_sqlite(d / "r2.db", rows, 100), results)
        timed("tracker Store.append", n, lambda: ours(d / "o2.db", events, 100), results)
        if not peer_eventsourcing(d / "es.db", events[:1], 1):
            print("  (eventsourcing not installed: pip install -e '.[bench]' to compare)")
        else:
            timed(
                "eventsourcing 9 SQLite recorder",
                n,
                lambda: peer_eventsourcing(d / "es2.db", events, 100),
                results,
            )
        print("read back")
        conn = sqlite3.connect(d / "o1.db")
        timed(
            "raw SELECT + json.loads",
            n,
            lambda: [json.loads(r[0]) for r in conn.execute("SELECT data FROM events")],
            results,
        )
        store = Store.open(d / "o1.db")
        timed(
            "tracker Store.read (decoded, validated models)", n, lambda: sum(1 for _ in store.read()), results
        )
        print("projections")
        runner = ProjectionRunner([ArticlesProjection(), FeedHistoryProjection()])

        def rebuild() -> None:
            with store.transaction():
                runner.catch_up(store, rebuild=True)

        timed("rebuild articles + feed_history", n, rebuild, results)
        story_bench(d / "story.db", results)
    print("ratios (tracker / raw sqlite3)")
    one_tx = (
        results["tracker Store.append (ids, triggers, hash chain)"]
        / results["raw sqlite3 executemany, bare table"]
    )
    print(f"  append, one transaction:      {one_tx:.2f}")
    print(f"  append, 100 per transaction:  {results['tracker Store.append'] / results['raw sqlite3']:.2f}")
    if "eventsourcing 9 SQLite recorder" in results:
        peer = results["tracker Store.append"] / results["eventsourcing 9 SQLite recorder"]
        print(f"  append, 100 per transaction, tracker / eventsourcing: {peer:.2f}")
    read = results["tracker Store.read (decoded, validated models)"] / results["raw SELECT + json.loads"]
    print(f"  read back decoded:            {read:.2f}")


if __name__ == "__main__":
    main()
