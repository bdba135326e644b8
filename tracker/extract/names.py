"""People in a count sentence named or described rather than counted.

A release of named people with no number ("Maria Kalesnikava was released on Saturday",
"Belarus freed Ihar Losik") counts one per name, when nothing in the sentence gives a number for
its cue. A name is two or more capitalised words that are not places, days or institutions; a
single surname is too often something else ("Washington was freed of ..."), and is left alone.
Names listed after "including" or "among them" are kept with a count as the people it includes.

A release of one person described, not named, counts one: the object of the cue ("Belarus freed
an American journalist", "Minsk has let a further American go") or its subject in the passive
("the veteran dissident was allowed to return home") or with a verb of going ("a U.S. citizen
held since 2021 walked free"). The phrase must open with a determiner and end on a singular
noun that names a person (see `people`).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.extract.people import HELD, is_person_singular
from tracker.extract.tokens import SentenceView
from tracker.subjects.patterns import word_set

# Where a list of names after "including" / "among them" ends.
_NAME_LIST_ENDS = frozenset({";", "—", "–", ")", ".", "as", "after", "who"})
_NOT_NAMES = word_set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june "
    "july august september october november december jan feb mar apr jun jul aug sep sept oct nov dec "
    "u.s. us usa america american americans united states belarus belarusian belarusians minsk "
    "lithuania lithuanian lithuanians latvia latvian latvians poland polish poles germany german "
    "germans france french britain british russia russian ukraine ukrainian europe european eu "
    "washington vilnius warsaw moscow kyiv white house state department treasury nobel peace prize "
    "viasna the a an he she they it his her their in on at ms. mr. mrs. dr. president opposition"
)
_ROLE_WORDS_SKIPPED = 2
# "freed Nobel Peace Prize laureate Ales Bialiatski": words that may stand between a cue and a name.
_ROLE_WORDS_BEFORE_NAME = 5
# Words that end a list of names after a cue ("freed X and Y on Saturday").
_LIST_STOPS = word_set(
    "the a an his her its their on in at to from after before by with as during following for who "
    "which that was were is are had has have"
)
# Words that make a sentence about a group, of which any names are a part.
_GROUP_WORDS = word_set("others other among including group those them")
# Words that make a capitalised phrase an organisation, not a person ("Belavia Airlines").
_INSTITUTIONS = word_set(
    "airline airlines airways group bank ministry department railways railway council union committee "
    "centre center agency service office court party front radio liberty corporation company inc ltd "
    "foundation institute university embassy government administration parliament assembly army police "
    "belavia belaruskali viasna reuters times post journal news press tribune herald telegraph"
)


@dataclass(frozen=True, slots=True)
class NamedRelease:
    cue: int  # index of the cue among the sentence's count cues
    first: int  # first and last token of the names (or of the description)
    last: int
    names: list[str]  # empty for one person described ("a U.S. citizen")

    @property
    def count(self) -> int:
        return len(self.names) or 1


def named_items(view: SentenceView, lo: int, hi: int) -> list[str]:
    """Named people in tokens lo..hi-1, split at commas and "and" ("Bialiatski, Kalesnikava and")."""
    items: list[list[int]] = [[]]
    for index in range(lo, hi):
        if view.word(index) in (",", "and", ";"):
            items.append([])
        else:
            items[-1].append(index)
    names = []
    for item in items:
        name = _name_in(view, item)
        if name:
            names.append(name)
    return names


def _name_in(view: SentenceView, item: list[int]) -> str | None:
    words = [view.tokens[i] for i in item if view.tokens[i].is_word]
    skipped = 0
    while words and not words[0].text[0].isupper():
        if words[0].lower in ("the", "a", "an", "his", "her", "their", "who", "which", "whose"):
            return None
        words = words[1:]
        skipped += 1
        if skipped > _ROLE_WORDS_SKIPPED:
            return None
    taken: list[str] = []
    for token in words:
        demonym = len(token.lower) > 5 and token.lower.endswith("ans")  # "Iranians", "Americans"
        if not token.text[0].isupper() or token.lower in _NOT_NAMES or demonym:
            if taken:
                break
            continue
        taken.append(token.text)
    return " ".join(taken) if taken else None


COPULAS = word_set("was were has have had been is are")
# An apposition between a name and its verb: "X, arrested at an airport with a small amount of
# cannabis in his luggage, was released".
_APPOSITION_WORDS = 16


def named_releases(
    view: SentenceView,
    cue_tokens: list[tuple[int, int]],
    used: set[int],
    counted: bool,
    headline: bool = False,
) -> list[NamedRelease]:
    """Releases of named people, for the cues (first and last token of each) not in `used`; a
    `headline` drops its determiners and auxiliaries ("American held in Moscow freed")."""
    if counted or _GROUP_WORDS & {t.lower for t in view.tokens}:
        # A sentence that gives a number says how many, and one that speaks of a group ("along
        # with others", "among those freed") names only part of it.
        return []
    out: list[NamedRelease] = []
    for k, (cue_first, cue_last) in enumerate(cue_tokens):
        if k in used:
            continue
        # "in exchange for arms dealer X": who follows is the other side of the swap.
        other_side = view.word(cue_last) == "for"
        found = _passive_subject(view, cue_first) or (None if other_side else _active_object(view, cue_last))
        if found:
            out.append(NamedRelease(k, *found))
            continue
        described = (
            None if other_side else _described_object(view, cue_first, cue_last)
        ) or _described_subject(view, cue_first, headline)
        if described:
            out.append(NamedRelease(k, *described, []))
    return out


def _passive_subject(view: SentenceView, cue_first: int) -> tuple[int, int, list[str]] | None:
    """Names released in the passive: "Maria Kalesnikava was released", "Ales Bialiatski and
    Maria Kalesnikava were freed", "Andrey Kuznechyk, a journalist, was freed", "Losik, who was
    pardoned"."""
    index = cue_first - 1
    while index >= 0 and view.word(index) in COPULAS | {"who", "also", "finally", "reportedly"}:
        index -= 1
    if index == cue_first - 1:
        return None  # no auxiliary: "Kalesnikava freed" is not a passive
    if view.word(index) == "," and view.word(index + 1) == "who":
        index -= 1  # "Ales Bialiatski, who was freed on Saturday"
    elif view.word(index) == ",":  # "Andrey Kuznechyk, a journalist, was freed"
        opening = index - 1
        while opening >= 0 and view.word(opening) != ",":
            opening -= 1
        if opening < 0 or index - opening > _APPOSITION_WORDS:
            return None
        index = opening - 1
    last = index
    while index >= 0 and (view.word(index) in (",", "and") or _capitalised(view, index)):
        index -= 1
    first = index + 1
    if first > last or view.word(index) in ("among", "including", "of", "with"):
        return None
    found = named_items(view, first, last + 1)
    if not found or not all(len(name.split()) >= 2 for name in found):
        return None
    return first, last, found


