"""Numbers in a sentence, in digits or words, with exact offsets and a flag for vague amounts.

Number words are converted run by run with text_to_num ("one hundred and twenty-three" -> 123,
"Fifty-two" -> 52), so each value keeps the offsets of the words it came from. text_to_num's
`alpha2digit` leaves isolated small numbers ("two people") as words; converting runs ourselves
reads those too. "A dozen" is 12 and "two dozen" 24; "dozens", "hundreds" and amounts after
"more than", "about", "up to" and the like are vague: they are recorded but never counted as an
exact figure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from text_to_num import text2num

from tracker.subjects.patterns import word_set

_UNITS = word_set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million"
)
# Words whose presence says a sentence may hold a count (the prefilter for tally subjects).
NUMBER_WORDS = frozenset(_UNITS) - {"zero"} | {"dozen"}
_WORD = "(?:" + "|".join(sorted(_UNITS, key=len, reverse=True)) + ")"
_NUMBER = re.compile(
    rf"(?<![\w.,])(?P<digits>\d{{1,3}}(?:,\d{{3}})+|\d+)(?![\w]|[.,]\d)"
    rf"|(?<![\w-])(?P<dozen>half\s+a\s+dozen|a\s+dozen|(?:{_WORD}\s+)?dozen)(?![\w-])"
    rf"|(?<![\w-])(?P<words>(?:a\s+(?=hundred|thousand))?{_WORD}(?:(?:\s+and\s+|[\s-]+){_WORD})*)(?![\w-])"
    rf"|(?<![\w-])(?P<many>dozens|scores|hundreds|thousands|several|a\s+few|many|numerous)(?![\w-])",
    re.IGNORECASE,
)
_APPROXIMATE = re.compile(
    r"(?:more\s+than|over|at\s+least|about|around|nearly|almost|roughly|some|up\s+to|as\s+many\s+as|"
    r"fewer\s+than|less\s+than|approximately|an\s+estimated|close\s+to|upwards\s+of|under|just\s+over|"
    r"just\s+under|well\s+over|no\s+fewer\s+than|no\s+more\s+than|in\s+excess\s+of|estimated|~)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class NumberMention:
    start: int  # sentence offsets
    end: int
    text: str
    value: int | None  # None for "dozens", "hundreds", "several"
    vague: bool
    qualifier_start: int | None = None  # where "more than", "over"... begins, if one precedes


def _words_value(text: str) -> int | None:
    words = re.sub(r"\s+", " ", text.lower()).strip()
    if words in ("hundred", "thousand", "million", "zero"):
        return None  # "millions of dollars", "zero tolerance": not a head count
    if words.startswith("a "):
        words = "one " + words[2:]
    try:
        return int(text2num(words, "en"))
    except ValueError:
        return None


def _dozen_value(text: str) -> int | None:
    """ "a dozen" 12, "half a dozen" 6, "two dozen" 24."""
    words = text.lower().split()
    if words[0] == "half":
        return 6
    if len(words) == 1 or words[0] == "a":
        return 12
    multiple = _words_value(" ".join(words[:-1]))
    return multiple * 12 if multiple is not None else None


_FLOOR = re.compile(r"^(?:at\s+least|no\s+fewer\s+than)\b", re.IGNORECASE)


def is_floor(text: str, number: NumberMention) -> bool:
    """Is the number a floor ("at least three", "no fewer than 40"): the least it can be?"""
    start = number.qualifier_start
    return number.value is not None and start is not None and bool(_FLOOR.match(text[start : number.start]))


def find_numbers(text: str) -> list[NumberMention]:
    """Every number in `text`, in order."""
    found: list[NumberMention] = []
    for match in _NUMBER.finditer(text):
        value: int | None
        raw = match.group(0)
        if match.group("digits"):
            value = int(raw.replace(",", ""))
        elif match.group("words"):
            value = _words_value(raw)
            if value is None:
                continue
        elif match.group("dozen"):
            value = _dozen_value(raw)
        else:
            value = None
        window_start = max(0, match.start() - 24)
        qualifier = _APPROXIMATE.search(text[window_start : match.start()])
        qualifier_start = window_start + qualifier.start() if qualifier else None
        vague = value is None or qualifier is not None
        found.append(NumberMention(match.start(), match.end(), raw, value, vague, qualifier_start))
    return found
