"""Event store: append, decoded read, rebuild and verify against bare sqlite3 and `eventsourcing`.

    .venv/bin/python bench/bench_store.py [--events 100000] [--quick] [--json PATH]

The same N article events (~600 bytes of JSON each) go through:

- tracker's store: `append` with every invariant (deterministic ids and the duplicate check,
  stream versions, the SHA-256 hash chain, append-only triggers, four indexes), in one
  transaction and 100 events per transaction (the size of a poll; `synchronous=FULL`);
- bare sqlite3: `executemany` into a table with no index, the limit of the disk and the driver;
- `eventsourcing` 9 (`pip install -e '.[bench]'`): its SQLite recorder given events already
  serialised (the recorder alone), and its `Application.save` doing the same work as tracker's
  append (serialise each event, check each aggregate's version, assign the global position);

then a decoded read of the whole log (tracker's validated models; `json.loads` of bare rows;
eventsourcing's notifications mapped back to domain events), a rebuild of tracker's cheap
projections (article and feed tables: decode, fold, insert) against a bare fold of the same rows
into one table, and `verify` (hash chain and `PRAGMA integrity_check`) against bare sqlite3
doing the same check (read every row, recompute the chain). eventsourcing keeps no hash chain:
it has nothing to verify beyond the integrity check. Machines here are shared: trust ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from measure import ratio, table, write_json

BASE = datetime(2025, 9, 1, tzinfo=UTC)
SUMMARY = (
    "Officials in the capital said on Tuesday that talks on trade and transport would resume next "
    "month, after a pause of several weeks; the delegation is expected to include ministers of finance "
    "and of foreign affairs, according to a statement published late on Monday evening."
)


def fields(i: int) -> dict[str, Any]:
    """One article observation, as plain data (every tool gets the same)."""
    return {
        "feed_id": f"feed-{i % 50}",
        "entry_key": f"guid:{i}",
        "guid": str(i),
        "link": f"https://example.org/{i}",
        "title": f"Article {i}: regional officials resume talks",
        "summary": SUMMARY,
        "content_hash": f"{i:064x}",
        "published": BASE + timedelta(minutes=i),
    }


# --- adapter: the only place that knows tracker's store API -----------------------------------------


@dataclass(frozen=True)
class TrackerStore:
    make_event: Callable[[dict[str, Any]], Any]
    open: Callable[[Path], Any]
    append: Callable[[Any, list[Any]], None]  # inside one transaction
    read: Callable[[Any], int]  # decoded events read
    rebuild_cheap: Callable[[Any], None]  # article and feed tables
    verify: Callable[[Any], int]  # events verified
    close: Callable[[Any], None]


def tracker_store() -> TrackerStore:
    from tracker.events import ArticleObserved
    from tracker.projections.articles import ArticlesProjection
    from tracker.projections.feeds import FeedHistoryProjection
    from tracker.projections.runner import ProjectionRunner
    from tracker.storage.store import Store

    def append(store: Store, events: list[Any]) -> None:
        with store.transaction():
            store.append(events)

    def rebuild(store: Store) -> None:
        with store.transaction():
            ProjectionRunner([ArticlesProjection(), FeedHistoryProjection()]).catch_up(store, rebuild=True)

    return TrackerStore(
        make_event=lambda f: ArticleObserved(**f),
        open=Store.open,
        append=append,
        read=lambda store: sum(1 for _ in store.read()),
        rebuild_cheap=rebuild,
        verify=lambda store: store.verify().events,
        close=lambda store: store.close(),
    )


# --- bare sqlite3 -------------------------------------------------------------------------------------


def raw_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def raw_append(path: Path, rows: list[tuple[str, str, str, str]], per_tx: int) -> None:
    conn = raw_connect(path)
    conn.execute(
        "CREATE TABLE events (position INTEGER PRIMARY KEY, id TEXT, type TEXT, data TEXT, hash TEXT)"
    )
    for start in range(0, len(rows), per_tx):
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO events (id, type, data, hash) VALUES (?, ?, ?, ?)", rows[start : start + per_tx]
        )
        conn.execute("COMMIT")
    conn.close()


def raw_rows(n: int) -> list[tuple[str, str, str, str]]:
    rows, prev = [], "0" * 64
    for i in range(n):
        f = fields(i)
        data = json.dumps({**f, "published": f["published"].isoformat()}, separators=(",", ":"))
        prev = hashlib.sha256(bytes.fromhex(prev) + data.encode()).hexdigest()
        rows.append((f"article:{i}", "ArticleObserved", data, prev))
    return rows


def raw_read(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return sum(
            1 for (data,) in conn.execute("SELECT data FROM events ORDER BY position") if json.loads(data)
        )


def raw_rebuild(path: Path) -> None:
    with contextlib.closing(raw_connect(path)) as conn:
        conn.execute("DROP TABLE IF EXISTS articles")
        conn.execute(
            "CREATE TABLE articles (id TEXT PRIMARY KEY, feed_id TEXT, title TEXT, link TEXT, published TEXT)"
        )
        conn.execute("BEGIN")
        rows = (
            (i, d["feed_id"], d["title"], d["link"], d["published"])
            for i, d in ((i, json.loads(data)) for i, data in conn.execute("SELECT id, data FROM events"))
        )
        conn.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")


def raw_verify(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise RuntimeError("integrity_check failed")
        prev, count = "0" * 64, 0
        for data, stored in conn.execute("SELECT data, hash FROM events ORDER BY position"):
            prev = hashlib.sha256(bytes.fromhex(prev) + data.encode()).hexdigest()
            if prev != stored:
                raise RuntimeError("chain broken")
            count += 1
        return count


# --- adapter: the eventsourcing library -----------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    recorder_append: Callable[[Path, list[dict[str, Any]], int], float]  # seconds in the recorder
    prepare: Callable[[Path, list[dict[str, Any]]], tuple[Any, list[Any]]]  # an app and unsaved aggregates
    save: Callable[[Any, list[Any], int], None]
    read: Callable[[Any], int]
    integrity: Callable[[Path], None]


def eventsourcing_peer() -> Peer | None:
    # Long on purpose: every eventsourcing import and idiom stays inside this one adapter.
    try:
        from eventsourcing.application import Application
        from eventsourcing.domain import Aggregate
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.sqlite import SQLiteFactory
    except ImportError:
        return None

    class Article(Aggregate):
        class Observed(Aggregate.Created):
            feed_id: str
            entry_key: str
            guid: str
            link: str
            title: str
            summary: str
            content_hash: str
            published: datetime

        def __init__(self, **kwargs: Any) -> None:  # the created event carries the fields
            self.fields = kwargs

    def env(path: Path) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }

    def recorder_append(path: Path, items: list[dict[str, Any]], per_tx: int) -> float:
        recorder: Any = SQLiteFactory(env(path)).aggregate_recorder()  # SQLite's has create_table()
        recorder.create_table()
        stored = [
            StoredEvent(
                originator_id=uuid.uuid5(uuid.NAMESPACE_URL, f["entry_key"]),
                originator_version=1,
                topic="bench:ArticleObserved",
                state=json.dumps({**f, "published": f["published"].isoformat()}).encode(),
            )
            for f in items
        ]
        started = time.perf_counter()  # only the recorder's own work is timed
        for start in range(0, len(stored), per_tx):
            recorder.insert_events(stored[start : start + per_tx])
        return time.perf_counter() - started

    def prepare(path: Path, items: list[dict[str, Any]]) -> tuple[Any, list[Any]]:
        app: Any = Application(env=env(path))
        return app, [
            Article._create(Article.Observed, id=uuid.uuid5(uuid.NAMESPACE_URL, f["entry_key"]), **f)
            for f in items
        ]

    def save(app: Any, aggregates: list[Any], per_tx: int) -> None:
        for start in range(0, len(aggregates), per_tx):
            app.save(*aggregates[start : start + per_tx])

    def read(app: Any) -> int:
        count, start = 0, 1
        while True:
            batch = app.recorder.select_notifications(start, 1000)
            for notification in batch:
                app.mapper.to_domain_event(notification)
            count += len(batch)
            if len(batch) < 1000:
                return count
            start = batch[-1].id + 1

    def integrity(path: Path) -> None:
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA integrity_check").fetchone()

    return Peer(recorder_append, prepare, save, read, integrity)


# --- the run ---------------------------------------------------------------------------------------------


class Results:
    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: dict[str, dict[str, float]] = {}

    @contextlib.contextmanager
    def timed(self, workload: str, tool: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.record(workload, tool, time.perf_counter() - started)

    def record(self, workload: str, tool: str, elapsed: float) -> None:
        rate = self.n / elapsed
        self.rows.setdefault(workload, {})[tool] = rate
        print(f"  {workload:<40} {tool:<40} {rate:>9,.0f} events/s ({elapsed:.2f} s)", flush=True)


def run(n: int, d: Path) -> Results:
    ours = tracker_store()
    peer = eventsourcing_peer()
    items = [fields(i) for i in range(n)]
    events = [ours.make_event(f) for f in items]
    rows = raw_rows(n)
    r = Results(n)
    print(f"store: {n:,} events, SQLite {sqlite3.sqlite_version}", flush=True)
    if peer is None:
        print("  (eventsourcing not installed: pip install -e '.[bench]' to compare)")
    for per_tx, workload in ((n, "append, one transaction"), (100, "append, 100 per transaction")):
        with r.timed(workload, "sqlite3"):
            raw_append(d / f"raw-{per_tx}.db", rows, per_tx)
        with r.timed(workload, "tracker"):
            store = ours.open(d / f"tracker-{per_tx}.db")
            for start in range(0, n, per_tx):
                ours.append(store, events[start : start + per_tx])
            ours.close(store)
        if peer is not None:
            elapsed = peer.recorder_append(d / f"es-recorder-{per_tx}.db", items, per_tx)
            r.record(workload, "eventsourcing recorder (pre-serialised)", elapsed)
            app, aggregates = peer.prepare(d / f"es-app-{per_tx}.db", items)
            with r.timed(workload, "eventsourcing Application.save"):
                peer.save(app, aggregates, per_tx)
            if per_tx == 100:
                es_app = app
    store = ours.open(d / "tracker-100.db")
    with r.timed("read the log, decoded", "sqlite3"):
        raw_read(d / "raw-100.db")
    with r.timed("read the log, decoded", "tracker"):
        assert ours.read(store) == n
    if peer is not None:
        with r.timed("read the log, decoded", "eventsourcing Application"):
            assert peer.read(es_app) == n
    with r.timed("rebuild article + feed tables", "sqlite3"):
        raw_rebuild(d / "raw-100.db")
    with r.timed("rebuild article + feed tables", "tracker"):
        ours.rebuild_cheap(store)
    with r.timed("verify (hash chain + integrity_check)", "sqlite3"):
        assert raw_verify(d / "raw-100.db") == n
    with r.timed("verify (hash chain + integrity_check)", "tracker"):
        assert ours.verify(store) == n
    if peer is not None:
        with r.timed("verify (hash chain + integrity_check)", "eventsourcing (integrity_check only)"):
            peer.integrity(d / "es-app-100.db")
    ours.close(store)
    return r


TARGETS = {  # events/s, or a multiple of the peer
    "append, 100 per transaction": "≥ 2× eventsourcing Application.save",
    "read the log, decoded": "≥ 100,000/s",
    "verify (hash chain + integrity_check)": "≥ 200,000/s",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 events")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    n = 10_000 if args.quick else args.events
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        results = run(n, Path(tmp))
    rows = [
        [
            workload,
            tool,
            rate,
            ratio(by_tool["tracker"], rate),
            TARGETS.get(workload) if tool == "tracker" else None,
        ]
        for workload, by_tool in results.rows.items()
        for tool, rate in sorted(by_tool.items(), key=lambda item: item[0] != "tracker")
    ]
    print(table(f"store, {n:,} events", ["workload", "tool", "events/s", "tracker ÷ this", "target"], rows))
    write_json(
        args.json,
        "store",
        {"parameters": {"events": n}, "events_per_second": results.rows, "targets": TARGETS},
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
