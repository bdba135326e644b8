"""The needles the word screen searches for first dismiss exactly what the screen over every word
dismisses: over random texts drawn from each story's own words (cased, joined, cut and buried in
longer words) and over the real-press corpus, for every story's subjects."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from tests.test_extract_screen import PACKS
from tracker.evaluation.story import load_story, story_dirs
from tracker.extract.matching import compile_subjects
from tracker.extract.needles import MIN_WORD, screen_needles
from tracker.subjects import Subject, SubjectState
from tracker.subjects.loader import load_shipped_subjects
from tracker.subjects.patterns import begins_piece, lowered, word_piece_list
from tracker.subjects.story_packs import available_stories, load_story_pack

PRESS = "tests/data/press"
_SEPARATORS = (" ", " ", " ", "\n", ", ", ". ", "-", "'", "’", "\u00a0", "/", "(", "İ")
_FILLER = ("the", "said", "on", "Monday", "commission", "missionary", "minsky", "42", "x")


def _random_text(rng: random.Random, words: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(1, 40)):
        word = rng.choice(words) if rng.random() < 0.3 else rng.choice(_FILLER)
        shape = rng.random()
        if shape < 0.1:
            word = word.upper()
        elif shape < 0.2:
            word = word.capitalize()
        elif shape < 0.3:
            word = rng.choice(("com", "re", "x", "9")) + word  # buried inside a longer word
        elif shape < 0.35:
            word = word[: rng.randint(1, len(word))]
        parts.append(word + rng.choice(_SEPARATORS))
    return "".join(parts)


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_the_needles_dismiss_what_the_word_screen_dismisses(pack: str) -> None:
    compiled = compile_subjects(tuple(PACKS[pack]))
    assert compiled.needles  # every shipped story's subjects need a word worth searching for
    words = sorted({word for piece in compiled.vocabulary for word in (piece.decode(),)})
    rng = random.Random(f"needles-{pack}")
    verdicts = set()
    for _ in range(4_000):
        text = _random_text(rng, words)
        expected = compiled.may_speak(word_piece_list(text))
        assert compiled.may_speak_of(lowered(text)) == expected, text
        verdicts.add(expected)
    assert verdicts == {True, False}


def test_the_needles_dismiss_what_the_word_screen_dismisses_in_real_reporting() -> None:
    texts = [f"{a.title}\n{a.text}" for d in story_dirs(PRESS) for a in load_story(d).articles]
    for name in sorted(PACKS):
        compiled = compile_subjects(tuple(PACKS[name]))
        for text in texts:
            assert compiled.may_speak_of(lowered(text)) == compiled.may_speak(word_piece_list(text))


def test_a_needle_is_found_only_where_it_begins_a_word() -> None:
    assert begins_piece(lowered("The Minsk embassy"), b"minsk")
    assert begins_piece(lowered("minsky"), b"minsk")  # a beginning: it may be a longer word's
    assert begins_piece(lowered("Commission, then a mission"), b"mission")
    assert not begins_piece(lowered("The European Commission met"), b"mission")
    assert not begins_piece(lowered("transmissions"), b"mission")
    assert begins_piece(lowered("İMINSK"), b"minsk")  # "i̇": the dot above ends the piece "i"


def test_words_too_short_to_search_for_leave_the_screen_to_every_word() -> None:
    shipped = load_shipped_subjects()
    assert all(len(needle) >= MIN_WORD for needle in screen_needles(compile_subjects(shipped).subjects) or ())
    # A subject that needs only "US" and a cue of its own: no needle would be worth its search.
    vague = Subject(
        "vague",
        "Vague",
        "state",
        aliases=("US",),
        states=(SubjectState("on", "on", cues=("{go}",)),),
        initial_state="on",
        initial_since=date(2025, 1, 1),
    )
    compiled = compile_subjects((*shipped, vague))
    assert compiled.needles is None
    assert compiled.may_speak_of(lowered("The US went ahead."))
    # A subject that can speak of nothing (no cue) asks for no needle.
    mute = replace(vague, id="mute", states=(SubjectState("on", "on"),))
    assert screen_needles(compile_subjects((*shipped, mute)).subjects) == compile_subjects(shipped).needles


def test_every_story_has_needles() -> None:
    for story in available_stories():
        assert compile_subjects(tuple(load_story_pack(story))).needles
