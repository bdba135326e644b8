"""Appeals: a call for a change ("called for the reopening", "urged Washington to lift") is somebody
asking for it, not those who would make it planning or discussing it."""

from __future__ import annotations

import pytest

from tests.test_extract_modality import claims_for, only, settled_moves


@pytest.mark.parametrize(
    ("sentence", "modality"),
    [
        ("Lithuania and Poland pressed hard for sanctions on Belavia to be lifted.", "appeal"),
        ("Lithuania called repeatedly for the embassy in Minsk to reopen.", "appeal"),
        ("The way is now clear for sanctions on Belavia to be lifted.", "intent"),
    ],
)
def test_urging_or_making_way_for_a_change_is_not_the_change(sentence: str, modality: str) -> None:
    claims = claims_for(sentence)
    assert claims and {c.modality for c in claims} == {modality}
    assert settled_moves(claims) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "On Friday, Belarusian exiles met U.S. officials in Washington to call for the reopening of the "
        "U.S. embassy in Minsk.",
        "Lithuania urged Washington to reopen its embassy in Minsk.",
        "Opposition leaders pressed for the U.S. embassy in Minsk to reopen.",
        "Belarusian activists asked the State Department to reopen the embassy in Minsk.",
        "Lukashenko has repeatedly demanded that the U.S. reopen its embassy in Minsk.",
    ],
)
def test_a_call_for_a_reopening_is_no_talk_of_reopening(sentence: str) -> None:
    # Somebody asking for a change is not those who would make it planning or discussing it.
    claims = [c for c in claims_for(sentence) if c.subject == "us-embassy-minsk"]
    assert claims and {c.modality for c in claims} == {"appeal"}
    assert [c for c in claims if c.moves] == []


def test_the_owner_s_own_wish_still_reaches_the_discussed_state() -> None:
    (claim,) = [
        c
        for c in claims_for("Washington wants to reopen its embassy in Minsk.")
        if c.subject == "us-embassy-minsk"
    ]
    assert (claim.state, claim.modality, claim.moves) == ("reopening-discussed", "intent", True)


def test_either_government_calling_for_better_ties_is_talk_of_normalising() -> None:
    # Relations belong to both governments: one side's call on the other is a move in them.
    claim = only(
        claims_for("Lukashenko called for the normalisation of relations with Washington."),
        "us-belarus-relations",
    )
    assert (claim.state, claim.modality, claim.moves) == ("normalisation-discussed", "appeal", True)
