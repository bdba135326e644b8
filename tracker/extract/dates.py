"""Date phrases in a sentence and the dates they name, anchored on the publication date.

Phrases are found with our own patterns (running dateparser over whole sentences invents days:
"in May 2025" became the 13th). Weekdays, "yesterday", "on the 26th", month names and years are resolved by
plain calendar arithmetic; "three weeks ago" and its kin go to dateparser's DateDataParser, cached
per (phrase, base date) because it is slow. A month-precision phrase yields the first of the month
with precision "month": no day is ever invented. A week ("last week") is dated to the month that
holds most of it (its Thursday, as ISO 8601 assigns weeks), at month precision.

Offsets ("a day earlier", "two days after <clause>") are dated against another date: see
`offsets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from tracker.extract.model import DatePrecision

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
_MONTH = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec"
)
_YEAR_DIGITS = r"(?:19|20)\d\d"
_YEAR = _YEAR_DIGITS + r"(?![\d-])"
_PREP = (
    r"(?P<prep>(?i:since|in|on|by|until|till|from|during|through|throughout|before|after|of|last|this|next|"
    r"coming|early|late|earlier\s+in|later\s+in|end\s+of|mid)(?:\s+|-))?"
)
_PHRASE = re.compile(
    r"(?<![\w-])" + _PREP + r"(?:"
    rf"(?P<iso>(?P<iso_y>{_YEAR_DIGITS})-(?P<iso_m>\d\d)-(?P<iso_d>\d\d))"
    rf"|(?P<mdy>(?P<mdy_m>{_MONTH})\.?\s+(?P<mdy_d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:])(?:,?\s+(?P<mdy_y>{_YEAR}))?)"
    rf"|(?P<dmy>(?P<dmy_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dmy_m>{_MONTH})\b\.?(?:,?\s+(?P<dmy_y>{_YEAR}))?)"
    rf"|(?P<my>(?P<my_m>{_MONTH})\b\.?(?:\s+(?P<my_y>{_YEAR}))?)"
    r"|(?P<ord>(?<=on\s)the\s+(?P<ord_d>[1-9]|[12]\d|3[01])(?:st|nd|rd|th))"
    rf"|(?P<year>{_YEAR})"
    r"|(?P<decade>(?:the\s+)?(?:19|20)\d0s)"
    r"|(?P<rel>(?i:yesterday|today|tonight|this\s+(?:morning|afternoon|evening)|last\s+(?:night|week|month|year)|"
    r"earlier\s+this\s+(?:week|month|year)|this\s+(?:week|month|year)|"
    r"(?:over|at)\s+the\s+weekend|last\s+weekend|this\s+past\s+weekend))"
    r"|(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?:['’]s)?(?:\s+(?i:morning|afternoon|evening|night))?"
    r"|(?P<ago>(?i:(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
    r"(?:day|week|month|year)s?\s+ago))"
    r")(?![\w])"
)
_FORWARD_PREPS = frozenset({"next", "coming", "by", "until", "till"})
# After this many days a day-precision event is background, not news.
RETROSPECTIVE_DAYS = 7


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int  # sentence offsets
    end: int
    text: str
    value: date | None  # None when it cannot be resolved (no publication date to anchor it)
    precision: DatePrecision
    since: bool  # "since 2022": the start of a lasting condition
    ahead: bool  # points after publication ("next Friday", "by Oct. 1")
    wraps: bool  # a day or month without a year that had to fall back to last year
    # For an offset: the subordinate clause it dates ("two days after <...>"), if it dates only that.
    governs: tuple[int, int] | None = None
    background: bool = False  # it dates a presupposed, earlier event


def first_of_month(year: int, month: int) -> date:
    return date(year, month, 1)


def _month_of_days(first: date, last: date) -> date:
    """The month holding the middle of first..last (for a Monday-to-Sunday week, its Thursday)."""
    middle = first + timedelta(days=(last - first).days // 2)
    return first_of_month(middle.year, middle.month)


@lru_cache(maxsize=4096)
def _dateparser_phrase(phrase: str, base: date) -> tuple[date, DatePrecision] | None:
    from dateparser.date import DateDataParser  # imported lazily: it is slow to load

    parser = DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": datetime(base.year, base.month, base.day, 12, tzinfo=UTC),
            "PREFER_DATES_FROM": "past",
        },
    )
    data = parser.get_date_data(phrase)
    if data.date_obj is None:
        return None
    found = data.date_obj.date()
    period = data.period or "day"
    if period == "year":
        return date(found.year, 1, 1), "year"
    if period == "month":
        return first_of_month(found.year, found.month), "month"
    return found, "day"


def _resolve(match: re.Match[str], pub: date | None) -> tuple[date | None, DatePrecision, bool, bool]:
    """(value, precision, ahead, wraps) for one phrase match."""
    # One branch per kind of phrase in `_PHRASE`, in its order: a table read top to bottom.
    prep = (match.group("prep") or "").strip().lower().rstrip("-")
    forward = prep in _FORWARD_PREPS
    if match.group("iso"):
        try:
            value = date(int(match.group("iso_y")), int(match.group("iso_m")), int(match.group("iso_d")))
        except ValueError:
            return None, "day", False, False
        return value, "day", forward or (pub is not None and value > pub), False
    for kind in ("mdy", "dmy"):
        if match.group(kind):
            month = _MONTHS[match.group(f"{kind}_m").lower()]
            day = int(match.group(f"{kind}_d"))
            year_text = match.group(f"{kind}_y")
            try:
                if year_text:
                    value = date(int(year_text), month, day)
                    return value, "day", forward or (pub is not None and value > pub), False
                if pub is None:
                    return None, "day", forward, False
                value = date(pub.year, month, day)
                if forward:
                    return (value if value >= pub else date(pub.year + 1, month, day)), "day", True, False
                if value > pub:
                    return date(pub.year - 1, month, day), "day", forward, True
                return value, "day", forward, False
            except ValueError:
                return None, "day", False, False
    if match.group("my"):
        month = _MONTHS[match.group("my_m").lower()]
        if match.group("my_y"):
            value = first_of_month(int(match.group("my_y")), month)
            ahead = forward or (pub is not None and (value.year, value.month) > (pub.year, pub.month))
            return value, "month", ahead, False
        if pub is None:
            return None, "month", forward, False
        if forward:
            year = pub.year if month > pub.month else pub.year + 1
            return first_of_month(year, month), "month", True, False
        year = pub.year if month <= pub.month else pub.year - 1
        return first_of_month(year, month), "month", False, month > pub.month
    if match.group("year"):
        value = date(int(match.group("year")), 1, 1)
        return value, "year", forward or (pub is not None and value.year > pub.year), False
    if match.group("decade"):
        # "in the 1990s": dated to the decade's first year; only ever background.
        value = date(int(match.group("decade")[-5:-1]), 1, 1)
        return value, "year", False, False
    if pub is None:
        return None, "day", forward, False
    if match.group("rel"):
        return _relative(match.group("rel").lower(), pub)
    if match.group("ord"):
        return _day_of_month(int(match.group("ord_d")), pub), "day", False, False
    if match.group("wd"):
        weekday = _WEEKDAYS[match.group("wd").lower()]
        if prep in ("next", "coming"):
            return pub + timedelta(days=(weekday - pub.weekday()) % 7 or 7), "day", True, False
        back = (pub.weekday() - weekday) % 7
        if prep == "last" and back == 0:
            back = 7
        return pub - timedelta(days=back), "day", False, False
    resolved = _dateparser_phrase(re.sub(r"\s+", " ", match.group("ago").lower()), pub)
    if resolved is None:
        return None, "day", False, False
    return resolved[0], resolved[1], False, False


def _day_of_month(day: int, pub: date) -> date | None:
    """ "On the 26th": that day of the month of publication, or of an earlier month when the
    month has not reached it yet."""
    year, month = pub.year, pub.month
    for _ in range(3):
        if day <= pub.day or (year, month) != (pub.year, pub.month):
            try:
                return date(year, month, day)
            except ValueError:
                pass  # no 31st in that month: the month before
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _relative(phrase: str, pub: date) -> tuple[date | None, DatePrecision, bool, bool]:
    words = " ".join(phrase.split())
    monday = pub - timedelta(days=pub.weekday())
    if words in ("yesterday", "last night"):
        return pub - timedelta(days=1), "day", False, False
    if words in ("today", "tonight") or (
        words.startswith("this ") and words.split()[1] in ("morning", "afternoon", "evening")
    ):
        return pub, "day", False, False
    if words.endswith("weekend"):
        # The latest weekend at or before publication, dated to its Saturday (the Sunday is
        # within the day of tolerance every comparison of dates allows).
        saturday = pub - timedelta(days=(pub.weekday() - 5) % 7)
        if words == "last weekend" and pub.weekday() >= 5:
            saturday -= timedelta(days=7)  # said during a weekend: the one before
        return saturday, "day", False, False
    if words == "last week":
        return _month_of_days(monday - timedelta(days=7), monday - timedelta(days=1)), "month", False, False
    if words == "this week":
        return _month_of_days(monday, monday + timedelta(days=6)), "month", False, False
    if words == "earlier this week":
        return _month_of_days(monday, max(monday, pub - timedelta(days=1))), "month", False, False
    if words == "last month":
        previous = first_of_month(pub.year, pub.month) - timedelta(days=1)
        return first_of_month(previous.year, previous.month), "month", False, False
    if words in ("this month", "earlier this month"):
        return first_of_month(pub.year, pub.month), "month", False, False
    if words == "last year":
        return date(pub.year - 1, 1, 1), "year", False, False
    return date(pub.year, 1, 1), "year", False, False  # this year, earlier this year


_CAPITALS_WORD = re.compile(r"\b[A-Z]{2,}\b")


def _title_case_capitals(text: str) -> str:
    """`text` with words in capitals title-cased ("ON 21 JUNE" -> "On 21 June"), same length: month
    and weekday names are matched case-sensitively (so that "may" and "march" stay verbs), and
    headings and explainers set dates in capitals."""
    if not _CAPITALS_WORD.search(text):
        return text
    return _CAPITALS_WORD.sub(lambda m: m.group(0).capitalize(), text)


def find_dates(text: str, published: date | None) -> list[DateMention]:
    """Date phrases in `text` (one sentence), resolved against the publication date when needed."""
    found: list[DateMention] = []
    for match in _PHRASE.finditer(_title_case_capitals(text)):
        prep = (match.group("prep") or "").strip().lower()
        if (match.group("my") or match.group("year") or match.group("decade")) and not (
            prep or match.group("my_y")
        ):
            continue  # a bare month or year ("May", "2022 figures") is too often something else
        value, precision, ahead, wraps = _resolve(match, published)
        found.append(
            DateMention(
                start=match.start(),
                end=match.end(),
                text=text[match.start() : match.end()],
                value=value,
                precision=precision,
                since=prep == "since",
                ahead=ahead,
                wraps=wraps,
            )
        )
    return _joined(found, text, published)


_WEEKDAY_ONLY = re.compile(r"^(?:on\s+)?(?:mon|tues|wednes|thurs|fri|satur|sun)day$", re.IGNORECASE)
_BETWEEN_PARTS = re.compile(r"^[\s,]*$")


def _joined(found: list[DateMention], text: str, published: date | None) -> list[DateMention]:
    """Two phrases that name one date: "on Saturday 13 December" is the 13th (the weekday does
    not count on its own), and "in September last year" is September of the year before."""
    out: list[DateMention] = []
    for mention in found:
        previous = out[-1] if out else None
        if previous is None or not _BETWEEN_PARTS.match(text[previous.end : mention.start]):
            out.append(mention)
        elif _WEEKDAY_ONLY.match(previous.text) and mention.precision == "day":
            out[-1] = replace(mention, start=previous.start, text=text[previous.start : mention.end])
        elif (
            previous.precision == "month"
            and previous.value is not None
            and mention.text.lower() in ("last year", "this year")
            and mention.value is not None
        ):
            value = previous.value.replace(year=mention.value.year)
            ahead = published is not None and (value.year, value.month) > (published.year, published.month)
            span = text[previous.start : mention.end]
            out[-1] = replace(previous, end=mention.end, text=span, value=value, ahead=ahead, wraps=False)
        else:
            out.append(mention)
    return out


def is_retrospective(value: date, precision: DatePrecision, published: date) -> bool:
    """True when an event dated `value` lies clearly before the publication: background, not news."""
    if precision == "day":
        return (published - value).days > RETROSPECTIVE_DAYS
    if precision == "month":
        return (value.year, value.month) < (published.year, published.month)
    return value.year < published.year
