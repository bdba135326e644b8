"""The page queue reads only what is new since each feed's mark, and decides exactly what a reading
of every article would: compared pass after pass with that full reading over generated histories
(new articles, revisions, pages fetched or given up, feeds' modes switched, the `articles` table
rebuilt), across the schema migration that brought the marks, and in the work a pass does."""

from __future__ import annotations

import dataclasses
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.bootstrap import Tracker, assemble
from tracker.clock import format_utc
from tracker.config import FeedConfig, FullTextMode, default_config
from tracker.events import ArticleObserved, ArticleRevised, Event
from tracker.pages.policy import is_teaser
from tracker.storage import page_store
from tracker.storage.schema import SCHEMA_VERSION
from tracker.storage.store import Store

NOW = datetime(2025, 9, 11, 12, 0, tzinfo=UTC)
FEEDS = ("a", "b", "c")
LONG = "<p>" + "The talks went on through the night and into the next morning. " * 20 + "</p>"
TEXTS = {  # what an entry carries, and its link: each wants a page under some modes, not others
    "short": ("Brief note.", None, "https://news.example/{key}"),
    "cut": (
        "A long enough opening paragraph that says only part of it … Read more",
        None,
        "https://x.example/{key}",
    ),
    "long": (None, LONG, "https://news.example/{key}"),
    "no-link": ("Brief note.", None, None),
    "ftp": ("Brief note.", None, "ftp://files.example/{key}"),
}


def full_scan(store: Store, feeds: Iterable[FeedConfig], now: datetime) -> int:
    """The page queue as it was decided by reading every article of the feeds on every pass (each
    article it reads is decided and recorded as the marks' pass does)."""
    modes = {feed.id: feed.full_text for feed in feeds if feed.full_text != "never"}
    if not modes:
        return 0
    marks = ",".join("?" * len(modes))
    always = [feed_id for feed_id, mode in modes.items() if mode == "always"]
    rows = store.conn.execute(
        "SELECT a.stream, a.feed_id, a.entry_key, a.link, a.summary, a.content, a.position "  # noqa: S608
        "FROM articles AS a LEFT JOIN page_fetches AS p ON p.stream = a.stream "
        f"WHERE a.feed_id IN ({marks}) AND (p.stream IS NULL OR "
        "(p.article_position < a.position AND p.status != 'pending') "
        f"OR (p.status = 'unwanted' AND a.feed_id IN ({','.join('?' * len(always))})))",
        [*modes, *always],
    ).fetchall()
    stamp = format_utc(now)
    return page_store.record_decisions(store, [(modes[row[1]], row) for row in rows], stamp)


def queue(store: Store) -> list[tuple[object, ...]]:
    """The page queue, but for when an unwanted row was last looked at."""
    return store.conn.execute(
        "SELECT stream, feed_id, entry_key, url, status, attempts, next_attempt_at, article_position, "
        "last_error, CASE WHEN status = 'unwanted' THEN NULL ELSE updated_at END "
        "FROM page_fetches ORDER BY stream"
    ).fetchall()


def article(feed_id: str, key: str, kind: str, revision: int) -> Event:
    summary, content, link = TEXTS[kind]
    observed = ArticleObserved(
        feed_id=feed_id,
        entry_key=key,
        link=link.format(key=key) if link else None,
        summary=summary,
        content=content,
        content_hash=f"{key}-{revision}-{kind}",
        published=NOW,
    )
    if revision == 1:
        return observed
    fields = observed.model_dump(exclude={"type", "revision"})
    return ArticleRevised(**fields, revision=revision, previous_hash="earlier")


class Twin:
    """A store whose queue is decided by the marks, beside one decided by the full reading. The
    marks are given the verdict of every other article version appended (`is_teaser`, as a pass
    learns it from the parse); the others' text they read."""

    def __init__(self, directory: Path, stack: ExitStack) -> None:
        self.sides: list[tuple[Tracker, object]] = []
        self.teasers: dict[int, bool] = {}

        def marks(store: Store, feeds: Iterable[FeedConfig], now: datetime) -> int:
            return page_store.enqueue_wanted(store, feeds, now, self.teasers)

        for name, decide in (("marks", marks), ("full", full_scan)):
            store = stack.enter_context(Store.open(directory / f"{name}.db", clock=lambda: NOW))
            self.sides.append((stack.enter_context(assemble(default_config(), store)), decide))
        self.append([])  # the `articles` table, empty

    def append(self, events: list[Event]) -> None:
        for tracker, _ in self.sides:
            with tracker.store.transaction():
                appended = tracker.store.append(events).appended
                tracker.runner.catch_up(tracker.store, only=["articles"])
        for recorded in appended:
            event = recorded.event
            if recorded.position % 2 and isinstance(event, ArticleObserved | ArticleRevised):
                self.teasers[recorded.position] = is_teaser(event.summary, event.content)

    def rebuild_articles(self) -> None:
        for tracker, _ in self.sides:
            with tracker.store.transaction():
                tracker.runner.catch_up(tracker.store, only=["articles"], rebuild=True)

    def enqueue(self, feeds: list[FeedConfig], now: datetime) -> None:
        queued = []
        for tracker, decide in self.sides:
            with tracker.store.transaction():
                queued.append(decide(tracker.store, feeds, now))  # type: ignore[operator]
        assert queued[0] == queued[1]
        marks, full = (queue(tracker.store) for tracker, _ in self.sides)
        assert marks == full

    def settle(self, pick: int, outcome: str, now: datetime) -> None:
        """Fetch, fail or give up the same pending page on both sides."""
        pending = (
            self.sides[0][0]
            .store.conn.execute(
                "SELECT stream, feed_id, entry_key, url, attempts FROM page_fetches WHERE status = 'pending' "
                "ORDER BY stream"
            )
            .fetchall()
        )
        if not pending:
            return
        page = page_store.WantedPage(*pending[pick % len(pending)])
        for tracker, _ in self.sides:
            with tracker.store.transaction():
                if outcome == "fetched":
                    page_store.record_fetched(tracker.store, page.stream, page.url, "hash", now)
                else:
                    page_store.record_failure(
                        tracker.store, page, "http: 503", now, max_attempts=3, final=outcome == "given-up"
                    )


