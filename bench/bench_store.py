"""Event store: append, decoded read, rebuild and verify against bare sqlite3 and `eventsourcing`.

    .venv/bin/python bench/bench_store.py [--events 100000] [--quick] [--json PATH]

The same N article events (~600 bytes of JSON each) go through:

- tracker's store: `append` with every invariant (deterministic ids and the duplicate check,
  stream versions, the SHA-256 hash chain, append-only triggers, four indexes), in one
  transaction and 100 events per transaction (the size of a poll);
- bare sqlite3: `executemany` into a table with no index, the limit of the disk and the driver;
- `eventsourcing` 9 (`pip install -e '.[bench]'`): its SQLite recorder given events already
  serialised (the recorder alone), and its `Application.save` doing the same work as tracker's
  append (serialise each event, check each aggregate's version, assign the global position).

Durability is the same on every side: WAL, and `synchronous=FULL` (an fsync of the WAL at every
COMMIT), which tracker sets and eventsourcing inherits (it never sets `synchronous`, and SQLite's
default in WAL mode is FULL unless built otherwise: the run reads the setting back from each
side's own connection and prints it). 100 per transaction is also run with every side at
`synchronous=NORMAL` (no fsync at COMMIT), which shows what the fsync costs each.

Then a decoded read of the whole log (tracker's validated models; `json.loads` of bare rows;
eventsourcing's notifications mapped back to domain events), a rebuild of tracker's cheap
projections (article and feed tables: decode, fold, insert) against a bare fold of the same rows
into one table, and `verify` (hash chain and `PRAGMA quick_check`, as `tracker verify` runs by
default; and with `integrity_check`, as `tracker verify --full`) against bare sqlite3 doing the
same checks (read every row, recompute the chain). eventsourcing keeps no hash chain: it has
nothing to verify beyond the integrity check. Machines here are shared: trust ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bare_sqlite import durability, raw_append, raw_read, raw_rebuild, raw_verify
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


def _cpu() -> float:
    """CPU seconds of this process and of the processes it waited for (verify's second walker)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@dataclass(frozen=True)
class TrackerStore:
    make_event: Callable[[dict[str, Any]], Any]
    open: Callable[[Path, str], Any]  # a path, and FULL or NORMAL
    durability: Callable[[Any], str]  # journal mode and synchronous, as the connection has them
    append: Callable[[Any, list[Any]], None]  # inside one transaction
    read: Callable[[Any], int]  # decoded events read
    rebuild_cheap: Callable[[Any], None]  # article and feed tables
    verify: Callable[[Any, bool], int]  # events verified; True: with integrity_check
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
        open=lambda path, synchronous: Store.open(path, synchronous=synchronous),
        durability=lambda store: durability(store.conn),
        append=append,
        read=lambda store: sum(1 for recorded in store.read() if recorded.event),
        rebuild_cheap=rebuild,
        verify=lambda store, full: store.verify(full=full).events,
        close=lambda store: store.close(),
    )


def raw_rows(n: int) -> list[tuple[str, str, str, str]]:
    rows, prev = [], "0" * 64
    for i in range(n):
        f = fields(i)
        data = json.dumps({**f, "published": f["published"].isoformat()}, separators=(",", ":"))
        prev = hashlib.sha256(bytes.fromhex(prev) + data.encode()).hexdigest()
        rows.append((f"article:{i}", "ArticleObserved", data, prev))
    return rows


# --- adapter: the eventsourcing library -----------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    recorder_append: Callable[[Path, list[dict[str, Any]], int], float]  # seconds in the recorder
    prepare: Callable[[Path, list[dict[str, Any]]], tuple[Any, list[Any]]]  # an app and unsaved aggregates
    save: Callable[[Any, list[Any], int], None]
    read: Callable[[Any], int]
    integrity: Callable[[Path], None]
    durability: Callable[[Any], str]  # an app's connection, as `durability` reads it
    synchronous: Callable[[str], contextlib.AbstractContextManager[None]]  # new connections get it


def eventsourcing_peer() -> Peer | None:
    # Long on purpose: every eventsourcing import and idiom stays inside this one adapter.
    try:
        from eventsourcing.application import Application
        from eventsourcing.domain import Aggregate
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.sqlite import SQLiteConnectionPool, SQLiteFactory
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

    def app_durability(app: Any) -> str:
        with app.recorder.datastore.get_connection(commit=False) as conn:
            return durability(conn._sqlite_conn)

    @contextlib.contextmanager
    def synchronous(level: str) -> Iterator[None]:
        """FULL is eventsourcing's own setting (it sets none: SQLite's default); any other level is
        set on each connection it opens meanwhile."""
        if level == "FULL":
            yield
            return
        pool: Any = SQLiteConnectionPool
        create = pool._create_connection

        def creating(self: Any) -> Any:
            connection = create(self)
            connection._sqlite_conn.execute(f"PRAGMA synchronous = {level}")
            return connection

        pool._create_connection = creating
        try:
            yield
        finally:
            pool._create_connection = create

    return Peer(recorder_append, prepare, save, read, integrity, app_durability, synchronous)


# --- the run ---------------------------------------------------------------------------------------------


