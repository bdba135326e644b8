"""The small pattern language of subject definitions.

Aliases, exclusions and cues are written as phrases, not regular expressions, so that a user
tracking a new story can write them without knowing regex:

    embassy in Minsk              literal words, matched case-insensitively on word boundaries
    US  OFAC                      a word in capitals is matched case-sensitively ("US" is not "us")
    U.S.                          dotted initials also match the undotted form (U.S. / US)
    {reopen}                      every inflection: reopen, reopens, reopened, reopening, re-open...
    {ease|relax}                  several verbs in one slot
    (the|its|U.S.)                alternatives, each itself a phrase
    (the|its)?                    an optional group
    {lift} .. sanctions           `..` lets up to three words stand between its neighbours
    {close} ... again             `...` lets up to six
    sanction*                     a trailing `*` accepts any word ending (sanction, sanctions, sanctioned)

Every pattern must contain at least one plain word or verb outside optional groups: those words
are the pattern's anchors, and a paragraph that contains none of them is never examined further.
That prefilter is what keeps extraction fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from tracker.subjects.inflect import VerbForm, inflect

if TYPE_CHECKING:
    from collections.abc import Callable

_TOKEN = re.compile(r"\{[^{}]*\}|\(|\)\??|\||\.{2,3}(?=\s|$)|[^\s(){}|]+")
_DOTTED_INITIALS = re.compile(r"^(?:[A-Z]\.){2,}$")
_CAPITALS = re.compile(r"^[A-Z]{2,}$")
_SEP = r"[\s\u00a0]+"
# Gap words never cross a clause break (patterns run one sentence at a time, so a full stop
# inside a gap can only be an abbreviation such as "U.S.").
_GAP = r"(?:[^\s,;:!?]+[\s\u00a0]+){0,3}"
_LONG_GAP = r"(?:[^\s,;:!?]+[\s\u00a0]+){0,6}"
_WORD_PIECES = re.compile(r"[a-z0-9]+")
# Every byte but a-z and 0-9 to a space: the word pieces of lower-cased UTF-8 (a non-ASCII character
# is all bytes above 127, so never part of a piece).
_PIECE_BYTES = bytes(b if 97 <= b <= 122 or 48 <= b <= 57 else 32 for b in range(256))
# The UTF-8 of the only characters but A-Z whose lower case holds an ASCII letter: İ ("i̇") and
# the Kelvin sign ("k").
_LOWERS_TO_ASCII = ("\u0130".encode(), "\u212a".encode())
_WEAK_ANCHORS = frozenset(
    {
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "to",
        "and",
        "its",
        "their",
        "his",
        "her",
        "for",
        "with",
        "by",
        "at",
        "is",
    }
    | {"are", "was", "were", "be", "been", "u", "s", "us", "it", "as", "from", "into", "over"}
)


def word_set(words: str) -> frozenset[str]:
    """A frozen set from a space-separated word list (keeps long vocabularies compact in code)."""
    return frozenset(words.split())


def words_of(text: str) -> set[str]:
    """The lower-case word pieces of `text` (runs of a-z and 0-9), the unit the anchor prefilter
    works in."""
    # The pieces' bytes are ASCII letters, digits and spaces: decoded at once, split as text.
    return set(lowered(text).translate(_PIECE_BYTES).decode("ascii").split())


def word_pieces(text: str) -> set[bytes]:
    """`words_of(text)`, in ASCII bytes: split in bytes, about twice as fast as a regex over the
    text, and a caller who wants only some words decodes only those."""
    return set(word_piece_list(text))


def word_piece_list(text: str) -> list[bytes]:
    """The word pieces of `text` in order, repeats kept: for a caller that only looks each one up
    (in a vocabulary, say), cheaper than building their set first."""
    return pieces_of(lowered(text))


def lowered(text: str) -> bytes:
    """`text` lower-cased, in UTF-8: its word pieces are the runs of a-z and 0-9 in it (`pieces_of`)."""
    return lowered_utf8(text.encode("utf-8", "surrogatepass"), lambda: text)


def lowered_utf8(data: bytes, text: Callable[[], str]) -> bytes:
    """`lowered` of the text whose UTF-8 (lone surrogates passed) is `data`, for a caller that has
    encoded it already; `text()` gives the text itself, needed only when it holds İ or the Kelvin
    sign. (Encoding is character by character: the UTF-8 of texts joined is their UTF-8 joined.)"""
    data = data.lower()
    # Lower-casing the bytes (several times faster than the text, once it holds a curly quote)
    # changes only A-Z; the other characters are all bytes above 127, spaces to the split, except
    # two whose lower case holds an ASCII letter.
    if _LOWERS_TO_ASCII[0] in data or _LOWERS_TO_ASCII[1] in data:
        data = text().lower().encode("utf-8", "surrogatepass")
    return data


def pieces_of(data: bytes) -> list[bytes]:
    """The word pieces of `lowered` text, in order."""
    return data.translate(_PIECE_BYTES).split()


def begins_piece(data: bytes, beginning: bytes) -> bool:
    """Whether a word piece of `lowered` text begins with `beginning` (lower-case a-z and 0-9), found
    without making the pieces: several times faster, for a word most texts do not hold."""
    at = data.find(beginning)
    while at > 0 and _PIECE_BYTES[data[at - 1]] != 32:  # inside a piece ("mission" in "commission")
        at = data.find(beginning, at + 1)
    return at >= 0


def _longest_piece(word: str) -> str | None:
    pieces = _WORD_PIECES.findall(word.lower())
    return max(pieces, key=len) if pieces else None


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A pattern ready for matching: its regex, anchor words and the verb forms it can match."""

    source: str
    expression: str  # the regex's source; compiled on first match
    anchors: frozenset[str]
    verb_forms: dict[str, VerbForm] = field(hash=False, compare=False)

    @property
    def regex(self) -> re.Pattern[str]:
        return _regex(self.expression)