change = st.one_of(
    st.tuples(st.just("new"), st.sampled_from(FEEDS[:2]), st.sampled_from(sorted(TEXTS))),
    st.tuples(st.just("revise"), st.integers(0, 50), st.sampled_from(sorted(TEXTS))),
)
mode = st.sampled_from(["auto", "auto", "always", "never"])
# A round: articles appended or revised, a pass over some feeds, pages settled, perhaps a rebuild.
round_ = st.tuples(
    st.lists(change, min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(FEEDS), mode, min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 50), st.sampled_from(["fetched", "failed", "given-up"])), max_size=2),
    st.sampled_from([False] * 5 + [True]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(round_, min_size=1, max_size=8))
def test_the_marks_decide_the_queue_a_full_reading_would_pass_after_pass(
    rounds: list[tuple[list[tuple[str, object, str]], dict[str, FullTextMode], list[tuple[int, str]], bool]],
) -> None:
    with tempfile.TemporaryDirectory() as directory, ExitStack() as stack:
        twin = Twin(Path(directory), stack)
        # Every feed marked from the start: a feed without a mark has the whole log read for it.
        twin.enqueue([feed(f, "auto") for f in FEEDS], NOW)
        revisions: dict[tuple[str, str], int] = {}
        now = NOW
        for changes, modes, settles, rebuild in rounds:
            now += timedelta(minutes=7)
            for kind, which, text in changes:
                if kind == "new":
                    feed_id, key = str(which), f"k{len(revisions)}"
                    revisions[(feed_id, key)] = 1
                elif revisions:
                    feed_id, key = sorted(revisions)[int(str(which)) % len(revisions)]
                    revisions[(feed_id, key)] += 1
                else:
                    continue
                twin.append([article(feed_id, key, text, revisions[(feed_id, key)])])
            twin.enqueue([feed(f, m) for f, m in modes.items()], now)
            for pick, outcome in settles:
                twin.settle(pick, outcome, now)
            if rebuild:
                twin.rebuild_articles()
        for f in FEEDS:  # and last passes over each feed
            twin.enqueue([feed(f, "auto")], now)
            twin.enqueue([feed(f, "always")], now)


def feed(feed_id: str, mode: FullTextMode) -> FeedConfig:
    return FeedConfig(id=feed_id, url=f"https://{feed_id}.example/rss", full_text=mode)


def test_a_known_verdict_decides_without_the_text(tmp_path: Path) -> None:
    """A pass that knows a version's verdict from its parse goes by it: a long text said to be a
    teaser has its page queued; without the verdict the same text wants none."""
    with (
        Store.open(tmp_path / "events.db", clock=lambda: NOW) as store,
        assemble(default_config(), store) as app,
    ):
        with store.transaction():
            [recorded] = store.append([article("a", "k", "long", 1)]).appended
            app.runner.catch_up(store, only=["articles"])
        with store.transaction():
            assert page_store.enqueue_wanted(store, [feed("a", "auto")], NOW) == 0
        store.conn.execute("DELETE FROM page_fetches")
        store.conn.execute("DELETE FROM page_marks")
        with store.transaction():
            assert page_store.enqueue_wanted(store, [feed("a", "auto")], NOW, {recorded.position: True}) == 1


def test_a_page_pending_when_its_article_is_revised_is_considered_again_once_fetched(tmp_path: Path) -> None:
    with ExitStack() as stack:
        twin = Twin(tmp_path, stack)
        twin.append([article("a", "k", "short", 1)])
        twin.enqueue([feed("a", "auto")], NOW)
        twin.append([article("a", "k", "short", 2)])  # revised while its page waits
        twin.enqueue([feed("a", "auto")], NOW)
        twin.settle(0, "fetched", NOW)
        twin.enqueue([feed("a", "auto")], NOW + timedelta(minutes=1))
        [row] = queue(twin.sides[0][0].store)
        assert row[4:6] == ("pending", 0), "the revision's page was not queued"
        assert row[7] == 2


