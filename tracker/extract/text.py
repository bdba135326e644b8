"""HTML to plain text, boilerplate lines, and the blocks (paragraphs) of a text.

Feeds carry article HTML with scripts, share buttons and newsletter prompts mixed in. Extraction
wants clean paragraphs, one per line, so that a sentence never runs from a headline into the body
and a "Read more" link never becomes evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import lxml.etree
import lxml.html

from tracker.extract.markup import PLAIN_TAG
from tracker.subjects.patterns import word_set

# Elements whose content is never article text.
_SKIP = word_set(
    "script style noscript template svg head iframe object embed nav footer aside form button select "
    "option textarea canvas audio video map"
)
# Elements that end a line of text.
_BLOCK = word_set(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 tr td th table blockquote section article header main hr dd "
    "dt dl pre figcaption figure address caption summary details title"
)
_VOID = word_set("br hr img input meta link area base col wbr source track param embed")

_BOILERPLATE = re.compile(
    r"""^(?:
        read\ (?:more|next|also|the\ full\ story)(?:\ .*)?
      | (?:related|recommended|more\ from\ \w+)(?:\ (?:articles?|stories|coverage|content))?
      | share(?:\ (?:this|the)(?:\ (?:article|story|page|post))?)?(?:\ on\ \w+)?
      | (?:sign\ up|subscribe)\b.*
      | (?:get\ )?(?:our|the)\ (?:\w+\ )?newsletter\b.*
      | advertisement | advertising | sponsored(?:\ content)? | ad
      | ©.* | \(c\)\ .* | copyright\b.* | all\ rights\ reserved\b.*
      | follow\ us\b.* | click\ here\b.* | tap\ here\b.*
      | listen\ to\ (?:this|the)\ (?:article|story)\b.*
      | skip\ to\ (?:main\ )?content | back\ to\ top | print | e-?mail | tweet
      | (?:facebook|twitter|x|whatsapp|telegram|linkedin|reddit|pinterest)
      | \d+\ comments? | comments? | leave\ a\ comment\b.*
      | (?:image|photo|video)\ (?:credit|source)\b.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Odd spaces become plain ones, and runs of spaces one space; a single plain space is left alone
# (most of them: replacing each costs more than all the rest of the conversion). Two passes, each
# skipped when it has nothing to do: several times faster than one alternation over every character.
_ODD_SPACES = re.compile(r"[\t\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_SPACE_RUNS = re.compile(r" {2,}")
# Characters XML (and so lxml's element text) cannot hold: C0 controls other than tab and line
# breaks, the non-characters U+FFFE and U+FFFF, and lone surrogates.
_NOT_IN_XML_CLASS = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff"
_NOT_IN_XML = re.compile(f"[{_NOT_IN_XML_CLASS}]")
# What a character reference may put in the text that must become a space: a line break, or a
# character lxml would refuse to set back.
_REFERENCED_SPACES = re.compile(f"[\r\n{_NOT_IN_XML_CLASS}]+")
_NOISE_CHARS = ":.»›>→|•·-"
_SENTENCE_END = re.compile(r"""[.!?:;"'”’)\]]$""")


# libxml2's HTML parser: about twice as fast as the standard library's `html.parser` on feed
# content (measured on the demo and test feeds and on pages built from real articles, with the same
# text out of every one). Comments and processing instructions are dropped while parsing.
# `huge_tree` lifts libxml2's nesting limit from 256 to 2,048 elements (pages with hundreds of
# unclosed tags exist). Deeper nesting is hostile, and its text from there on is lost. Bodies are
# already capped in size by the fetcher.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, huge_tree=True)
_STRIPPED = tuple(sorted(_SKIP - _VOID))
_BLOCK_TAGS = tuple(sorted(_BLOCK))


def html_lines(html: str) -> str:
    """The text of `html` in document order, a line break at each block's start and end, nothing
    else cleaned: every word of `html_to_text(html)` is a word here too (the cheap screen reads it).

    The work is done by libxml2 (strip the skipped elements, serialise the text); Python touches
    only the block elements. Line breaks in HTML source are just spaces: they become spaces before
    parsing, so that the only line breaks left are the blocks'.
    """
    if not html.strip():
        return ""
    source = html.replace("\r", " ").replace("\n", " ")
    if _NOT_IN_XML.search(source):  # lxml refuses to set such text on an element: a space instead
        source = _NOT_IN_XML.sub(" ", source)
    try:
        root = lxml.html.document_fromstring(source.encode("utf-8", "replace"), parser=_PARSER)
    except (lxml.etree.ParserError, ValueError):
        return ""  # nothing to parse ("Document is empty")
    lxml.etree.strip_elements(root, *_STRIPPED, with_tail=False)
    if "&" in source:
        _unbreak_references(root)
    for element in root.iter(*_BLOCK_TAGS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    text: str = lxml.etree.tostring(root, method="text", encoding="unicode")
    return text


def _unbreak_references(root: lxml.html.HtmlElement) -> None:
    """A line break written as a character reference (`&#10;`) is a space too, like a literal one;
    so is a control character (`&#12;`), which lxml would refuse to set back on an element."""
    plain = lxml.etree.tostring(root, method="text", encoding="unicode")
    if not _REFERENCED_SPACES.search(plain):
        return
    for element in root.iter():
        if element.text and _REFERENCED_SPACES.search(element.text):
            element.text = _REFERENCED_SPACES.sub(" ", element.text)
        if element.tail and _REFERENCED_SPACES.search(element.tail):
            element.tail = _REFERENCED_SPACES.sub(" ", element.tail)


def is_boilerplate(line: str) -> bool:
    """True for navigation and promotion lines that are never article text."""
    stripped = line.strip()
    while stripped and (stripped[-1] in _NOISE_CHARS or stripped[-1].isspace()):
        stripped = stripped.rstrip(_NOISE_CHARS).rstrip()
    return not stripped or bool(_BOILERPLATE.match(stripped))


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment or page: one paragraph per line, blank line between.

    Scripts, styles and page furniture are dropped, entities unescaped, whitespace inside a
    paragraph collapsed, and boilerplate lines ("Read more", "Share this", copyright) removed.
    """
    return clean_lines(html_lines(html))


def _collapse_spaces(text: str) -> str:
    if _ODD_SPACES.search(text):
        text = _ODD_SPACES.sub(" ", text)
    return _SPACE_RUNS.sub(" ", text) if "  " in text else text


def clean_lines(lines: str) -> str:
    """`html_lines` output as paragraphs: spaces collapsed, boilerplate and empty lines dropped."""
    return "\n\n".join(paragraphs(lines))


def paragraphs(lines: str) -> Iterator[str]:
    """The paragraphs `clean_lines` joins, one at a time: a caller that needs only the first
    few (how long the text is, up to a bound) stops without cleaning the rest."""
    return _cleaned(lines.split("\n"))


def _cleaned(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        # Line by line (spaces never run across a line break): the lines never read are not scanned.
        text = _collapse_spaces(line).strip()
        if text and not is_boilerplate(text):
            yield text


def text_shorter_than(lines: str, limit: int) -> bool:
    """`len(clean_lines(lines)) < limit`, deciding as soon as the paragraphs reach `limit`."""
    return _shorter_than(paragraphs(lines), limit)


def _shorter_than(cleaned: Iterable[str], limit: int) -> bool:
    length = 0
    for paragraph in cleaned:
        length += len(paragraph) + (2 if length else 0)  # a blank line before all but the first
        if length >= limit:
            return False
    return length < limit


# How much markup a length check reads first, per character of text it wants: most articles
# have that much text in the first twice as many characters of their markup.
_PREFIX_PER_CHARACTER = 2


def html_text_shorter_than(html: str, limit: int) -> bool:
    """`text_shorter_than(html_lines(html), limit)`, reading mostly the start of `html`: deciding
    whether an article is a teaser needs its first few hundred characters, and it may be long.

    libxml2 builds the tree as it reads, each step decided by what came before, so the tree of
    `html` cut just before a tag is the whole document's up to the cut (elements still open are
    closed at the end). Every line of the cut text but the last, which the cut may end early, is
    then a line of the whole text: when those lines alone reach `limit`, so does the whole text.
    Otherwise the whole is read. (`tests/test_page_policy.py` compares the two ways.)

    Most feed markup is paragraphs of plain text, links and emphasis: its lines are read without a
    parser, as far as the answer needs (`_plain_lines`)."""
    try:
        return _plain_shorter_than(html, limit)
    except _NotPlain:
        pass
    cut = html.find("<", _PREFIX_PER_CHARACTER * limit)
    if cut > 0:
        lines = html_lines(html[:cut]).rstrip("\n")
        if not text_shorter_than(lines[: max(lines.rfind("\n"), 0)], limit):
            return False
    return text_shorter_than(html_lines(html), limit)


# Elements that hold their text in place, as it stands (each is one whose blank text libxml2 keeps,
# in its older parsers too: no space between two of them is dropped).
_INLINE = word_set("a abbr b cite code em i q s small span strong u")


class _NotPlain(Exception):
    """The markup is no longer paragraphs of plain inline markup: a parser must read it."""


def _plain_shorter_than(html: str, limit: int) -> bool:
    """`html_text_shorter_than` read without a parser (`_plain_lines`); _NotPlain where it cannot be."""
    return _shorter_than(_cleaned(_plain_lines(html)), limit)


def _plain_lines(html: str) -> Iterator[str]:
    """The lines of `html_lines(html)`, blank ones included, read without a parser, while the
    markup is paragraphs and line breaks of plain text in plainly written `_INLINE` elements, each
    closed in the paragraph it opened in; raises _NotPlain where it stops being so (a line is
    yielded only once it is complete, so a caller that stops early never meets what follows).

    A paragraph's start and end, and a line break, end a line; the text between is the source's,
    its line breaks spaces, as `html_lines` has them. No character reference (`&`), no `<` that
    opens no such tag, no character XML cannot hold: those take the parser."""
    line: list[str] = []
    open_inline: list[str] = []
    in_paragraph = False
    at = 0
    for tag in PLAIN_TAG.finditer(html):
        line.append(_plain_text(html, at, tag.start()))
        at = tag.end()
        closing, name = tag.group(1), tag.group(2).lower()
        if name in _INLINE:
            if closing and open_inline and open_inline[-1] == name:
                open_inline.pop()
            elif not closing and in_paragraph:
                open_inline.append(name)
            else:
                raise _NotPlain
            continue
        # A paragraph's start or end, or a line break, ends the line; never inside an inline
        # element, nor a stray end (which a parser ignores, or makes an empty paragraph of).
        if open_inline or name not in ("p", "br") or (closing and (name == "br" or not in_paragraph)):
            raise _NotPlain
        if name == "p":
            in_paragraph = not closing
        yield "".join(line).replace("\r", " ").replace("\n", " ")
        line = []
    line.append(_plain_text(html, at, len(html)))
    yield "".join(line).replace("\r", " ").replace("\n", " ")


def _plain_text(html: str, start: int, end: int) -> str:
    text = html[start:end]
    if "<" in text or "&" in text or _NOT_IN_XML.search(text):
        raise _NotPlain
    return text


_FUNCTION_WORD_END = re.compile(
    r"\b(?:a|an|the|of|on|in|to|for|with|at|by|from|and|or|but|that|which|who|its|their|his|her|as|than)$",
    re.IGNORECASE,
)
_HEADLINE_MAX = 100


def _is_wrapped(previous: str, length: int, following: str) -> bool:
    """Does a block ending in `previous` (its last characters; `length` in all) continue on the
    next line? A headline (short, no final punctuation, not ending on a function word) does not."""
    if _SENTENCE_END.search(previous):
        return False
    return following[0].islower() or bool(_FUNCTION_WORD_END.search(previous)) or length > _HEADLINE_MAX


def blocks(text: str) -> list[tuple[int, int]]:
    """Spans of the paragraphs of `text`, the units sentences never cross.

    Each line is a paragraph (headlines have no final full stop and must not run into the first
    sentence), except that a hard-wrapped line (one ending mid-sentence: on a function word, or
    followed by a lower-case start, or too long to be a headline) is joined to the next.
    """
    spans: list[tuple[int, int]] = []
    start: int | None = None
    end = 0
    pos = 0
    for line in text.split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        content = line.strip()
        if not content:
            if start is not None:
                spans.append((start, end))
                start = None
            continue
        first = line_start + (len(line) - len(line.lstrip()))
        last = line_start + len(line.rstrip())
        if start is not None:
            # Only the block's last words matter: slicing it whole would cost its length per line.
            if _is_wrapped(text[max(start, end - _HEADLINE_MAX) : end], end - start, content):
                end = last
                continue
            spans.append((start, end))
        start, end = first, last
    if start is not None:
        spans.append((start, end))
    return spans
