"""Modality: no hedge, negation, condition, question, denial or background may reach a settled state."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.extract import Claim, Document, extract_claims
from tracker.subjects import load_shipped_subjects

SUBJECTS = load_shipped_subjects()
SETTLED = {(s.id, st.id) for s in SUBJECTS for st in s.states if st.settled}
# A lead that names both governments, as any real article on the story does, so that vague
# mentions ("the embassy", "relations") are allowed to count.
LEAD = "U.S. envoy John Coale met Belarusian leader Alexander Lukashenko in Minsk.\n\n"


def claims_for(sentence: str, published: str = "2025-09-13T09:00:00+00:00") -> list[Claim]:
    return extract_claims(Document(LEAD + sentence, datetime.fromisoformat(published)), SUBJECTS)


def settled_moves(claims: list[Claim]) -> list[Claim]:
    return [c for c in claims if c.moves and (c.subject, c.state) in SETTLED]


# Each sentence is written to tempt a naive matcher into a settled state or a release count.
ADVERSARIAL: list[str] = [
    # -- embassy
    "The State Department did not, though, reopen the U.S. embassy in Minsk.",
    "The embassy in Minsk could reopen as soon as next year, one diplomat speculated.",
    "Washington has not reopened its embassy in Minsk, despite the prisoner releases.",
    "Officials say the American embassy in Minsk might reopen if the releases continue.",
    "It remains unclear when, or whether, the U.S. embassy in Minsk will reopen.",
    "Has the U.S. embassy in Minsk reopened? Not yet, officials say.",
    "The State Department rejected claims that the embassy in Minsk had resumed operations.",
    "The U.S. embassy in Minsk never reopened after the 2022 suspension.",
    "A reopening of the embassy in Minsk is not on the agenda, a spokesperson said.",
    "The embassy in Minsk is expected to reopen only after a broader agreement is signed.",
    "Diplomats are preparing to reopen the U.S. embassy in Minsk, according to people who know the plans.",
    "When the U.S. embassy in Minsk last reopened after a closure in 2008, it took months to restaff.",
    "The Lithuanian embassy in Minsk reopened its visa section on Tuesday.",
    "The U.S. embassy in Warsaw reopened after a security scare on Monday.",
    "Reports that the U.S. would reopen its embassy in Minsk this month were premature, a spokesperson said.",
    "Without a deal on prisoners, the U.S. embassy in Minsk will stay shut.",
    "Washington refuses to reopen its embassy in Minsk while Lukashenko holds political prisoners.",
    "Should the talks succeed, the U.S. embassy in Minsk would reopen within months.",
    "The U.S. embassy in Minsk won't reopen before the spring, officials said.",
    "Belarusian state TV falsely claimed the U.S. embassy in Minsk had reopened.",
    "Nobody expects the U.S. embassy in Minsk to reopen this year.",
    "The embassy in Minsk is unlikely to resume full operations soon.",
    "The U.S. has yet to decide whether to reopen its embassy in Minsk.",
    # -- Belavia
    "The new licence does not, however, lift sanctions on Belavia.",
    "The Treasury has no immediate plans to lift sanctions on Belavia.",
    "Sanctions on Belavia could be lifted if Minsk frees more prisoners, a U.S. official said.",
    "Belavia may soon be allowed to buy spare parts under a U.S. licence, officials suggested.",
    "Was the licence for Belavia a lifting of sanctions, or merely an exemption?",
    "Treasury officials denied that sanctions on Belavia had been lifted.",
    "The EU lifted none of its sanctions on Belavia.",
    "In 2023, Washington imposed sanctions on Belavia over migrant flights.",
    "Sanctions on Belavia, imposed in August 2023, remain in force.",
    "Washington would ease sanctions on Belavia only in exchange for the release of all political prisoners.",
    "Lifting sanctions on Belavia is not under consideration, the Treasury said.",
    "The airline hopes Washington will eventually drop sanctions on Belavia entirely.",
    "Belavia's chief executive said he was unsure whether the sanctions would be eased further.",
    "The U.S. lifted sanctions on Belarusian potash on Saturday, but not on Belavia.",
    "Canada and Britain have not eased their sanctions on Belavia.",
    "A partial lifting of sanctions on Belavia is being discussed in Washington.",
    "The Treasury is considering whether to delist Belavia.",
    "Sanctions on Belavia would be relaxed provided Minsk keeps its promises.",
    # -- prisoner releases
    "Rights groups say more than 1,100 people are still jailed in Belarus for political reasons.",
    "Washington asked Minsk to release 1,300 prisoners as part of any deal.",
    "Belarus may free up to 100 more prisoners by the end of the year, an aide said.",
    "No prisoners were released by Belarus on Friday, contrary to earlier reports.",
    "Since 2024, Belarus has released more than 300 political prisoners.",
    "Lukashenko said he would pardon another 30 prisoners if the U.S. lifted more sanctions.",
    "Opposition leaders demanded the immediate release of all 1,150 remaining political prisoners.",
    "Were all 52 prisoners really freed by Belarus, or were some kept back?",
    "Belarusian officials denied that 20 more prisoners had been released.",
    "A 52-year-old activist was among those freed by Belarus.",
    "Belarus is expected to release 25 more prisoners next week.",
    "Belarus had released three prisoners in February, before the larger deal.",
    "Only two of the 52 freed prisoners chose to stay in Belarus.",
    "Belarus could release as many as 200 detainees under a new amnesty.",
    "About 1,100 political prisoners remain in Belarusian jails, Viasna says.",
    # -- relations
    "Relations between Washington and Minsk are unlikely to be normalised soon.",
    "Minsk's relations with Moscow have been normalised, the Kremlin said.",
    "Washington has not restored full diplomatic relations with Belarus.",
    "Relations between the U.S. and Belarus were normalised in the 1990s, before collapsing in 2008.",
    "The envoy stopped short of saying relations had been normalised.",
    "Relations could be fully restored within a year, an analyst predicted.",
    "Is a normalisation of relations between Washington and Minsk really possible?",
    "Officials denied that ties between Washington and Minsk had been normalised.",
]

# Retrospective background in a later article.
LATE_ADVERSARIAL: list[str] = [
    "In June, 14 prisoners were freed by Belarus, including Tsikhanouski.",
    "The 52 released by Belarus in September crossed into Lithuania.",
    "On Sept. 11, the Treasury issued a general licence for Belavia.",
    "In September, the U.S. promised to ease sanctions on Belavia.",
]


def test_suite_is_large_enough() -> None:
    assert len(ADVERSARIAL) + len(LATE_ADVERSARIAL) >= 60


@pytest.mark.parametrize("sentence", ADVERSARIAL)
def test_no_settled_state_and_no_count(sentence: str) -> None:
    claims = claims_for(sentence)
    assert settled_moves(claims) == []
    assert [c for c in claims if c.count is not None and c.moves] == []
    assert [c for c in claims if c.reversal] == []


@pytest.mark.parametrize("sentence", LATE_ADVERSARIAL)
def test_background_in_a_later_article_never_moves(sentence: str) -> None:
    claims = claims_for(sentence, "2025-12-15T09:00:00+00:00")
    assert claims, "the background mention should still be recognised"
    assert [c for c in claims if c.moves] == []
    assert {c.modality for c in claims} == {"retrospective"}


def only(claims: list[Claim], subject: str) -> Claim:
    found = [c for c in claims if c.subject == subject]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("sentence", "subject", "state", "modality", "moves"),
    [
        (
            "The U.S. reopened its embassy in Minsk on Monday.",
            "us-embassy-minsk",
            "reopened",
            "asserted",
            True,
        ),
        ("The U.S. embassy in Minsk reopens", "us-embassy-minsk", "reopened", "asserted", True),
        ("The U.S. embassy in Minsk may reopen.", "us-embassy-minsk", "reopened", "hedged", False),
        ("The U.S. embassy in Minsk did not reopen.", "us-embassy-minsk", "reopened", "negated", False),
        (
            "Washington is eager to reopen the U.S. embassy in Minsk.",
            "us-embassy-minsk",
            "reopening-discussed",
            "intent",
            True,
        ),
        (
            "Coale said the U.S. would reopen its embassy in Minsk.",
            "us-embassy-minsk",
            "reopening-discussed",
            "promise",
            True,
        ),
        (
            "The U.S. will reopen its embassy in Minsk if prisoners are freed.",
            "us-embassy-minsk",
            "reopening-discussed",
            "conditional",
            True,
        ),
        ("Will the U.S. embassy in Minsk reopen?", "us-embassy-minsk", "reopened", "question", False),
        (
            "It is not clear whether the U.S. embassy in Minsk will reopen.",
            "us-embassy-minsk",
            "reopened",
            "hedged",
            False,
        ),
        (
            "Officials denied that the U.S. embassy in Minsk had reopened.",
            "us-embassy-minsk",
            "reopened",
            "denied",
            False,
        ),
        (
            "The Treasury lifted all sanctions on Belavia on Friday.",
            "belavia-sanctions",
            "lifted",
            "asserted",
            True,
        ),
        (
            "The Treasury issued a general licence for Belavia on Thursday.",
            "belavia-sanctions",
            "eased",
            "asserted",
            True,
        ),
        (
            "Washington pledged to lift sanctions on Belavia.",
            "belavia-sanctions",
            "relief-promised",
            "promise",
            True,
        ),
        (
            "Relief for Belavia is contingent on negotiations.",
            "belavia-sanctions",
            "relief-promised",
            "conditional",
            True,
        ),
        (
            "Washington and Minsk normalised relations on Tuesday.",
            "us-belarus-relations",
            "normalised",
            "asserted",
            True,
        ),
        (
            "Washington wants to normalise relations with Minsk.",
            "us-belarus-relations",
            "normalisation-discussed",
            "intent",
            True,
        ),
        (
            "The U.S. embassy in Minsk is reopening next month, officials said.",
            "us-embassy-minsk",
            "reopening-discussed",
            "promise",
            True,
        ),
        (
            "Today we are officially resuming operations at the U.S. embassy in Minsk, the envoy said.",
            "us-embassy-minsk",
            "reopened",
            "asserted",
            True,
        ),
    ],
)
def test_labels(sentence: str, subject: str, state: str, modality: str, moves: bool) -> None:
    claim = only(claims_for(sentence), subject)
    assert (claim.state, claim.modality, claim.moves) == (state, modality, moves)


def test_pseudo_cues_do_not_negate() -> None:
    claim = only(
        claims_for("Not only did the U.S. reopen its embassy in Minsk, it also named a chargé."),
        "us-embassy-minsk",
    )
    assert (claim.state, claim.modality, claim.moves) == ("reopened", "asserted", True)
    claim = only(
        claims_for("There is no doubt the Treasury eased sanctions on Belavia on Thursday."),
        "belavia-sanctions",
    )
    assert (claim.state, claim.modality) == ("eased", "asserted")


def test_characterisation_with_but_not_is_not_a_negation() -> None:
    claim = only(claims_for('Coale said relations were "good, but not excellent."'), "us-belarus-relations")
    assert (claim.state, claim.modality, claim.moves) == ("thawing", "asserted", True)
    assert claim.quote == "good, but not excellent"


def test_persistence_confirms_and_never_moves_back() -> None:
    claim = only(claims_for("The U.S. embassy in Minsk remains closed."), "us-embassy-minsk")
    assert (claim.state, claim.moves, claim.reversal) == ("suspended", False, False)
    claim = only(claims_for("Sanctions on Belavia remain in place."), "belavia-sanctions")
    assert (claim.state, claim.moves, claim.reversal) == ("in-force", False, False)


def test_asserted_reversal_moves_back() -> None:
    claim = only(claims_for("The Treasury reimposed sanctions on Belavia on Monday."), "belavia-sanctions")
    assert (claim.state, claim.modality, claim.moves, claim.reversal) == ("in-force", "asserted", True, True)
    claim = only(claims_for("The U.S. closed its embassy in Minsk again on Friday."), "us-embassy-minsk")
    assert (claim.state, claim.moves, claim.reversal) == ("suspended", True, True)
    claim = only(claims_for("The Treasury may reimpose sanctions on Belavia."), "belavia-sanctions")
    assert (claim.moves, claim.reversal) == (False, False)


def test_reported_speech_keeps_the_inner_modality() -> None:
    claim = only(
        claims_for("Officials said Belarus had freed 52 prisoners on Thursday."), "prisoner-releases"
    )
    assert (claim.count, claim.modality, claim.moves) == (52, "asserted", True)


def test_every_shipped_settled_state_is_asserted_only() -> None:
    for subject in SUBJECTS:
        for state in subject.states:
            if state.settled:
                assert state.modalities == ("asserted",)


@pytest.mark.parametrize(
    "sentence",
    [
        "The licence allows Belavia to service its Boeing jets, a Treasury spokesperson said on Friday.",
        "Belavia remains on the sanctions list, though a licence now allows it to buy parts.",
        "Under the current licence, Belavia is allowed to buy spare parts.",
        "The general licences permit transactions with Belavia's Boeing fleet.",
        "Belavia is now able to buy spare parts for its Boeing jets.",
    ],
)
def test_present_tense_descriptions_confirm_and_do_not_move(sentence: str) -> None:
    claim = only(claims_for(sentence), "belavia-sanctions")
    assert (claim.state, claim.modality, claim.moves) == ("eased", "asserted", False)


def test_the_change_itself_is_told_in_the_past_or_in_a_headline() -> None:
    found = claims_for("The Treasury issued a licence on Thursday that allows Belavia to buy parts.")
    (claim,) = [c for c in found if c.moves]
    assert (claim.state, claim.cue) == ("eased", "issued a licence")
    claim = only(claims_for("U.S. eases sanctions on Belavia"), "belavia-sanctions")
    assert (claim.state, claim.moves) == ("eased", True)


@pytest.mark.parametrize(
    ("sentence", "modality"),
    [
        ("Analysts saw the release as a sign of a thaw between Washington and Minsk.", "hedged"),
        ("Officials called it a sign that relations with Washington were improving in Belarus.", "hedged"),
        ("Belavia says it expects U.S. sanctions to be fully lifted within a year.", "hedged"),
        ("The earlier licences for Belavia amounted to relief for one airline.", "retrospective"),
        ("The recent release of 52 prisoners by Belarus followed months of talks.", "retrospective"),
        ("Recalling the release of 52 prisoners by Belarus in September", "retrospective"),
    ],
)
def test_evidentials_expectations_and_earlier_things(sentence: str, modality: str) -> None:
    claims = claims_for(sentence)
    assert claims and {c.modality for c in claims} == {modality}
    assert [c for c in claims if c.moves] == []


def test_a_presupposed_clause_keeps_its_own_modality() -> None:
    # "could" hedges the future releases, not the release two days before.
    claims = claims_for(
        "Officials said Belarus could free more prisoners, two days after 123 people were released.",
        "2025-12-15T09:00:00+00:00",
    )
    (claim,) = [c for c in claims if c.count == 123]
    assert (claim.modality, claim.moves) == ("retrospective", False)


def test_one_sentence_one_step() -> None:
    # A licence that "gives some relief" is the relief in effect, not a further promise of it.
    claims = claims_for(
        "The Treasury issued a general licence on Thursday that gives Belavia some relief from sanctions."
    )
    assert [(c.state, c.moves) for c in claims] == [("eased", True), ("relief-promised", False)]


def test_talk_of_normalising_relations_is_intent_toward_it() -> None:
    claim = only(
        claims_for(
            "Officials on both sides of U.S.-Belarus ties now talk openly about normalising relations."
        ),
        "us-belarus-relations",
    )
    assert (claim.state, claim.modality, claim.moves) == ("normalisation-discussed", "intent", True)


def test_a_change_under_way_is_not_yet_done() -> None:
    (claim,) = claims_for("Sanctions on Belavia are being lifted, officials said on Friday.")
    assert (claim.state, claim.modality) == ("relief-promised", "promise")


def test_what_a_signed_order_does_is_as_real_as_the_order() -> None:
    (signed,) = claims_for("Trump signed an executive order ending sanctions on Belavia on Friday.")
    assert (signed.state, signed.modality, signed.moves) == ("lifted", "asserted", True)
    (planned,) = claims_for("Trump will sign an executive order ending sanctions on Belavia.")
    assert planned.modality == "promise" and planned.state != "lifted"


def test_a_purpose_after_the_change_leaves_it_asserted() -> None:
    claims = claims_for("Sanctions on Belavia were lifted on Friday for the airline to be able to buy parts.")
    assert [(c.state, c.modality) for c in claims if c.moves] == [("lifted", "asserted")]
