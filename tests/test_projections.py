"""Each projection on its own, and the runner when a projection fails: the failing one records the
event it cannot apply and goes on past it, and never holds the log or the other projections back."""

from __future__ import annotations

import sqlite3
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from typing import ClassVar

import pytest
import sqlite_utils

from tests.helpers.events import article, revision
from tests.helpers.story_facts import fact
from tracker.bootstrap import Tracker
from tracker.events import (
    FeedFailed,
    FeedGone,
    FeedMoved,
    FeedRecovered,
    RecordedEvent,
)
from tracker.fold import Fact
from tracker.projections import checkpoints
from tracker.projections.articles import ArticlesProjection, count_before, count_by_feed
from tracker.projections.facts import (
    _INSERT,
    _MADE_OF,
    _READ,
    COLUMNS,
    FactsProjection,
    _facts_from_rows,
    fact_values,
    load_facts,
)
from tracker.projections.feeds import FeedHistoryProjection, load_health
from tracker.projections.runner import Projection, ProjectionRunner
from tracker.storage import polling_store
from tracker.storage.store import Store
from tracker.subjects import load_shipped_subjects


def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    return store.conn.execute(sql).fetchall()


def append(store: Store, *events: object) -> None:
    with store.transaction():
        store.append(events)  # type: ignore[arg-type]


def catch_up(store: Store, runner: ProjectionRunner) -> None:
    with store.transaction():
        runner.catch_up(store)


# --- articles ---------------------------------------------------------------------------------------


def test_articles_keeps_the_current_version_and_counts_revisions(new_store: Store) -> None:
    first = article("a", "Belarus freed 14 prisoners.")
    append(new_store, first, article("b"))
    append(new_store, revision(first, "Belarus freed 14 prisoners, including a U.S. citizen."))
    catch_up(new_store, ProjectionRunner([ArticlesProjection()]))
    assert rows(
        new_store, "SELECT feed_id, entry_key, content, revisions, first_position, position FROM articles"
    ) == [
        ("wire", "a", "Belarus freed 14 prisoners, including a U.S. citizen.", 2, 1, 3),
        ("wire", "b", "body", 1, 2, 2),
    ]


def test_articles_counts_each_feeds_articles_per_month_as_their_publication_moves(new_store: Store) -> None:
    """`article_months` follows every version's publication, and a count as of any time from it
    agrees with a count over the whole index, leaving out any articles."""
    moved = article("a", published=datetime(2025, 9, 30, 23, tzinfo=UTC))
    undated = article("u").model_copy(update={"published": None})
    append(
        new_store,
        moved,
        undated,
        article("b", published=datetime(2025, 9, 1, tzinfo=UTC)),
        article("c", published=datetime(2025, 10, 2, tzinfo=UTC)),
        article("d", feed="digest", published=datetime(2025, 8, 15, tzinfo=UTC)),
    )
    later = revision(moved, "body").model_copy(update={"published": datetime(2025, 10, 1, 1, tzinfo=UTC)})
    dated = revision(undated, "text").model_copy(update={"published": datetime(2025, 10, 5, tzinfo=UTC)})
    append(new_store, later, dated)
    catch_up(new_store, ProjectionRunner([ArticlesProjection()]))
    assert rows(new_store, "SELECT * FROM article_months ORDER BY 1, 2") == [
        ("digest", "2025-08", 1),
        ("wire", "2025-09", 1),
        ("wire", "2025-10", 3),
    ]
    streams = [str(s) for (s,) in rows(new_store, "SELECT stream FROM articles ORDER BY stream")]
    for cutoff in ("2025-08-01", "2025-09-01", "2025-09-30T23", "2025-10-01T01", "2025-10-03", "2026"):
        for excluding in ([], streams[:1], streams[2:4]):
            assert count_before(new_store, cutoff, excluding) == count_by_feed(new_store, cutoff, excluding)


# --- facts ---------------------------------------------------------------------------------------------


