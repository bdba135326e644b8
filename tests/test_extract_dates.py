"""Event dates: phrases resolved against a fixed publication date (Saturday 2025-09-13)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tracker.extract import UNKNOWN_DATE, Claim, Document, extract_claims
from tracker.extract.dates import find_dates, is_retrospective
from tracker.extract.offsets import find_offsets, shift
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
        ("on the 11th", "2025-09-11", "day"),
        ("on the 20th", "2025-08-20", "day"),
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


# --- offsets: dated from another date ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit", "sign", "kind"),
    [
        ("two days after 123 people were released", 2, "day", -1, "subordinate"),
        ("a day earlier.", 1, "day", -1, "adverbial"),
        ("the day before Kellogg left", 1, "day", 1, "subordinate"),
        ("the previous day, officials said", 1, "day", -1, "adverbial"),
        ("the same day", 0, "day", 1, "adverbial"),
        ("Later that day, the Treasury", 0, "day", 1, "adverbial"),
        ("hours after the vote", 0, "day", -1, "subordinate"),
        ("weeks later", None, "week", 1, "adverbial"),
        ("three weeks before the talks", 3, "week", 1, "subordinate"),
    ],
)
def test_offsets(text: str, amount: int | None, unit: str, sign: int, kind: str) -> None:
    (offset,) = find_offsets(text)
    assert (offset.amount, offset.unit, offset.sign, offset.kind) == (amount, unit, sign, kind)


def test_shift_keeps_honest_precision() -> None:
    (two_days,) = find_offsets("two days earlier")
    assert shift(SATURDAY, "day", two_days) == (date(2025, 9, 11), "day")
    assert shift(date(2025, 9, 1), "month", two_days) == (date(2025, 8, 1), "month")
    (weeks,) = find_offsets("three weeks earlier")
    assert shift(SATURDAY, "day", weeks) == (date(2025, 8, 1), "month")
    (vague,) = find_offsets("days earlier")
    assert shift(SATURDAY, "day", vague)[1] == "month"
    (following,) = find_offsets("the following week")
    assert shift(SATURDAY, "day", following) == (date(2025, 9, 1), "month")


@pytest.mark.parametrize(
    ("published", "phrase", "value"),
    [
        (date(2025, 9, 22), "last week", "2025-09-01"),  # Mon 15 - Sun 21 Sep
        (date(2025, 10, 6), "last week", "2025-10-01"),  # Mon 29 Sep - Sun 5 Oct: its Thursday is 2 Oct
        (date(2025, 10, 1), "earlier this week", "2025-09-01"),  # Mon 29 - Tue 30 Sep
    ],
)
def test_weeks_are_dated_to_the_month_holding_most_of_them(published: date, phrase: str, value: str) -> None:
    (mention,) = find_dates(phrase, published)
    assert (mention.value, mention.precision) == (date.fromisoformat(value), "month")


def test_a_clause_set_on_a_date_takes_that_date() -> None:
    # "Sept. 11, the day Minsk freed 52": the release is dated by the appositive, and a date that
    # far before publication makes it background.
    (claim,) = claims(
        "The new licence builds on one issued on Sept. 11, the day Belarus freed 52 prisoners.",
        "2025-11-04T19:10:00+00:00",
    )
    assert (claim.count, claim.event_date, claim.modality, claim.moves) == (
        52, date(2025, 9, 11), "retrospective", False,
    )  # fmt: skip
    (claim,) = claims("On Thursday, the day Belarus freed 52 prisoners, Coale met Lukashenko in Minsk.")
    assert (claim.event_date, claim.modality, claim.moves) == (date(2025, 9, 11), "asserted", True)


def test_an_event_days_before_the_main_clause_is_background() -> None:
    (claim,) = claims(
        "An official said on Monday that Belarus could free more prisoners, two days after 123 people "
        "were released in exchange for the lifting of sanctions on potash.",
        "2025-12-15T14:40:00+00:00",
    )
    assert (claim.count, claim.event_date, claim.date_precision) == (123, date(2025, 12, 13), "day")
    assert (claim.modality, claim.moves) == ("retrospective", False)
    # With no date in the main clause, the publication governs.
    (claim,) = claims(
        "Three days after Belarus released 123 prisoners, Washington said more could follow.",
        "2025-12-16T08:00:00+00:00",
    )
    assert (claim.event_date, claim.moves) == (date(2025, 12, 13), False)


def test_the_main_clause_keeps_its_own_date() -> None:
    (claim,) = claims("Belarus freed 14 prisoners on Saturday, the day after Kellogg arrived in Minsk.")
    assert (claim.count, claim.event_date, claim.moves) == (14, date(2025, 9, 13), True)
    (claim,) = claims("Two days before Belarus freed the 52, Coale met Lukashenko for five hours.")
    assert claim.moves is False  # an undated main clause cannot place what came two days later


def test_adverbial_offsets_count_from_the_right_date() -> None:
    # From the reporting clause: the Treasury confirmed on Friday (12th) that it happened the day before.
    (claim,) = claims("Sanctions on Belavia were eased the previous day, the Treasury confirmed on Friday.")
    assert (claim.state, claim.event_date, claim.moves) == ("eased", date(2025, 9, 11), True)
    # From an earlier date in the sentence.
    (claim,) = claims(
        "The State Department said on Friday that 52 detainees had been released by Belarus a day earlier."
    )
    assert (claim.count, claim.event_date) == (52, date(2025, 9, 11))
    # From an earlier sentence of the article.
    found = claims(
        "Belarus freed 52 prisoners on Thursday.\n\n"
        "A day later, the Treasury issued a general licence for Belavia."
    )
    assert [(c.subject, c.event_date) for c in found] == [
        ("prisoner-releases", date(2025, 9, 11)),
        ("belavia-sanctions", date(2025, 9, 12)),
    ]
    # With nothing before it, from the publication.
    (claim,) = claims("The licence for Belavia was issued the previous day.")
    assert claim.event_date == date(2025, 9, 12)


def test_offset_from_a_date_dates_its_own_clause() -> None:
    (claim,) = claims("Two days after Sept. 9, Belarus freed 52 prisoners.")
    assert (claim.event_date, claim.moves) == (date(2025, 9, 11), True)


def test_last_week_is_a_month() -> None:
    text = "Sanctions against Belavia were partially eased last week, a U.S. official said."
    (claim,) = claims(text, "2025-09-22T09:00:00+00:00")
    assert (claim.event_date, claim.date_precision, claim.moves) == (date(2025, 9, 1), "month", True)


def test_dates_in_a_since_clause_date_only_that_clause() -> None:
    found = claims(
        "It is the first visible sign of a thaw since Washington suspended the work of its embassy in "
        "Minsk on Feb. 28, 2022.",
        "2025-02-12T18:30:00+00:00",
    )
    by_subject = {c.subject: c for c in found}
    thaw, embassy = by_subject["us-belarus-relations"], by_subject["us-embassy-minsk"]
    assert (thaw.event_date, thaw.date_basis, thaw.modality, thaw.moves) == (
        date(2025, 2, 12), "published", "hedged", False,
    )  # fmt: skip
    assert (embassy.event_date, embassy.modality) == (date(2022, 2, 28), "retrospective")
    # A persisting condition is still dated from the clause that says when it began.
    (claim,) = claims("Belavia has been under U.S. sanctions since it was designated in August 2023.")
    assert (claim.state, claim.event_date, claim.modality) == ("in-force", date(2023, 8, 1), "retrospective")


def test_dates_in_a_comparison_are_not_the_event_date() -> None:
    (claim,) = claims(
        "Relations between the United States and Belarus are far better than they were a year ago, "
        "Coale said on Thursday."
    )
    assert (claim.state, claim.event_date, claim.moves) == ("thawing", date(2025, 9, 11), True)


def test_hours_after_is_the_same_news() -> None:
    (release, _) = claims("Hours after Belarus freed 52 prisoners, Washington eased sanctions on Belavia.")
    assert (release.count, release.event_date, release.modality, release.moves) == (
        52, SATURDAY, "asserted", True,
    )  # fmt: skip


def test_more_than_an_amount_is_not_a_comparison_clause() -> None:
    (claim,) = claims("Belarus freed more than 50 prisoners on Thursday.")
    assert (claim.count, claim.event_date, claim.moves) == (50, date(2025, 9, 11), False)


def test_a_relative_clause_keeps_its_date_to_itself() -> None:
    def release_day(text: str) -> date:
        doc = Document(text, datetime.fromisoformat("2025-09-13T09:00:00+00:00"))
        (claim,) = [c for c in extract_claims(doc, SUBJECTS) if c.subject == "prisoner-releases"]
        return claim.event_date

    assert release_day("Belarus freed 52 prisoners before the talks that started on Tuesday.") == SATURDAY
    assert release_day("Belarus freed 52 prisoners on Tuesday, before the talks.") == date(2025, 9, 9)
