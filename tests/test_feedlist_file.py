"""`tracker feeds add` and `tracker feeds remove` edit feeds.toml in place: every comment and blank
line elsewhere stays byte for byte, invalid input is refused with the same errors loading gives,
and a refused edit leaves the file untouched."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.cli import invoke
from tracker.config import load_config
from tracker.feedlist.feedsfile import append_feeds, remove_feed, render_feed_table
from tracker.feedlist.naming import derive_feed_id, parse_tags

COMMENTED = """\
# Feeds for the Belarus story.
# Keep outlets first, then searches.

# The wire: fast, terse.
[[feeds]]
id = "wire"   # short ids read well in reports
url = "https://wire.example/rss"
tags = ["outlet"]
# (polled at the default interval)

# A weekly magazine.
# Two comment lines above it.
[[feeds]]
id = "magazine"
url = "https://magazine.example/feed"
interval = "2h"
title = \"\"\"A title
[[feeds]]
that spans lines\"\"\"

  [feeds.headers]
  "Accept-Language" = "en"

[fetch]
deadline = "20s"   # slow hosts

# Searches come last.
[[feeds]]
id = "search"
url = "https://search.example/rss?q=belarus"
tags = ["search"]
"""

MAGAZINE_BLOCK = """\
# A weekly magazine.
# Two comment lines above it.
[[feeds]]
id = "magazine"
url = "https://magazine.example/feed"
interval = "2h"
title = \"\"\"A title
[[feeds]]
that spans lines\"\"\"

  [feeds.headers]
  "Accept-Language" = "en"