@lru_cache(maxsize=4096)
def _regex(expression: str) -> re.Pattern[str]:
    # Compiling every pattern of every subject costs a fifth of a second: loading a configuration
    # (for a report, or --help's completion) only parses them, the extractor compiles them here.
    return re.compile(expression, re.IGNORECASE)


class PatternError(ValueError):
    """A pattern cannot be compiled; the message says why."""


# --------------------------------------------------------------------------- parsing
@dataclass(frozen=True, slots=True)
class _Word:
    text: str


@dataclass(frozen=True, slots=True)
class _Verb:
    verbs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Gap:
    long: bool


@dataclass(frozen=True, slots=True)
class _Group:
    alternatives: tuple[tuple[_Item, ...], ...]
    optional: bool


_Item = _Word | _Verb | _Gap | _Group


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _TOKEN.findall(source)
        self.pos = 0
        if sum(map(len, self.tokens)) != len(re.sub(r"\s", "", source)):
            raise PatternError("unbalanced brace")

    def parse(self) -> tuple[_Item, ...]:
        seq = self._sequence()
        if self.pos != len(self.tokens):
            raise PatternError(f"unexpected {self.tokens[self.pos]!r}")
        return seq

    def _sequence(self) -> tuple[_Item, ...]:
        items: list[_Item] = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if tok == "|" or tok.startswith(")"):
                break
            self.pos += 1
            if tok == "(":
                items.append(self._group())
            elif tok in ("..", "..."):
                items.append(_Gap(long=tok == "..."))
            elif tok.startswith("{"):
                verbs = tuple(v.strip().lower() for v in tok[1:-1].split("|"))
                if not verbs or not all(re.fullmatch(r"[a-z][a-z-]*", v) for v in verbs):
                    raise PatternError(
                        f"bad verb slot {tok!r}: use letters, e.g. {{reopen}} or {{ease|relax}}"
                    )
                items.append(_Verb(verbs))
            elif "{" in tok or "}" in tok:
                raise PatternError(f"unbalanced brace in {tok!r}")
            else:
                items.append(_Word(tok))
        return tuple(items)

    def _group(self) -> _Group:
        alternatives = [self._sequence()]
        while self.pos < len(self.tokens) and self.tokens[self.pos] == "|":
            self.pos += 1
            alternatives.append(self._sequence())
        if self.pos >= len(self.tokens) or not self.tokens[self.pos].startswith(")"):
            raise PatternError("unclosed '('")
        optional = self.tokens[self.pos] == ")?"
        self.pos += 1
        if any(not alt for alt in alternatives):
            raise PatternError("empty alternative in a group")
        return _Group(tuple(alternatives), optional)


