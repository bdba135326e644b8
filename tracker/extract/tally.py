"""Counts for tally subjects: which number in a sentence is the size of the event its cue reports.

A number counts only when it is grammatically tied to an event cue ("freed 52 prisoners", "52
people were released", "Tsikhanouski and 13 others were freed") and its noun names people (see
`people`), never when it is a subset ("including 14 foreigners", "six Lithuanians among the 52";
but in "among the 52 freed" the 52 is the whole group), tied to a blocker ("more than 1,000 remain
behind bars", "asked for 1,300 to be freed"), a running total ("bringing the total to 300"), or
a date, a time, an age or a measure ("Sept. 11", "10 a.m.", "five years", "52-year-old").

Vague amounts ("more than 120", "dozens") are kept as candidates marked vague: they never add to
a tally, but the fold may still cite them. People named or described with no number count one
each (see `names`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tracker.extract.count_words import (
    AFTER_FILLER,
    APPOSITION_OPENERS,
    BARE_FOLLOWERS,
    BEFORE_FILLER,
    BRINGING,
    CONNECTIVE_WORDS,
    CONNECTIVES,
    CUMULATIVE_MARKERS,
    HELD_PHRASE_WORDS,
    KIN,
    MEASURES,
    PARENTHETICAL_OPENERS,
    SUBSET_AFTER,
    SUBSET_BEFORE,
    TOTAL_WORDS,
)
from tracker.extract.dates import DateMention
from tracker.extract.matching import CueMatch
from tracker.extract.names import COPULAS, named_items, named_releases, subset_names
from tracker.extract.numbers import NUMBER_WORDS, NumberMention
from tracker.extract.people import HELD, is_people_plural
from tracker.extract.tokens import SentenceView


@dataclass(frozen=True, slots=True)
class CountCandidate:
    number: NumberMention
    value: int | None
    cue: CueMatch
    vague: bool
    cumulative: bool
    names: tuple[str, ...]
    # "among the 52 freed": the whole group named in passing; news only when the sentence dates it
    passing: bool = False


class _Binder:
    """Token-level questions about one sentence's numbers and count cues."""

    def __init__(
        self,
        view: SentenceView,
        cues: list[CueMatch],
        units: frozenset[str],
        blockers: list[tuple[int, int]],
        group: frozenset[str],
    ) -> None:
        self.view = view
        self.cues = cues
        self.units = units
        self.group = group
        self.blockers = blockers
        self.cue_tokens = [(view.index_at(c.start), view.index_at(c.end - 1)) for c in cues]

    def word(self, index: int) -> str:
        return self.view.word(index)

    # ----------------------------------------------------------------- what follows a number
    def noun_phrase_end(self, last: int, number: NumberMention) -> int | None:
        """End token of "52 [political] prisoners"; None if what follows the number makes it
        something other than a head count ("five years", "52-year-old", "52 pages")."""
        following = self.word(last + 1)
        if following in MEASURES or self.view.tokens[last].end > number.end or self.is_age(last, number):
            return None  # a measure, a compound such as "52-year-old", an age
        modifiers_only = True  # only modifiers so far: "three Lutheran pastors", not "52 in Minsk"
        for offset in range(1, 4):
            word = self.word(last + offset)
            if not word or self.view.is_break(last + offset):
                break
            if word in self.units or (modifiers_only and self.people(last + offset)):
                return last + offset
            if word in MEASURES:
                return None
            if offset == 1 and word in ("other", "others"):
                return last + offset + (1 if self.unit_at(last + 2) else 0)
            modifiers_only = modifiers_only and word not in BARE_FOLLOWERS and word not in AFTER_FILLER
        if not following or following in BARE_FOLLOWERS or following in AFTER_FILLER:
            return last
        if last + 1 < len(self.view.tokens) and not self.view.tokens[last + 1].is_word:
            return last
        # A cue may follow directly: "the 52 freed prisoners", "52 released in September".
        if any(first == last + 1 for first, _ in self.cue_tokens):
            return last
        return None

    def is_age(self, last: int, number: NumberMention) -> bool:
        """A bare number set off by commas after a person ("an American, 85, was freed")."""
        first = self.view.index_at(number.start)
        before = self.word(first - 2)
        return (
            self.word(first - 1) == ","
            and self.word(last + 1) in (",", ")", "")
            and bool(before)
            and before[:1].isalpha()
            and before not in PARENTHETICAL_OPENERS
            and (number.value or 0) < 120
        )

    def people(self, index: int) -> bool:
        return 0 <= index < len(self.view.tokens) and is_people_plural(self.view.tokens[index])

    def kin_of_group(self, first: int, np_end: int) -> bool:
        """ "two of their relatives", "three family members": kin of the people just counted."""
        words = {self.word(i) for i in range(first + 1, np_end + 1)}
        return self.word(np_end) in KIN and ("their" in words or self.word(np_end - 1) == "family")

    def unit_at(self, index: int) -> bool:
        return self.word(index) in self.units or self.people(index)

    # ----------------------------------------------------------------- binding a number to a cue
    def cue_before(self, first: int, number: NumberMention) -> int | None:
        best: int | None = None
        for k, (_, cue_last) in enumerate(self.cue_tokens):
            cue = self.cues[k]
            if cue.start <= number.start and number.end <= cue.end:
                return k  # "set 52 detainees free"
            if cue_last >= first:
                continue
            between = self.view.words_between(cue_last, first)
            if between is None or len(between) > 4:
                continue
            if all(self.word(i) in BEFORE_FILLER for i in between):
                best = k
        return best

    def cue_after(self, np_end: int) -> int | None:
        index = np_end + 1
        # Skip a parenthetical subset: "52 prisoners, including 14 foreigners, were freed".
        opener = self.word(index + 1)
        numbered = (
            index + 1 < len(self.view.tokens)
            and self.word(index + 2) == "of"
            and (opener[:1].isdigit() or opener in NUMBER_WORDS)
        )
        if self.word(index) in (",", "—", "–", "(") and (numbered or opener in PARENTHETICAL_OPENERS):
            closing = index + 2
            while closing < len(self.view.tokens) and self.word(closing) not in (",", "—", "–", ")"):
                closing += 1
            index = closing + 1
        index = self._past_participle_phrase(index)
        skipped = 0
        while index < len(self.view.tokens):
            for k, (cue_first, _) in enumerate(self.cue_tokens):
                if cue_first == index:
                    return k
            word = self.word(index)
            if word == "among" and self.word(index + 1) in ("those", "the"):
                index += 2  # only the tally's own group reaches here (see `is_subset`)
                continue
            if word in AFTER_FILLER or word in ("'", "’") or word in TOTAL_WORDS:
                skipped += 1
                if skipped > 5:
                    return None
                index += 1
                continue
            return None
        return None

    def _past_participle_phrase(self, index: int) -> int:
        """Where a phrase such as "held in a penal colony" after a count ends, if one starts at
        `index` ("three pastors held in a penal colony were freed"); else `index`."""
        if self.word(index) not in HELD:
            return index
        for end in range(index + 1, min(index + HELD_PHRASE_WORDS, len(self.view.tokens))):
            if self.view.is_break(end) or self.word(end) in ("who", "that", "which"):
                return index
            if any(cue_first == end for cue_first, _ in self.cue_tokens) or self.word(end) in COPULAS:
                return end
        return index

    def others_construct(self, first: int) -> bool:
        """Is the number at token `first` the N of "X and N others"?"""
        if self.word(first + 1) not in ("other", "others"):
            return False
        before = " ".join(self.word(i) for i in range(max(0, first - 2), first))
        return any(before.endswith(c) for c in CONNECTIVES)

    def nearest_cue(self, first: int, limit: int = 15) -> int | None:
        best: tuple[int, int] | None = None
        for k, (cue_first, cue_last) in enumerate(self.cue_tokens):
            lo, hi = (cue_last, first) if cue_last < first else (first, cue_first)
            if any(self.word(i) == ";" for i in range(lo, hi)):
                continue
            distance = self._distance(lo, hi)
            if distance <= limit and (best is None or distance < best[0]):
                best = (distance, k)
        return best[1] if best else None

    def _distance(self, lo: int, hi: int) -> int:
        """Words strictly between tokens lo and hi, not counting appositions set off by commas
        ("released Siarhei Tsikhanouski, the blogger whose wife ran for president, and 13 others")."""
        words = 0
        index = lo + 1
        while index < hi:
            if self.word(index) == "," and self.word(index + 1) in APPOSITION_OPENERS:
                closing = index + 1
                while closing < hi and self.word(closing) != ",":
                    closing += 1
                if closing < hi:
                    index = closing + 1
                    continue
            words += self.view.tokens[index].is_word
            index += 1
        return words

    # ----------------------------------------------------------------- exclusions
    def is_subset(self, first: int, np_end: int) -> bool:
        for offset in (1, 2, 3):
            index = first - offset
            if index < 0 or (self.view.is_break(index) and self.word(index) != ","):
                break
            if self.word(index) == "among" and self._names_whole_group(index, first, np_end):
                break
            if self.word(index) in SUBSET_BEFORE:
                return True
        if self.word(first + 1) == "of" and self.word(first + 2) in SUBSET_AFTER:
            return True
        # "six Lithuanians among the 52", "fourteen were among those freed"; a comma ends the phrase.
        # The tally's own group is no subset: "four Americans among those freed" counts four.
        for index in range(np_end + 1, min(np_end + 5, len(self.view.tokens))):
            if self.view.is_break(index):
                break
            if self.word(index) == "among":
                return " ".join(self.word(i) for i in range(first + 1, np_end + 1)) not in self.group
        return False

    def subset_marker_between(self, number: NumberMention, first: int) -> bool:
        """Is there an "including" or "among" between `number` and token `first` ("31 freed, among
        them a French citizen and two Poles")?"""
        return any(self.word(i) in SUBSET_BEFORE for i in range(self.view.index_at(number.end - 1), first))

    def names_group_in_passing(self, first: int, np_end: int) -> bool:
        """Is the number the whole group after "among" ("X among the 52 freed")?"""
        for offset in (1, 2, 3):
            index = first - offset
            if index < 0 or self.view.is_break(index):
                return False
            if self.word(index) == "among":
                return self._names_whole_group(index, first, np_end)
        return False

    def _names_whole_group(self, among: int, first: int, np_end: int) -> bool:
        """In "X among the 123 freed" and "among 14 released" the number is the whole group
        released (the subset is X), when the event verb follows it directly."""
        if any(self.word(i) not in ("the", "those") for i in range(among + 1, first)):
            return False
        return self.cue_after(np_end) is not None

    def is_blocked(self, number: NumberMention, np_end: int, cue: CueMatch) -> bool:
        end_pos = self.view.tokens[np_end].end
        for start, _ in self.blockers:
            if min(cue.end, number.start) <= start < max(cue.start, number.end):
                return True
            if start >= end_pos:
                gap = self.view.words_between(np_end, self.view.index_at(start))
                if gap is not None and len(gap) <= 4:
                    return True
        return False

    def is_cumulative(self, first: int, cue: CueMatch, since_dated: bool) -> bool:
        if any(self.word(i) in BRINGING for i in range(0, first)):
            return True
        cue_first = self.view.index_at(cue.start)
        perfect = any(self.word(i) in ("has", "have", "had") for i in range(max(0, cue_first - 3), cue_first))
        return perfect and (since_dated or bool(CUMULATIVE_MARKERS.search(self.view.text)))


