"""Polls written in groups (tracker.pollgroups) against a real loopback server and a real store:
fewer transactions than feeds, every feed's poll recorded as a single poll records it, and a poll
whose write fails rolled back alone."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.feed_server import FeedServer, Item
from tracker import app
from tracker.bootstrap import open_tracker, projection_runner
from tracker.config import Config, load_config
from tracker.net.fetch import Fetcher
from tracker.parsing.pool import ParsePool
from tracker.pollgroups import PollGroups
from tracker.polling import INLINE_PROJECTIONS, PollResult
from tracker.projections.runner import CatchUp, ProjectionRunner
from tracker.storage import page_store
from tracker.storage.store import Store

FEEDS = 12


def serve_feeds(server: FeedServer, tmp_path: Path) -> Config:
    """FEEDS feeds of 3 articles each, whose pages are never fetched (their links lead nowhere)."""
    tables = []
    for n in range(FEEDS):
        items = [Item(f"f{n}-{i}", f"Title {n}-{i}", f"Text of article {i} of feed {n}.") for i in range(3)]
        url = server.feed(f"/{n}.xml", items)
        tables.append(f'[[feeds]]\nid = "feed-{n}"\nurl = "{url}"\nfull_text = "never"\n')
    path = tmp_path / "feeds.toml"
    path.write_text("[fetch]\nmax_per_host = 20\n\n" + "\n".join(tables))
    return load_config(path)


def poll_all(store: Store, config: Config) -> list[PollResult | BaseException]:
    """Every feed polled concurrently through one PollGroups that waits for them all (however
    slow the machine: a group closes at once when no poll is still running); each poll's result
    or error."""
    runner = projection_runner(config)
    groups = PollGroups(store, runner, projections=INLINE_PROJECTIONS, clock=store.clock, gather_seconds=60)

    async def go() -> list[PollResult | BaseException]:
        with ParsePool(1) as parser:
            async with Fetcher(allow_private=["127.0.0.1"]) as fetcher:
                polls = (groups.poll(feed, fetcher=fetcher, parser=parser) for feed in config.feeds)
                return list(await asyncio.gather(*polls, return_exceptions=True))

    return asyncio.run(go())


def poll_all_refusing(store: Store, config: Config, refused: int) -> list[PollResult | BaseException]:
    """`poll_all`, with SQLite refusing the poll record of feed number `refused` (its only error)."""
    store.conn.execute(
        f"CREATE TEMP TRIGGER refuse_feed BEFORE INSERT ON polls WHEN NEW.feed_id = 'feed-{refused}' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
    )
    results = poll_all(store, config)
    failed = results[refused]
    assert isinstance(failed, sqlite3.IntegrityError) and "refused by the test" in str(failed)
    return results


def count_commits(store: Store) -> list[str]:
    commits: list[str] = []
    store.conn.set_trace_callback(lambda sql: commits.append(sql) if sql.strip() == "COMMIT" else None)
    return commits


def inline_tables(store: Store) -> dict[str, list[tuple[object, ...]]]:
    tables = ("articles", "article_months", "feed_history")
    return {t: store.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}  # noqa: S608


def assert_rebuild_gives_the_same(store: Store, config: Config) -> None:
    """The projections caught up from the events each group appended are those of the log."""
    caught_up = inline_tables(store)
    assert caught_up["articles"] and caught_up["feed_history"]
    with store.transaction():
        projection_runner(config).catch_up(store, only=INLINE_PROJECTIONS, rebuild=True)
    assert inline_tables(store) == caught_up


def test_a_pass_commits_in_groups_and_records_every_poll(tmp_path: Path) -> None:
    with FeedServer() as server, Store.open(tmp_path / "events.db") as store:
        config = serve_feeds(server, tmp_path)
        commits = count_commits(store)
        first = poll_all(store, config)
        assert all(isinstance(r, PollResult) and r.outcome == "ok" and r.new == 3 for r in first)
        assert len(commits) == 1
        commits.clear()
        again = poll_all(store, config)
        assert all(isinstance(r, PollResult) and r.outcome == "not-modified" and r.new == 0 for r in again)
        assert len(commits) == 1
        rows = store.conn.execute(
            "SELECT feed_id, group_concat(outcome, ' '), sum(new_articles) FROM polls GROUP BY feed_id"
        ).fetchall()
        assert sorted(rows) == sorted((f"feed-{n}", "ok not-modified", 3) for n in range(FEEDS))
        assert (
            store.conn.execute("SELECT count(*) FROM feed_polling WHERE etag IS NOT NULL").fetchone()[0]
            == FEEDS
        )
        # The cheap projections were caught up with each group.
        assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3 * FEEDS
        assert_rebuild_gives_the_same(store, config)


def test_a_poll_whose_write_fails_is_rolled_back_alone(tmp_path: Path) -> None:
    with FeedServer() as server, Store.open(tmp_path / "events.db") as store:
        config = serve_feeds(server, tmp_path)
        # SQLite itself refuses this one feed's poll record, after its articles were appended.
        results = poll_all_refusing(store, config, 3)
        assert all(isinstance(r, PollResult) and r.new == 3 for n, r in enumerate(results) if n != 3)
        polled = {row[0] for row in store.conn.execute("SELECT feed_id FROM polls")}
        assert polled == {f"feed-{n}" for n in range(FEEDS)} - {"feed-3"}
        streams = store.conn.execute("SELECT count(*) FROM events WHERE stream LIKE 'article:feed-3:%'")
        assert streams.fetchone()[0] == 0
        assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 3 * (FEEDS - 1)
        store.verify()  # the chain is whole: nothing of the refused poll remains
        assert_rebuild_gives_the_same(store, config)


@pytest.mark.parametrize("max_group", [1, 5])
def test_groups_never_exceed_their_bound(tmp_path: Path, max_group: int) -> None:
    with FeedServer() as server, Store.open(tmp_path / "events.db") as store:
        config = serve_feeds(server, tmp_path)
        commits = count_commits(store)
        groups = PollGroups(
            store,
            projection_runner(config),
            projections=INLINE_PROJECTIONS,
            clock=store.clock,
            max_group=max_group,
        )

        async def go() -> list[PollResult]:
            with ParsePool(1) as parser:
                async with Fetcher(allow_private=["127.0.0.1"]) as fetcher:
                    return list(
                        await asyncio.gather(
                            *(groups.poll(f, fetcher=fetcher, parser=parser) for f in config.feeds)
                        )
                    )

        results = asyncio.run(go())
        assert [r.new for r in results] == [3] * FEEDS
        assert len(commits) >= -(-FEEDS // max_group)


def test_a_quiet_poll_whose_record_fails_is_lost_alone(tmp_path: Path) -> None:
    with FeedServer() as server, Store.open(tmp_path / "events.db") as store:
        config = serve_feeds(server, tmp_path)
        poll_all(store, config)
        states = {row[0]: row for row in store.conn.execute("SELECT * FROM feed_polling")}
        # The pass of 304s appends nothing: SQLite refuses one feed's poll record among them.
        results = poll_all_refusing(store, config, 5)
        assert all(
            isinstance(r, PollResult) and r.outcome == "not-modified" for n, r in enumerate(results) if n != 5
        )
        rows = store.conn.execute("SELECT feed_id, group_concat(outcome, ' ') FROM polls GROUP BY feed_id")
        expected = {f"feed-{n}": "ok not-modified" for n in range(FEEDS)} | {"feed-5": "ok"}
        assert dict(rows.fetchall()) == expected
        after = {row[0]: row for row in store.conn.execute("SELECT * FROM feed_polling")}
        assert after["feed-5"] == states["feed-5"], "the lost poll's feed state moved"
        last_outcomes = {feed_id: row[9] for feed_id, row in after.items() if feed_id != "feed-5"}
        assert set(last_outcomes.values()) == {"not-modified"}


def test_a_pass_reads_the_feeds_states_in_one_statement(tmp_path: Path) -> None:
    with FeedServer() as server, Store.open(tmp_path / "events.db") as store:
        config = serve_feeds(server, tmp_path)
        poll_all(store, config)
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        again = poll_all(store, config)
        assert all(isinstance(r, PollResult) and r.outcome == "not-modified" for r in again)
        reads = [s for s in statements if "FROM feed_polling" in s]
        assert len(reads) == 1 and "WHERE" not in reads[0], reads


def test_a_pass_replays_a_new_version_of_an_inline_projection_before_its_first_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A projection the polls write, at a version the store has not projected (an upgrade), is
    replayed in short transactions before the polls: no group's transaction carries the replay."""
    with FeedServer() as server:
        config = serve_feeds(server, tmp_path)
        with open_tracker(config, tmp_path / "events.db", create=True) as tracker:
            asyncio.run(app.fetch_feeds(tracker))
            projected = inline_tables(tracker.store)
            with tracker.store.transaction():
                tracker.store.conn.execute(
                    "UPDATE projection_checkpoints SET fingerprint = 'articles/v0' WHERE name = 'articles'"
                )
            in_groups: list[int] = []  # articles each group's catch-up applied
            catch_up = ProjectionRunner.catch_up

            def recording(self: ProjectionRunner, store: Store, **options: Any) -> CatchUp:
                result = catch_up(self, store, **options)
                if options.get("max_events") is None:  # a group's: it applies what it appended
                    in_groups.append(result.applied.get("articles", 0))
                return result

            monkeypatch.setattr(ProjectionRunner, "catch_up", recording)
            asyncio.run(app.fetch_feeds(tracker))
            assert in_groups and not any(in_groups)  # every feed answered 304
            assert inline_tables(tracker.store) == projected


def test_a_pass_hands_its_page_decisions_the_verdict_of_every_article_it_appended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each entry is judged where it is parsed (`ParsedEntry.teaser`); the pass hands every verdict
    of the versions its groups committed, by log position, to the page decisions."""
    handed: list[dict[int, bool]] = []
    enqueue = page_store.enqueue_wanted

    def recording(store: Store, feeds: Any, now: Any, teasers: Any = None) -> int:
        handed.append(dict(teasers or {}))
        return enqueue(store, feeds, now, teasers)

    monkeypatch.setattr(page_store, "enqueue_wanted", recording)
    with FeedServer() as server:
        config = serve_feeds(server, tmp_path)
        with open_tracker(config, tmp_path / "events.db", create=True) as tracker:
            asyncio.run(app.fetch_feeds(tracker))
            asyncio.run(app.fetch_feeds(tracker))  # every feed answers 304
            articles = tracker.store.conn.execute(
                "SELECT position FROM events WHERE type = 'ArticleObserved'"
            )
            positions = {position for (position,) in articles}
    assert len(positions) == 3 * FEEDS
    assert handed == [dict.fromkeys(positions, True), {}]  # each article's text is one short line