def test_a_revision_supersedes_the_facts_of_the_version_before_it(new_store: Store) -> None:
    first = article("a", "Belarus released 52 prisoners on Thursday.")
    append(new_store, first)
    append(new_store, revision(first, "Belarus released 52 political prisoners on Thursday."))
    catch_up(new_store, ProjectionRunner([FactsProjection(load_shipped_subjects())]))
    # `superseded_at` is the column's former name, kept for users' queries: the same value.
    assert rows(
        new_store, "SELECT position, superseded_by_position, superseded_at FROM facts ORDER BY position"
    ) == [(1, 2, 2), (2, None, None)]
    assert [f.position for f in load_facts(new_store.db, {}, until=1)] == [1]
    assert [f.position for f in load_facts(new_store.db, {}, until=2)] == [2]


def test_a_fact_read_back_from_its_row_is_the_fact_written() -> None:
    """The columns are named beside the class, not read from it: every field but `publisher` and
    `analyst` is one, in the class's order, and a row read back gives the same fact."""
    fact = Fact(
        subject="prisoner-releases",
        state=None,
        count=52,
        modality="asserted",
        moves=True,
        reversal=False,
        event_date=date(2025, 9, 11),
        date_precision="day",
        date_basis="sentence",
        sentence="Belarus freed 52.",
        start=3,
        end=20,
        cue="freed",
        quote="q",
        names=("Ann Lee", "Bo Ru"),
        tense="past",
        sentence_index=2,
        paragraph_index=1,
        novelty=True,
        figure="at-least",
        fact_id="f1",
        position=7,
        superseded_by_position=9,
        stream="article:x:1",
        revision=2,
        feed_id="wire",
        url="https://a.example/1",
        title="T",
        published="2025-09-12T08:00:00Z",
        publisher="Wire Co",
    )
    assert tuple(f.name for f in fields(Fact) if f.name not in ("publisher", "analyst")) == _READ
    assert _MADE_OF[-2:] == ("analyst", "publisher") and len(_MADE_OF) == len(fields(Fact))
    db = sqlite3.connect(":memory:")
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    db.execute(f"CREATE TABLE row ({columns})")
    db.execute(f"INSERT INTO row VALUES ({', '.join('?' * len(COLUMNS))})", fact_values(fact))  # noqa: S608
    read = ", ".join(f'"{c}"' for c in _READ)
    assert _facts_from_rows(db.execute(f"SELECT {read} FROM row"), {"wire": "Wire Co"}) == [fact]  # noqa: S608


def test_facts_are_read_in_the_order_of_their_article_version_and_place_whatever_the_order_written() -> None:
    """The fold reads facts by article version, then by their place in its text; facts at the same
    place (two claims of one sentence) keep the order they were written in."""
    db = sqlite_utils.Database(memory=True)
    FactsProjection(load_shipped_subjects()).create(db)
    written = [(5, 40, "a"), (2, 10, "b"), (5, 3, "c"), (2, 0, "d"), (5, 40, "e"), (9, 0, "f"), (5, 40, "g")]
    for position, start, n in written:
        one = replace(fact(0, "prisoner-releases", count=1), fact_id=n, position=position, start=start)
        db.conn.execute(_INSERT, fact_values(one))
    read = [(f.position, f.start, f.fact_id) for f in load_facts(db.conn, {}, until=9)]
    assert read == [
        (2, 0, "d"),
        (2, 10, "b"),
        (5, 3, "c"),
        (5, 40, "a"),
        (5, 40, "e"),
        (5, 40, "g"),
        (9, 0, "f"),
    ]
    dated = load_facts(db.conn, {}, until=9, dated_by=date(2025, 9, 11), keeping=["x"])
    assert [f.fact_id for f in dated] == ["d", "b", "c", "a", "e", "g", "f"]


# --- feed history and health ---------------------------------------------------------------------------