def find_counts(
    view: SentenceView,
    cues: list[CueMatch],
    numbers: list[NumberMention],
    dates: list[DateMention],
    units: frozenset[str],
    blockers: list[tuple[int, int]],
    headline: bool = False,
    group: frozenset[str] = frozenset(),
) -> list[CountCandidate]:
    """Numbers of `view` tied to one of the count `cues`, with their exclusion flags.

    Counts joined by "and" under one cue are parts of one group ("four priests and two
    Ukrainians": 6); a count joined to a subset ("including nine Lithuanians and five Germans")
    is part of the subset.
    """
    # Longer than most: one pass over the numbers in reading order, each check a filter that
    # may drop the number; split up, the order of the checks would be harder to see.
    if not cues:
        return []
    binder = _Binder(view, cues, units, blockers, group)
    since_dated = any(d.since for d in dates)
    bound: dict[int, int] = {}  # number index -> cue index
    subsets: set[int] = set()  # number indices of subsets
    unbound: dict[int, int] = {}  # number index -> end of its noun phrase, for counts no cue holds
    results: list[CountCandidate] = []
    for n_index, number in enumerate(numbers):
        if any(d.start <= number.start < d.end for d in dates):
            continue
        if number.value is not None and 1900 <= number.value <= 2100 and not number.text.isalpha():
            continue  # a year
        first = view.index_at(number.start)
        np_end = binder.noun_phrase_end(view.index_at(number.end - 1), number)
        if np_end is None:
            continue
        joined = binder.word(first - 1) == "and"
        after_marker = joined and bool(bound) and binder.subset_marker_between(numbers[max(bound)], first)
        if binder.is_subset(first, np_end) or (joined and (n_index - 1 in subsets or after_marker)):
            subsets.add(n_index)
            continue
        binding = _bind(binder, numbers, n_index, np_end, bound)
        if binding is None:
            unbound[n_index] = np_end
            continue
        cue_index, value, names = binding
        if joined and unbound.get(n_index - 1) == first - 2 and value is not None:
            # "five Americans and two others were freed": one group of seven; but "five
            # Americans and two of their relatives": the relatives went with them, not freed.
            value = (0 if binder.kin_of_group(first, np_end) else value) + (numbers[n_index - 1].value or 0)
        cue = cues[cue_index]
        if binder.is_blocked(number, np_end, cue):
            continue
        # "handed over 52": the "over" belongs to the cue, not to an approximate amount.
        vague = number.value is None or (
            number.qualifier_start is not None and not cue.start <= number.qualifier_start < cue.end
        )
        previous = results[-1] if results else None
        bound[n_index] = cue_index
        if joined and previous is not None and n_index - 1 in bound and previous.cue is cue:
            if previous.value is not None and value is not None and not (vague or previous.vague):
                kin = binder.kin_of_group(first, np_end)
                results[-1] = replace(previous, value=previous.value + (0 if kin else value))
            continue
        results.append(
            CountCandidate(
                number=number,
                value=value,
                cue=cue,
                vague=vague,
                cumulative=binder.is_cumulative(first, cue, since_dated),
                names=tuple(dict.fromkeys(names or subset_names(view))),
                passing=binder.names_group_in_passing(first, np_end),
            )
        )
    for named in named_releases(view, binder.cue_tokens, set(bound.values()), bool(results), headline):
        start, end = view.tokens[named.first].start, view.tokens[named.last].end
        number = NumberMention(start, end, view.text[start:end], named.count, False)
        results.append(CountCandidate(number, named.count, cues[named.cue], False, False, tuple(named.names)))
    return results