# --------------------------------------------------------------------------- compiling
def _word_regex(word: str) -> str:
    if _DOTTED_INITIALS.match(word):
        letters = word.replace(".", "")
        dotted = r"\.".join(letters) + r"\.?"
        return f"(?-i:{dotted}|{letters})"
    if _CAPITALS.match(word):
        return f"(?-i:{re.escape(word)})"
    wildcard = word.endswith("*") and len(word) > 1
    core = word[:-1] if wildcard else word
    out = []
    for ch in core:
        if ch in "'’":
            out.append("['’]")
        elif ch == "-":
            out.append("[-\u2010\u2011]")
        else:
            out.append(re.escape(ch))
    return "".join(out) + (r"\w*" if wildcard else "")


def _alternation(options: list[str]) -> str:
    # Longest first: Python's alternation takes the first branch that matches, not the longest.
    return "(?:" + "|".join(sorted(set(options), key=lambda s: (-len(s), s))) + ")"


def _item_regex(item: _Item, forms: dict[str, VerbForm]) -> str:
    if isinstance(item, _Word):
        return _word_regex(item.text)
    if isinstance(item, _Verb):
        words: list[str] = []
        for verb in item.verbs:
            for surface, form in inflect(verb).items():
                forms.setdefault(surface, form)
                words.append(_word_regex(surface))
        return _alternation(words)
    if isinstance(item, _Group):
        return _alternation([_sequence_regex(alt, forms) for alt in item.alternatives])
    raise PatternError("'..' and '...' cannot stand alone")


def _sequence_regex(items: tuple[_Item, ...], forms: dict[str, VerbForm]) -> str:
    if isinstance(items[0], _Gap) or isinstance(items[-1], _Gap):
        raise PatternError("'..' and '...' must stand between two words")
    out = ""
    need_sep = False  # True when the next item must be preceded by whitespace
    for item in items:
        if isinstance(item, _Gap):
            out += _SEP + (_LONG_GAP if item.long else _GAP)
            need_sep = False
            continue
        body = _item_regex(item, forms)
        optional = isinstance(item, _Group) and item.optional
        if optional:
            out += f"(?:{_SEP}{body})?" if need_sep else f"(?:{body}{_SEP})?"
            continue
        out += (_SEP if need_sep else "") + body
        need_sep = True
    return out


def _item_anchors(item: _Item) -> frozenset[str] | None:
    if isinstance(item, _Word):
        if item.text.endswith("*"):
            return None
        if _DOTTED_INITIALS.match(item.text):
            letters = item.text.replace(".", "").lower()
            return frozenset({letters, *letters})
        piece = _longest_piece(item.text)
        return frozenset({piece}) if piece else None
    if isinstance(item, _Verb):
        found = set()
        for verb in item.verbs:
            for surface in inflect(verb):
                piece = _longest_piece(surface)
                if piece:
                    found.add(piece)
        return frozenset(found)
    if isinstance(item, _Group):
        if item.optional:
            return None
        union: set[str] = set()
        for alt in item.alternatives:
            anchors = _sequence_anchors(alt)
            if anchors is None:
                return None
            union |= anchors
        return frozenset(union)
    return None


def _sequence_anchors(items: tuple[_Item, ...]) -> frozenset[str] | None:
    candidates = [a for a in (_item_anchors(i) for i in items) if a]

    def weakness(anchors: frozenset[str]) -> tuple[bool, int, int]:
        # Prefer anchors that are not common function words, then longer words, then fewer of them.
        return (bool(anchors & _WEAK_ANCHORS), -min(len(a) for a in anchors), len(anchors))

    return min(candidates, key=weakness) if candidates else None


@lru_cache(maxsize=4096)
def compile_pattern(source: str) -> CompiledPattern:
    """Compile one pattern; raises PatternError with a short reason."""
    text = source.strip()
    if not text:
        raise PatternError("empty pattern")
    items = _Parser(text).parse()
    if not items:
        raise PatternError("empty pattern")
    forms: dict[str, VerbForm] = {}
    body = _sequence_regex(items, forms)
    anchors = _sequence_anchors(items)
    if not anchors:
        raise PatternError("needs at least one plain word or verb outside optional groups")
    # The parser only emits valid regex, so the expression is compiled when first matched.
    expression = rf"(?<!\w)(?:{body})(?!\w)"
    return CompiledPattern(source=text, expression=expression, anchors=anchors, verb_forms=forms)
