"""extract_claims end to end: evidence offsets, order, aliases and exclusions, user subjects."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.extract import EXTRACTOR_VERSION, Claim, Document, extract_claims, html_to_text
from tracker.subjects import load_shipped_subjects, merge_subjects
from tracker.subjects.patterns import word_set

SUBJECTS = load_shipped_subjects()
PUBLISHED = datetime(2025, 9, 12, 6, tzinfo=UTC)

ARTICLE = (
    "Belarus frees 52 prisoners as U.S. eases sanctions on state airline\n\n"
    "Belarus released 52 prisoners on Thursday, including 14 foreigners, after talks with a U.S. "
    "delegation led by envoy John Coale. The freed prisoners crossed into Lithuania. Coale said Washington "
    "wants to reopen its embassy in Minsk, which suspended operations in February 2022.\n\n"
    "The Treasury issued a general licence allowing Belavia to service its Boeing fleet. Coale said "
    'relations were "good, but not excellent." More than 1,000 political prisoners remain behind bars, '
    "rights groups say."
)


def moving(claims: list[Claim]) -> list[tuple[str, str | int | None, str]]:
    return [(c.subject, c.state if c.state else c.count, c.event_date.isoformat()) for c in claims if c.moves]


def test_article() -> None:
    claims = extract_claims(Document(ARTICLE, PUBLISHED), SUBJECTS)
    assert moving(claims) == [
        ("prisoner-releases", 52, "2025-09-12"),
        ("belavia-sanctions", "eased", "2025-09-12"),
        ("prisoner-releases", 52, "2025-09-11"),
        ("us-embassy-minsk", "reopening-discussed", "2025-09-12"),
        ("belavia-sanctions", "eased", "2025-09-12"),
        ("us-belarus-relations", "thawing", "2025-09-12"),
    ]


def test_evidence_is_an_exact_slice_in_text_order() -> None:
    claims = extract_claims(Document(ARTICLE, PUBLISHED), SUBJECTS)
    assert claims
    for claim in claims:
        assert ARTICLE[claim.start : claim.end] == claim.sentence
        assert claim.cue in claim.sentence
    assert [c.start for c in claims] == sorted(c.start for c in claims)


def test_deterministic() -> None:
    first = extract_claims(Document(ARTICLE, PUBLISHED), SUBJECTS)
    assert extract_claims(Document(ARTICLE, PUBLISHED), list(SUBJECTS)) == first


def test_vilnius_embassy_is_not_the_minsk_embassy() -> None:
    text = (
        "The U.S. embassy in Vilnius has processed visas for Belarusians since the mission in Minsk "
        "suspended operations. On Monday, the embassy reopened its consular section after renovation work."
    )
    claims = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    assert [c for c in claims if c.moves] == []


def test_a_cue_across_a_contrast_belongs_to_something_else() -> None:
    text = "The U.S. embassy in Minsk remains closed, but the Lithuanian border crossing reopened on Monday."
    assert [c for c in extract_claims(Document(text, PUBLISHED), SUBJECTS) if c.moves] == []
    text = "The U.S. embassy in Minsk stays shut, although officials talk openly about reopening it."
    (_, discussed) = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    assert (discussed.state, discussed.moves) == ("reopening-discussed", True)


def test_the_embassy_counts_when_the_article_is_about_minsk() -> None:
    text = (
        "U.S. envoy John Coale visited Minsk on Thursday. He said the embassy would reopen once talks allow."
    )
    (claim,) = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    assert (claim.subject, claim.state, claim.moves) == ("us-embassy-minsk", "reopening-discussed", True)
    # The same sentence in an article that never names Belarus says nothing about Minsk.
    assert (
        extract_claims(Document("He said the embassy would reopen once talks allow.", PUBLISHED), SUBJECTS)
        == []
    )


def test_potash_sanctions_are_not_belavia_sanctions() -> None:
    text = "After easing rules for Belavia, Washington on Saturday agreed to lift sanctions on potash."
    claims = extract_claims(Document(text, datetime(2025, 12, 13, tzinfo=UTC)), SUBJECTS)
    assert [c for c in claims if c.moves] == []


def test_relations_quote() -> None:
    claims = extract_claims(Document(ARTICLE, PUBLISHED), SUBJECTS)
    (claim,) = [c for c in claims if c.subject == "us-belarus-relations"]
    assert claim.quote == "good, but not excellent"
    text = "U.S. envoy Coale said ties between Washington and Minsk were improving steadily."
    (claim,) = extract_claims(Document(text, PUBLISHED), SUBJECTS)
    assert claim.quote == text[:-1]


def test_html_article() -> None:
    html = (
        "<article><h1>Belarus frees 52</h1><p>Belarus freed 52 prisoners on Thursday.</p>"
        "<p>Share this</p><p>Read more</p></article>"
    )
    text = html_to_text(html)
    claims = extract_claims(Document(text, PUBLISHED, "Belarus frees 52"), SUBJECTS)
    assert moving(claims) == [
        ("prisoner-releases", 52, "2025-09-12"),
        ("prisoner-releases", 52, "2025-09-11"),
    ]


def test_no_subjects_no_claims() -> None:
    assert extract_claims(Document(ARTICLE, PUBLISHED), ()) == []


def test_a_user_defined_story_needs_no_code() -> None:
    tables = [
        {
            "id": "potash-sanctions",
            "title": "U.S. sanctions on Belarusian potash",
            "kind": "state",
            "aliases": ["(Belaruskali|Belarusian potash)"],
            "initial_state": "in-force",
            "initial_since": date(2021, 8, 9),
            "states": [
                {"id": "in-force", "label": "In force", "settled": True, "confirms": ["{remain} in place"]},
                {
                    "id": "relief-promised",
                    "label": "Relief promised",
                    "modalities": ["promise", "conditional"],
                },
                {
                    "id": "lifted",
                    "label": "Lifted",
                    "settled": True,
                    "tentative": "relief-promised",
                    "cues": ["{lift}"],
                },
            ],
        }
    ]
    subjects = merge_subjects(SUBJECTS, tables, "feeds.toml")
    text = "Washington agreed on Saturday to lift sanctions on Belarusian potash. It may lift more."
    claims = [
        c
        for c in extract_claims(Document(text, datetime(2025, 12, 13, tzinfo=UTC)), subjects)
        if c.subject == "potash-sanctions"
    ]
    assert [(c.state, c.modality, c.moves) for c in claims] == [("relief-promised", "promise", True)]


def test_version_is_a_string() -> None:
    assert isinstance(EXTRACTOR_VERSION, str) and EXTRACTOR_VERSION


_VOCABULARY = sorted(
    word_set(
        "Belarus freed released 52 Fifty-two prisoners U.S. embassy in Minsk Vilnius reopen reopened may not "
        "would if whether Belavia sanctions lifted eased licence relations good, but excellent Thursday "
        'Sept. 11 since 2022 more than 1,000 remain behind bars and 13 others including ? ; — " No. a.m. '
        "Coale said had been denied Washington the"
    )
)


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(st.sampled_from([*_VOCABULARY, ".", "\n", "\n\n"]), max_size=60),
    day=st.integers(min_value=1, max_value=28),
    dated=st.booleans(),
)
def test_any_text_gives_well_formed_claims(words: list[str], day: int, dated: bool) -> None:
    text = " ".join(words)
    published = datetime(2025, 9, day, 12, tzinfo=UTC) if dated else None
    settled = {(s.id, st.id) for s in SUBJECTS for st in s.states if st.settled}
    for claim in extract_claims(Document(text, published), SUBJECTS):
        assert text[claim.start : claim.end] == claim.sentence
        assert claim.cue and claim.cue in claim.sentence
        if claim.moves and (claim.subject, claim.state) in settled:
            assert claim.modality == "asserted"
        if claim.reversal:
            assert claim.moves
        if claim.date_basis == "unknown":
            assert not claim.moves


def test_the_minsk_embassy_after_the_vilnius_one() -> None:
    text = (
        "Staff of the U.S. embassy in Vilnius helped the freed prisoners contact their families. "
        "In Minsk, the U.S. envoy said Washington is eager to reopen its embassy in the Belarusian capital."
    )
    claims = [c for c in extract_claims(Document(text, PUBLISHED), SUBJECTS) if c.moves]
    assert [(c.subject, c.state, c.modality) for c in claims] == [
        ("us-embassy-minsk", "reopening-discussed", "intent")
    ]
    # A vague mention after the Vilnius embassy counts once its sentence is set in Minsk...
    text = (
        "Consular staff at the U.S. embassy in Vilnius handled the paperwork for Belarusians. "
        "Speaking in Minsk, the envoy said Washington hopes to restore its own embassy there soon."
    )
    (claim,) = [c for c in extract_claims(Document(text, PUBLISHED), SUBJECTS) if c.moves]
    assert (claim.subject, claim.state) == ("us-embassy-minsk", "reopening-discussed")
    # ...and not when it only mentions Belarusians.
    text = (
        "The U.S. embassy in Vilnius handles visas for Belarusians. "
        "On Monday the embassy reopened its visa section for Belarusian applicants."
    )
    assert [c for c in extract_claims(Document(text, PUBLISHED), SUBJECTS) if c.moves] == []


def test_headline_evidence_is_the_whole_headline() -> None:
    text = "Belarus frees 52 prisoners; U.S. offers relief for state airline Belavia\n\nBody text."
    claims = extract_claims(Document(text, PUBLISHED, title=text.split("\n")[0]), SUBJECTS)
    assert {c.sentence for c in claims} == {text.split("\n")[0]}
    assert [(c.subject, c.count or c.state, c.moves) for c in claims] == [
        ("prisoner-releases", 52, True),
        ("belavia-sanctions", "relief-promised", True),
    ]


def test_a_floor_is_no_exact_count_but_is_marked_as_the_least_it_can_be() -> None:
    def counts(text: str) -> list[tuple[int | None, bool, str]]:
        claims = extract_claims(Document(text, PUBLISHED), SUBJECTS)
        return [(c.count, c.moves, c.figure) for c in claims if c.subject == "prisoner-releases"]

    assert counts("Belarus freed at least 14 prisoners on Thursday.") == [(14, False, "at-least")]
    assert counts("Belarus freed more than 14 prisoners on Thursday.") == [(14, False, "approximate")]
    assert counts("Belarus freed 14 prisoners on Thursday.") == [(14, True, "exact")]


def _headline_reading(lede: str) -> tuple[str | None, str]:
    text = f"U.S. lifts Belavia sanctions\n\n{lede}\n\nThe airline hopes to buy parts."
    document = Document(text, PUBLISHED, title="U.S. lifts Belavia sanctions")
    (headline, *_) = extract_claims(document, SUBJECTS)
    return headline.state, headline.modality


def test_a_headline_tells_as_done_what_its_lede_only_promises() -> None:
    promised = "Trump has announced that the United States will lift sanctions on Belavia, Belarus's airline."
    assert _headline_reading(promised) == ("relief-promised", "promise")
    # An agreement says nothing of whether the change is still to come.
    agreed = "Washington agreed to lift sanctions on Belavia, Belarus's state airline, after talks in Minsk."
    assert _headline_reading(agreed) == ("lifted", "asserted")
    # The body reporting the change itself leaves the headline as it is.
    done = "The United States lifted sanctions on Belavia, Belarus's state airline, on Saturday."
    assert _headline_reading(done) == ("lifted", "asserted")
