"""The real-press corpus in tests/data/press: well formed, one story pack per story, and the
story-level evaluation over it keeps one entry per event (no duplicate entries)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.evaluation.story import evaluate_corpus, load_story, story_dirs
from tracker.subjects.story_packs import load_story_pack

PRESS = Path(__file__).parent / "data" / "press"
STORIES = story_dirs(PRESS)


def test_there_are_five_stories_and_over_150_articles() -> None:
    assert [d.name for d in STORIES] == [
        "iran-us",
        "russia-us",
        "syria-us",
        "ukraine-us-embassy",
        "venezuela-us",
    ]
    articles = [load_story(d).articles for d in STORIES]
    assert sum(map(len, articles)) >= 150
    heldout = sum(1 for story in articles for a in story if a.split == "heldout")
    assert heldout * 3 >= sum(map(len, articles))


@pytest.mark.parametrize("directory", STORIES, ids=lambda d: d.name)
def test_a_story_is_well_formed_and_its_pack_tracks_its_subjects(directory: Path) -> None:
    corpus = load_story(directory)
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    pack = {s.id for s in load_story_pack(corpus.story)}
    assert {s["id"] for s in expected["subjects"]} == pack
    events = {e.id for e in corpus.events}
    restatements = {e.id for e in corpus.restatements}
    assert all(e.subject in pack for e in corpus.events + corpus.restatements)
    assert not events & restatements
    for article in corpus.articles:
        assert article.split in ("dev", "heldout"), article.id
        assert {event for event, _ in article.mentions} <= events | restatements, article.id
        assert all(role in ("news", "retelling") for _, role in article.mentions), article.id
    reported = {event for a in corpus.articles for event, role in a.mentions if role == "news"}
    assert reported >= events  # every event is reported as news somewhere


def test_no_event_becomes_two_entries_in_any_split() -> None:
    scores = evaluate_corpus(STORIES, load_story_pack)
    assert {(s.story, s.split): s.duplicates for s in scores if s.duplicates} == {}