def test_feed_history_follows_health_events_and_counts_articles(new_store: Store) -> None:
    runner = ProjectionRunner([FeedHistoryProjection()])
    failed = FeedFailed(feed_id="wire", category="http", reason="HTTP 503", url="http://wire.invalid/rss")
    append(new_store, article("a"), article("b"), failed)
    catch_up(new_store, runner)
    assert rows(
        new_store, "SELECT health, category, reason, failures_recorded, articles FROM feed_history"
    ) == [("failing", "http", "HTTP 503", 1, 2)]
    append(new_store, FeedRecovered(feed_id="wire", failures=1, url="http://wire.invalid/rss"))
    append(
        new_store,
        FeedMoved(feed_id="wire", url="http://wire.invalid/rss", new_url="http://wire.invalid/v2"),
    )
    catch_up(new_store, runner)
    assert rows(new_store, "SELECT health, category, moved_to FROM feed_history") == [
        ("ok", None, "http://wire.invalid/v2")
    ]
    append(new_store, FeedGone(feed_id="wire", url="http://wire.invalid/v2", status=410))
    catch_up(new_store, runner)
    assert rows(new_store, "SELECT health, reason FROM feed_history") == [("gone", "HTTP 410 Gone")]


def test_feed_health_joins_the_history_with_the_polling_state(new_store: Store) -> None:
    append(new_store, article("a"))
    catch_up(new_store, ProjectionRunner([FeedHistoryProjection()]))
    poll = polling_store.PollRecord(
        feed_id="digest",
        url="http://digest.invalid/rss",
        started_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        duration_ms=12,
        outcome="failed",
        status=500,
        error="HTTP 500",
    )
    with new_store.transaction():
        polling_store.record(
            new_store, poll, consecutive_failures=3, gone=False, next_due=None, backoff_reason="backoff"
        )
    health = load_health(new_store)
    assert sorted(health) == ["digest", "wire"]  # polled but never seen in the log; the reverse
    assert (
        health["digest"].consecutive_failures,
        health["digest"].last_status,
        health["digest"].articles,
    ) == (3, 500, 0)
    assert (health["wire"].last_poll_at, health["wire"].articles) == (None, 1)


# --- the runner when a projection fails ----------------------------------------------------------------


