"""feeds.toml validation: every error names the file, the table and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import load_config
from tracker.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
[[feeds]]
id = "wire"
url = "https://example.org/rss"
interval = "15m"
title = "Wire"
tags = ["belarus"]

[[feeds]]
id = "belta"
url = "http://example.net/atom.xml"
"""


def test_a_good_file_loads_with_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert [f.id for f in config.feeds] == ["wire", "belta"]
    assert config.feeds[0].interval_seconds == 900
    assert config.feeds[1].interval_seconds == 1800
    assert {s.id for s in config.subjects} >= {
        "us-embassy-minsk",
        "belavia-sanctions",
        "prisoner-releases",
        "us-belarus-relations",
    }


@pytest.mark.parametrize(
    ("addition", "expected"),
    [
        (
            '[[feeds]]\nid = "bad"\nurl = "https://x.org"\ninterval = "-5"\n',
            "feeds[2] (id 'bad'): interval: must be",
        ),
        (
            '[[feeds]]\nid = "bad"\nurl = "https://x.org"\nintervall = "5m"\n',
            "feeds[2] (id 'bad'): intervall: unknown key",
        ),
        (
            '[[feeds]]\nid = "wire"\nurl = "https://x.org"\n',
            "feeds[2] (id 'wire'): id: duplicate of feeds[0]",
        ),
        ('[[feeds]]\nid = "ftp"\nurl = "ftp://x.org/feed"\n', "feeds[2] (id 'ftp'): url: must be an http"),
        (
            '[[feeds]]\nid = "Bad_ID"\nurl = "https://x.org"\n',
            "feeds[2] (id 'Bad_ID'): id: must be lower-case",
        ),
        (
            '[[feeds]]\nid = "bad\\n"\nurl = "https://x.org"\n',  # a regex's "$" would take it
            "id: must be lower-case",
        ),
        ('[[feeds]]\nurl = "https://x.org"\n', "feeds[2]: id: required key is missing"),
        ('[[feeds]]\nid = "n"\nurl = "https://x.org"\ninterval = 5\n', "feeds[2] (id 'n'): interval:"),
        ("[fetch]\nmax_per_host = 0\n", "fetch: max_per_host:"),
        ("[fetsh]\nx = 1\n", "fetsh: unknown key"),
    ],
)
def test_errors_name_the_file_the_table_and_the_key(tmp_path: Path, addition: str, expected: str) -> None:
    path = write(tmp_path, GOOD + addition)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in str(caught.value)


def test_toml_syntax_errors_give_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, '[[feeds]]\nid = "a"\nurl = \n')
    with pytest.raises(ConfigError, match=r"invalid TOML: .*line 3"):
        load_config(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_the_shipped_feeds_toml_is_valid() -> None:
    config = load_config(Path(__file__).resolve().parents[1] / "feeds.toml")
    assert len(config.feeds) >= 3
    assert all(feed.url.startswith("https://") for feed in config.feeds)