def _active_object(view: SentenceView, cue_last: int) -> tuple[int, int, list[str]] | None:
    """Names released in the active: "Belarus freed Ihar Losik", "released opposition blogger
    Siarhei Tsikhanouski"."""
    index = cue_last + 1
    skipped = 0
    while skipped < _ROLE_WORDS_BEFORE_NAME and index < len(view.tokens):
        if not _role_word(view, index):
            break
        index += 1
        skipped += 1
    first = index
    count = len(view.tokens)
    while index < count:
        if view.word(index) in (",", "and") or _capitalised(view, index):
            index += 1
            continue
        # "... and opposition figure Maria Kalesnikava": a role before the next name of the list
        look = index
        while look < count and look - index < _ROLE_WORDS_BEFORE_NAME and _role_word(view, look):
            look += 1
        after_separator = view.word(index - 1) in (",", "and")
        if index < look < count and after_separator and _capitalised(view, look):
            index = look
            continue
        break
    last = index - 1
    while last >= first and view.word(last) in (",", "and"):
        last -= 1
    if last < first or not _capitalised(view, first):
        return None
    found = named_items(view, first, last + 1)
    if not found or not all(len(name.split()) >= 2 for name in found):
        return None
    return first, last, found


def _role_word(view: SentenceView, index: int) -> bool:
    token = view.tokens[index]
    if not token.is_word or token.lower in _LIST_STOPS:
        return False
    return not token.text[0].isupper() or token.lower in _NOT_NAMES


def _capitalised(view: SentenceView, index: int) -> bool:
    token = view.tokens[index]
    return (
        token.is_word
        and token.text[0].isupper()
        and token.lower not in _NOT_NAMES
        and token.lower not in _INSTITUTIONS
    )


def subset_names(view: SentenceView) -> list[str]:
    """People named after "including" / "among them" / "such as" in the sentence."""
    names: list[str] = []
    tokens = view.tokens
    for index, token in enumerate(tokens):
        if token.lower in ("including", "among", "such") and index + 1 < len(tokens):
            end = index + 1
            while end < len(tokens) and tokens[end].lower not in _NAME_LIST_ENDS:
                end += 1
            names.extend(named_items(view, index + 1, end))
    return names


