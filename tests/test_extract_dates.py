"""Event dates: phrases resolved against a fixed publication date (Saturday 2025-09-13)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tracker.extract import UNKNOWN_DATE, Claim, Document, extract_claims
from tracker.extract.dates import find_dates, is_retrospective
from tracker.subjects import load_shipped_subjects

SUBJECTS = load_shipped_subjects()
SATURDAY = date(2025, 9, 13)


@pytest.mark.parametrize(
    ("phrase", "value", "precision"),
    [
        ("on Thursday", "2025-09-11", "day"),
        ("Thursday's meeting", "2025-09-11", "day"),
        ("on Saturday", "2025-09-13", "day"),
        ("last Saturday", "2025-09-06", "day"),
        ("yesterday", "2025-09-12", "day"),
        ("today", "2025-09-13", "day"),
        ("Sept. 11", "2025-09-11", "day"),
        ("Sep 11", "2025-09-11", "day"),
        ("September 11, 2025", "2025-09-11", "day"),
        ("11 September", "2025-09-11", "day"),
        ("on 11 Sep 2025", "2025-09-11", "day"),
        ("2025-09-11", "2025-09-11", "day"),
        ("Dec. 20", "2024-12-20", "day"),
        ("two days ago", "2025-09-11", "day"),
        ("in September", "2025-09-01", "month"),
        ("in June", "2025-06-01", "month"),
        ("in December", "2024-12-01", "month"),
        ("since February 2022", "2022-02-01", "month"),
        ("last month", "2025-08-01", "month"),
        ("earlier this month", "2025-09-01", "month"),
        ("in 2022", "2022-01-01", "year"),
        ("last year", "2024-01-01", "year"),
        ("in the 1990s", "1990-01-01", "year"),
    ],
)
def test_phrases(phrase: str, value: str, precision: str) -> None:
    (mention,) = find_dates(phrase, SATURDAY)
    assert mention.value is not None
    assert (mention.value.isoformat(), mention.precision) == (value, precision)


@pytest.mark.parametrize("text", ["The embassy may reopen.", "In March the talks", "2022 figures", "No. 1"])
def test_not_dates(text: str) -> None:
    # "may" is a modal, "In March the talks" is fine only with a capital month after a preposition
    found = [m.text for m in find_dates(text, SATURDAY)]
    assert found == (["In March"] if text.startswith("In March") else [])


def test_future_phrases_are_flagged() -> None:
    assert [m.ahead for m in find_dates("next Friday", SATURDAY)] == [True]
    assert [m.ahead for m in find_dates("by Oct. 1", SATURDAY)] == [True]


def test_retrospective_thresholds() -> None:
    assert not is_retrospective(date(2025, 9, 11), "day", SATURDAY)
    assert is_retrospective(date(2025, 9, 1), "day", SATURDAY)
    assert not is_retrospective(date(2025, 9, 1), "month", SATURDAY)
    assert is_retrospective(date(2025, 8, 1), "month", SATURDAY)
    assert is_retrospective(date(2024, 1, 1), "year", SATURDAY)


def claims(text: str, published: str | None = "2025-09-13T09:00:00+00:00") -> list[Claim]:
    when = datetime.fromisoformat(published) if published else None
    return extract_claims(Document(text, when), SUBJECTS)


def test_weekday_dates_the_event() -> None:
    (claim,) = claims("Belarus freed 52 prisoners on Thursday.")
    assert (claim.event_date, claim.date_precision, claim.date_basis) == (
        date(2025, 9, 11),
        "day",
        "sentence",
    )


def test_no_date_phrase_falls_back_to_publication() -> None:
    (claim,) = claims("Belarus freed 52 prisoners.")
    assert (claim.event_date, claim.date_basis) == (SATURDAY, "published")


def test_publication_date_is_taken_in_its_own_timezone() -> None:
    # 01:30 in Minsk on Saturday is still Friday in UTC; the outlet's Saturday is what "today" means.
    (claim,) = claims("Belarus freed 52 prisoners today.", "2025-09-13T01:30:00+03:00")
    assert claim.event_date == SATURDAY


def test_december_analysis_of_the_september_release_is_retrospective() -> None:
    (claim,) = claims(
        "The 52 released in September were driven to the border by Belarus.", "2025-12-15T09:00:00+00:00"
    )
    assert (claim.count, claim.modality, claim.moves) == (52, "retrospective", False)
    assert (claim.event_date, claim.date_precision) == (date(2025, 9, 1), "month")


def test_fronted_and_reporting_clauses_date_the_event() -> None:
    (claim,) = claims("On Thursday, Belarus freed 52 prisoners.")
    assert claim.event_date == date(2025, 9, 11)
    (claim,) = claims("Belarus freed 52 prisoners, officials said on Friday.")
    assert claim.event_date == date(2025, 9, 12)


def test_relative_clause_dates_do_not_leak() -> None:
    (discussed, suspended) = claims(
        "Coale said Washington wants to reopen its embassy in Minsk, "
        "which suspended operations in February 2022."
    )
    assert (discussed.state, discussed.moves, discussed.event_date) == ("reopening-discussed", True, SATURDAY)
    assert (suspended.state, suspended.modality, suspended.event_date) == (
        "suspended", "retrospective", date(2022, 2, 1),
    )  # fmt: skip


def test_planned_time_is_not_the_date_of_the_promise() -> None:
    (claim,) = claims("Coale said on Thursday that the U.S. embassy in Minsk would reopen in October.")
    assert (claim.state, claim.event_date) == ("reopening-discussed", date(2025, 9, 11))


def test_unknown_date_without_publication() -> None:
    (claim,) = claims("Belarus freed 52 prisoners on Thursday.", None)
    assert (claim.date_basis, claim.event_date, claim.moves) == ("unknown", UNKNOWN_DATE, False)
    (claim,) = claims("Belarus freed 52 prisoners on Sept. 11, 2025.", None)
    assert (claim.date_basis, claim.event_date, claim.moves) == ("sentence", date(2025, 9, 11), True)
