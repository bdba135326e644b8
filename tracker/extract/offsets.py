"""Date offsets: phrases that date something relative to another date, not the publication.

* adverbial ones date their own clause: "a day earlier", "two days later", "the previous day",
  "the same day", "later that day";
* subordinating ones date the clause they introduce: in "..., two days after 123 people were
  released" the release lies two days before the time of the main clause. Such a clause is
  presupposed background, never the news of the sentence;
* followed by a date ("two days after Sept. 11") they date their own clause from that date.

Which date an offset counts from (the governing date) is chosen by the caller, who knows the
clauses: a date phrase of the main clause, else an earlier sentence, else the publication.
`shift` counts it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from tracker.extract.dates import first_of_month
from tracker.extract.model import DatePrecision

OffsetUnit = Literal["day", "week", "month", "year"]
OffsetKind = Literal["adverbial", "subordinate"]

_QUANTITIES = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2,
}  # fmt: skip
_VAGUE_QUANTITIES = frozenset({"a few", "few", "several", "some", "many", "only", "just", "mere", "barely"})
_QUANTITY = (
    r"\d{1,2}|a\s+couple\s+of|a\s+few|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"few|several|some|many|only|just|mere|barely"
)
_UNIT_WORDS = r"minutes?|moments?|hours?|nights?|days?|weeks?|months?|years?"
_OFFSET = re.compile(
    r"(?<![\w-])(?i:"
    rf"(?:(?P<qty>{_QUANTITY})\s+)?(?P<unit>{_UNIT_WORDS})\s+"
    r"(?P<dir>after|before|earlier|later|afterwards|afterward|prior\s+to)"
    r"|the\s+(?P<t_unit>day|night|week|month|year)\s+(?P<t_dir>after|before|earlier|later)"
    r"|(?:the|that)\s+(?P<rel>previous|preceding|prior|next|following|same|very\s+same)\s+"
    r"(?P<r_unit>day|night|morning|afternoon|evening|week|month|year)"
    r"|(?P<l_dir>later|earlier)\s+that\s+(?P<l_unit>day|night|morning|afternoon|evening|week|month)"
    r"|that\s+(?:same\s+)?(?P<that_unit>day|night|morning|afternoon|evening)"
    r"|(?P<soon>shortly|soon|just|immediately|moments|minutes|hours)\s+(?P<s_dir>after|before|afterwards|later)"
    r")(?![\w-])"
)
# Quick test before the offset regex runs at all.
OFFSET_HINT = re.compile(
    r"\b(?:after|before|earlier|later|afterwards?|prior|previous|preceding|next|following|same|that)\b",
    re.IGNORECASE,
)
# Vague offsets ("days after") in days, and the precision they leave.
_VAGUE_DAYS = {"day": 3, "week": 14, "month": 60, "year": 730}


@dataclass(frozen=True, slots=True)
class Offset:
    """A phrase that dates something relative to another date."""

    start: int  # sentence offsets of the offset words
    end: int
    text: str
    amount: int | None  # in units; None when vague ("days after"); 0 for "hours after", "the same day"
    unit: OffsetUnit
    sign: int  # +1: the dated event lies after the governing date; -1: before it
    kind: OffsetKind  # "subordinate": it dates the clause it introduces (which starts at `end`)
    approximate: bool = False  # "the following week": a week, not seven days


def _unit(word: str) -> tuple[OffsetUnit, bool]:
    """(unit, same-day) for a unit word: hours and parts of a day count as the same day."""
    word = word.lower().rstrip("s")
    if word in ("minute", "moment", "hour", "morning", "afternoon", "evening"):
        return "day", True
    if word == "night":
        return "day", False
    if word in ("week", "month", "year"):
        return word, False  # type: ignore[return-value]
    return "day", False


def _amount(quantity: str | None, same_day: bool, unit_word: str) -> int | None:
    if same_day:
        if quantity and quantity.isdigit() and unit_word.lower().startswith("hour"):
            return int(quantity) // 24
        return 0
    if quantity is None:
        return None if unit_word.lower().endswith("s") else 1
    words = " ".join(quantity.lower().split())
    if words.isdigit():
        return int(words)
    return None if words in _VAGUE_QUANTITIES else _QUANTITIES.get(words)


def _introduces_clause(text: str, end: int) -> bool:
    """Does a word (not a break or the end) follow the offset words?"""
    rest = text[end:].lstrip()
    return bool(rest) and (rest[0].isalnum() or rest[0] in "\"'“‘")


def find_offsets(text: str) -> list[Offset]:
    """Offset phrases in one sentence ("two days after", "a day earlier", "the previous day")."""
    found: list[Offset] = []
    for match in _OFFSET.finditer(text):
        groups = match.groupdict()
        approximate = False
        start, end = match.start(), match.end()
        if groups["unit"]:
            unit, same_day = _unit(groups["unit"])
            amount = _amount(groups["qty"], same_day, groups["unit"])
            direction = " ".join(groups["dir"].lower().split())
        elif groups["t_unit"]:
            unit, same_day = _unit(groups["t_unit"])
            amount, direction = (0 if same_day else 1), groups["t_dir"].lower()
        elif groups["rel"]:
            unit, same_day = _unit(groups["r_unit"])
            approximate = unit != "day"
            rel = groups["rel"].lower()
            if rel.endswith("same") or same_day:
                amount, direction = 0, "later"
            else:
                amount = 1
                direction = "earlier" if rel in ("previous", "preceding", "prior") else "later"
        elif groups["l_unit"]:
            unit, _ = _unit(groups["l_unit"])
            amount, direction = 0, groups["l_dir"].lower()
        elif groups["that_unit"]:
            unit, amount, direction = "day", 0, "later"
        else:
            unit, amount, direction = "day", 0, groups["s_dir"].lower()
        if direction in ("after", "before", "prior to") and _introduces_clause(text, end):
            kind: OffsetKind = "subordinate"
            sign = -1 if direction == "after" else 1
        else:
            kind = "adverbial"
            sign = -1 if direction in ("earlier", "before", "prior to") else 1
        found.append(Offset(start, end, match.group(0), amount, unit, sign, kind, approximate))
    return found


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def shift(anchor: date, precision: DatePrecision, offset: Offset) -> tuple[date, DatePrecision]:
    """The date `offset` names, counted from `anchor` (known to `precision`)."""
    amount = offset.amount
    if amount is None:
        days = _VAGUE_DAYS[offset.unit] * offset.sign
        moved = anchor + timedelta(days=days)
        if offset.unit in ("month", "year") or precision == "year":
            return date(moved.year, 1, 1), "year"
        return first_of_month(moved.year, moved.month), "month"
    if offset.unit == "year" or precision == "year":
        year = anchor.year + amount * offset.sign if offset.unit == "year" else anchor.year
        return date(year, 1, 1), "year"
    if offset.unit == "month":
        return _add_months(anchor, amount * offset.sign), "month"
    days = amount * (7 if offset.unit == "week" else 1) * offset.sign
    moved = anchor + timedelta(days=days)
    if precision == "month":
        return first_of_month(moved.year, moved.month), "month"
    if offset.unit == "week" and (amount > 1 or offset.approximate):
        return first_of_month(moved.year, moved.month), "month"
    return moved, "day"