def test_an_article_the_projection_skipped_is_considered_once_a_rebuild_brings_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.projections.articles import ArticlesProjection

    working = ArticlesProjection.apply_batch

    def refusing_k2(self: ArticlesProjection, db: Any, events: Any) -> None:
        if any(getattr(e.event, "entry_key", None) == "k2" for e in events):
            raise RuntimeError("a projection bug")
        working(self, db, events)

    with ExitStack() as stack:
        twin = Twin(tmp_path, stack)
        monkeypatch.setattr(ArticlesProjection, "apply_batch", refusing_k2)
        twin.append([article("a", "k1", "short", 1), article("a", "k2", "short", 1)])
        twin.enqueue([feed("a", "auto")], NOW)  # the mark passes k2, which `articles` lacks
        assert [row[2] for row in queue(twin.sides[0][0].store)] == ["k1"]
        monkeypatch.setattr(ArticlesProjection, "apply_batch", working)
        twin.rebuild_articles()  # the fixed projection holds k2 now
        twin.enqueue([feed("a", "auto")], NOW + timedelta(minutes=1))
        rows = queue(twin.sides[0][0].store)
        assert sorted(row[2:5:2] for row in rows) == [("k1", "pending"), ("k2", "pending")]


# --- the migration ---------------------------------------------------------------------------


@contextmanager
def schema_5_store(path: Path) -> Iterator[Store]:
    """A store as schema 5 left it: its page queue kept by reading every article each pass."""
    with Store.open(path, clock=lambda: NOW) as store:
        yield store
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE page_marks")
    conn.execute("DROP TABLE page_rechecks")
    conn.execute("PRAGMA user_version = 5")
    conn.close()


def test_a_schema_5_store_migrates_and_considers_what_came_before_once(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    feeds = [feed("a", "auto"), feed("b", "always")]
    with schema_5_store(path) as store, assemble(default_config(), store) as tracker:
        with store.transaction():
            store.append([article("a", "k1", "short", 1), article("b", "k2", "long", 1)])
            tracker.runner.catch_up(store, only=["articles"])
            full_scan(store, feeds, NOW)  # as that code queued them
            store.append([article("a", "k3", "long", 1), article("b", "k4", "no-link", 1)])
            tracker.runner.catch_up(store, only=["articles"])  # appended, never considered
        before = queue(store)
    with Store.open(path, clock=lambda: NOW) as store, assemble(default_config(), store) as tracker:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT count(*) FROM page_marks").fetchone()[0] == 0
        with store.transaction():
            assert page_store.enqueue_wanted(store, feeds, NOW) == 0  # k3 is long, k4 has no link
        rows = {row[0]: row for row in queue(store)}
        assert {row[0]: row for row in before}.items() <= rows.items()  # the earlier decisions stand
        statuses = {row[2]: row[4] for row in rows.values()}
        assert statuses == {"k1": "pending", "k2": "pending", "k3": "unwanted", "k4": "unwanted"}
        with store.transaction():
            store.append([article("a", "k5", "short", 1)])
            tracker.runner.catch_up(store, only=["articles"])
            assert page_store.enqueue_wanted(store, feeds, NOW) == 1  # only what is new
        assert len(queue(store)) == 5


# --- the work of a pass ----------------------------------------------------------------------


def steps_of_a_quiet_pass(store: Store, feeds: list[FeedConfig]) -> int:
    """SQLite's virtual-machine steps (in thousands) in a pass that finds nothing new."""
    counted = [0]

    def count() -> int:
        counted[0] += 1
        return 0

    store.conn.set_progress_handler(count, 1000)
    try:
        with store.transaction():
            page_store.enqueue_wanted(store, feeds, NOW)
    finally:
        store.conn.set_progress_handler(None, 0)
    return counted[0]


def test_a_pass_that_finds_nothing_new_costs_the_same_whatever_the_store_holds(tmp_path: Path) -> None:
    feeds = [feed(f, "auto") for f in FEEDS]
    costs = []
    for articles in (100, 2000):
        store = Store.open(tmp_path / f"{articles}.db", clock=lambda: NOW)
        with assemble(default_config(), store) as tracker:
            with store.transaction():
                store.append([article(FEEDS[n % 3], f"k{n}", "long", 1) for n in range(articles)])
                tracker.runner.catch_up(store, only=["articles"])
            with store.transaction():
                page_store.enqueue_wanted(store, feeds, NOW)  # considers each article once
            costs.append(steps_of_a_quiet_pass(store, feeds))
            assert dataclasses.astuple(page_store.counts(store)["a"])[:2] == (0, 0)
    small, large = costs
    assert large <= small + 2, f"a quiet pass grew with the store: {costs} thousand steps"
