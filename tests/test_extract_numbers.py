"""Numbers in digits and words, and which of them are release counts."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.extract import Claim, Document, extract_claims
from tracker.extract.numbers import find_numbers
from tracker.subjects import load_shipped_subjects
from tracker.subjects.story_packs import load_story_pack

SUBJECTS = load_shipped_subjects()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fifty-two people were released", [(52, False)]),
        ("fifty two prisoners", [(52, False)]),
        ("One hundred and twenty-three prisoners", [(123, False)]),
        ("a dozen prisoners", [(12, False)]),
        ("half a dozen activists", [(6, False)]),
        ("three dozen detainees", [(36, False)]),
        ("a hundred people", [(100, False)]),
        ("1,300 prisoners", [(1300, False)]),
        ("two people and three others", [(2, False), (3, False)]),
        ("more than 1,000 political prisoners", [(1000, True)]),
        ("up to 150 more", [(150, True)]),
        ("about 50", [(50, True)]),
        ("dozens of detainees", [(None, True)]),
        ("3.5 percent", []),
        ("millions of dollars", []),
    ],
)
def test_find_numbers(text: str, expected: list[tuple[int | None, bool]]) -> None:
    assert [(n.value, n.vague) for n in find_numbers(text)] == expected


def test_number_offsets_point_at_the_words() -> None:
    text = "Officials said Fifty-two people left."
    (number,) = find_numbers(text)
    assert text[number.start : number.end] == "Fifty-two"


def counts(text: str, published: str = "2025-09-13T09:00:00+00:00") -> list[Claim]:
    doc = Document(text, datetime.fromisoformat(published))
    return [c for c in extract_claims(doc, SUBJECTS) if c.subject == "prisoner-releases"]


def moving_counts(text: str, published: str = "2025-09-13T09:00:00+00:00") -> list[int | None]:
    return [c.count for c in counts(text, published) if c.moves]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Belarus freed 52 prisoners, including 14 foreigners, on Thursday.", [52]),
        ("Fifty-two prisoners, 14 of them foreigners, were freed by Belarus on Thursday.", [52]),
        ("Belarus released Siarhei Tsikhanouski and 13 others on Saturday.", [14]),
        ("Tsikhanouski and thirteen other prisoners were freed by Belarus.", [14]),
        ("Belarus freed Bialiatski, Kalesnikava and 121 other prisoners on Saturday.", [123]),
        ("Belarus freed a dozen political prisoners on Wednesday.", [12]),
        ("One hundred and twenty-three detainees were pardoned by Lukashenko.", [123]),
        ("Minsk set 52 detainees free on Thursday.", [52]),
        ("The 52 prisoners released by Belarus crossed into Lithuania.", [52]),
        ("Belarus freed three prisoners, including an American.", [3]),
    ],
)
def test_release_counts(text: str, expected: list[int]) -> None:
    assert moving_counts(text) == expected


def test_coordinated_counts_get_their_own_dates() -> None:
    found = counts(
        "Belarus released 52 in September and another 123 on Saturday.", "2025-12-14T09:00:00+00:00"
    )
    assert [(c.count, c.moves, c.event_date.isoformat(), c.date_precision) for c in found] == [
        (52, False, "2025-09-01", "month"),
        (123, True, "2025-12-13", "day"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "More than 1,000 political prisoners remain behind bars in Belarus.",
        "Trump asked for 1,300 prisoners in Belarus to be freed.",
        "Belarus may release up to 150 more inmates.",
        "European leaders called for the release of 1,150 prisoners held in Belarus.",
        "Since February, Belarus has freed more than 300 people.",
        "Belarus freed its latest group on Thursday, bringing the total released this year to 430.",
        "Lukashenko has pardoned 300 people in Belarus so far this year.",
        "Six Lithuanians were among the 52 freed by Belarus.",
        "Fourteen of those freed by Belarus were foreign nationals.",
        "A 52-year-old activist was freed by Belarus along with others.",
        "Belarus released its figures for 2025 on Thursday.",
        "The prisoners were freed at 10 a.m. on Sept. 11 in Belarus.",
        "Belarus freed dozens of political prisoners over the summer.",
        "More than 120 prisoners were freed in Belarus on Saturday.",
        "Belarus released a statement on Thursday saying 1,100 people remain jailed.",
        "Belarus released 52 pages of documents on Thursday.",
    ],
)
def test_numbers_that_are_not_release_counts(text: str) -> None:
    assert moving_counts(text) == []


def test_cumulative_total_is_not_added_but_the_new_release_is() -> None:
    text = "Belarus freed 123 prisoners on Saturday, bringing the total released this year to more than 250."
    assert moving_counts(text) == [123]


def test_vague_count_is_recorded_but_does_not_move() -> None:
    (claim,) = counts("More than 120 prisoners were freed in Belarus on Saturday.")
    assert (claim.count, claim.moves, claim.modality) == (120, False, "asserted")


def test_names_of_released_people() -> None:
    (claim,) = counts(
        "Belarus released 123 prisoners on Saturday, among them Nobel laureate Ales Bialiatski and "
        "opposition figure Maria Kalesnikava."
    )
    assert claim.names == ("Ales Bialiatski", "Maria Kalesnikava")
    (claim,) = counts(
        "Belarus on Saturday released opposition figure Siarhei Tsikhanouski and 13 other prisoners."
    )
    assert (claim.count, claim.names) == (14, ("Siarhei Tsikhanouski",))


def test_release_needs_the_story_context() -> None:
    assert moving_counts("Venezuela freed 52 prisoners on Thursday.") == []


def test_among_the_whole_group_counts_when_the_sentence_dates_it() -> None:
    text = "Among the 123 freed by Belarus on Saturday were Maria Kalesnikava and Ales Bialiatski."
    (claim,) = counts(text, "2025-12-14T09:00:00+00:00")
    assert (claim.count, claim.moves, claim.event_date.isoformat()) == (123, True, "2025-12-13")
    # Headlines are news: "X among 14 freed".
    assert moving_counts("Tsikhanouski among 14 freed as U.S. envoy visits Minsk") == [14]
    # Undated, in running text, the group is mentioned in passing and attaches as background.
    (claim,) = counts("Six Latvians were among the 52 freed by Belarus.")
    assert (claim.count, claim.modality, claim.moves) == (52, "retrospective", False)


def test_and_n_others_across_an_apposition() -> None:
    (claim,) = counts(
        "Belarus on Saturday released Siarhei Tsikhanouski, the opposition blogger whose wife challenged "
        "Lukashenko in the 2020 election, and 13 others, hours after a U.S. envoy held talks in Minsk."
    )
    assert (claim.count, claim.names, claim.moves) == (14, ("Siarhei Tsikhanouski",), True)


@pytest.mark.parametrize(
    ("text", "expected", "names"),
    [
        (
            "Maria Kalesnikava was released by Belarus on Saturday, her sister said.",
            1,
            ("Maria Kalesnikava",),
        ),
        ("RFE/RL journalist Andrey Kuznechyk was freed by Belarus on Wednesday.", 1, ("Andrey Kuznechyk",)),
        ("Lukashenko pardoned blogger Ihar Losik on Tuesday.", 1, ("Ihar Losik",)),
        (
            "Ales Bialiatski, who was freed by Belarus on Saturday, spoke to reporters.",
            1,
            ("Ales Bialiatski",),
        ),
        (
            "Belarus freed laureate Ales Bialiatski and opposition figure Maria Kalesnikava on Saturday.",
            2,
            ("Ales Bialiatski", "Maria Kalesnikava"),
        ),
    ],
)
def test_a_named_person_released_counts_one(text: str, expected: int, names: tuple[str, ...]) -> None:
    (claim,) = counts(text)
    assert (claim.count, claim.names, claim.moves) == (expected, names, True)


@pytest.mark.parametrize(
    "text",
    [
        "Ihar Losik remains behind bars in Belarus despite U.S. appeals for his release.",
        "Tsikhanouskaya urged Lukashenko to free Ihar Losik.",
        "Maria Kalesnikava was not released by Belarus on Saturday.",
        "Lukashenko said he might free Ales Bialiatski.",
        "Maria Kalesnikava was freed by Belarus along with other prisoners.",
        "Ales Bialiatski was among those freed by Belarus.",
        "Belarus released Belavia Airlines from its debts.",
        "Lukashenko was freed from house arrest in 1995.",  # a single name is too often something else
    ],
)
def test_named_people_who_were_not_released_alone(text: str) -> None:
    assert moving_counts(text) == []


def test_a_named_person_in_an_article_about_a_larger_release_is_part_of_it() -> None:
    found = counts(
        "Belarus freed 123 prisoners on Saturday.\n\nMaria Kalesnikava was released on Saturday as well.",
        "2025-12-14T09:00:00+00:00",
    )
    assert [(c.count, c.moves) for c in found] == [(123, True), (1, False)]


@pytest.mark.parametrize(
    "text",
    [
        "Russia released two Lithuanian citizens on Tuesday in a swap brokered by Minsk.",
        "Moscow freed two Belarusian activists on Tuesday.",
        "Two Belarusians were freed by Russia on Tuesday.",
    ],
)
def test_releases_by_other_governments(text: str) -> None:
    assert moving_counts(text) == []


def test_names_unique_to_the_story_give_the_context() -> None:
    assert moving_counts("Bialiatski, freed on Saturday along with 122 others, spoke in Vilnius.") == [123]


def _pack_counts(text: str) -> list[int | None]:
    lead = "Venezuela and the United States: news from Caracas.\n\n"
    document = Document(lead + text, datetime.fromisoformat("2026-01-14T09:00:00+00:00"))
    return [c.count for c in extract_claims(document, load_story_pack("venezuela-us")) if c.moves]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # The tally counts Americans: its own group among a wider release is its count.
        ("Officials say three American citizens are among those released on Tuesday.", [3]),
        ("Two U.S. nationals were among those freed by Venezuela on Tuesday.", [2]),
        # Another group among those freed is still a subset, and a subset after "including" never adds.
        ("Five Colombians were among those released by Venezuela on Tuesday.", []),
        ("Venezuela freed 30 prisoners on Tuesday, including two Americans.", [30]),
    ],
)
def test_the_tallys_own_group_among_those_freed_counts(sentence: str, expected: list[int]) -> None:
    assert _pack_counts(sentence) == expected


def test_a_tally_without_a_group_keeps_every_among_as_a_subset() -> None:
    assert moving_counts("Three Americans were among those freed by Belarus on Thursday.") == []


def _russia_claims(text: str) -> list[Claim]:
    document = Document(
        "Prisoner exchange with Russia\n\n" + text, datetime.fromisoformat("2024-08-02T09:00:00+00:00")
    )
    return [c for c in extract_claims(document, load_story_pack("russia-us")) if c.count is not None]


@pytest.mark.parametrize(
    "text",
    [
        # The figure of both sides in a headline, with no word of a swap; the two sides below it.
        "Gershkovich, Whelan and 22 others freed\n\n"
        "In Ankara on Thursday, 16 people held in Russia were traded for eight people held in the West.",
        # In either order, and whatever side is named first.
        "In Ankara on Thursday, eight Russians were swapped for 16 people held in Russia.\n\n"
        "In all, 24 prisoners were freed on Thursday.",
    ],
)
def test_a_figure_of_both_sides_of_an_exchange_is_its_size(text: str) -> None:
    claims = _russia_claims(text)
    assert [c.count for c in claims if c.moves] == [16]
    (whole,) = [c for c in claims if c.count == 24]
    assert whole.figure == "exchange-total" and not whole.moves


def test_a_figure_that_is_not_the_sum_of_the_sides_stays_a_release() -> None:
    claims = _russia_claims(
        "In Ankara on Thursday, 16 people held in Russia were traded for eight people held in the West.\n\n"
        "Russia freed 30 prisoners on Thursday."
    )
    assert {c.count: c.figure for c in claims if c.moves} == {30: "exact"}
