"""Whether an HTML fragment's words can be read from its source, without converting it.

The word screen (`tracker.extract.pipeline.may_speak`) only needs a set of words that holds every
word of the converted text (`text.html_lines`); extra words merely let an article through to the
exact screen. Converting costs more than the screen itself, and most feed markup is simple: plain
text in paragraphs, links and emphasis. For such markup the source's own words hold the text's:

- every tag is one of a few that hold ordinary text (never a script, a table, a title, a comment:
  elements whose text is dropped, raw, or moved elsewhere by the parser), written plainly, and
  never between two letters or digits (removing it would join them into a new word);
- every character reference stands for a character that is no letter or digit (`&amp;`, `&#8217;`),
  so the word pieces on its two sides stay apart, as its own name and digits do in the source;
- no character the parser might drop (controls, non-characters) stands between two words.

Anything else (a `<` that opens no such tag, `&copy2024` whose `&copy` a parser decodes) is not
plain, and the caller converts it.
"""

from __future__ import annotations

import re
from html.entities import html5

from tracker.subjects.patterns import word_set

# Elements whose text is ordinary text, in place (none is skipped, raw, re-parented, or a title).
_TAGS = word_set(
    "a abbr b bdi bdo blockquote br cite code dd del dfn div dl dt em figcaption figure h1 h2 h3 h4 "
    "h5 h6 hr i img ins kbd li mark ol p q s samp small span strong sub sup time u ul var wbr"
)
_SPACE = r"[\t\n\r ]"
_VALUE = r"""(?:"[^"<>]*"|'[^'<>]*'|[^\t\n\r "'=<>`]+)"""
_ATTRIBUTE = rf"{_SPACE}+[A-Za-z_:][-A-Za-z0-9_:.]*(?:{_SPACE}*={_SPACE}*{_VALUE})?"
# Characters a parser may drop, or that the conversion refuses: C0 controls but tab, line feed and
# return (and, tested apart, the non-characters U+FFFE and U+FFFF).
_CONTROL_BYTES = bytes((*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
# Every other byte: deleting them from the UTF-8 of a text leaves its controls (a multi-byte
# character is bytes above 127 only), five times faster than searching the text with a regex.
_NOT_CONTROLS = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
# A plain tag (its name, checked against _TAGS), or a "<" that can open nothing, whatever a parser
# makes of the characters after it (a lone surrogate becomes a "?" that would open an instruction).
_TAG = re.compile(rf"<(?:/?([A-Za-z][A-Za-z0-9]*)(?:{_ATTRIBUTE})*{_SPACE}*/?>|(?=[\t\n\r 0-9=]|$))")
_TAG_NAMES = _TAGS | {tag.upper() for tag in _TAGS} | {""}
# A tag written plainly: whether it closes, and its name (`tracker.extract.text` reads paragraph
# markup with it).
PLAIN_TAG = re.compile(rf"<(/?)([A-Za-z][A-Za-z0-9]*)(?:{_ATTRIBUTE})*{_SPACE}*/?>")
_TAG_BEFORE_WORD = re.compile(r"<[^<>]*>(?:<[^<>]*>)*[A-Za-z0-9\u0130\u212a]")
# A reference in its complete form (a name or number ended by ";"), or an "&" that starts none.
_REFERENCE = re.compile(r"&(?:(\#[xX]?|)([A-Za-z0-9]{1,32});|(?![A-Za-z0-9\#]))")
# Characters whose lower case holds an ASCII letter or digit, besides A-Z: İ and the Kelvin sign.
_WORDLIKE = frozenset("\u0130\u212a")


def _separates(character: str) -> bool:
    """Is this character a word break for the screen (no ASCII letter or digit, nor lower-cases to one)?"""
    return not (character.isascii() and character.isalnum()) and character not in _WORDLIKE


# The named references whose every character is a word break ("fjlig;" is "fj"; "Idot;" is İ).
_NAMED = frozenset(
    name[:-1] for name, value in html5.items() if name.endswith(";") and all(map(_separates, value))
)


def _plain_number(value: int) -> bool:
    """A numeric reference to a character every parser keeps as itself, and a word break: no C0 or
    C1 control but tab, line feed and return, no surrogate or non-character."""
    if value in (9, 10, 13) or 32 <= value < 127 or 160 <= value < 0xD800:
        return _separates(chr(value))
    return 0xE000 <= value <= 0x10FFFF and not (0xFDD0 <= value <= 0xFDEF or (value & 0xFFFE) == 0xFFFE)


def plain_markup(html: str, utf8: bytes | None = None) -> bool:
    """True when every word piece of `html_lines(html)` is a word piece of `html` itself. `utf8`:
    the UTF-8 of `html` (lone surrogates passed), if the caller has made it."""
    if utf8 is None:
        utf8 = html.encode("utf-8", "surrogatepass")
    if utf8.translate(None, _NOT_CONTROLS) or "\ufffe" in html or "\uffff" in html:
        return False
    names = _TAG.findall(html)  # each holds one "<": every "<" must start one
    if len(names) != html.count("<") or not _TAG_NAMES.issuperset(names):
        return False
    for tags in _TAG_BEFORE_WORD.finditer(html):
        before = tags.start() - 1
        if before >= 0 and not _separates(html[before]):
            return False
    if "&" not in html:
        return True
    references = _REFERENCE.findall(html)
    return len(references) == html.count("&") and all(
        _plain_reference(kind, name) for kind, name in references if name
    )


def _plain_reference(kind: str, name: str) -> bool:
    if not kind:
        return name in _NAMED
    try:
        return _plain_number(int(name, 10 if kind == "#" else 16))
    except ValueError:  # "&#1a;": no number
        return False
