"""Cue–mention reach: which mention of a subject, if any, a cue in the same sentence is about.

A cue speaks of a mention only within MENTION_REACH words, and not across a contrast unless the
cue's side refers back with a pronoun: in "the embassy remains closed, but the border crossing
reopened" the reopening is not the embassy's; in "..., although officials talk about reopening
it" it is. Commas do not separate ("the embassy, shut since 2022, reopened"). Of the mentions in
reach, the nearest wins, and at equal distance a full mention beats an exclusion.

Every question is answered from prefix counts over the sentence's tokens, built once, so a
pair costs a binary search whatever the distance between cue and mention.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate

from tracker.extract.matching import CueMatch, Mention
from tracker.extract.tokens import CLAUSE_WORDS, SentenceView

# How many words may stand between a cue and the mention it is about.
MENTION_REACH = 15
_CONTRAST = CLAUSE_WORDS | {";", ":"}
_PRONOUNS = frozenset({"it", "its", "they", "them", "their"})


class Reach:
    """Prefix counts of one sentence's words, contrasts and pronouns."""

    def __init__(self, view: SentenceView) -> None:
        self.view = view
        tokens = view.tokens
        self._starts = [t.start for t in tokens]
        self._words = [0, *accumulate(int(t.is_word) for t in tokens)]
        contrast = [t.lower in _CONTRAST for t in tokens]
        self._contrasts = [0, *accumulate(int(c) for c in contrast)]
        self._pronouns = [0, *accumulate(int(t.lower in _PRONOUNS) for t in tokens)]
        self._contrast_at = [i for i, c in enumerate(contrast) if c]

    def nearest(self, mentions: list[Mention], cue: CueMatch) -> Mention | None:
        """The mention the cue is about: the nearest one within reach."""

        def distance(m: Mention) -> tuple[int, int]:
            gap = max(0, m.start - cue.end, cue.start - m.end)
            return gap, 1 if m.kind == "exclusion" else 0

        reachable = [m for m in mentions if self.within_reach(m, cue)]
        return min(reachable, key=distance) if reachable else None

    def within_reach(self, mention: Mention, cue: CueMatch) -> bool:
        """At most MENTION_REACH words between them, and no contrast unless the cue refers back."""
        lo, hi = (mention.end, cue.start) if mention.end <= cue.start else (cue.end, mention.start)
        if hi <= lo:
            return True
        first = bisect_left(self._starts, lo)  # the tokens starting in lo..hi
        stop = bisect_left(self._starts, hi)
        if self._words[stop] - self._words[first] > MENTION_REACH:
            return False
        return self._contrasts[stop] == self._contrasts[first] or self.refers_back(cue)

    def refers_back(self, cue: CueMatch) -> bool:
        """Does the cue's own clause (between contrasts) carry a pronoun such as "it" or "its"?"""
        index = self.view.index_at(cue.start)
        at = bisect_left(self._contrast_at, index)
        lo = self._contrast_at[at - 1] + 1 if at > 0 else 0
        following = at + 1 if at < len(self._contrast_at) and self._contrast_at[at] == index else at
        hi = self._contrast_at[following] if following < len(self._contrast_at) else len(self.view.tokens)
        return self._pronouns[hi] > self._pronouns[lo]
