"""HTML and JSON written to stdout never carry a terminal control character.

The log may hold such characters from before feed text was normalised at ingest (or from an
analyst's note), so the store is seeded directly with a hostile article, projected by the real
`tracker rebuild`, and every data format of `report` and `events` is checked byte by byte, as
each command prints it to a pipe from a process of its own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.helpers.cli import in_process, tracker
from tests.helpers.feed_server import FeedServer, write_feeds
from tracker.events import ArticleObserved
from tracker.output import _CHUNK, json_bytes, json_text, neutralise
from tracker.storage.store import Store
from tracker.textsafe import is_unsafe

# ESC (CSI, OSC 0 title, OSC 8 hyperlink), BEL, C1 CSI, RLO, NEL, line and paragraph separators.
CONTROLS = (
    "\x1b[2J\x1b]0;pwned\x07\x1b]8;;https://evil.example\x07link\x1b]8;;\x07\x9b31m\u202e\x85\u2028\u2029"
)
FORBIDDEN = ["\x1b", "\x07", "\x9b", "\u202e", "\x85", "\u2028", "\u2029", "\x00"]


def seed(db: Path) -> None:
    text = f"Belarus released 52 prisoners on Thursday {CONTROLS}, officials said."
    article = ArticleObserved(
        feed_id="wire",
        entry_key="guid:g1",
        guid="g1",
        link="https://wire.example/52",
        title=f"Release {CONTROLS}",
        published=datetime(2025, 9, 11, 14, tzinfo=UTC),
        summary=text,
        content_hash="h1",
    )
    with Store.open(db) as store, store.transaction():
        store.append([article], meta={"feed": "wire"})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded, projected store, shared by the tests that only read it."""
    directory = tmp_path_factory.mktemp("hostile-store")
    write_feeds(directory / "feeds.toml", {"wire": "https://wire.example/feed.xml"})
    seed(directory / "events.db")
    code, _, err = in_process("rebuild", cwd=directory)
    assert code == 0, err
    return directory


def assert_clean(out: str) -> None:
    for ch in FORBIDDEN:
        assert ch not in out, f"raw U+{ord(ch):04X} on stdout"


@pytest.mark.parametrize("fmt", ["html", "json", "markdown", "text"])
def test_report_formats_carry_no_controls(workdir: Path, fmt: str) -> None:
    code, out, err = tracker("report", "--format", fmt, cwd=workdir)
    assert code == 0, err
    assert "52" in out  # the hostile article is in the report
    assert_clean(out)
    if fmt == "json":
        report = json.loads(out)
        titles = [a["title"] for feed in report["coverage"] for a in feed["latest"]]
        assert titles == [f"Release {CONTROLS}"]  # escaped as \u sequences: the value survives
        assert "\\u001b" in out and "\\u202e" in out and "\\u2028" in out and "\\u0085" in out
    if fmt == "html":
        assert "\\x1b" in out  # shown, visibly escaped


def test_events_json_carries_no_controls(workdir: Path) -> None:
    code, out, err = tracker("events", "--format", "json", cwd=workdir)
    assert code == 0, err
    assert_clean(out)
    assert json.loads(out)[0]["data"]["title"] == f"Release {CONTROLS}"


def test_fetched_controls_are_dropped_at_the_boundary(tmp_path: Path) -> None:
    item = {
        "id": "g1",
        "url": "https://wire.example/52",
        "title": f"Release {CONTROLS}",
        "content_text": "Belarus released 52 prisoners on Thursday.",
        "date_published": "2025-09-11T14:00:00Z",
    }
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "W", "items": [item]})
    with FeedServer() as server:
        server.static("/feed.json", body.encode(), content_type="application/feed+json")
        config = write_feeds(tmp_path / "feeds.toml", {"wire": server.url("/feed.json")})
        code, _, err = in_process("fetch", "--config", str(config), cwd=tmp_path)
        assert code == 0, err
    code, out, err = tracker("events", "--format", "json", "--type", "ArticleObserved", cwd=tmp_path)
    assert code == 0, err
    title = json.loads(out)[0]["data"]["title"]
    assert title == "Release [2J]0;pwned]8;;https://evil.examplelink]8;;31m"


def test_neutralise_escapes_every_unsafe_character() -> None:
    assert neutralise("a\x1bb\x9bc\u202ed\ud800") == "a\\x1bb\\x9bc\\u202ed\\ud800"
    assert neutralise("x\ny\tz") == "x y z"
    assert neutralise("x\ny", multiline=True) == "x\ny"


def _escaped(ch: str, multiline: bool, json_escapes: bool) -> str:
    if ch in "\n\t":
        return ch if multiline else " "
    if is_unsafe(ch):
        return f"\\u{ord(ch):04x}" if json_escapes else ch.encode("unicode_escape").decode("ascii")
    return ch


@given(
    st.text(st.characters(codec=None) | st.sampled_from("\n\t\x1b\u202e\u2028\u00a0 ")),
    st.booleans(),
    st.booleans(),
)
def test_neutralise_is_its_definition_character_by_character(
    text: str, multiline: bool, json_escapes: bool
) -> None:
    expected = "".join(_escaped(ch, multiline, json_escapes) for ch in text)
    assert neutralise(text, multiline=multiline, json_escapes=json_escapes) == expected


@given(st.lists(st.text(st.characters(codec="utf-8") | st.sampled_from("\x7f\x85\u00ad\u202e\u2028\u00a0"))))
def test_json_text_is_the_json_modules_text_neutralised(values: list[str]) -> None:
    """Where the JSON needs nothing escaped it is written as orjson encoded it; else as neutralised."""
    expected = neutralise(json.dumps(values, ensure_ascii=False, indent=2), multiline=True, json_escapes=True)
    assert json_text(values) == expected
    assert json_bytes(values) == expected.encode()


@given(st.lists(st.text(st.characters(codec="utf-8")), max_size=5), st.dictionaries(st.text(), st.text()))
def test_orjson_writes_no_raw_control_character(values: list[str], mapping: dict[str, str]) -> None:
    """What the check for unsafe characters relies on: only DEL and non-ASCII need reading."""
    raw = orjson.dumps([values, mapping], option=orjson.OPT_INDENT_2)
    assert not set(raw) & (set(range(0x20)) - {0x0A})


@given(
    st.lists(
        st.tuples(
            st.integers(0, 2 * _CHUNK),
            st.sampled_from(["é", "€", "😀", "\u202e", "\x7f", "\u2028", "\u00ad", "\xa0"]),
        ),
        max_size=8,
    ),
    st.integers(0, 3),
)
def test_json_of_megabytes_is_checked_across_its_chunks(runs: list[tuple[int, str]], shift: int) -> None:
    """Non-ASCII and unsafe characters far apart in a long text, wherever they fall against the
    chunks the check reads (a character cut by a chunk's end included): the JSON module's text,
    neutralised where it needs it."""
    text = "x" * shift + "".join("a" * gap + ch for gap, ch in runs)
    values = [text, text[::-1]]
    expected = neutralise(json.dumps(values, ensure_ascii=False, indent=2), multiline=True, json_escapes=True)
    assert json_bytes(values) == expected.encode()
