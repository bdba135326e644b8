"""Interpretation in worker processes: a parallel rebuild gives exactly the serial one's tables,
an article over its time budget is recorded as not interpreted (and the rest of the pass goes on),
`tracker fetch` interprets after the poll's transaction, and a long rebuild commits in short
transactions so that another process keeps writing."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.helpers.events import article, page_of, revision
from tests.helpers.feed_server import FeedServer, Item
from tracker import app
from tracker.bootstrap import LazyInterpretPool, assemble, projection_runner
from tracker.config import Config, FeedConfig, default_config
from tracker.evaluation.extraction import LABELLED as LABELLED_SET
from tracker.evaluation.extraction import load_labelled
from tracker.events import (
    ArticleObserved,
    ArticleTextFetched,
    FeedFailed,
    FeedGone,
    FeedMoved,
    FeedRecovered,
    RecordedEvent,
)
from tracker.interpretation import pool as pool_module
from tracker.interpretation.pool import InterpretPool
from tracker.interpretation.worker import NICENESS
from tracker.projections import stepped
from tracker.projections.facts import Interpreted, interpret_in_process
from tracker.report.feeds import feed_health
from tracker.storage import lock_wait
from tracker.storage.store import Store
from tracker.streams import article_stream
from tracker.subjects import Subject

LABELLED = load_labelled(LABELLED_SET)
# One paragraph with no sentence break that names the subjects and their cues over and over:
# bounded by the extractor's limits, it still costs some 0.5 s of CPU, a hundred normal articles.
HOSTILE = "Belarus freed political prisoners and released 52 people, the embassy in Minsk reopened " * 1200
TABLES: tuple[str, ...] = ("articles", "feed_history", "facts", "facts_skipped")
TABLES += ("assertions", "retractions", "subject_state", "timeline", "story_sources")
BUDGET = 0.2  # CPU seconds: normal articles take a few milliseconds, HOSTILE well over this


def table_digests(store: Store) -> dict[str, str]:
    digests = {}
    for table in TABLES:
        columns = [row[1] for row in store.conn.execute(f"PRAGMA table_info({table})")]
        order = ", ".join(f'"{c}"' for c in columns)
        digest = hashlib.sha256()
        for row in store.conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):  # noqa: S608 - fixed names
            digest.update(repr(row).encode())
        digests[table] = digest.hexdigest()
    return digests


def corpus(count: int) -> list[ArticleObserved]:
    """Labelled texts (most about the subjects) between articles about nothing tracked."""
    filler = "The city council approved a budget of 4.2 billion for the coming year. " * 5
    return [
        article(
            f"a{n}", LABELLED[n % len(LABELLED)].text if n % 3 == 0 else f"{filler} Item {n}.", f"feed{n % 4}"
        )
        for n in range(count)
    ]


def test_parallel_rebuild_gives_the_serial_tables(new_store: Store) -> None:
    with new_store.transaction():
        new_store.append(corpus(240))
    config = default_config()
    serial = projection_runner(config)  # in this process, one transaction: the reference
    with new_store.transaction():
        serial.catch_up(new_store, rebuild=True)
    expected = table_digests(new_store)
    assert new_store.conn.execute("SELECT count(*) FROM facts").fetchone()[0] > 20
    for workers in (2, 1):
        tracker = assemble(config, new_store, workers=workers)
        try:
            result = app.rebuild(tracker)
            assert result.failures == ()
            assert table_digests(new_store) == expected, f"{workers} workers"
        finally:
            tracker.interpreter.close()


def test_a_projection_replayed_alone_has_no_article_interpreted_again(new_store: Store) -> None:
    """When one projection replays the log (a new version of `articles`), the facts projection,
    current, is handed none of the articles it has interpreted already."""
    with new_store.transaction():
        new_store.append(corpus(60))
    interpreted: list[int] = []

    def counting(
        events: Sequence[RecordedEvent],
        subjects: Sequence[Subject],
        pages: Mapping[int, ArticleTextFetched] | None = None,
    ) -> dict[int, Interpreted]:
        interpreted.extend(e.position for e in events)
        return interpret_in_process(events, subjects, pages)

    runner = projection_runner(default_config(), counting)
    stepped.catch_up_in_steps(new_store, runner)
    assert sorted(interpreted) == list(range(1, 61))
    before = table_digests(new_store)
    with new_store.transaction():
        new_store.conn.execute(
            "UPDATE projection_checkpoints SET fingerprint = 'articles/v0' WHERE name = 'articles'"
        )
    interpreted.clear()
    stepped.catch_up_in_steps(new_store, runner)
    assert interpreted == []
    assert table_digests(new_store) == before


def test_articles_read_with_their_pages_give_the_serial_tables_in_parallel(new_store: Store) -> None:
    """Pages (the article re-read with the page's text) go through the workers like any article,
    and the tables are exactly the serial run's: a page before and after a revision, a page of a
    revision, articles with and without pages interleaved."""
    teasers = [article(f"t{n}", "A short summary.", f"feed{n % 3}") for n in range(30)]
    texts = [item.text for item in LABELLED]
    with new_store.transaction():
        new_store.append(teasers + corpus(60))
        new_store.append([page_of(t, texts[n % len(texts)] * 2) for n, t in enumerate(teasers[:20])])
        new_store.append([revision(t, "A new short summary.") for t in teasers[:10]])
        new_store.append([page_of(t, texts[(n + 1) % len(texts)] * 2) for n, t in enumerate(teasers[5:15])])
    config = default_config()
    serial = projection_runner(config)
    with new_store.transaction():
        serial.catch_up(new_store, rebuild=True)
    expected = table_digests(new_store)
    from_pages = "SELECT count(*) FROM facts WHERE url LIKE 'https://publisher.invalid/%'"
    assert new_store.conn.execute(from_pages).fetchone()[0] > 10
    tracker = assemble(config, new_store, workers=2)
    try:
        assert app.rebuild(tracker).failures == ()
        assert table_digests(new_store) == expected
    finally:
        tracker.interpreter.close()


def table_rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the projected tables; those written event by event with their rowids, in
    rowid order (equal only if the rows were written in the same order too), the story's (refolded
    whole) sorted."""
    folded = ("assertions", "retractions", "subject_state", "timeline", "story_sources")
    return {
        table: sorted(store.conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608
        if table in folded
        else store.conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()  # noqa: S608
        for table in TABLES
    }


def test_the_log_applied_event_by_event_and_rebuilt_in_batches_gives_the_same_rows(
    new_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The incremental path (a catch-up after each event) and a rebuild (batches of events, pages
    looked up together, the next chunk interpreted while one is applied) write the same rows in
    the same order: articles and revisions of several feeds, feeds failing, recovering, moving and
    gone between them, pages before and after revisions."""
    teasers = [article(f"t{n}", "A short summary.", f"feed{n % 3}") for n in range(12)]
    texts = [item.text for item in LABELLED]
    url = "http://feed1.invalid/rss"
    log: list[object] = [
        *teasers[:6],
        FeedFailed(feed_id="feed1", category="http", reason="HTTP 503", url=url),
    ]
    log += [*corpus(30), page_of(teasers[0], texts[0] * 2), revision(teasers[0], "A new short summary.")]
    log += [FeedRecovered(feed_id="feed1", failures=1, url=url), *teasers[6:], page_of(teasers[0], texts[1])]
    log += [
        FeedMoved(feed_id="feed2", url=url, new_url="http://feed2.invalid/v2"),
        revision(teasers[7], "New."),
    ]
    log += [
        page_of(teasers[7], texts[2] * 2),
        FeedGone(feed_id="feed0", url=url, status=410),
        *corpus(45)[30:],
    ]
    config = default_config()
    runner = projection_runner(config)
    for event in log:
        with new_store.transaction():
            new_store.append([event])  # type: ignore[list-item]
            runner.catch_up(new_store)
    incremental = table_rows(new_store)
    assert len(incremental["facts"]) > 10 and len(incremental["feed_history"]) == 4
    monkeypatch.setattr(stepped, "FIRST_CHUNK", stepped.MIN_CHUNK)  # chunks of about 10 events
    tracker = assemble(config, new_store, workers=2)
    try:
        result = stepped.catch_up_in_steps(new_store, tracker.runner, rebuild=True, target_seconds=0.001)
        assert result.failures == ()
        assert table_rows(new_store) == incremental
    finally:
        tracker.interpreter.close()


def test_a_page_over_the_article_budget_is_recorded_as_not_interpreted(new_store: Store) -> None:
    """A page is interpreted under the same per-article budget as a feed's article."""
    teaser = article("t", "A short summary.")
    with new_store.transaction():
        new_store.append([teaser])
        new_store.append([page_of(teaser, HOSTILE)])
    tracker = assemble(default_config(), new_store)
    tracker.interpreter = LazyInterpretPool(1, budget=BUDGET)
    tracker.runner = projection_runner(tracker.config, tracker.interpreter)
    try:
        assert app.catch_up(tracker).failures == ()
    finally:
        tracker.interpreter.close()
    [(position, stream, reason)] = new_store.conn.execute(
        "SELECT position, stream, reason FROM facts_skipped"
    )
    assert (position, stream) == (2, article_stream("wire", "t")) and "budget" in reason


def test_an_article_over_its_budget_is_recorded_and_the_others_interpreted() -> None:
    good = corpus(12)
    hostile = article("hostile", HOSTILE, "bad")
    events = [*good[:6], hostile, *good[6:]]
    with InterpretPool(2, budget=BUDGET) as pool:
        store_events = [_recorded(e, n) for n, e in enumerate(events, start=1)]
        results = pool.interpret(store_events, default_config().subjects)
    assert set(results) == {e.position for e in store_events}
    skipped = {p: r.skipped for p, r in results.items() if r.skipped}
    assert list(skipped) == [7]
    assert "budget" in (skipped[7] or "")
    assert sum(len(r.rows) for r in results.values()) > 0


def test_interpretation_workers_give_way_to_the_process_that_writes() -> None:
    """They run NICENESS below their parent's priority, which holds the write lock as it applies
    their results."""
    with InterpretPool(1) as pool:
        pool.interpret([_recorded(e, n) for n, e in enumerate(corpus(2), 1)], default_config().subjects)
        worker = pool._workers.checkout()
        try:
            theirs = os.getpriority(os.PRIO_PROCESS, worker.process.pid)
        finally:
            pool._workers.checkin(worker)
    assert theirs == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)


def test_a_worker_that_stops_answering_is_replaced() -> None:
    """The wall-time backstop: a worker stuck where the CPU budget cannot reach it is killed,
    its article skipped, and a fresh worker finishes the batch."""
    events = [
        _recorded(e, n) for n, e in enumerate([*corpus(3), article("h", HOSTILE, "bad"), *corpus(3)], 1)
    ]
    with InterpretPool(1, budget=60, backstop=0.3) as pool:
        results = pool.interpret(events, default_config().subjects)
        assert pool.started >= 2
    assert "stopped" in (results[4].skipped or "")
    # Those before it too: answered in one list with it, they were given to the fresh worker.
    assert all(results[p].skipped is None for p in (1, 2, 3, 5, 6, 7))


def test_a_worker_stuck_on_a_slice_sent_ahead_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices are sent one ahead of the answers: a worker stuck with a slice unanswered and the next
    one sent is killed, and both slices' articles but the culprit are interpreted by a fresh one."""
    monkeypatch.setattr(pool_module, "SLICE", 2)
    articles = [*corpus(5), article("h", HOSTILE, "bad"), *corpus(6)[3:]]
    events = [_recorded(e, n) for n, e in enumerate(articles, 1)]
    with InterpretPool(1, budget=60, backstop=0.3) as pool:
        results = pool.interpret(events, default_config().subjects)
        assert pool.started >= 2
    assert set(results) == {e.position for e in events}
    assert "stopped" in (results[6].skipped or "")
    assert all(results[p].skipped is None for p in results if p != 6)
    serial = interpret_in_process([e for e in events if e.position != 6], default_config().subjects)
    assert {p: r.rows for p, r in results.items() if p != 6} == {p: r.rows for p, r in serial.items()}


def test_fetch_interprets_good_feeds_beside_a_hostile_one(tmp_path: Path) -> None:
    good_text = next(item.text for item in LABELLED if "released" in item.text.lower())
    with FeedServer() as server:
        feeds = (
            FeedConfig(id="good", url=server.feed("/good.xml", [Item("g1", "Freed", good_text)])),
            FeedConfig(id="bad", url=server.feed("/bad.xml", [Item("b1", "Loop", HOSTILE)])),
        )
        config = Config(path=None, feeds=feeds, subjects=default_config().subjects)
        with Store.open(tmp_path / "events.db", create=True) as store:
            tracker = assemble(config, store)
            tracker.interpreter = LazyInterpretPool(2, budget=BUDGET)
            tracker.runner = projection_runner(config, tracker.interpreter)
            try:
                summary = asyncio.run(app.fetch_feeds(tracker))
                assert summary.ok == 2
                assert all(s.lag == 0 and s.fingerprint_ok for s in tracker.runner.status(store))
                feeds_with_facts = store.conn.execute("SELECT DISTINCT feed_id FROM facts").fetchall()
                assert feeds_with_facts == [("good",)]
                skipped = store.conn.execute("SELECT feed_id, reason FROM facts_skipped").fetchall()
                assert [feed for feed, _ in skipped] == ["bad"]
                assert any("bad: 1 article version not interpreted" in n for n in feed_health(tracker).notes)
            finally:
                tracker.interpreter.close()


@pytest.mark.slow
def test_a_rebuild_never_keeps_another_writer_waiting(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    with Store.open(path, create=True) as store:
        for start in range(0, 6000, 1000):
            with store.transaction():
                store.append(
                    [article(f"x{n}", e.content or "", e.feed_id) for n, e in enumerate(corpus(1000), start)]
                )
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "tracker", "rebuild", "--db", str(path)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    waits = []
    with Store.open(path) as writer:
        n = 0
        while rebuild.poll() is None:
            started = time.monotonic()
            with writer.transaction():
                waits.append(time.monotonic() - started)
                writer.append([article(f"during-{n}", "The weather was mild.", "other")])
            n += 1
            time.sleep(0.05)
    assert rebuild.returncode == 0, rebuild.stderr.read() if rebuild.stderr else ""
    assert len(waits) > 10, "the rebuild ended before the writer could measure anything"
    assert max(waits) < 1.0, sorted(waits)[-5:]


def _retries(schedule: list[float], start: float, until: float) -> list[float]:
    """When a writer that began waiting at `start` tries again, sleeping `schedule` in turn (its
    last sleep repeated), up to `until`."""
    times, t = [], start
    for n in range(10_000):
        t += schedule[min(n, len(schedule) - 1)]
        times.append(t)
        if t > until:
            return times
    raise AssertionError("unreachable")


SQLITE_BUSY_SLEEPS = [d / 1000 for d in (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100)]
DAEMON_BUSY_SLEEPS = [min(lock_wait.LONGEST_PAUSE, lock_wait.FIRST_PAUSE * 2**n) for n in range(8)]


@pytest.mark.parametrize("schedule", [SQLITE_BUSY_SLEEPS, DAEMON_BUSY_SLEEPS], ids=["sqlite", "daemon"])
def test_after_any_transaction_a_writer_that_waited_for_it_tries_again_within_the_gap(
    schedule: list[float],
) -> None:
    """Whenever during a transaction another writer began waiting, its next attempt after the
    commit falls inside the gap that follows, with 30 ms to spare for the system to run it."""
    for held in [n / 1000 for n in range(0, 400, 3)]:
        gap = stepped.gap_after(held)
        assert 0 < gap <= stepped.GAP
        for start in [held * k / 20 for k in range(21)]:
            after_commit = [t - held for t in _retries(schedule, start, held + 1) if t >= held]
            assert after_commit[0] <= gap - 0.03, (held, start, after_commit[0], gap)
    assert stepped.gap_after(0.001) < stepped.GAP / 2  # a short transaction is not followed by a long idle


def test_chunks_stop_growing_at_the_bound_however_short_their_transactions(
    new_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up whose transactions are all short doubles its chunks up to MAX_CHUNK and no
    further: the decoded events it holds in memory stay bounded, and every event is applied."""
    with new_store.transaction():
        new_store.append(corpus(60))
    monkeypatch.setattr(stepped, "FIRST_CHUNK", 2)
    monkeypatch.setattr(stepped, "MAX_CHUNK", 8)
    runner = projection_runner(default_config())
    reads: list[int] = []
    read = Store.read

    def counted(store: Store, **kwargs: object) -> object:
        events = list(read(store, **kwargs))  # type: ignore[arg-type]
        reads.append(len(events))
        return iter(events)

    monkeypatch.setattr(Store, "read", counted)
    result = stepped.catch_up_in_steps(new_store, runner, target_seconds=60.0)
    assert result.failures == () and result.applied["articles"] == 60
    assert reads[0] == 2 and max(reads) == 8 and reads.count(8) >= 5  # doubled up to the bound


def _recorded(event: ArticleObserved, position: int) -> RecordedEvent:
    stream = f"article:{event.entry_key}"
    return RecordedEvent(position, f"id{position}", stream, 1, event, {}, None, "2025-09-11T12:00:00Z")
