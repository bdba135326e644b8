"""Properties of the log and the projections, over generated histories."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.tables import PROJECTED_TABLES
from tracker import app
from tracker.bootstrap import LazyInterpretPool, Tracker, projection_runner
from tracker.config import default_config
from tracker.events import ArticleObserved, ArticleRevised, Event, FeedFailed, FeedRecovered
from tracker.storage.store import Store

SENTENCES = [
    "Belarus freed 52 prisoners on Thursday.",
    "The United States wants to reopen its embassy in Minsk.",
    "Washington may reopen the embassy in Minsk.",
    "The Treasury issued a general licence for Belavia.",
    "More than 1,000 political prisoners remain behind bars.",
    "Nothing about the story here.",
]


@st.composite
def histories(draw: st.DrawFn) -> list[list[Event]]:
    """Batches of events: new articles, revisions of earlier ones, feed failures and recoveries."""
    batches: list[list[Event]] = []
    revisions: dict[str, int] = {}
    for b in range(draw(st.integers(1, 6))):
        batch: list[Event] = []
        for i in range(draw(st.integers(0, 6))):
            choice = draw(st.integers(0, 3))
            text = draw(st.sampled_from(SENTENCES))
            day = datetime(2025, 9, 1, tzinfo=UTC) + timedelta(days=draw(st.integers(0, 60)))
            if choice == 3 and revisions:
                key = draw(st.sampled_from(sorted(revisions)))
                revisions[key] += 1
                batch.append(
                    ArticleRevised(
                        feed_id="wire",
                        entry_key=key,
                        summary=text,
                        content_hash=f"{key}-{revisions[key]}-{text}",
                        revision=revisions[key],
                        previous_hash="x",
                        published=day,
                    )
                )
            elif choice == 2:
                event: Event = (
                    FeedFailed(feed_id="wire", category="http", reason="HTTP 500", url="http://x")
                    if draw(st.booleans())
                    else FeedRecovered(feed_id="wire", failures=1, url="http://x")
                )
                batch.append(event)
            else:
                key = f"k{b}-{i}"
                revisions[key] = 1
                batch.append(
                    ArticleObserved(
                        feed_id=draw(st.sampled_from(["wire", "digest"])),
                        entry_key=key,
                        title=key,
                        summary=text,
                        content_hash=f"{key}-1-{text}",
                        published=day,
                    )
                )
        # Re-appending an earlier batch is a no-op and must not disturb anything.
        if len(batches) > 0 and draw(st.booleans()):
            batch = [*draw(st.sampled_from(batches)), *batch]
        batches.append(batch)
    return batches


def fixed_clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


def dump(store: Store) -> dict[str, list[tuple[object, ...]]]:
    return {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in PROJECTED_TABLES}  # noqa: S608


@pytest.fixture(scope="module")
def interpreter() -> Iterator[LazyInterpretPool]:
    """One pool of interpretation workers for every example, as the daemon keeps one for all its
    catch-ups (starting a worker per example would be most of the run)."""
    pool = LazyInterpretPool(workers=1)
    yield pool
    pool.close()


def application(store: Store, interpreter: LazyInterpretPool) -> Tracker:
    config = default_config()
    return Tracker(config, store, projection_runner(config, interpreter), interpreter)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_any_batching_gives_dense_positions_unique_ids_and_rebuild_equals_catch_up(
    interpreter: LazyInterpretPool, batches: list[list[Event]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        incremental = Store.open(Path(tmp) / "a.db", clock=fixed_clock)
        caught_up = application(incremental, interpreter)
        for batch in batches:
            with incremental.transaction():
                incremental.append(batch)
            app.catch_up(caught_up)  # caught up after every batch, as the daemon does
        positions = [
            row[0] for row in incremental.conn.execute("SELECT position FROM events ORDER BY position")
        ]
        assert positions == list(range(1, len(positions) + 1))
        ids = [row[0] for row in incremental.conn.execute("SELECT id FROM events")]
        assert len(ids) == len(set(ids))
        assert incremental.verify().events == len(positions)

        # The same events in one append, then a rebuild: identical projections.
        single = Store.open(Path(tmp) / "b.db", clock=fixed_clock)
        with single.transaction():
            single.append([e for batch in batches for e in batch])
        app.rebuild(application(single, interpreter))
        same_log = "SELECT id, stream, version, hash FROM events ORDER BY position"
        assert single.conn.execute(same_log).fetchall() == incremental.conn.execute(same_log).fetchall()
        assert dump(single) == dump(incremental)
