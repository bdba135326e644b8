"""`articles` is a view: each article's row comes from the projection's table `article_rows`, its
text from its current version's event in the log, which the table does not copy."""

from __future__ import annotations

from tests.helpers.events import article, revision
from tracker.events import ArticleObserved, ArticleRevised
from tracker.projections import checkpoints
from tracker.projections.articles import ArticlesProjection
from tracker.projections.runner import ProjectionRunner
from tracker.storage.store import Store


def rows(store: Store, sql: str) -> list[tuple[object, ...]]:
    return store.conn.execute(sql).fetchall()


def append(store: Store, *events: ArticleObserved | ArticleRevised) -> None:
    with store.transaction():
        store.append(events)


def catch_up(store: Store, runner: ProjectionRunner) -> None:
    with store.transaction():
        runner.catch_up(store)


def test_articles_reads_each_articles_text_from_its_current_versions_event(new_store: Store) -> None:
    """`articles` is a view: the text comes from the log, the version the row names, and a query
    that reads no text is answered from the projection's own table without touching the log."""
    first = article("a", "Belarus freed 14 prisoners.")
    bare = article("b").model_copy(update={"summary": None, "content": None})
    append(new_store, first, bare)
    append(new_store, revision(first, "Belarus freed 14 prisoners, including a U.S. citizen."))
    catch_up(new_store, ProjectionRunner([ArticlesProjection()]))
    latest = {e.stream: e.event for e in new_store.read()}  # the last version of each stream wins
    texts = rows(new_store, "SELECT stream, summary, content FROM articles ORDER BY stream")
    assert texts == [
        (stream, event.summary, event.content)
        for stream, event in sorted(latest.items())
        if isinstance(event, ArticleObserved | ArticleRevised)
    ]
    assert len(texts) == 2
    assert (None, None) in [text[1:] for text in texts]  # the article without text
    for sql in ("SELECT count(*) FROM articles", "SELECT feed_id, title, published FROM articles"):
        plan = " ".join(str(step[3]) for step in rows(new_store, f"EXPLAIN QUERY PLAN {sql}"))
        assert "events" not in plan, plan


def test_a_store_whose_articles_table_held_the_text_is_rebuilt_with_the_view(new_store: Store) -> None:
    """A store projected before the text was read from the log has `articles` as a table: its
    fingerprint is stale, so the next catch-up drops that table and builds the view."""
    append(new_store, article("a", "Belarus freed 14 prisoners."))
    runner = ProjectionRunner([ArticlesProjection()])
    catch_up(new_store, runner)
    expected = rows(new_store, "SELECT * FROM articles")
    with new_store.transaction():  # as the version before left it
        for statement in (
            "DROP VIEW articles",
            "DROP TABLE article_rows",
            "CREATE TABLE articles (stream TEXT PRIMARY KEY, content TEXT)",
            "INSERT INTO articles VALUES ('article:wire:old', 'stale')",
        ):
            new_store.conn.execute(statement)
        checkpoints.save(new_store.conn, "articles", "articles/v3", 1, "2025-01-01T00:00:00Z")
    catch_up(new_store, runner)
    assert rows(new_store, "SELECT type FROM sqlite_master WHERE name = 'articles'") == [("view",)]
    assert rows(new_store, "SELECT * FROM articles") == expected
