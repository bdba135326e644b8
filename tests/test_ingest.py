"""Entries → events: what is new, what is a revision, what is already known."""

from __future__ import annotations

from tracker.events import ArticleObserved, ArticleRevised
from tracker.ingest import content_hash, entry_keys, plan
from tracker.parsing.feed import ParsedEntry
from tracker.streams import article_stream


def entry(
    guid: str | None = "g1", link: str | None = "https://x.org/a", title: str = "T", text: str = "Body"
) -> ParsedEntry:
    return ParsedEntry(
        guid=guid,
        link=link,
        title=title,
        published_raw=None,
        published=None,
        updated_raw=None,
        updated=None,
        author=None,
        summary=text,
        content=None,
    )


def test_keys_prefer_guid_then_link_then_text() -> None:
    keys = entry_keys([entry("g1"), entry(None, "https://x.org/b"), entry(None, None, "T", "unique text")])
    assert keys[0] == "guid:g1"
    assert keys[1] == "link:https://x.org/b"
    assert keys[2].startswith("text:")


def test_repeated_guids_in_one_document_are_told_apart() -> None:
    keys = entry_keys(
        [entry("g", "https://x.org/1"), entry("g", "https://x.org/2"), entry("g", "https://x.org/2")]
    )
    assert len(set(keys)) == 3


def test_whitespace_only_edits_are_not_revisions() -> None:
    assert content_hash(entry(text="Belarus  freed\n52")) == content_hash(entry(text="Belarus freed 52"))
    assert content_hash(entry(text="Belarus freed 52")) != content_hash(entry(text="Belarus freed 51"))


def test_plan_new_unchanged_and_revised() -> None:
    first = plan("wire", [entry("a"), entry("b")], {})
    assert (first.new, first.revised, first.unchanged) == (2, 0, 0)
    assert all(isinstance(e, ArticleObserved) for e in first.events)
    heads = {
        article_stream("wire", "guid:a"): (1, {"content_hash": content_hash(entry("a"))}),
        article_stream("wire", "guid:b"): (1, {"content_hash": "old"}),
    }
    second = plan("wire", [entry("a"), entry("b")], heads)
    assert (second.new, second.revised, second.unchanged) == (0, 1, 1)
    revision = second.events[0]
    assert isinstance(revision, ArticleRevised)
    assert revision.revision == 2 and revision.previous_hash == "old"


def test_no_date_is_invented() -> None:
    event = plan("wire", [entry("a")], {}).events[0]
    assert isinstance(event, ArticleObserved)
    assert event.published is None and event.published_raw is None
    assert event.occurred_at() is None
