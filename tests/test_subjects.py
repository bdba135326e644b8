"""Subject definitions: shipped data, user overrides, validation messages, fingerprint, patterns."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from typing import Any

import pytest

from tracker.errors import ConfigError
from tracker.subjects import Subject, load_shipped_subjects, merge_subjects, subjects_fingerprint
from tracker.subjects.inflect import inflect
from tracker.subjects.patterns import PatternError, compile_pattern
from tracker.tables import build, plain

SHIPPED_STATES = {
    "us-embassy-minsk": ["suspended", "reopening-discussed", "reopened"],
    "belavia-sanctions": ["in-force", "relief-promised", "eased", "lifted"],
    "prisoner-releases": [],
    "us-belarus-relations": ["strained", "thawing", "normalisation-discussed", "normalised"],
}


def new_subject(**overrides: Any) -> dict[str, Any]:
    table: dict[str, Any] = {
        "id": "potash-sanctions",
        "title": "U.S. sanctions on Belarusian potash",
        "kind": "state",
        "aliases": ["Belaruskali"],
        "initial_state": "in-force",
        "initial_since": date(2021, 8, 9),
        "states": [
            {"id": "in-force", "label": "In force", "settled": True},
            {"id": "lifted", "label": "Lifted", "settled": True, "cues": ["{lift}"]},
        ],
    }
    table.update(overrides)
    return table


def test_shipped_subjects_match_the_contract() -> None:
    subjects = load_shipped_subjects()
    assert {s.id: [st.id for st in s.states] for s in subjects} == SHIPPED_STATES
    by_id = {s.id: s for s in subjects}
    embassy = by_id["us-embassy-minsk"]
    assert (embassy.kind, embassy.initial_state, embassy.initial_since) == (
        "state",
        "suspended",
        date(2022, 2, 28),
    )
    belavia = by_id["belavia-sanctions"]
    assert (belavia.initial_state, belavia.initial_since) == ("in-force", date(2023, 8, 9))
    assert by_id["prisoner-releases"].kind == "tally"
    assert embassy.state("reopened").settled and embassy.state("reopened").modalities == ("asserted",)
    assert [st.id for st in belavia.states if st.settled] == ["in-force", "eased", "lifted"]
    assert by_id["us-belarus-relations"].quote
    with pytest.raises(KeyError):
        embassy.state("nope")
    assert embassy.state_index("reopened") == 2


def test_shipped_toml_is_package_data() -> None:
    text = resources.files("tracker.subjects").joinpath("us_belarus.toml").read_text(encoding="utf-8")
    assert len(tomllib.loads(text)["subjects"]) == 4


def test_fingerprint_is_stable_and_sensitive() -> None:
    subjects = load_shipped_subjects()
    assert subjects_fingerprint(subjects) == subjects_fingerprint(tuple(reversed(subjects)))
    assert len(subjects_fingerprint(subjects)) == 64
    changed = merge_subjects(
        subjects, [{"id": "us-embassy-minsk", "exclusions": ["embassy in Riga"]}], "f.toml"
    )
    assert subjects_fingerprint(changed) != subjects_fingerprint(subjects)


def test_override_replaces_only_the_keys_given() -> None:
    shipped = load_shipped_subjects()
    merged = merge_subjects(shipped, [{"id": "us-embassy-minsk", "title": "Embassy"}], "feeds.toml")
    embassy = next(s for s in merged if s.id == "us-embassy-minsk")
    original = next(s for s in shipped if s.id == "us-embassy-minsk")
    assert embassy.title == "Embassy"
    assert embassy.aliases == original.aliases and embassy.states == original.states
    assert [s.id for s in merged] == [s.id for s in shipped]


def test_states_merge_by_id_and_new_states_are_inserted_in_place() -> None:
    tables = [
        {
            "id": "us-embassy-minsk",
            "states": [
                {"id": "reopening-discussed", "cues": ["{plan} .. reopening"]},
                {"id": "reopening-scheduled", "label": "Reopening scheduled", "modalities": ["promise"]},
            ],
        }
    ]
    (embassy,) = [
        s for s in merge_subjects(load_shipped_subjects(), tables, "feeds.toml") if s.id == "us-embassy-minsk"
    ]
    assert [st.id for st in embassy.states] == [
        "suspended",
        "reopening-discussed",
        "reopening-scheduled",
        "reopened",
    ]
    assert embassy.state("reopening-discussed").cues == ("{plan} .. reopening",)
    assert embassy.state("reopening-discussed").label == "Reopening under discussion"


def test_new_subjects_are_added_after_the_shipped_ones() -> None:
    merged = merge_subjects(load_shipped_subjects(), [new_subject()], "feeds.toml")
    assert merged[-1].id == "potash-sanctions"
    assert len(merged) == 5


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (
            [
                {"id": "us-embassy-minsk"},
                new_subject(states=[{"id": "in-force", "label": "x", "modalities": ["maybe"]}]),
            ],
            "feeds.toml: subjects[1] (id 'potash-sanctions'): states[0].modalities[0]: must be one of",
        ),
        ([new_subject(colour="red")], "feeds.toml: subjects[0] (id 'potash-sanctions'): colour: unknown key"),
        (
            [new_subject(aliases=["{reopen"])],
            "feeds.toml: subjects[0] (id 'potash-sanctions'): aliases: bad pattern '{reopen'",
        ),
        (
            [
                new_subject(
                    states=[{"id": "in-force", "label": "x", "settled": True, "modalities": ["promise"]}]
                )
            ],
            "states[0].modalities: a settled state accepts only 'asserted'",
        ),
        ([new_subject(initial_state="gone")], "initial_state: must be one of the states"),
        ([new_subject(id="Bad Id")], "subjects[0] (id 'Bad Id'): id:"),
        ([{"title": "no id"}], "feeds.toml: subjects[0]: id: missing required key"),
        ([new_subject(), new_subject()], "subjects[1] (id 'potash-sanctions'): id: defined twice"),
        ([new_subject(kind="tally")], "tally: a tally subject needs"),
        (
            [{"id": "us-embassy-minsk", "states": [{"id": "reopened", "tentative": "nowhere"}]}],
            "states: reopened.tentative 'nowhere' is not another state",
        ),
        (
            [{"id": "us-embassy-minsk", "states": [{"id": "reopened", "cues": ["{lift} .."]}]}],
            "states[0].cues: bad pattern",
        ),
    ],
)
def test_errors_name_file_subject_and_key(tables: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        merge_subjects(load_shipped_subjects(), tables, "feeds.toml")
    assert message in str(raised.value)


def test_inflections() -> None:
    assert set(inflect("reopen")) >= {"reopen", "reopens", "reopened", "reopening", "re-open", "re-opened"}
    assert inflect("lift")["lifted"] == "past" and inflect("lift")["lifting"] == "ing"
    assert set(inflect("free")) == {"free", "frees", "freed", "freeing"}
    assert set(inflect("ease")) == {"ease", "eases", "eased", "easing"}
    assert inflect("set")["set"] == "past" and inflect("let")["letting"] == "ing"
    assert "banned" in inflect("ban") and "dropping" in inflect("drop")
    assert "reimposed" in inflect("reimpose") and "re-imposed" in inflect("reimpose")


def test_pattern_language() -> None:
    pattern = compile_pattern("(U.S.|American) (embassy|mission) in (Minsk|Belarus)")
    for text in ("the U.S. embassy in Minsk", "the US Embassy in Belarus", "an American mission in Minsk"):
        assert pattern.regex.search(text), text
    assert not pattern.regex.search("let us embassy in minsk")
    gap = compile_pattern("{lift} .. sanctions")
    assert gap.regex.search("lifted some U.S. sanctions")
    assert not gap.regex.search("lifted, for now, sanctions")  # a gap never crosses a comma
    assert not gap.regex.search("lifted the long list of old sanctions")
    assert compile_pattern("{close} ... again").regex.search("closed its embassy in Minsk again")
    optional = compile_pattern("(the|its)? embassy")
    assert optional.regex.search("embassy") and optional.regex.search("its embassy")
    assert compile_pattern("sanction* (list)").regex.search("the sanctions list")
    assert pattern.anchors >= {"embassy", "mission"}


@pytest.mark.parametrize("bad", ["", "(a|b", "{re open}", ".. sanctions", "(the)?", "sanction*"])
def test_bad_patterns(bad: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(bad)


@pytest.mark.parametrize(
    ("subject", "kind", "text"),
    [
        ("us-embassy-minsk", "aliases", "its embassy in the Belarusian capital"),
        ("us-embassy-minsk", "context_aliases", "its own embassy"),
        ("prisoner-releases", "exclusions", "Russia released two Lithuanians"),
        ("prisoner-releases", "exclusions", "freed by Moscow"),
    ],
)
def test_shipped_patterns_cover(subject: str, kind: str, text: str) -> None:
    (found,) = [s for s in load_shipped_subjects() if s.id == subject]
    patterns = getattr(found, kind)
    assert any(compile_pattern(p).regex.search(text) for p in patterns), (subject, kind, text)


def test_story_names_give_the_release_context() -> None:
    (releases,) = [s for s in load_shipped_subjects() if s.id == "prisoner-releases"]
    (group,) = releases.context
    assert {"Bialiatski", "Kalesnikava", "Tsikhanouski", "Viasna"} <= set(group)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_every_shipped_pattern_compiles_to_a_regex() -> None:
    # Loading subjects only parses their patterns; the regex is compiled on first match.
    checked = 0
    for subject in load_shipped_subjects():
        for text in _strings(plain(subject)):
            try:
                pattern = compile_pattern(text)
            except PatternError:
                continue  # not a pattern (a title, an id)
            assert pattern.regex.pattern == pattern.expression
            checked += 1
    assert checked > 100


def test_the_shipped_subjects_pass_every_check_their_loading_skips() -> None:
    """Shipped definitions are loaded without translating their patterns (a report needs none):
    here they are validated in full, patterns included."""
    for subject in load_shipped_subjects():
        assert build(Subject, plain(subject)) == subject
        subject.check_patterns()
