"""Story packs: other stories as subject data, chosen in feeds.toml; the Belarus story by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import load_config
from tracker.errors import ConfigError
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
