"""`article_months`, counted by the articles projection as it writes `articles`, holds exactly the
rows that triggers on every write of `articles` would keep (a month all its articles left stays, at
0), whether the log is applied in batches or event by event."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.helpers.events import article, revision
from tracker.events import ArticleObserved, ArticleRevised, Event
from tracker.projections.articles import ArticlesProjection
from tracker.projections.runner import ProjectionRunner
from tracker.storage.store import Store

# The counts as triggers keep them, on a table of the columns they read.
_BY_TRIGGERS = """
CREATE TABLE articles (stream TEXT PRIMARY KEY, feed_id TEXT NOT NULL, published TEXT);
CREATE TABLE article_months (
    feed_id TEXT NOT NULL, month TEXT NOT NULL, articles INTEGER NOT NULL, PRIMARY KEY (feed_id, month)
) WITHOUT ROWID;
CREATE TRIGGER added AFTER INSERT ON articles WHEN NEW.published IS NOT NULL BEGIN
    INSERT INTO article_months VALUES (NEW.feed_id, substr(NEW.published, 1, 7), 1)
    ON CONFLICT DO UPDATE SET articles = articles + 1;
END;
CREATE TRIGGER moved AFTER UPDATE OF published ON articles WHEN NEW.published IS NOT OLD.published BEGIN
    UPDATE article_months SET articles = articles - 1
    WHERE feed_id = OLD.feed_id AND month = substr(OLD.published, 1, 7);
    INSERT INTO article_months SELECT NEW.feed_id, substr(NEW.published, 1, 7), 1
    WHERE NEW.published IS NOT NULL ON CONFLICT DO UPDATE SET articles = articles + 1;
END;
"""


def _history(rng: random.Random, count: int) -> list[Event]:
    """New articles in two feeds, and revisions moving them between months, to none and back."""
    start = datetime(2025, 1, 31, 23, tzinfo=UTC)
    events: list[Event] = []
    latest: dict[str, ArticleObserved | ArticleRevised] = {}
    first: dict[str, ArticleObserved] = {}
    for n in range(count):
        when = start + timedelta(days=rng.choice((0, 1, 2, 31, 60)))
        published = None if rng.random() < 0.15 else when
        if latest and rng.random() < 0.5:
            key = rng.choice(sorted(latest))
            number = latest[key].revision + 1
            event: ArticleObserved | ArticleRevised = revision(first[key], f"v{number}", number=number)
            event = event.model_copy(update={"published": published})
        else:
            key = f"a{n}"
            event = article(key, feed=rng.choice(("wire", "digest")), published=when)
            event = first[key] = event.model_copy(update={"published": published})
        latest[key] = event
        events.append(event)
    return events


def _by_triggers(store: Store) -> list[tuple[object, ...]]:
    reference = sqlite3.connect(":memory:")
    reference.executescript(_BY_TRIGGERS)
    for recorded in store.read():
        event = recorded.event
        assert isinstance(event, ArticleObserved | ArticleRevised)
        published = event.published.strftime("%Y-%m-%dT%H:%M:%SZ") if event.published else None
        if isinstance(event, ArticleObserved):
            reference.execute(
                "INSERT INTO articles VALUES (?, ?, ?)", [recorded.stream, event.feed_id, published]
            )
        else:
            reference.execute(
                "UPDATE articles SET published = ? WHERE stream = ?", [published, recorded.stream]
            )
    return reference.execute("SELECT * FROM article_months ORDER BY 1, 2").fetchall()


def test_the_counts_are_those_triggers_would_keep_in_batches_and_event_by_event(tmp_path: Path) -> None:
    emptied = 0
    for seed in range(8):
        tables = []
        for step in (None, 1, 7):
            with Store.open(tmp_path / f"{seed}-{step}.db", create=True) as store:
                with store.transaction():
                    store.append(_history(random.Random(seed), 60))
                with store.transaction():
                    while (
                        ProjectionRunner([ArticlesProjection()])
                        .catch_up(store, max_events=step)
                        .applied.get("articles")
                    ):
                        pass
                tables.append(store.conn.execute("SELECT * FROM article_months ORDER BY 1, 2").fetchall())
                expected = _by_triggers(store)
        assert tables == [expected] * 3, seed
        emptied += sum(count == 0 for _, _, count in expected)
    assert emptied  # months all their articles left were kept, at 0