def _bind(
    binder: _Binder, numbers: list[NumberMention], n_index: int, np_end: int, bound: dict[int, int]
) -> tuple[int, int | None, list[str]] | None:
    """The cue a number is tied to, the count it stands for and the people it names; None if no
    cue holds it. In "Tsikhanouski and 13 others" the count is 13 plus the names before it."""
    number = numbers[n_index]
    first = binder.view.index_at(number.start)
    value = number.value
    names: list[str] = []
    cue_index: int | None
    if binder.others_construct(first):
        cue_index = binder.nearest_cue(first)
        if cue_index is not None and value is not None:
            connective_at = first - 1
            while connective_at > 0 and binder.word(connective_at) in CONNECTIVE_WORDS:
                connective_at -= 1
            cue_last = binder.cue_tokens[cue_index][1]
            lo = cue_last + 1 if cue_last < first else 0
            names = named_items(binder.view, lo, connective_at + 1)
            value += max(1, len(names))
    else:
        cue_index = binder.cue_before(first, number)
        if cue_index is None:
            cue_index = binder.cue_after(np_end)
        if cue_index is None and binder.word(first - 1) in ("another", "further", "and"):
            previous = [k for k in bound if numbers[k].end <= number.start]
            if previous:
                cue_index = bound[previous[-1]]
    return None if cue_index is None else (cue_index, value, names)