class Results:
    """Events per second of wall time, and per CPU-second of this process (every tool here works
    in process: on a loaded machine, the CPU figure is the steadier one)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.rows: dict[str, dict[str, float]] = {}
        self.cpu_rows: dict[str, dict[str, float]] = {}

    @contextlib.contextmanager
    def timed(self, workload: str, tool: str) -> Iterator[None]:
        started, cpu_started = time.perf_counter(), _cpu()
        yield
        self.record(workload, tool, time.perf_counter() - started, _cpu() - cpu_started)

    def record(self, workload: str, tool: str, elapsed: float, cpu: float | None = None) -> None:
        rate = self.n / elapsed
        self.rows.setdefault(workload, {})[tool] = rate
        per_cpu = ""
        if cpu:
            self.cpu_rows.setdefault(workload, {})[tool] = self.n / cpu
            per_cpu = f", {self.n / cpu:,.0f} per CPU-second"
        print(f"  {workload:<40} {tool:<40} {rate:>9,.0f} events/s ({elapsed:.2f} s{per_cpu})", flush=True)


APPENDS = (  # workload, events per transaction, synchronous
    ("append, one transaction", 0, "FULL"),
    ("append, 100 per transaction", 100, "FULL"),
    ("append, 100 per transaction, synchronous=NORMAL", 100, "NORMAL"),
)
VERIFY = "verify (hash chain + quick_check)"
VERIFY_FULL = "verify --full (hash chain + integrity_check)"


def run(n: int, d: Path) -> tuple[Results, dict[str, str]]:
    # Long on purpose: every workload of every tool in one run, in the order the table prints.
    ours = tracker_store()
    peer = eventsourcing_peer()
    items = [fields(i) for i in range(n)]
    events = [ours.make_event(f) for f in items]
    rows = raw_rows(n)
    r = Results(n)
    settings: dict[str, str] = {}
    print(f"store: {n:,} events, SQLite {sqlite3.sqlite_version}", flush=True)
    if peer is None:
        print("  (eventsourcing not installed: pip install -e '.[bench]' to compare)")
    es_app = None
    for workload, per_tx, level in APPENDS:
        per_tx = per_tx or n
        name = f"{per_tx}-{level}"
        with r.timed(workload, "sqlite3"):
            raw_append(d / f"raw-{name}.db", rows, per_tx, level)
        store = ours.open(d / f"tracker-{name}.db", level)
        settings[f"tracker, {workload}"] = ours.durability(store)
        with r.timed(workload, "tracker"):
            for start in range(0, n, per_tx):
                ours.append(store, events[start : start + per_tx])
        ours.close(store)
        if peer is None:
            continue
        with peer.synchronous(level):
            elapsed = peer.recorder_append(d / f"es-recorder-{name}.db", items, per_tx)
            r.record(workload, "eventsourcing recorder (pre-serialised)", elapsed)
            app, aggregates = peer.prepare(d / f"es-app-{name}.db", items)
            with r.timed(workload, "eventsourcing Application.save"):
                peer.save(app, aggregates, per_tx)
            settings[f"eventsourcing, {workload}"] = peer.durability(app)
        if (per_tx, level) == (100, "FULL"):
            es_app = app
    for who, setting in settings.items():
        print(f"  durability: {who}: {setting}")
    raw_db = d / "raw-100-FULL.db"
    store = ours.open(d / "tracker-100-FULL.db", "FULL")
    with r.timed("read the log, decoded", "sqlite3"):
        raw_read(raw_db)
    with r.timed("read the log, decoded", "tracker"):
        assert ours.read(store) == n
    if es_app is not None:
        with r.timed("read the log, decoded", "eventsourcing Application"):
            assert peer is not None and peer.read(es_app) == n
    with r.timed("rebuild article + feed tables", "sqlite3"):
        raw_rebuild(raw_db)
    with r.timed("rebuild article + feed tables", "tracker"):
        ours.rebuild_cheap(store)
    for workload, full in ((VERIFY, False), (VERIFY_FULL, True)):
        with r.timed(workload, "sqlite3"):
            assert raw_verify(raw_db, full) == n
        with r.timed(workload, "tracker"):
            assert ours.verify(store, full) == n
    if peer is not None:
        with r.timed(VERIFY_FULL, "eventsourcing (integrity_check only)"):
            peer.integrity(d / "es-app-100-FULL.db")
    ours.close(store)
    return r, settings


TARGETS = {  # events/s, or a multiple of the peer
    "append, 100 per transaction": "≥ 2× eventsourcing Application.save",
    "read the log, decoded": "≥ 100,000/s",
    VERIFY: "≥ 200,000/s",
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
        results, settings = run(n, Path(tmp))
    rows = [
        [
            workload,
            tool,
            rate,
            ratio(by_tool["tracker"], rate),
            results.cpu_rows.get(workload, {}).get(tool),
            ratio(
                results.cpu_rows.get(workload, {}).get("tracker"),
                results.cpu_rows.get(workload, {}).get(tool),
            ),
            TARGETS.get(workload) if tool == "tracker" else None,
        ]
        for workload, by_tool in results.rows.items()
        for tool, rate in sorted(by_tool.items(), key=lambda item: item[0] != "tracker")
    ]
    header = ["workload", "tool", "events/s", "tracker ÷ this", "per CPU-s", "tracker ÷ this, CPU", "target"]
    print(table(f"store, {n:,} events", header, rows))
    write_json(
        args.json,
        "store",
        {
            "parameters": {"events": n},
            "durability": settings,
            "events_per_second": results.rows,
            "events_per_cpu_second": results.cpu_rows,
            "targets": TARGETS,
        },
    )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
