"""The words the word screen searches for first: one of them begins a word of every text any subject
may speak of.

The word screen (`CompiledSubjects.may_speak`) reads every word of an article; most articles name
no tracked subject at all, and splitting their text into words costs more than a few searches of
it. Each subject's `may_want` needs a word from each of several sets (a cue; a mention, or an
alias; a word of each context group…); a text holding no word of any one of them is nothing to that
subject. So one such set is chosen per subject, the smallest union of them, without words shorter
than `MIN_WORD` (they begin words of almost every text), and a text in which none of them begins a
word is dismissed before its words are made. The choice changes what is searched, never what is
dismissed: every text the full screen passes holds a word of each chosen set.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tracker.extract.matching import CompiledSubject

MIN_WORD = 4  # shorter words begin too many others ("us", "eu") to be worth searching for
_SHARED = 5  # words that begin alike for so many letters are searched for by what they share
_MAX_CHOICES = 4096  # combinations of each subject's sets tried; past that, each subject's smallest


def required_words(subject: CompiledSubject) -> list[frozenset[str]]:
    """Sets of words of which `subject.may_want` needs one, whatever else a text holds (an empty
    one: the subject wants no text)."""
    groups = [frozenset().union(*(p.anchors for p in group)) for group in subject.context]
    sets = [subject.cue_anchors]
    if subject.tied_by_context:
        sets += groups  # every group is needed
    else:  # a mention, and an alias unless every context group is named
        sets.append(subject.mention_anchors)
        sets += [subject.alias_anchors | group for group in groups]
    return sets


def screen_needles(subjects: Sequence[CompiledSubject]) -> tuple[bytes, ...] | None:
    """Beginnings of words (`begins_piece`) one of which any text the subjects may speak of holds;
    None when some subject needs no word long enough to search for."""
    options = []
    for subject in subjects:
        sets = required_words(subject)
        if any(not words for words in sets):
            continue  # it speaks of nothing
        usable = [words for words in sets if min(map(len, words)) >= MIN_WORD]
        if not usable:
            return None
        options.append(sorted(usable, key=lambda words: (len(words), sorted(words))))
    combinations = 1
    for sets in options:
        combinations *= len(sets)
    choices: Iterable[tuple[frozenset[str], ...]] = (
        product(*options) if combinations <= _MAX_CHOICES else [tuple(sets[0] for sets in options)]
    )
    best = min((_beginnings(frozenset().union(*chosen)) for chosen in choices), key=len, default=())
    return tuple(word.encode("ascii") for word in best)


def _beginnings(words: frozenset[str]) -> list[str]:
    """Beginnings that begin every one of `words`, as few as searching allows: the words sharing
    their first letters give way to what they all begin with ("lukashenk"), and a beginning that
    begins another makes that one needless ("iran", "iranian")."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words):
        groups.setdefault(word[:_SHARED], []).append(word)
    found = {_common_beginning(group) for group in groups.values()}
    return sorted(b for b in found if not any(a != b and b.startswith(a) for a in found))


def _common_beginning(words: Sequence[str]) -> str:
    first, last = min(words), max(words)  # what these two begin with, every word between them does
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]
