"""Signals claims carry for telling news from a retelling: tense, position, novelty, explicit dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker.extract import Claim, Document, extract_claims
from tracker.extract.dates import find_dates
from tracker.subjects import load_shipped_subjects

SUBJECTS = load_shipped_subjects()
PUBLISHED = datetime(2025, 12, 20, 9, tzinfo=UTC)
SETTING = "Belarus and the United States held talks in Minsk. "


def only(sentence: str, published: datetime = PUBLISHED) -> Claim:
    claims = extract_claims(Document(SETTING + sentence, published), SUBJECTS)
    assert len(claims) == 1, claims
    return claims[0]


@pytest.mark.parametrize(
    ("sentence", "tense"),
    [
        ("Belarus freed 52 prisoners on Thursday.", "past"),
        ("Fifty-two prisoners were released on Thursday.", "past"),
        ("Minsk did not free the 52 prisoners.", "past"),
        ("Belarus has freed 52 prisoners.", "perfect"),
        ("Fifty-two prisoners have been released.", "perfect"),
        ("Belarus had freed 52 prisoners in June.", "pluperfect"),
        ("The 52 prisoners had already been released by then.", "pluperfect"),
        ("Belarus frees 52 prisoners", "present"),
        ("Belarus will free 52 prisoners.", "future"),
        ("The U.S. is to reopen its embassy in Minsk.", "future"),
        ("The U.S. is going to reopen its embassy in Minsk.", "future"),
        ("Sanctions on Belavia will be fully lifted.", "future"),
        ("The U.S. reopened its embassy in Minsk.", "past"),
        ("Relief for Belavia is contingent on talks.", "present"),
        ("The U.S. wants to reopen its embassy in Minsk.", "unknown"),
        ("The Treasury had taken a first step by issuing a licence for Belavia.", "pluperfect"),
        ("The Treasury is, separately, issuing a licence for Belavia.", "present"),
        ("Washington obtained the release of 52 prisoners.", "past"),
    ],
)
def test_tense_of_the_predicate(sentence: str, tense: str) -> None:
    assert only(sentence).tense == tense


@pytest.mark.parametrize(
    ("sentence", "novel"),
    [
        ("Belarus freed another 20 prisoners on Friday.", True),
        ("Minsk released a further 20 prisoners on Friday.", True),
        ("A new group of 20 prisoners was freed on Friday.", True),
        ("A second group of 20 prisoners was freed on Friday.", True),
        ("In a fresh round of releases, Belarus freed 20 prisoners.", True),
        ("Belarus freed 20 prisoners on Friday.", False),
        ("The 20 prisoners freed on Friday embraced one another at the border.", False),
    ],
)
def test_novelty_markers(sentence: str, novel: bool) -> None:
    assert only(sentence).novelty is novel


def test_sentence_and_paragraph_positions() -> None:
    text = (
        "Belarus frees 20 prisoners\n\n"
        "Talks went on in Minsk. The weather was cold. Belarus freed 20 prisoners on Friday.\n\n"
        "Nothing else was said. Officials left.\n\n"
        "Earlier, the U.S. said it would reopen its embassy in Minsk."
    )
    claims = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    placed = [(c.subject, c.sentence_index, c.paragraph_index) for c in claims]
    assert placed == [
        ("prisoner-releases", 0, 0),
        ("prisoner-releases", 3, 1),
        ("us-embassy-minsk", 6, 3),
    ]


@pytest.mark.parametrize(
    ("phrase", "value", "precision"),
    [
        ("ON 21 JUNE, Belarus freed 14 prisoners.", date(2025, 6, 21), "day"),
        ("ON JUNE 21, 2025, Belarus freed 14 prisoners.", date(2025, 6, 21), "day"),
        ("IN SEPTEMBER, Belarus freed 52 prisoners.", date(2025, 9, 1), "month"),
        ("LAST THURSDAY, Belarus freed 5 prisoners.", date(2025, 12, 18), "day"),
        ("Belarus freed 123 prisoners on 13 December.", date(2025, 12, 13), "day"),
        ("Belarus freed 5 prisoners last Thursday.", date(2025, 12, 18), "day"),
        ("Belarus freed 5 prisoners earlier this month.", date(2025, 12, 1), "month"),
        ("Belarus freed 52 prisoners in September.", date(2025, 9, 1), "month"),
        ("On Saturday 13 December, Belarus freed 123 prisoners.", date(2025, 12, 13), "day"),
        ("In September last year, Belarus freed 52 prisoners.", date(2024, 9, 1), "month"),
        ("Belarus freed 5 prisoners over the weekend.", date(2025, 12, 20), "day"),
    ],
)
def test_explicit_dates_in_any_case_and_form(phrase: str, value: date, precision: str) -> None:
    claim = only(phrase)
    assert (claim.event_date, claim.date_precision, claim.date_basis) == (value, precision, "sentence")


def test_capitals_do_not_turn_verbs_into_months() -> None:
    assert find_dates("THE U.S. MAY REOPEN ITS EMBASSY AND MARCH ON", date(2025, 12, 20)) == []


def test_a_retold_release_dated_in_capitals_is_background() -> None:
    claim = only("ON 21 JUNE, Belarus freed 14 prisoners.")
    assert claim.modality == "retrospective" and not claim.moves
