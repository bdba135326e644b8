import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.events import article, revision
from tracker import app
from tracker.bootstrap import Tracker
from tracker.config import FeedConfig, FullTextMode, load_config
from tracker.demo.documents import demo_feeds, load_document
from tracker.errors import ConfigError
from tracker.extract import text as text_module
from tracker.extract.text import html_lines, html_text_shorter_than, html_to_text, text_shorter_than
from tracker.pages.policy import _CUT_MARKS, SHORT_TEXT, is_teaser, wants_page
from tracker.parsing.feed import parse_feed
from tracker.storage import page_store

LONG = "<p>" + "The minister said the talks would continue. " * 20 + "</p>"


def test_auto_fetches_short_texts_and_cut_summaries_only() -> None:
    link = "https://example.org/a"
    assert wants_page("auto", link, "A teaser.", None)
    assert wants_page("auto", link, None, "<p>Short body.</p>")
    assert not wants_page("auto", link, LONG, None)  # a whole article in the summary
    for cut in ("…", " [...]", " Read more »", " Continue reading →"):
        assert wants_page("auto", link, LONG.removesuffix("</p>") + cut + "</p>", None), cut
    assert not wants_page("auto", link, "A teaser.", LONG)
    assert len(LONG) > SHORT_TEXT


_MARKUP = st.sampled_from(
    [
        *("<p>", "</p>", "<br>", "<li>", "</li>", "<td>", "<tr>", "<div>", "<pre>", "</pre>", "<!--", "-->"),
        *("&amp;", "&nbsp;", "&#10;", "<a href='q'>", "</a>", "<img alt='a b c'>", "<script>", "</script>"),
        *("<", ">", "&", "\n", " ", "…", " Read more", "x" * 300),
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_MARKUP, st.text(max_size=12)), max_size=40), st.booleans())
def test_a_teaser_is_judged_as_the_whole_conversion_would_judge_it(parts: list[str], content: bool) -> None:
    """The text is never longer than the markup it comes from, so markup shorter than SHORT_TEXT is
    a teaser without being read; every verdict is the one the converted text gives."""
    markup = "".join(parts)
    text = html_to_text(markup)
    assert len(text) <= len(markup)
    by_text = len(text) < SHORT_TEXT or (not content and _CUT_MARKS.search(text) is not None)
    verdict = is_teaser(None, markup) if content else is_teaser(markup, None)
    assert verdict == (by_text if markup else True)


def test_the_length_test_stops_early_with_the_full_conversions_answer() -> None:
    """The page decision reads the text only until it is long enough: the same answer as the
    length of the whole converted text, at every bound, on the demo feeds' entries and on
    markup whose boilerplate and blank lines are dropped."""
    documents = [
        entry.content or entry.summary or ""
        for feed in demo_feeds()
        for entry in parse_feed(load_document(feed["file"])).entries
    ]
    documents += [
        "",
        "<p> </p>",
        "<p>Read more</p>" + LONG + "<p>Share this</p><p>©&nbsp;2025</p>",
        "<p>a</p>" * 400,
        "<div>x<br>y<br>Advertisement<br>" + "z " * 700 + "</div>",
        "<p>a \u00a0 b</p><p>\u3000c\t\td  </p>" * 120,
    ]
    assert html_to_text("<p>a \u00a0 b</p><p>\u3000c\t\td  </p><p>\u2009</p>") == "a b\n\nc d"
    for document in documents:
        length, lines = len(html_to_text(document)), html_lines(document)
        for limit in {0, 1, 2, 3, SHORT_TEXT, length - 1, length, length + 1, length + 2}:
            assert text_shorter_than(lines, limit) == (length < limit), (document[:80], limit)