_DETERMINERS = word_set("a an the another one")
# Words that may open the clause a described subject stands at the start of.
_CLAUSE_OPENERS = word_set("that and when after as said says while")
# Verbs whose subject is the person who goes free ("walked free", "crossed into Lithuania").
_GOING = word_set(
    "walk walks walked walking cross crosses crossed crossing return returns returned returning "
    "go goes went gone going step steps stepped"
)
# Words before the cue verb that leave its subject in place ("has finally been allowed to ...");
# a form of "be" (or "get") among them makes the verb a passive.
_PASSIVE = word_set("was were is are be been being got get gets")
_BEFORE_VERB = COPULAS | _PASSIVE | word_set("also finally reportedly eventually later quietly then")
# Words that end a described person's phrase.
_PHRASE_ENDS = word_set(
    "on in at to from after before by with as during following for who which that was were is are "
    "had has have and or but since of into"
)
_PHRASE_WORDS = 5  # "a further American", "the veteran opposition politician"
# Words between a described subject and its verb ("held for ten days by troops in the south").
_SUBJECT_REACH = 12


def _described_object(view: SentenceView, cue_first: int, cue_last: int) -> tuple[int, int] | None:
    """One person described after the cue's verb: "freed an American journalist", "let a further
    American go" (inside the cue)."""
    inside = cue_last > cue_first and view.word(cue_first + 1) in _DETERMINERS
    start = cue_first + 1 if inside else cue_last + 1
    limit = cue_last if inside else len(view.tokens)
    head = _phrase_head(view, start, limit)
    return (start, head) if head is not None else None


def _phrase_head(view: SentenceView, start: int, limit: int) -> int | None:
    """The head of "<determiner> <up to four words>" from token `start`, if it names one person."""
    if view.word(start) not in _DETERMINERS:
        return None
    index = start + 1
    while index < limit and index - start <= _PHRASE_WORDS:
        token = view.tokens[index]
        if not token.is_word or token.lower in _PHRASE_ENDS or view.is_break(index):
            break
        index += 1
    head = index - 1
    if head <= start or not is_person_singular(view.tokens[head]):
        return None
    return head


def _described_subject(view: SentenceView, cue_first: int, headline: bool) -> tuple[int, int] | None:
    """One person described as the subject of a passive or of a verb of going: "the veteran
    dissident was allowed to return home", "a U.S. citizen, held since 2021, walked free"; in a
    headline, with no determiner or auxiliary: "Teacher held in Moscow freed"."""
    index = cue_first - 1
    passive = headline and view.word(cue_first).endswith("ed")
    while index >= 0 and view.word(index) in _BEFORE_VERB:
        passive = passive or view.word(index) in _PASSIVE
        index -= 1
    if not passive and view.word(cue_first) not in _GOING:
        return None
    for head in range(index, max(-1, index - _SUBJECT_REACH), -1):
        token = view.tokens[head]
        if view.word(head) in (";", "but") or (token.is_word and token.lower in COPULAS):
            return None
        if not is_person_singular(token) or not _leads_to_verb(view, head, index):
            continue
        if headline and _opens_headline(view, head):
            return 0, head
        for start in range(head - 1, max(-1, head - _PHRASE_WORDS - 1), -1):
            if view.word(start) in _DETERMINERS and _phrase_head(view, start, head + 1) == head:
                before = view.word(start - 1)
                opens = start == 0 or before in _CLAUSE_OPENERS or view.is_break(start - 1)
                return (start, head) if opens else None
        return None
    return None


def _opens_headline(view: SentenceView, head: int) -> bool:
    """Is token `head` the end of a bare phrase opening a headline ("Minnesota native")?"""
    words = view.tokens[: head + 1]
    return head < _PHRASE_WORDS and all(t.is_word and t.lower not in _PHRASE_ENDS for t in words)


# Words that never stand between a subject and its verb: a new clause begins.
_NEW_CLAUSE = word_set("and or but when while as who which that whom whose if because after before")


def _leads_to_verb(view: SentenceView, head: int, last: int) -> bool:
    """Does the phrase ending at token `head` lead straight to the verb after token `last`?
    Directly, through an apposition between commas (", jailed in 2022,"), or through a phrase
    opened by a participle ("held since 2021")."""
    if head == last:
        return True
    following = view.tokens[head + 1]
    if following.lower == ",":
        return view.word(last) == "," and not any(view.word(i) in _NEW_CLAUSE for i in range(head + 2, last))
    participle = following.lower in HELD or (following.lower.endswith("ed") and following.text.islower())
    return participle and not any(
        view.is_break(i) or view.word(i) in _NEW_CLAUSE for i in range(head + 1, last + 1)
    )
