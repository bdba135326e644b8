"""OPML import and export: what reader, Miniflux and newsboat write imports with the same feeds and
tags; export → import is the identity; hostile documents are refused without a network request."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.cli import invoke
from tests.helpers.feed_server import FeedServer
from tracker.config import FeedConfig, load_config
from tracker.errors import ConfigError
from tracker.feedlist.opml import OpmlFeed, read_opml, write_opml

SAMPLES = Path(__file__).parent / "data" / "opml"

WIRE = "https://wire.example/world/rss"
PAPER = "https://paper.example/feed.xml"
BLOG = "https://blog.example/atom.xml"
RADIO = "https://radio.example/en/rss?lang=en&section=europe"
SEARCH = "https://search.example/rss?q=sanctions"


def summary(feeds: list[OpmlFeed] | tuple[FeedConfig, ...]) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(f.url, f.title, f.tags) for f in feeds]


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        (  # flat OPML 2.0 with title, text, htmlUrl and description; no categories
            "reader.opml",
            [(WIRE, "Wire: World", ()), (PAPER, "Daily Paper", ()), (BLOG, None, ())],
        ),
        (  # one outline per category, a miniflux: namespace for its own settings
            "miniflux.opml",
            [
                (PAPER, "Daily Paper", ("All",)),
                (WIRE, "Wire: World", ("Europe",)),
                (RADIO, "Radio & TV", ("Europe",)),
                (SEARCH, "News search: sanctions", ("Searches",)),
            ],
        ),
        (  # --export-to-opml: OPML 1.0, title only, empty attributes for a feed without a title
            "newsboat.opml",
            [(WIRE, "Wire: World", ()), (PAPER, "Daily Paper", ()), (BLOG, None, ())],
        ),
        (  # --export-to-opml2: tags in a comma-separated category attribute, "" when none
            "newsboat-opml2.opml",
            [
                (WIRE, "Wire: World", ("outlet", "europe")),
                (PAPER, "Daily Paper", ()),
                (SEARCH, "News search: sanctions", ("search",)),
            ],
        ),
    ],
)
def test_feed_readers_exports_import_with_their_feeds_titles_and_tags(
    tmp_path: Path, sample: str, expected: list[tuple[str, str | None, tuple[str, ...]]]
) -> None:
    assert summary(read_opml((SAMPLES / sample).read_bytes(), sample)) == expected

    config = tmp_path / "feeds.toml"
    result = invoke("feeds", "import", str(SAMPLES / sample), "--config", str(config))
    assert result.exit_code == 0, result.output
    imported = load_config(config).feeds
    assert summary(imported) == expected
    assert len({f.id for f in imported}) == len(imported)


def test_nested_categories_become_tags_outermost_first() -> None:
    document = b"""<?xml version="1.0"?><opml version="2.0"><head/><body>
      <outline text="News"><outline title="World">
        <outline text="Wire" xmlUrl="https://wire.example/rss" category="/Europe/East,breaking"/>
      </outline></outline>
      <outline text="No feeds here"><outline text="still none"/></outline>
    </body></opml>"""
    feeds = read_opml(document, "nested.opml")
    assert summary(feeds) == [
        ("https://wire.example/rss", "Wire", ("News", "World", "Europe/East", "breaking"))
    ]


def test_import_skips_urls_already_listed_with_a_note_and_derives_unique_ids(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('[[feeds]]\nid = "wire-world"\nurl = "https://other.example/"\n', encoding="utf-8")
    assert invoke("feeds", "import", str(SAMPLES / "miniflux.opml"), "--config", str(config)).exit_code == 0
    result = invoke("feeds", "import", str(SAMPLES / "newsboat-opml2.opml"), "--config", str(config))
    assert result.exit_code == 0, result.output
    assert f"skipped {WIRE}: already listed as 'wire-world-2'" in result.output
    assert "0 feeds added, 3 skipped" in result.output
    feeds = load_config(config).feeds
    assert [f.id for f in feeds] == ["wire-world", "paper", "wire-world-2", "radio", "search"]


def test_export_then_import_is_the_identity(tmp_path: Path) -> None:
    first = tmp_path / "first.toml"
    first.write_text(
        '[[feeds]]\nid = "hand-picked"\nurl = "https://a.example/rss"\ninterval = "2h"\n'
        'publisher = "A"\ntags = ["outlet", "europe"]\nenabled = false\n\n'
        '[[feeds]]\nid = "untagged"\nurl = "https://b.example/feed"\n',
        encoding="utf-8",
    )
    for sample in ("miniflux.opml", "newsboat-opml2.opml", "reader.opml"):
        assert invoke("feeds", "import", str(SAMPLES / sample), "--config", str(first)).exit_code == 0
    exported = invoke("feeds", "export", "--config", str(first))
    assert exported.exit_code == 0
    (tmp_path / "export.opml").write_text(exported.output, encoding="utf-8")

    second = tmp_path / "second.toml"
    assert invoke("feeds", "import", str(tmp_path / "export.opml"), "--config", str(second)).exit_code == 0
    assert load_config(second).feeds == load_config(first).feeds
    again = invoke("feeds", "export", "--config", str(second))
    assert again.output == exported.output


def test_export_nests_feeds_under_their_first_tag_and_keeps_untagged_ones_at_the_top() -> None:
    feeds = [
        OpmlFeed("https://a.example/", "A", ("outlet", "europe")),
        OpmlFeed("https://b.example/", None, ("outlet",)),
        OpmlFeed("https://c.example/", "C"),
    ]
    document = write_opml(feeds, "tracker feeds").decode("utf-8")
    assert '<opml version="2.0"' in document
    assert (
        '    <outline text="outlet" title="outlet">\n'
        '      <outline type="rss" text="A" title="A" xmlUrl="https://a.example/"'
        ' category="outlet,europe" />\n'
        '      <outline type="rss" text="https://b.example/" xmlUrl="https://b.example/"'
        ' category="outlet" />\n'
        "    </outline>\n"
        '    <outline type="rss" text="C" title="C" xmlUrl="https://c.example/" />\n'
    ) in document


_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzÄé &<>\"'0123456789-", min_size=1, max_size=12)
_tags = st.lists(_words.map(str.strip).filter(bool), max_size=3, unique=True).map(tuple)
_feeds = st.lists(
    st.builds(
        OpmlFeed,
        url=st.from_regex(r"https://[a-z]{1,8}\.example/[a-z0-9?=&]{0,10}", fullmatch=True),
        title=st.none() | _words.map(str.strip).filter(bool),
        tags=_tags.map(lambda tags: tuple(" ".join(t.split()) for t in tags)),
        feed_id=st.none() | st.from_regex(r"[a-z0-9][a-z0-9-]{0,10}", fullmatch=True),
        interval=st.none() | st.sampled_from(["15m", "2h"]),
        publisher=st.none() | _words.map(str.strip).filter(bool),
        enabled=st.booleans(),
    ),
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(_feeds)
def test_any_feed_list_written_reads_back_the_same(feeds: list[OpmlFeed]) -> None:
    feeds = [f for f in feeds if f.title != f.url]
    assert read_opml(write_opml(feeds, "t"), "t.opml") == feeds


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"<rss version='2.0'><channel/></rss>", "not OPML (the root element is <rss>, expected <opml>)"),
        (b"<opml version='2.0'><head/></opml>", "not OPML (no <body> element)"),
        (b"<opml><body><outline", "not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://x.example/"/></body></opml>',
            "refused",
        ),
        (b"<opml><body>" + b"<outline>" * 40 + b"</outline>" * 40 + b"</body></opml>", "nested more than"),
    ],
)
def test_documents_that_are_not_safe_opml_are_refused_naming_the_file(
    tmp_path: Path, document: bytes, message: str
) -> None:
    with pytest.raises(ConfigError, match=r"^bad\.opml: ") as caught:
        read_opml(document, "bad.opml")
    assert message in str(caught.value)

    source, config = tmp_path / "bad.opml", tmp_path / "feeds.toml"
    source.write_bytes(document)
    result = invoke("feeds", "import", str(source), "--config", str(config))
    assert result.exit_code == 1 and result.output.startswith(f"Error: {source}: ")
    assert not config.exists()


def test_external_entities_and_dtds_are_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("secret", encoding="utf-8")
    with FeedServer() as server:
        for document in (
            f'<?xml version="1.0"?><!DOCTYPE opml SYSTEM "{server.url("/dtd")}"><opml><body/></opml>',
            f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "{server.url("/entity")}">]>'
            '<opml><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
            f'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file://{tmp_path}/secret">]>'
            '<opml><body><outline text="&x;" xmlUrl="https://x.example/"/></body></opml>',
        ):
            try:
                feeds = read_opml(document.encode(), "x.opml")
            except ConfigError:
                continue
            assert all("secret" not in (f.title or "") for f in feeds)
        assert server.hit_times("/dtd") == [] and server.hit_times("/entity") == []
