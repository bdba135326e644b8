"""People in a count sentence named rather than counted.

A release of named people with no number ("Maria Kalesnikava was released on Saturday",
"Belarus freed Ihar Losik") counts one per name, when nothing in the sentence gives a number for
its cue. A name is two or more capitalised words that are not places, days or institutions; a
single surname is too often something else ("Washington was freed of ..."), and is left alone.
Names listed after "including" or "among them" are kept with a count as the people it includes.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    "belavia belaruskali viasna reuters"
)


@dataclass(frozen=True, slots=True)
class NamedRelease:
    cue: int  # index of the cue among the sentence's count cues
    first: int  # first and last token of the names
    last: int
    names: list[str]


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
        if not token.text[0].isupper() or token.lower in _NOT_NAMES:
            if taken:
                break
            continue
        taken.append(token.text)
    return " ".join(taken) if taken else None


_COPULAS = word_set("was were has have had been is are")


def named_releases(
    view: SentenceView, cue_tokens: list[tuple[int, int]], used: set[int], counted: bool
) -> list[NamedRelease]:
    """Releases of named people, for the cues (first and last token of each) not in `used`."""
    if counted or _GROUP_WORDS & {t.lower for t in view.tokens}:
        # A sentence that gives a number says how many, and one that speaks of a group ("along
        # with others", "among those freed") names only part of it.
        return []
    out: list[NamedRelease] = []
    for k, (cue_first, cue_last) in enumerate(cue_tokens):
        if k in used:
            continue
        found = _passive_subject(view, cue_first) or _active_object(view, cue_last)
        if found:
            out.append(NamedRelease(k, *found))
    return out


def _passive_subject(view: SentenceView, cue_first: int) -> tuple[int, int, list[str]] | None:
    """Names released in the passive: "Maria Kalesnikava was released", "Ales Bialiatski and
    Maria Kalesnikava were freed", "Andrey Kuznechyk, a journalist, was freed", "Losik, who was
    pardoned"."""
    index = cue_first - 1
    while index >= 0 and view.word(index) in _COPULAS | {"who", "also", "finally", "reportedly"}:
        index -= 1
    if index == cue_first - 1:
        return None  # no auxiliary: "Kalesnikava freed" is not a passive
    if view.word(index) == "," and view.word(index + 1) == "who":
        index -= 1  # "Ales Bialiatski, who was freed on Saturday"
    elif view.word(index) == ",":  # "Andrey Kuznechyk, a journalist, was freed"
        opening = index - 1
        while opening >= 0 and view.word(opening) != ",":
            opening -= 1
        if opening < 0 or index - opening > 8:
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