"""


@pytest.fixture
def feeds_toml(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(COMMENTED, encoding="utf-8")
    return path


def test_removing_a_feed_takes_its_table_and_the_comments_above_it_and_nothing_else(
    feeds_toml: Path,
) -> None:
    result = invoke("feeds", "remove", "magazine", "--config", str(feeds_toml))
    assert result.exit_code == 0, result.output
    assert feeds_toml.read_text(encoding="utf-8") == COMMENTED.replace(MAGAZINE_BLOCK, "")
    assert [f.id for f in load_config(feeds_toml).feeds] == ["wire", "search"]


def test_removing_the_last_table_drops_its_separating_blank_line(feeds_toml: Path) -> None:
    assert invoke("feeds", "remove", "search", "--config", str(feeds_toml)).exit_code == 0
    text = feeds_toml.read_text(encoding="utf-8")
    assert text == COMMENTED[: COMMENTED.index("\n# Searches come last.")]
    assert text.endswith('deadline = "20s"   # slow hosts\n')


def test_adding_a_feed_appends_a_table_after_the_last_feed_and_keeps_every_byte_before_it(
    feeds_toml: Path,
) -> None:
    result = invoke(
        "feeds", "add", "https://www.theguardian.com/world/belarus/rss",
        "--config", str(feeds_toml), "--tags", "outlet, europe", "--title", 'The "Guardian"',
        "--interval", "15m",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "added feed 'theguardian-world-belarus'" in result.output
    added = (
        '\n[[feeds]]\nid = "theguardian-world-belarus"\ntitle = "The \\"Guardian\\""\n'
        'url = "https://www.theguardian.com/world/belarus/rss"\ninterval = "15m"\n'
        'tags = ["outlet", "europe"]\n'
    )
    assert feeds_toml.read_text(encoding="utf-8") == COMMENTED + added
    feed = load_config(feeds_toml).feed("theguardian-world-belarus")
    assert (feed.title, feed.interval, feed.tags) == ('The "Guardian"', "15m", ("outlet", "europe"))


def test_add_then_remove_gives_back_the_same_bytes(feeds_toml: Path) -> None:
    assert (
        invoke("feeds", "add", "https://x.example/a", "--id", "x", "--config", str(feeds_toml)).exit_code == 0
    )
    assert invoke("feeds", "remove", "x", "--config", str(feeds_toml)).exit_code == 0
    assert feeds_toml.read_text(encoding="utf-8") == COMMENTED


def test_a_new_feed_goes_after_the_last_feed_before_the_tables_that_follow(tmp_path: Path) -> None:
    text = '[[feeds]]\nid = "a"\nurl = "https://a.example/"\n\n# subjects\n[[subjects]]\nid = "s"\n'
    table = render_feed_table({"id": "b", "url": "https://b.example/"})
    assert append_feeds(text, [table]) == (
        '[[feeds]]\nid = "a"\nurl = "https://a.example/"\n\n'
        '[[feeds]]\nid = "b"\nurl = "https://b.example/"\n\n# subjects\n[[subjects]]\nid = "s"\n'
    )


def test_a_file_without_a_final_newline_gets_one_before_the_new_table() -> None:
    table = render_feed_table({"id": "b", "url": "https://b.example/"})
    assert append_feeds("# only a comment", [table]) == (
        '# only a comment\n\n[[feeds]]\nid = "b"\nurl = "https://b.example/"\n'
    )
    assert append_feeds('[[feeds]]\nid = "a"\nurl = "https://a.example/"', [table]) == (
        '[[feeds]]\nid = "a"\nurl = "https://a.example/"\n\n[[feeds]]\nid = "b"\nurl = "https://b.example/"\n'
    )


def test_add_creates_a_missing_file_and_replaces_an_empty_inline_list(tmp_path: Path) -> None:
    missing = tmp_path / "new.toml"
    assert invoke("feeds", "add", "https://a.example/rss", "--config", str(missing)).exit_code == 0
    assert missing.read_text(encoding="utf-8") == '[[feeds]]\nid = "a"\nurl = "https://a.example/rss"\n'

    empty = tmp_path / "empty.toml"
    empty.write_text('# nothing yet\nfeeds = []\n\n[fetch]\ndeadline = "9s"\n', encoding="utf-8")
    assert invoke("feeds", "add", "https://a.example/rss", "--config", str(empty)).exit_code == 0
    assert empty.read_text(encoding="utf-8") == (
        '# nothing yet\n\n[fetch]\ndeadline = "9s"\n\n[[feeds]]\nid = "a"\nurl = "https://a.example/rss"\n'
    )


def test_feeds_written_inline_are_edited_in_place(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text('# inline\nfeeds = [{id = "a", url = "https://a.example/"}]  # one\n', encoding="utf-8")
    assert invoke("feeds", "add", "https://b.example/", "--config", str(path)).exit_code == 0
    assert [f.id for f in load_config(path).feeds] == ["a", "b"]
    assert invoke("feeds", "remove", "a", "--config", str(path)).exit_code == 0
    assert [f.id for f in load_config(path).feeds] == ["b"]
    assert path.read_text(encoding="utf-8").startswith("# inline\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ftp://files.example/feed"], "feeds[3] (id 'files'): url: must be an http:// or https:// URL"),
        (["https://n.example/", "--id", "Bad_Id"], "feeds[3] (id 'Bad_Id'): id: must be lower-case"),
        (["https://n.example/", "--id", "wire"], "feeds[3] (id 'wire'): id: duplicate of feeds[0]"),
        (["https://n.example/", "--interval", "soon"], "feeds[3] (id 'n'): interval: must be a duration"),
        (
            ["https://wire.example/rss"],
            "feeds[0] (id 'wire'): url: https://wire.example/rss is already listed",
        ),
    ],
)
def test_invalid_input_is_refused_naming_file_and_key_and_the_file_is_untouched(
    feeds_toml: Path, args: list[str], message: str
) -> None:
    before = feeds_toml.stat()
    result = invoke("feeds", "add", *args, "--config", str(feeds_toml))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {feeds_toml}: {message}")
    assert result.output.count("\n") == 1  # one line, no traceback
    assert feeds_toml.read_text(encoding="utf-8") == COMMENTED
    assert feeds_toml.stat().st_mtime_ns == before.st_mtime_ns
    assert sorted(os.listdir(feeds_toml.parent)) == ["feeds.toml"]  # no temporary file left behind


def test_removing_an_unknown_feed_is_refused(feeds_toml: Path) -> None:
    result = invoke("feeds", "remove", "nope", "--config", str(feeds_toml))
    assert result.exit_code == 1
    assert f"Error: {feeds_toml}: no feed with id 'nope' (known: wire, magazine, search)" in result.output
    assert feeds_toml.read_text(encoding="utf-8") == COMMENTED


def test_an_invalid_file_is_reported_as_loading_reports_it_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    broken = '[[feeds]]\nid = "a"\nurl = "https://a.example/"\nintervall = "5m"\n'
    path.write_text(broken, encoding="utf-8")
    result = invoke("feeds", "add", "https://b.example/", "--config", str(path))
    assert result.exit_code == 1
    assert "feeds[0] (id 'a'): intervall: unknown key" in result.output
    assert path.read_text(encoding="utf-8") == broken


def test_the_file_keeps_its_permissions_and_a_link_stays_a_link(feeds_toml: Path) -> None:
    feeds_toml.chmod(0o640)
    link = feeds_toml.with_name("link.toml")
    link.symlink_to(feeds_toml.name)
    assert invoke("feeds", "add", "https://b.example/", "--config", str(link)).exit_code == 0
    assert link.is_symlink() and link.resolve() == feeds_toml
    assert feeds_toml.stat().st_mode & 0o777 == 0o640
    assert [f.id for f in load_config(feeds_toml).feeds][-1] == "b"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.theguardian.com/world/belarus/rss", "theguardian-world-belarus"),
        ("https://eng.belta.by/rss", "eng-belta"),
        ("https://belsat.eu/en/feed", "belsat"),
        ("https://feeds.bbci.co.uk/news/world/europe/rss.xml", "bbci-co-news-world-europe"),
        ("http://127.0.0.1:8080/feed.xml", "127-0-0-1"),
        ("https://example.org/", "example"),
    ],
)
def test_ids_are_derived_from_host_and_path(url: str, expected: str) -> None:
    assert derive_feed_id(url, set()) == expected


def test_derived_ids_are_unique_and_short() -> None:
    assert derive_feed_id("https://a.example/x", {"a-x", "a-x-2"}) == "a-x-3"
    long = derive_feed_id("https://example.org/" + "/".join(["section"] * 20), set())
    assert len(long) <= 48 and not long.endswith("-")


def test_tags_are_cleaned_as_they_enter() -> None:
    assert parse_tags(" outlet,  state  media ,,outlet, /Europe/ ") == ("outlet", "state media", "Europe")


_LINE = st.text(alphabet="ab [] #\"'=.", max_size=12) | st.sampled_from(["[[feeds]]", "[fetch]", "[feeds.x]"])
_MULTILINE = st.lists(_LINE, min_size=1, max_size=4).map("\n".join)


def _block(index: int, comment: bool, quote: str, title: str) -> str:
    above = f'# feed {index} [[feeds]] """\n' if comment else ""
    body = f'id = "f{index}"\nurl = "https://f{index}.example/"\ntitle = {quote}{title}{quote}\n'
    return f"{above}[[feeds]]\n{body}\n"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.booleans(), st.sampled_from(['"""', "'''"]), _MULTILINE), min_size=1, max_size=5),
    st.data(),
)
def test_any_table_is_removed_exactly_whatever_its_strings_hold(
    tables: list[tuple[bool, str, str]], data: st.DataObject
) -> None:
    blocks = []
    for index, (comment, quote, title) in enumerate(tables):
        if quote in title or title.endswith(quote[0]) or "\\" in title:
            continue  # not a valid TOML string of that kind
        blocks.append(_block(index, comment, quote, title))
    if not blocks:
        return
    text = "# the list\n\n" + "".join(blocks) + '[fetch]\ndeadline = "9s"\n'
    assert tomllib.loads(text)["feeds"]
    victim = data.draw(st.integers(0, len(blocks) - 1))
    expected = text.replace(blocks[victim], "", 1)
    assert remove_feed(text, victim) == expected
    table = render_feed_table({"id": "new", "url": "https://new.example/"})
    assert remove_feed(append_feeds(text, [table]), len(blocks)) == text