def _press_as_html() -> list[str]:
    """The press articles' paragraphs as markup of several shapes."""
    texts = [
        json.loads(line)["text"]
        for path in sorted((Path(__file__).parent / "data" / "press").glob("*/articles.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    shapes: list[Callable[[list[str]], str]] = [
        lambda ps: "".join(f"<p>{p}</p>" for p in ps),
        lambda ps: "<div>" + "<br>".join(ps) + "</div>",
        lambda ps: "".join(
            f"<p><a href='x?a<b'>{p[:40]}</a> {p[40:]}" for p in ps
        ),  # unclosed, "<" in values
        lambda ps: "".join(f"<p>{p}<!-- a <p>note</p> --><script>if (a<b) {{}}</script></p>" for p in ps),
        lambda ps: "<table>" + "".join(f"<tr><td><b><i>{p}</b></i>" for p in ps) + "</table>",
        lambda ps: "".join(
            f"<h2>{p[:30]}</h2><blockquote>{p.replace(' ', '&#10;', 3)}&amp;</blockquote>" for p in ps
        ),
    ]
    return [shape(text.split("\n\n")) for text in texts[:40] for shape in shapes]


def test_the_teaser_test_reads_the_start_and_answers_as_the_whole_text_would() -> None:
    """Deciding from the markup before a cut gives the whole conversion's answer, wherever the
    cut falls (every limit moves it): between tags, inside comments, scripts, unclosed and
    misnested elements, attribute values holding "<", and character references."""
    documents = [
        entry.content or entry.summary or ""
        for feed in demo_feeds()
        for entry in parse_feed(load_document(feed["file"])).entries
    ] + _press_as_html()
    # A line the cut ends early may read otherwise than the whole line: not boilerplate, or shorter.
    documents += ["<p>Adver<b>tisement</b></p>" * 30, "<p>Read <i>more</i></p><div>" + "word " * 300]
    decided_early = 0
    for document in documents:
        lines = html_lines(document)
        for limit in range(1, len(document) // 2 + 50, 37):
            whole = text_shorter_than(lines, limit)
            assert html_text_shorter_than(document, limit) == whole, (document[:80], limit)
            decided_early += not whole and document.find("<", 2 * limit) > 0
    assert decided_early > 1000  # the cut was taken, not only the whole document read


# Paragraph markup, mostly plain: what feeds send, and the near misses a parser reads otherwise.
_PARAGRAPH_PARTS = st.sampled_from(
    [
        *("<p>", "</p>", "<P class='lead'>", "<p/>", "<br>", "<br/>", "</br>", "<b>", "</b>"),
        *("<em>", "</em>", '<a href="https://x.example/?a=1&amp;b=2">', "</a>", "<i>", "</i>"),
        *("<span title='a > b'>", "</span>", "<div>", "<img src=x>", "<sup>", "</sup>", "<!-- c -->"),
        *("&amp;", "&nbsp;", "<", " < ", "\n", "\r\n", "\t", "\u00a0", " ", "  ", "\x0c"),
        *("Read more", "Share", "Copyright 2025 Example", "©", "Advertisement", "word " * 40),
        "The ministry said talks would resume on Monday. " * 3,
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_PARAGRAPH_PARTS, st.text(max_size=8)), max_size=30))
def test_plain_paragraphs_are_read_without_a_parser_as_the_parser_reads_them(parts: list[str]) -> None:
    """Where paragraph markup is read without a parser, each line is the parser's line and the
    length test gives the whole conversion's answer at every bound; where it is not plain, the
    reading stops there."""
    markup = "".join(parts)
    lines = html_lines(markup)
    length = len(html_to_text(markup))
    for limit in {1, 40, 200, SHORT_TEXT, length, length + 1}:
        try:
            plain = text_module._plain_shorter_than(markup, limit)
        except text_module._NotPlain:
            continue
        assert plain == text_shorter_than(lines, limit) == (length < limit), (markup[:120], limit)
    try:
        read = list(text_module._plain_lines(markup))
    except text_module._NotPlain:
        return
    # The same lines, and the same words in each (the parser may drop spaces at the ends).
    assert [" ".join(line.split()) for line in read if line.strip()] == [
        " ".join(line.split()) for line in lines.split("\n") if line.strip()
    ]


def test_feed_paragraphs_are_judged_without_a_parser() -> None:
    """The shapes feeds send (the demo feeds' entries, the press articles as paragraphs with
    links and emphasis) are read without a parser, and judged as the parser's text is."""
    documents = [
        entry.content or entry.summary or ""
        for feed in demo_feeds()
        for entry in parse_feed(load_document(feed["file"])).entries
    ]
    documents += _press_as_html()[::6]  # the paragraphs shape
    documents += [
        "".join(
            f"<p><a href='https://x.example/{n}?a=1&amp;b=2'>Lead</a> {text} <em>said</em>.</p>"
            for n in range(4)
        )
        for text in ("The talks resumed. " * 9, "Short.")
    ]
    for document in documents:
        for limit in (1, 100, SHORT_TEXT, 5000):
            plain = text_module._plain_shorter_than(document, limit)
            assert plain == text_shorter_than(html_lines(document), limit), (document[:80], limit)


def test_never_always_and_missing_links() -> None:
    assert not wants_page("never", "https://example.org/a", "x", None)
    assert wants_page("always", "https://example.org/a", None, LONG)
    assert not wants_page("always", None, None, None)
    assert not wants_page("always", "ftp://example.org/a", None, None)
    assert not wants_page("auto", "javascript:alert(1)", "x", None)


def _write(tmp_path: Path, feed_extra: str, fetch: str = "") -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(f'{fetch}\n[[feeds]]\nid = "a"\nurl = "https://a.example/feed"\n{feed_extra}\n')
    return path


def test_full_text_defaults_to_auto_and_is_validated(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, ""))
    assert config.feeds[0].full_text == "auto"
    assert not config.feeds[0].ignore_robots
    assert config.fetch.page_attempts == 4
    assert load_config(_write(tmp_path, 'full_text = "never"')).feeds[0].full_text == "never"
    with pytest.raises(ConfigError, match=r"feeds\[0\] \(id 'a'\): full_text: "):
        load_config(_write(tmp_path, 'full_text = "sometimes"'))
    with pytest.raises(ConfigError, match=r"fetch: page_ports.0: "):
        load_config(_write(tmp_path, "", "[fetch]\npage_ports = [0]"))
    with pytest.raises(ConfigError, match=r"fetch: page_delay: must be"):
        load_config(_write(tmp_path, "", '[fetch]\npage_delay = "soon"'))


def test_a_version_that_wants_no_page_is_considered_once_until_revised_or_always(
    tracker_app: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tracker_app.store
    long = article("long", LONG, feed="a")
    with store.transaction():
        store.append([long, article("short", "<p>A teaser.</p>", feed="a")])
    app.catch_up(tracker_app)
    auto = FeedConfig(id="a", url="https://a.example/feed")
    considered: list[str | None] = []

    def counted(mode: FullTextMode, link: str | None, *texts: str | None, teaser: bool | None = None) -> bool:
        considered.append(link)
        return wants_page(mode, link, *texts, teaser=teaser)

    monkeypatch.setattr(page_store, "wants_page", counted)

    def enqueue(feed: FeedConfig) -> int:
        with store.transaction():
            return page_store.enqueue_wanted(store, [feed], datetime(2026, 1, 1, tzinfo=UTC))

    assert enqueue(auto) == 1
    assert len(considered) == 2
    assert enqueue(auto) == 0
    assert len(considered) == 2, "nothing new: no text converted again"
    assert page_store.counts(store)["a"] == page_store.PageCounts(pending=1)

    with store.transaction():
        store.append([revision(long, "<p>Now a teaser.</p>")])
    app.catch_up(tracker_app)
    assert enqueue(auto) == 1, "the revision is considered, and wants its page"
    assert enqueue(dataclasses.replace(auto, full_text="always")) == 0  # both already pending

    with store.transaction():
        store.append([article("later", LONG, feed="a")])
    app.catch_up(tracker_app)
    assert enqueue(auto) == 0
    assert enqueue(dataclasses.replace(auto, full_text="always")) == 1, "unwanted under auto, wanted now"
