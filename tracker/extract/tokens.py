"""A sentence as tokens with offsets and clause numbers, shared by modality, numbers and dates.

Scopes in this package are counted in word tokens and stop at clause boundaries, so every
analysis of one sentence works on the same token list.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"(?:[A-Za-z]\.){2,}"  # U.S., a.m.
    r"|\d{1,3}(?:,\d{3})+(?!\d)"  # 1,300
    r"|\w+(?=n['’]t\b)"  # did|n't
    r"|n['’]t\b"
    r"|\w+(?:[-'’.]\w+)*"
    r"|[^\w\s]"
)
# Punctuation and conjunctions that end a clause, and so every modality scope.
CLAUSE_BREAKS = frozenset({",", ";", ":", "—", "–", "(", ")", "[", "]"})
CLAUSE_WORDS = frozenset({"but", "however", "although", "though", "whereas", "while", "whilst"})


@dataclass(frozen=True, slots=True)
class Token:
    start: int  # offsets into the sentence text
    end: int
    text: str
    lower: str
    is_word: bool


@dataclass(slots=True)
class SentenceView:
    """One sentence: its text, its offset in the document, tokens and their clause numbers."""

    text: str
    offset: int
    tokens: list[Token] = field(default_factory=list)
    clause: list[int] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, text: str, offset: int) -> SentenceView:
        view = cls(text=text, offset=offset)
        clause = 0
        for match in _TOKEN.finditer(text):
            value = match.group(0)
            lower = value.lower()
            token = Token(match.start(), match.end(), value, lower, value[0].isalnum() or value[0] == "_")
            if lower in CLAUSE_BREAKS or lower in CLAUSE_WORDS:
                # A break sits in a clause of its own, between the clauses it separates.
                view.tokens.append(token)
                view.clause.append(clause + 1)
                clause += 2
                continue
            view.tokens.append(token)
            view.clause.append(clause)
        view._starts = [t.start for t in view.tokens]
        return view

    def index_at(self, pos: int) -> int:
        """Index of the token containing (or last starting before) sentence offset `pos`."""
        return max(0, bisect_right(self._starts, pos) - 1)

    def word(self, index: int) -> str:
        """The lower-case text of token `index`, or "" outside the sentence."""
        return self.tokens[index].lower if 0 <= index < len(self.tokens) else ""

    def is_break(self, index: int) -> bool:
        low = self.tokens[index].lower
        return low in CLAUSE_BREAKS or low in CLAUSE_WORDS

    def words_between(self, lo: int, hi: int) -> list[int] | None:
        """Token indices strictly between lo and hi, or None if a clause break lies between."""
        out = []
        for index in range(lo + 1, hi):
            if self.is_break(index):
                return None
            out.append(index)
        return out

    def clause_of(self, pos: int) -> int:
        return self.clause[self.index_at(pos)] if self.tokens else 0

    def clause_start(self, index: int) -> int:
        """Index of the first token of the clause holding token `index`."""
        while index > 0 and self.clause[index - 1] == self.clause[index]:
            index -= 1
        return index

    def clause_end(self, pos: int) -> int:
        """Sentence offset where the clause holding offset `pos` ends (its break, or the text end)."""
        for index in range(self.index_at(pos), len(self.tokens)):
            if self.tokens[index].start >= pos and self.is_break(index):
                return self.tokens[index].start
        return len(self.text)

    def clause_span(self, first: int, last: int) -> tuple[int, int]:
        """Sentence offsets covering the clauses of tokens first..last, without the breaks."""
        lo_clause, hi_clause = self.clause[first], self.clause[last]
        lo = first
        while lo > 0 and self.clause[lo - 1] == lo_clause and not self.is_break(lo - 1):
            lo -= 1
        hi = last
        while hi + 1 < len(self.tokens) and self.clause[hi + 1] == hi_clause and not self.is_break(hi + 1):
            hi += 1
        return self.tokens[lo].start, self.tokens[hi].end
