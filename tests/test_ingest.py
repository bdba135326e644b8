"""Entries → events: what is new, what is a revision, what is already known."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


def _hash_as_stored(e: ParsedEntry) -> str:
    """The content hash's definition, as every stored `content_hash` was made: the json module."""

    def norm(text: str | None) -> str:
        return re.sub(r"\s+", " ", text).strip() if text else ""

    texts = [norm(e.title), (e.link or "").strip(), norm(e.summary), norm(e.content)]
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode("utf-8")).hexdigest()


def test_the_content_hash_is_the_one_stores_hold_for_every_character() -> None:
    # Every code point but the surrogates, in runs, beside the characters JSON escapes.
    code_points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for start in range(0, len(code_points), 4096):
        text = "".join(map(chr, code_points[start : start + 4096]))
        e = entry(title=f'"{text[:40]}\\', text=f'{text} \\ " \x00 \x1f \x7f')
        assert content_hash(e) == _hash_as_stored(e), hex(code_points[start])


@given(st.text(), st.text(), st.one_of(st.none(), st.text()))
def test_the_content_hash_is_the_one_stores_hold(title: str, text: str, link: str | None) -> None:
    e = entry(link=link, title=title, text=text)
    try:
        expected = _hash_as_stored(e)
    except UnicodeEncodeError:  # a lone surrogate: refused either way, and the entry skipped
        with pytest.raises(UnicodeEncodeError):
            content_hash(e)
        return
    assert content_hash(e) == expected


def test_a_parse_worker_sends_each_entry_with_its_content_hash() -> None:
    """Hashed where it is parsed, in a worker process: the hash arrives with the entry, is the one
    stores hold, and a copy with other text gets its own."""
    from tracker.demo.documents import demo_feeds, load_document
    from tracker.parsing.pool import ParsePool

    with ParsePool(workers=1) as pool:
        entries = [e for feed in demo_feeds() for e in pool.parse(load_document(feed["file"])).entries]
    assert len(entries) > 10
    for e in entries:
        assert e.content_hash == _hash_as_stored(e), e.guid
    edited = dataclasses.replace(entries[0], summary=f"{entries[0].summary} More.")
    assert edited.content_hash == _hash_as_stored(edited) != entries[0].content_hash
    copied = pickle.loads(pickle.dumps(entries[0]))
    assert copied == entries[0] and copied.content_hash == entries[0].content_hash


def test_a_parse_worker_sends_each_entry_with_whether_its_text_is_a_teaser() -> None:
    """Judged where it is parsed, as the page decision would judge the stored text; planning
    keeps each planned version's verdict, by entry key and content hash."""
    from tracker.demo.documents import demo_feeds, load_document
    from tracker.pages.policy import is_teaser
    from tracker.parsing.pool import ParsePool

    with ParsePool(workers=1) as pool:
        entries = [e for feed in demo_feeds() for e in pool.parse(load_document(feed["file"])).entries]
    verdicts = [e.teaser for e in entries]
    assert verdicts == [is_teaser(e.summary, e.content) for e in entries]
    assert True in verdicts and False in verdicts
    shortened = dataclasses.replace(entries[verdicts.index(False)], summary="Brief.", content=None)
    assert shortened.teaser is True
    planned = plan("wire", entries, {})
    assert planned.teasers == {
        (e.entry_key, e.content_hash): t
        for e, t in zip(planned.events, verdicts, strict=True)
        if isinstance(e, ArticleObserved)
    }


def test_an_entry_whose_text_cannot_be_hashed_carries_no_hash_and_fails_when_planned() -> None:
    broken = entry(guid="g", text="freed \ud800")
    assert broken.content_hash is None
    with pytest.raises(UnicodeEncodeError):
        content_hash(broken)
    assert plan("wire", [broken, entry("h")], {}).new == 1
