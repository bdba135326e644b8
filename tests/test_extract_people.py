"""Head counts of any group of people, one person freed without a number, subsets, and the tone of
relations: what a sentence counts and where an intention about relations may lead."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tracker.extract import Claim, Document, extract_claims
from tracker.extract.people import is_people_plural, is_person_singular
from tracker.extract.tokens import SentenceView
from tracker.subjects import load_shipped_subjects

SUBJECTS = load_shipped_subjects()
PUBLISHED = datetime(2025, 9, 12, 9, tzinfo=UTC)
SETTING = "Belarus and the United States held talks in Minsk. "


def counted(sentence: str) -> list[int | None]:
    claims = extract_claims(Document(SETTING + sentence, PUBLISHED), SUBJECTS)
    return [c.count for c in claims if c.subject == "prisoner-releases" and c.moves]


def relations(sentence: str) -> Claim:
    (claim,) = [
        c
        for c in extract_claims(Document(SETTING + sentence, PUBLISHED), SUBJECTS)
        if c.subject == "us-belarus-relations"
    ]
    return claim


@pytest.mark.parametrize(
    ("sentence", "counts"),
    [
        ("Three Lutheran pastors were freed on Friday.", [3]),
        ("Lukashenko pardons 17 Lithuanians", [17]),
        ("Minsk released two Catholic priests and a monk's two brothers on Friday.", [2]),
        ("Belarus freed 12 jailed journalists on Friday.", [12]),
        ("Four Ukrainians were handed over at the border on Friday.", [4]),
        ("Belarus released four priests and two Ukrainians on Friday.", [6]),
        ("Minsk pardoned 30 protesters and five bloggers on Friday.", [35]),
        ("Belarus freed 25 fishermen on Friday.", [25]),
        ("Five Americans and two of their relatives were freed on Monday.", [5]),  # kin went along
        ("Twenty prisoners remain jailed and five were freed on Friday.", [5]),
    ],
)
def test_any_plural_that_names_people_counts(sentence: str, counts: list[int]) -> None:
    assert counted(sentence) == counts


@pytest.mark.parametrize(
    "sentence",
    [
        "The Treasury released 3 documents on Friday.",
        "Minsk freed 40 containers held at the border on Friday.",
        "Belarus released 2 Boeings impounded in Minsk on Friday.",
    ],
)
def test_things_are_not_people(sentence: str) -> None:
    assert counted(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "A U.S. citizen held since 2021 walked free on Monday.",
        "Minsk has let a further American go, the State Department said.",
        "The veteran dissident was allowed to return home from the colony.",
        "Belarus freed an American journalist on Monday.",
        "A Lithuanian citizen, jailed in 2022, was pardoned on Friday.",
        "Belarus freed one American on Monday.",
        "Ales Novik, a teacher held for a year after a protest at a factory, was freed on Monday.",
        "A teacher held for ten days by police in a town near Minsk was freed on Monday.",
    ],
)
def test_one_person_freed_without_a_number_counts_one(sentence: str) -> None:
    assert counted(sentence) == [1]


@pytest.mark.parametrize(
    "sentence",
    [
        "Officials said the freed American was in good health.",
        "The State Department spokesman released a statement on Monday.",
        "A U.S. envoy flew to Minsk and freed nobody.",
        "He met the journalist who was freed years ago.",
        "A U.S. citizen was among them.",
        "He came to Minsk as a tourist, and when Losik was freed his mother cried.",
        "Radio Free Europe journalist Ihar Losik spoke to reporters on Monday.",
        "Minsk agreed to a swap in exchange for spy Piotr Sawicki on Friday.",
    ],
)
def test_no_release_of_one_person_where_none_is_reported(sentence: str) -> None:
    assert counted(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Belarus freed 52 prisoners on Thursday, including nine foreigners.",
        "Belarus freed 52 prisoners on Thursday, among them five Germans.",
        "Belarus freed 52 prisoners on Thursday, including nine Lithuanians and five Germans.",
        "Belarus freed 52 prisoners on Thursday, among them a U.S. citizen.",
        "Belarus freed 52 prisoners on Thursday; five Germans were among those freed.",
    ],
)
def test_a_subset_never_adds_to_the_total(sentence: str) -> None:
    assert counted(sentence) == [52]


@pytest.mark.parametrize(
    ("text", "moving"),
    [
        ("Belarus freed 52 prisoners on Thursday.\n\nSix Lithuanians were freed, Vilnius said.", [52]),
        ("Six Lithuanians were freed on Thursday. In all, Belarus freed 52 prisoners on Thursday.", [52]),
        ("Belarus freed 52 prisoners on Thursday. On Friday it freed 10 more.", [52, 10]),
        ("Belarus freed 52 prisoners on Thursday. Ten others were also freed.", [52, 10]),
        ("Belarus freed six Lithuanians on Thursday. It also freed 52 others on Thursday.", [6, 52]),
    ],
)
def test_a_smaller_group_told_beside_a_larger_one_is_part_of_it(text: str, moving: list[int]) -> None:
    claims = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    assert [c.count for c in claims if c.moves] == moving


def test_one_person_freed_with_a_larger_group_is_part_of_it() -> None:
    text = (
        "Belarus freed 52 prisoners on Thursday.\n\n"
        "A U.S. citizen held since 2021 walked free on Thursday, officials said."
    )
    claims = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    assert [c.count for c in claims if c.moves] == [52]
    assert [c.count for c in claims] == [52, 1]


@pytest.mark.parametrize(
    ("sentence", "state", "modality"),
    [
        ("Washington wants to normalise ties with Minsk.", "normalisation-discussed", "intent"),
        ("Washington wants to improve relations with Minsk.", "normalisation-discussed", "intent"),
        ("The U.S. plans to restore full relations with Belarus.", "normalisation-discussed", "intent"),
        (
            "Talks on normalising relations between Washington and Minsk began.",
            "normalisation-discussed",
            "asserted",
        ),
        ("Relations between Washington and Minsk are improving, the envoy said.", "thawing", "asserted"),
        ("Washington and Minsk normalised relations on Tuesday.", "normalised", "asserted"),
    ],
)
def test_wishes_about_relations_reach_a_discussed_state_at_most(
    sentence: str, state: str, modality: str
) -> None:
    claim = relations(sentence)
    assert (claim.state, claim.modality, claim.moves) == (state, modality, True)


@pytest.mark.parametrize(
    ("word", "plural"),
    [
        ("pastors", True),
        ("Lithuanians", True),
        ("detainees", True),
        ("fishermen", True),
        ("documents", False),
    ],
)
def test_people_plurals(word: str, plural: bool) -> None:
    assert is_people_plural(SentenceView.of(word, 0).tokens[0]) is plural


@pytest.mark.parametrize(
    ("word", "person"),
    [("citizen", True), ("American", True), ("dissident", True), ("statement", False), ("licence", False)],
)
def test_person_singulars(word: str, person: bool) -> None:
    assert is_person_singular(SentenceView.of(word, 0).tokens[0]) is person


def test_a_headline_drops_its_determiner_and_auxiliary() -> None:
    claims = extract_claims(
        Document(
            "Journalist held in Minsk freed\n\n" + SETTING, PUBLISHED, title="Journalist held in Minsk freed"
        ),
        SUBJECTS,
    )
    assert [c.count for c in claims if c.subject == "prisoner-releases" and c.moves] == [1]
    # In running text the same words are a description, not a report.
    assert counted("A journalist held in Minsk freed of charges spoke.") == []


def test_an_age_between_commas_is_not_a_count() -> None:
    assert counted("Detained Lithuanian, 85, walks free from Belarus jail") == [1]


def test_kin_who_leave_with_the_freed_are_not_counted() -> None:
    assert counted("Belarus freed five Americans and two of their relatives on Monday.") == [5]
    assert counted("Belarus freed five Americans and two Poles on Monday.") == [7]
