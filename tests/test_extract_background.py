"""Background: what a sentence takes as given (an absolute clause, a concession, "so far", what an
undone measure did) reports no change, while what it says happen stays said."""

from __future__ import annotations

from datetime import datetime

import pytest

from tracker.extract import Claim, Document, extract_claims
from tracker.subjects import load_shipped_subjects

SUBJECTS = load_shipped_subjects()
LEAD = "U.S. envoy John Coale met Belarusian leader Alexander Lukashenko in Minsk.\n\n"


def claims_for(sentence: str) -> list[Claim]:
    return extract_claims(
        Document(LEAD + sentence, datetime.fromisoformat("2025-09-13T09:00:00+00:00")), SUBJECTS
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "On Friday Washington revoked a waiver that eased sanctions on Belavia.",
        "The Treasury on Friday ordered a wind-down, reversing a licence that lifted sanctions on Belavia.",
    ],
)
def test_what_an_undone_measure_did_is_the_state_before(sentence: str) -> None:
    claims = claims_for(sentence)
    undone = [c for c in claims if c.state in ("eased", "lifted")]
    assert undone and {c.modality for c in undone} == {"retrospective"}
    assert not any(c.moves for c in undone)


def test_an_ing_form_that_is_the_subject_of_a_later_verb_is_talk_of_the_change() -> None:
    (talk,) = claims_for("After the talks, lifting sanctions on Belavia is expected to help the airline.")
    assert (talk.state, talk.modality, talk.moves) == ("lifted", "intent", False)
    # A participle sharing the clause before it still shares its reality.
    done = claims_for("Washington acted on Friday, lifting sanctions on Belavia that had grounded its fleet.")
    assert [(c.state, c.modality) for c in done if c.moves] == [("lifted", "asserted")]


def test_an_absolute_with_clause_takes_its_state_as_given() -> None:
    (given,) = claims_for("With sanctions on Belavia now lifted, the airline hopes to buy parts.")
    assert given.modality == "retrospective" and not given.moves
    told = claims_for("Washington lifted sanctions on Belavia on Friday, with the move welcomed in Minsk.")
    assert [(c.state, c.modality) for c in told if c.moves] == [("lifted", "asserted")]


def test_a_concession_grants_a_past_change_as_known() -> None:
    (granted,) = claims_for("Airlines stay wary, even though Washington has lifted sanctions on Belavia.")
    assert (granted.modality, granted.moves) == ("retrospective", False)
    # What a concession says of the present is still said: talk of reopening is talk.
    talk = claims_for("The embassy in Minsk stays shut, although officials talk openly about reopening it.")
    assert ("us-embassy-minsk", "reopening-discussed") in [(c.subject, c.state) for c in talk if c.moves]


def test_so_far_sums_up_the_state_reached() -> None:
    (claim,) = claims_for("So far Washington has lifted some Belavia sanctions.")
    assert (claim.modality, claim.moves) == ("retrospective", False)


def test_an_old_call_for_better_ties_is_background() -> None:
    # A call dated well before the article is recalled, as an old plan or promise would be.
    (old,) = claims_for(
        "In March 2023, Lukashenko called for the normalisation of relations with Washington."
    )
    assert (old.state, old.modality, old.moves) == ("normalisation-discussed", "retrospective", False)
    (fresh,) = claims_for("On Friday, Lukashenko called for the normalisation of relations with Washington.")
    assert (fresh.modality, fresh.moves) == ("appeal", True)