class Fragile(Projection):
    """Counts articles, but raises on any article whose text contains `poison`."""

    name: ClassVar[str] = "fragile"
    version: ClassVar[int] = 1
    handles: ClassVar[frozenset[str] | None] = frozenset({"ArticleObserved"})
    poison = "poison"

    def create(self, db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE fragile (stream TEXT PRIMARY KEY)")

    def drop(self, db: sqlite_utils.Database) -> None:
        db.execute("DROP TABLE IF EXISTS fragile")

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        if self.poison in (getattr(recorded.event, "content", "") or ""):
            raise ValueError(f"cannot fold {recorded.stream}")
        db.execute("INSERT INTO fragile VALUES (?)", [recorded.stream])


class Mended(Fragile):
    """The same projection after the bug is fixed: a new version, so it rebuilds."""

    version: ClassVar[int] = 2
    poison = "never in any article"


def test_a_failing_projection_records_and_skips_the_bad_event_and_the_others_go_on(new_store: Store) -> None:
    append(new_store, article("a"), article("b", "poison"), article("c"))
    runner = ProjectionRunner([Fragile(), ArticlesProjection()])
    with new_store.transaction():
        result = runner.catch_up(new_store)

    (failure,) = result.failures
    assert (failure.name, failure.position) == ("fragile", 2)
    assert "ValueError: cannot fold article:wire:" in failure.error
    assert rows(new_store, "SELECT count(*) FROM fragile") == [(2,)]  # everything but the poison
    assert rows(new_store, "SELECT count(*) FROM articles") == [(3,)]  # the others are not held back
    assert new_store.count() == 3  # and the log has everything
    assert checkpoints.load(new_store.db) == {
        "fragile": ("fragile/v1", 3),
        "articles": (ArticlesProjection().fingerprint(), 3),
    }
    poison_id = next(new_store.read(after=1, limit=1)).id
    assert rows(
        new_store,
        "SELECT name, position, event_id, skipped, attempts, first_seen = last_seen FROM projection_errors",
    ) == [("fragile", 2, poison_id, 1, 1, 1)]
    fragile, articles = runner.status(new_store)
    assert (fragile.lag, fragile.skipped) == (0, 1)
    assert fragile.error == f"position 2 ({poison_id}): {failure.error}"
    assert (articles.lag, articles.error, articles.skipped) == (0, None, 0)

    # Catching up again does not try it again; a rebuild does, and counts the attempt.
    append(new_store, article("d"))
    with new_store.transaction():
        assert runner.catch_up(new_store).failures == ()
    assert rows(new_store, "SELECT count(*) FROM fragile") == [(3,)]
    with new_store.transaction():
        again = runner.catch_up(new_store, rebuild=True)
    assert [f.position for f in again.failures] == [2]
    assert rows(new_store, "SELECT position, attempts, skipped FROM projection_errors") == [(2, 2, 1)]


def test_a_storage_fault_is_never_taken_for_a_poison_event(new_store: Store) -> None:
    append(new_store, article("a"), article("b"))
    runner = ProjectionRunner([ArticlesProjection()])
    pages, _ = new_store.page_usage()
    new_store.conn.execute(f"PRAGMA max_page_count = {pages}")  # not one page more: SQLITE_FULL
    with pytest.raises(sqlite3.OperationalError, match="full"), new_store.transaction():
        runner.catch_up(new_store)
    new_store.conn.execute("PRAGMA max_page_count = 1073741823")
    assert rows(new_store, "SELECT count(*) FROM projection_errors") == [(0,)]
    with new_store.transaction():
        assert runner.catch_up(new_store).failures == ()
    assert rows(new_store, "SELECT count(*) FROM articles") == [(2,)]


def test_a_fixed_projection_rebuilds_past_the_event_and_forgets_the_error(tracker_app: Tracker) -> None:
    store = tracker_app.store
    append(store, article("a"), article("b", "poison"), article("c"))
    catch_up(store, ProjectionRunner([Fragile()]))
    with store.transaction():
        result = ProjectionRunner([Mended()]).catch_up(store)
    assert (result.failures, result.rebuilt) == ((), ("fragile",))
    assert rows(store, "SELECT count(*) FROM fragile") == [(3,)]
    assert rows(store, "SELECT count(*) FROM projection_errors") == [(0,)]


class FinishFails(Projection):
    name: ClassVar[str] = "finish_fails"
    version: ClassVar[int] = 1
    handles: ClassVar[frozenset[str] | None] = frozenset()
    broken = True

    def create(self, db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE finish_fails (done INTEGER)")

    def drop(self, db: sqlite_utils.Database) -> None:
        db.execute("DROP TABLE IF EXISTS finish_fails")

    def apply(self, db: sqlite_utils.Database, recorded: RecordedEvent) -> None:
        """Handles nothing: all its work is in finish()."""

    def finish(self, db: sqlite_utils.Database) -> None:
        db.execute("INSERT INTO finish_fails VALUES (1)")  # rolled back with its savepoint
        if self.broken:
            raise RuntimeError("derived table cannot be built")


def test_a_failed_finish_is_rolled_back_recorded_and_retried(new_store: Store) -> None:
    append(new_store, article("a"))
    projection = FinishFails()
    runner = ProjectionRunner([projection, ArticlesProjection()])
    with new_store.transaction():
        result = runner.catch_up(new_store)
    assert [f.error for f in result.failures] == ["finish: RuntimeError: derived table cannot be built"]
    assert rows(new_store, "SELECT count(*) FROM finish_fails") == [(0,)]
    assert rows(new_store, "SELECT count(*) FROM articles") == [(1,)]

    projection.broken = False  # nothing new in the log: the failed finish alone brings it back
    with new_store.transaction():
        assert runner.catch_up(new_store).failures == ()
    assert rows(new_store, "SELECT count(*) FROM finish_fails") == [(1,)]
    assert rows(new_store, "SELECT count(*) FROM projection_errors") == [(0,)]


def test_catch_up_outside_a_transaction_is_refused(new_store: Store) -> None:
    with pytest.raises(Exception, match=r"inside store\.transaction\(\)"):
        ProjectionRunner([ArticlesProjection()]).catch_up(new_store)


def test_projection_names_are_unique() -> None:
    with pytest.raises(ValueError, match="duplicate projection names"):
        ProjectionRunner([ArticlesProjection(), ArticlesProjection()])
