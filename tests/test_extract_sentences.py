"""Sentence splitting, paragraphs and HTML to text."""

from __future__ import annotations

import pytest

from tracker.extract import html_to_text
from tracker.extract.sentences import split_sentences
from tracker.extract.text import blocks, is_boilerplate


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


def test_abbreviations_and_times_do_not_split() -> None:
    text = (
        "The U.S. envoy arrived in Minsk on Sept. 11. "
        '"We want to reopen," he said. '
        "Talks began at 10 a.m. Thursday at a St. Petersburg-based firm, incl. staff from No. 1 school. "
        "Ms. Tsikhanouskaya welcomed it. "
        "On Dec. 13 the U.S. delegation left."
    )
    assert sentences(text) == [
        "The U.S. envoy arrived in Minsk on Sept. 11.",
        '"We want to reopen," he said.',
        "Talks began at 10 a.m. Thursday at a St. Petersburg-based firm, incl. staff from No. 1 school.",
        "Ms. Tsikhanouskaya welcomed it.",
        "On Dec. 13 the U.S. delegation left.",
    ]


def test_question_in_quotes_stays_with_its_attribution() -> None:
    assert sentences('"Will it reopen?" she asked. It did not.') == [
        '"Will it reopen?" she asked.',
        "It did not.",
    ]


def test_offsets_are_exact() -> None:
    text = "Intro line\n\n  Belarus freed 52 prisoners.  The U.S. said so.\n"
    for start, end in blocks(text):
        for s, e in split_sentences(text, start, end):
            assert text[s:e] == text[s:e].strip()
            assert text[s:e] in ("Intro line", "Belarus freed 52 prisoners.", "The U.S. said so.")


def test_headline_never_runs_into_the_body() -> None:
    text = "US to reopen embassy in Belarus\nThe envoy spoke on Thursday."
    assert [text[s:e] for s, e in blocks(text)] == [
        "US to reopen embassy in Belarus",
        "The envoy spoke on Thursday.",
    ]


def test_hard_wrapped_lines_are_joined() -> None:
    text = "Belarus freed 52 prisoners on\nThursday, officials said."
    assert [text[s:e] for s, e in blocks(text)] == [text]


def test_html_to_text_keeps_paragraphs_and_drops_furniture() -> None:
    html = """<html><head><title>x</title><script>var a = "Belavia lifted";</script><style>p{}</style></head>
    <body><nav>Home | World</nav><h1>Belarus frees 52 prisoners</h1>
    <p>Belarus released 52 prisoners on Thursday &amp; the group crossed into Lithuania.</p>
    <p>Read more</p><div class="share">Share this article</div>
    <p>Officials said the U.S.&nbsp;embassy remains closed.<br>Talks continue.</p>
    <aside>Sign up for our newsletter</aside><p>Advertisement</p>
    <footer>© 2025 Example News. All rights reserved.</footer><p>Copyright 2025 Wire</p></body></html>"""
    assert html_to_text(html) == (
        "Belarus frees 52 prisoners\n\n"
        "Belarus released 52 prisoners on Thursday & the group crossed into Lithuania.\n\n"
        "Officials said the U.S. embassy remains closed.\n\n"
        "Talks continue."
    )


def test_boilerplate_lines() -> None:
    for line in (
        "Read more",
        "Share this",
        "Sign up for our newsletter",
        "© 2025 Wire",
        "Advertisement",
        "Read more »",
        "Copyright 2025 Example",
        "Share on Facebook",
    ):
        assert is_boilerplate(line), line
    for line in ("Belarus freed 52 prisoners.", "Sharing the burden of sanctions"):
        assert not is_boilerplate(line), line


def test_line_breaks_in_html_source_are_spaces() -> None:
    assert (
        html_to_text("<p>Belarus freed\n52 prisoners.</p>\n<p>Next</p>")
        == "Belarus freed 52 prisoners.\n\nNext"
    )


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>one\x0ctwo</p><br/>\x0c", "one two"),  # a form feed beside a block element
        ("<p>one&#12;two</p><div>three</div>", "one two\n\nthree"),  # the same as a reference
        ("<p>one&#xFFFE;two\x1c three</p>", "one two three"),
        ("<p>one\ud800two</p>", "one two"),
    ],
)
def test_characters_xml_cannot_hold_are_spaces(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_html_with_unclosed_and_void_tags() -> None:
    assert html_to_text("<p>One<embed src=x>two</p><p>Three") == "Onetwo\n\nThree"


def test_a_semicolon_never_ends_a_sentence() -> None:
    assert sentences("Belarus frees 52 prisoners; U.S. offers relief for state airline Belavia") == [
        "Belarus frees 52 prisoners; U.S. offers relief for state airline Belavia"
    ]
    assert sentences("Minsk freed 52 prisoners; Washington eased sanctions. Talks go on.") == [
        "Minsk freed 52 prisoners; Washington eased sanctions.",
        "Talks go on.",
    ]


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        ("   ", ""),
        ("plain text, no tags", "plain text, no tags"),
        ("<p>first</p><!-- a comment -->next<?pi z?>", "first\n\nnext"),
        ("<div>a<script>hidden()</script>b</div>", "ab"),
        ("<?xml version='1.0' encoding='utf-8'?><p>declared</p>", "declared"),
        ("<p>Fish &amp; chips&nbsp;&nbsp;today</p>", "Fish & chips today"),
        ("<ul><li>one<li>two</ul>", "one\n\ntwo"),
        ("<p>a<br>b<br/>c</p>", "a\n\nb\n\nc"),
        ("<nav><a href='/'>Home</a></nav><p>Body.</p><footer>(c) Outlet</footer>", "Body."),
        (
            "<p>Before.</p>" + "<div>" * 1000 + "Deep." + "</div>" * 1000 + "<p>After.</p>",
            "Before.\n\nDeep.\n\nAfter.",
        ),
    ],
)
def test_html_to_text_edge_cases(html: str, text: str) -> None:
    assert html_to_text(html) == text
