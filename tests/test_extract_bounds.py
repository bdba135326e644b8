"""Interpretation is bounded: hostile text costs time linear in its length, and caps hold.

The texts below are what a hostile or broken feed can send: tens of kilobytes to a megabyte with
no sentence break and a subject's words repeated, thousands of hard-wrapped lines, clauses joined
by semicolons. Each must finish within a generous CPU-time bound (the unbounded extractor took
minutes on 60 KB and never finished on 1 MB), and normal text must come out as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from tracker.extract import Document, extract_claims
from tracker.extract.limits import MAX_CLAIMS, MAX_SENTENCE_CHARS, MAX_TEXT_CHARS
from tracker.extract.sentences import split_sentences
from tracker.extract.text import blocks
from tracker.subjects import load_shipped_subjects

SUBJECTS = load_shipped_subjects()
PUBLISHED = datetime(2025, 9, 12, 6, tzinfo=UTC)

# Every subject's words, no sentence break: each cue has many mentions within reach.
_RUN_ON = (
    "the U.S. embassy in Minsk will reopen and Belarus freed 52 prisoners, relations with Washington "
    "improve, Belavia sanctions eased "
)
# Mentions and cues that all lose to exclusions: no claim comes out, so no claim cap helps.
_EXCLUDED = "the Lithuanian embassy reopened and the Polish mission reopened and the U.S. said Minsk "
_DENSE = "embassy Minsk embassy Minsk reopen U.S. Belarus relations ties "


def _repeat(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def _cpu_seconds(text: str) -> float:
    start = time.process_time()
    claims = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    elapsed = time.process_time() - start
    assert len(claims) <= MAX_CLAIMS
    return elapsed


@pytest.mark.parametrize(
    ("size", "bound"),
    [(15_000, 2.0), (60_000, 3.0), (1_000_000, 5.0)],
    ids=["15KB", "60KB", "1MB"],
)
@pytest.mark.parametrize(
    "text_of",
    [
        lambda n: _repeat(_RUN_ON, n),
        lambda n: _repeat(_EXCLUDED, n),
        lambda n: _repeat(_DENSE, n),
        lambda n: _repeat(_DENSE.replace(" ", "\n", 3), n),  # thousands of hard-wrapped lines
        lambda n: _repeat(_RUN_ON.replace(",", ";"), n),  # clauses that never end a sentence
        lambda n: _repeat(_RUN_ON.replace(" ", ""), n),  # no spaces at all
    ],
    ids=["run-on", "excluded", "dense", "wrapped", "semicolons", "no-spaces"],
)
def test_hostile_text_finishes_in_bounded_time(
    text_of: Callable[[int], str], size: int, bound: float
) -> None:
    assert _cpu_seconds(text_of(size)) < bound


def test_cost_grows_about_linearly() -> None:
    """Ten times the text (below the text cap) costs far less than a hundred times the time."""
    small = _cpu_seconds(_repeat(_EXCLUDED, 8_000))
    large = _cpu_seconds(_repeat(_EXCLUDED, 80_000))
    assert large < max(small, 0.01) * 40


def test_long_sentences_are_cut_at_clause_breaks() -> None:
    text = _repeat("the talks went on, ", 5_000)
    spans = split_sentences(text)
    assert len(spans) > 1
    assert all(end - start <= MAX_SENTENCE_CHARS for start, end in spans)
    assert all(text[start:end].endswith(",") for start, end in spans[:-1])
    assert spans[0][0] == 0 and spans[-1][1] == len(text.rstrip())


def test_normal_sentences_are_not_cut() -> None:
    sentence = (
        "Belarus released 52 prisoners on Thursday, including 14 foreigners, after talks with a U.S. "
        "delegation, and the freed prisoners, some of whom had spent years in penal colonies, crossed "
        "into Lithuania on buses that left Minsk before dawn, officials said."
    )
    assert split_sentences(sentence) == [(0, len(sentence))]


def test_wrapped_lines_join_without_quadratic_cost() -> None:
    text = _repeat("and the\n", 400_000)
    start = time.process_time()
    spans = blocks(text)
    assert time.process_time() - start < 2.0
    assert len(spans) == 1


def test_text_beyond_the_cap_is_not_read() -> None:
    article = "Belarus freed 52 prisoners on Thursday, officials said."
    padding = _repeat("Nothing happened in the capital today. ", MAX_TEXT_CHARS)
    early = extract_claims(Document(article + "\n\n" + padding, PUBLISHED), SUBJECTS)
    late = extract_claims(Document(padding + "\n\n" + article, PUBLISHED), SUBJECTS)
    assert [c.count for c in early if c.moves] == [52]
    assert late == []


def test_claims_from_normal_text_do_not_depend_on_what_follows() -> None:
    article = (
        "Belarus frees 52 prisoners\n\n"
        "Belarus released 52 prisoners on Thursday, including 14 foreigners. Coale said Washington "
        "wants to reopen its embassy in Minsk. The Treasury issued a general licence allowing Belavia "
        "to service its Boeing fleet."
    )
    alone = extract_claims(Document(article, PUBLISHED), SUBJECTS)
    padded = extract_claims(Document(article + "\n\n" + _repeat(_EXCLUDED, 50_000), PUBLISHED), SUBJECTS)
    assert alone
    assert padded == alone
