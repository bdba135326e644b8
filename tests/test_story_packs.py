"""Story packs: other stories as subject data, chosen in feeds.toml; the Belarus story by default."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tracker.config import load_config
from tracker.errors import ConfigError
from tracker.extract import Document, extract_claims
from tracker.subjects.story_packs import DEFAULT_STORY, available_stories, load_story_pack

FEED = '[[feeds]]\nid = "wire"\nurl = "https://example.org/rss"\n'


def config_ids(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return [s.id for s in load_config(path).subjects]


def test_the_belarus_story_is_the_default(tmp_path: Path) -> None:
    assert config_ids(tmp_path, FEED) == [s.id for s in load_story_pack(DEFAULT_STORY)]
    assert "prisoner-releases" in config_ids(tmp_path, FEED)


def test_a_feeds_toml_chooses_its_stories(tmp_path: Path) -> None:
    ids = config_ids(tmp_path, 'stories = ["venezuela-us", "iran-us"]\n' + FEED)
    assert ids == ["venezuela-releases", "venezuela-oil-sanctions", "us-embassy-caracas", "iran-releases"]
    both = config_ids(tmp_path, f'stories = ["{DEFAULT_STORY}", "syria-us"]\n' + FEED)
    assert "us-embassy-minsk" in both and "us-embassy-damascus" in both


def test_subject_tables_override_a_chosen_pack(tmp_path: Path) -> None:
    text = (
        'stories = ["russia-us"]\n'
        + FEED
        + '[[subjects]]\nid = "russia-releases"\ntitle = "Freed by Russia"\n'
    )
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    (subject,) = load_config(path).subjects
    assert subject.title == "Freed by Russia" and subject.tally is not None and subject.tally.cues


@pytest.mark.parametrize(
    ("stories", "message"),
    [
        ('["atlantis-us"]', "no story pack 'atlantis-us' (known: us-belarus, "),
        ("[]", "stories: must be a non-empty array"),
        ('"iran-us"', "stories: must be a non-empty array"),
    ],
)
def test_a_bad_story_list_names_the_file_and_the_known_packs(
    tmp_path: Path, stories: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=r"feeds\.toml: ") as error:
        config_ids(tmp_path, f"stories = {stories}\n" + FEED)
    assert message in str(error.value)


def test_every_shipped_pack_loads_with_its_starting_points_and_sources() -> None:
    assert len(available_stories()) >= 6
    for story in available_stories():
        subjects = load_story_pack(story)
        assert subjects, story
        for subject in subjects:
            if subject.kind == "state":
                assert subject.initial_state and subject.initial_since and subject.initial_source, subject.id


def _moves(story: str, text: str) -> list[tuple[str, str | None, str]]:
    lead = "Venezuela and the United States: news from Caracas.\n\n"
    document = Document(lead + text, datetime(2025, 7, 24, 12, tzinfo=UTC))
    return [
        (c.subject, c.state, c.modality) for c in extract_claims(document, load_story_pack(story)) if c.moves
    ]


@pytest.mark.parametrize(
    ("sentence", "move"),
    [
        (
            "Washington has handed back the oil major Chevron's right to export crude from Venezuela.",
            ("venezuela-oil-sanctions", "eased", "asserted"),
        ),
        (
            "Chevron won the green light to resume work with PDVSA in Venezuela.",
            ("venezuela-oil-sanctions", "eased", "asserted"),
        ),
        (
            "The new U.S. envoy arrived in Caracas on Sunday to reopen the embassy.",
            ("us-embassy-caracas", "reopened", "asserted"),
        ),
        (
            "The United States has begun reopening its embassy in Caracas.",
            ("us-embassy-caracas", "reopened", "asserted"),
        ),
    ],
)
def test_a_pack_knows_the_everyday_words_for_its_changes(
    sentence: str, move: tuple[str, str | None, str]
) -> None:
    assert _moves("venezuela-us", sentence) == [move]


@pytest.mark.parametrize(
    "sentence",
    [
        "A U.S. envoy will arrive in Caracas next month to reopen the embassy.",
        "Chevron could get the green light to resume work in Venezuela.",
        "The United States is starting to reopen its embassy in Caracas.",
    ],
)
def test_those_words_settle_nothing_when_only_expected(sentence: str) -> None:
    assert all(state not in ("eased", "reopened") for _, state, _ in _moves("venezuela-us", sentence))


def test_leave_to_keep_idle_assets_is_no_relief() -> None:
    kept = "Chevron can no longer pump oil in Venezuela, but has been allowed to maintain oil equipment."
    assert all(state != "eased" for _, state, _ in _moves("venezuela-us", kept))
    granted = "On oil sanctions, the Treasury has allowed oil companies to export crude from Venezuela."
    assert _moves("venezuela-us", granted) == [("venezuela-oil-sanctions", "eased", "asserted")]


def test_a_modal_inside_a_cue_governs_its_verb() -> None:
    lead = "Syria and the United States: news from Damascus.\n\n"
    document = Document(
        lead + "Sanctions on Syria will be fully removed, Trump said.", datetime(2025, 5, 14, 12, tzinfo=UTC)
    )
    claims = extract_claims(document, load_story_pack("syria-us"))
    assert [(c.state, c.modality) for c in claims] == [("relief-promised", "promise")]
