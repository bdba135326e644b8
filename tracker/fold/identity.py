"""Event identity over time: is a mention news, a retelling of an earlier event, or background?

A timeline entry is a real-world event; a later article that mentions it is one more source of
that entry, never a new one. Each mention is judged with what its article tells about it, in the
order the articles were published, against the events already known from earlier mentions:

1. A mention whose date matches a known event of the same subject (same day ±1, same month at
   month precision; a matching count reported up to a week late) joins it: as news when it was
   published within a few days of the event, as a retelling when later.
2. A mention with an explicit date (a date phrase in its sentence) that matches nothing founds
   the event at that date, never at the article's publication date. Published long after that
   date, it is recorded as a retelling that dates the entry, but only when its date is a day
   ("on 13 December", not "earlier this month": a vague date cannot place an event nobody
   reported on its day) and it does not settle a state (a state is settled by the report of its
   day, never by a later account of it). Such a late mention can only join a known event.
3. A mention dated only by its article's publication, with the same count (or state) as an
   earlier known event, retells that event unless it carries a marker of a new one ("another",
   "a new group", "a further") or is told in the present (or present perfect) in the lede.
4. Such a mention that matches nothing is news in the lede of its article; a past-tense mention
   further down is background, and so is one in the lede of an article whose headline speaks of
   something else ("Freed American tells his story": a profile, an interview).

Only mentions allowed to move the subject (asserted, exact, not retrospective…) can found an
event; a retrospective mention can only join one, and is background otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta
from typing import Literal, NamedTuple

from tracker.fold.cluster import LATE_REPORT_DAYS, SAME_CHANGE_DAYS, same_period
from tracker.fold.fact import Fact
from tracker.fold.known_events import COUNT_TOLERANCE, KnownEvent, KnownEvents

Decision = Literal["news", "retelling", "background", "ignored"]

FRESH_DAYS = 3  # a mention published this soon after its event reports it as news
LEDE_PARAGRAPH = 1  # paragraphs 0 (title) and 1 (the first of the body) are the lede…
LEDE_SENTENCES = 3  # …as far as the article's fourth sentence…
LEDE_CHARS = 400  # …and its first few hundred characters (title and about two sentences)
RECAP_DAYS = 180  # with no tense known, a lede this long after an event of that size is news
_PAST = frozenset({"past", "pluperfect", "unknown"})
_NOW = frozenset({"present", "perfect"})


class Judgement(NamedTuple):
    """The fold's decision about one mention. `counts` marks the mentions that define an entry
    (its date, count or state, and corroboration): news, and a dated retelling founding an entry
    nobody reported on its day. `target` is the fact that founded the event a mention belongs to.
    (A tuple, as the fold's other small records: its class is built in a quarter of the time.)"""

    decision: Decision
    reason: str
    counts: bool = False
    target: str | None = None


def in_lede(fact: Fact) -> bool:
    return (
        fact.start < LEDE_CHARS
        and fact.paragraph_index <= LEDE_PARAGRAPH
        and fact.sentence_index <= LEDE_SENTENCES
    )


def published_day(fact: Fact) -> date:
    return date.fromisoformat(fact.published[:10]) if fact.published else fact.event_date


_DATED = ("sentence", "analyst")  # the date bases of an explicitly dated mention
# A day's grace: an event dated the day after an article's publication (a time zone, a weekday read
# from another day) may still be the one it reports.
_GRACE = timedelta(days=SAME_CHANGE_DAYS)


def judge_mentions(
    facts: Iterable[Fact],
    *,
    may_found: Callable[[Fact], bool],
    key: Callable[[Fact], object],
    tally: bool,
    characterisation: bool = False,
    settles: Callable[[Fact], bool] = lambda _: False,
) -> dict[str, Judgement]:
    """Judge every fact of one subject (see the module docstring). `may_found` says whether a
    fact may move the subject; `key` gives its count or state; `characterisation` is True for a
    subject that takes the latest report (the tone of relations); `settles` whether a fact's state
    is a settled one."""
    known = KnownEvents()
    every = list(facts)
    headlined = frozenset(f.stream for f in every if f.sentence_index == 0)
    judgements: dict[str, Judgement] = {}
    # A mention that cannot move the subject, unless an analyst's or a retrospective one, is
    # ignored whatever else is known: judged at once, it founds nothing and joins nothing.
    facts, movable = [], []
    for fact in every:
        may = may_found(fact)
        if may or fact.analyst or fact.modality == "retrospective":
            facts.append(fact)
            movable.append(may)
        else:
            judgements[fact.fact_id] = _ignored(fact)
    late = {f.fact_id: _late_unfit(f, settles) for f in facts}
    founded: dict[str, KnownEvent] = {}
    for i in _judging_order(facts, movable, late):
        fact = facts[i]
        judgement = _judge(
            fact,
            known,
            movable[i],
            key,
            tally,
            characterisation,
            late[fact.fact_id],
            fact.stream in headlined,
        )
        judgements[fact.fact_id] = judgement
        if judgement.counts and judgement.target == fact.fact_id:
            event = KnownEvent(key(fact), fact.event_date, fact.date_precision, fact.fact_id, len(judgements))
            founded[fact.fact_id] = event
            known.add(event)
        if judgement.decision == "news" and fact.names and judgement.target in founded:
            founded[judgement.target].surnames |= _surnames(fact)
    return judgements


def _judging_order(facts: list[Fact], movable: list[bool], late: dict[str, str | None]) -> list[int]:
    """The places of `facts` in the order they are judged: explicitly dated mentions that may move
    the subject first, then those dated by their article, each in publication order (so an article's
    own date never hides an event a date phrase names), counts first and named people after; then
    the retrospective ones, which can only join an event, against every event known. (The keys are
    built in one pass and the places sorted by them: a key function's call for each fact cost a
    fifth of the judging.)"""
    keys = [
        (
            not may or late[f.fact_id] is not None,
            f.date_basis not in _DATED,
            names_only(f),  # a named person joins the release of that day, once it is known
            f.published or f.event_date.isoformat(),
            f.stream,
            f.sentence_index,
            f.fact_id,
        )
        for may, f in zip(movable, facts, strict=True)
    ]
    return sorted(range(len(facts)), key=keys.__getitem__)


def _judge(
    fact: Fact,
    known: KnownEvents,
    movable: bool,
    key: Callable[[Fact], object],
    tally: bool,
    characterisation: bool,
    late: str | None,
    headlined: bool,
) -> Judgement:
    """One mention's judgement (one that may move the subject, an analyst's or a retrospective one);
    `late` says why it may only join a known event (published long after a vague date, or settling
    a state late), `headlined` whether its article's headline speaks of the subject."""
    if fact.analyst:
        return Judgement(
            "news", "an analyst's assertion", counts=True, target=_founder(fact, known, key, tally)
        )
    same = _same_event(fact, known, key, tally)
    if same is not None:
        since = (published_day(fact) - same.day).days
        if since <= FRESH_DAYS and movable and fact.modality != "retrospective":
            return Judgement("news", f"reported {_days(since)} after the event", True, same.founder)
        return Judgement(
            "retelling",
            f"dated {fact.event_date}, as the event; published {_days(since)} after it",
            target=same.founder,
        )
    if late is not None:
        return Judgement("background", late)
    if fact.date_basis == "sentence":
        return _dated_first_report(fact, movable)
    earlier = _earlier_event(fact, known, key, tally)
    return _undated(fact, earlier, movable, tally, characterisation, headlined)


def _ignored(fact: Fact) -> Judgement:
    """A mention that cannot move the subject (see `judge_mentions`)."""
    if fact.modality == "asserted":
        return Judgement(
            "ignored", "asserted, but no change by the subject's rules (a confirmation; an inexact figure)"
        )
    return Judgement("ignored", f"{fact.modality} statement: it cannot move the subject")


def _late_unfit(fact: Fact, settles: Callable[[Fact], bool]) -> str | None:
    """Why a mention dated by its sentence, published well after that date, may only join an
    event known from other reports (None when it may found one). `settles`: whether a fact's
    state is a settled one."""
    if fact.analyst or fact.date_basis != "sentence":
        return None
    lag = (published_day(fact) - fact.event_date).days
    if lag <= FRESH_DAYS:
        return None
    if fact.date_precision != "day":
        vague = f"dated only to its {fact.date_precision}, published {_days(lag)} later"
        return vague + ": too vague to place an event"
    if settles(fact):
        return f"published {_days(lag)} after its date: a later account never settles a state"
    return None


def _dated_first_report(fact: Fact, movable: bool) -> Judgement:
    """A mention with a date phrase matching no known event: it founds one at that date."""
    if not movable:
        return Judgement("background", "retells an event no report in the timeline describes")
    lag = (published_day(fact) - fact.event_date).days
    if lag <= FRESH_DAYS:
        reason = f"dated {fact.event_date} by its sentence, published {_days(lag)} later"
        return Judgement("news", reason, True, fact.fact_id)
    reason = f"explicit date {fact.event_date}, published {_days(lag)} later, first report: dates the entry"
    return Judgement("retelling", reason, True, fact.fact_id)


def _undated(
    fact: Fact,
    earlier: KnownEvent | None,
    movable: bool,
    tally: bool,
    characterisation: bool,
    headlined: bool,
) -> Judgement:
    """A mention dated only by its article: new, a retelling of `earlier`, or background."""
    if fact.novelty and movable:
        reason = "marked as a new event (another, a further, a new group)"
        return Judgement("news", reason, True, fact.fact_id)
    if earlier is not None:
        if movable and _told_as_now(fact, earlier, tally=tally, characterisation=characterisation):
            return Judgement("news", f"stated on its own day ({fact.modality})", True, fact.fact_id)
        gap = (fact.event_date - earlier.day).days
        what = "count" if tally else "state"
        reason = f"undated {fact.tense}-tense mention {_days(gap)} after the event of {earlier.day}"
        reason += f" with the same {what}"
        return Judgement("retelling", reason, target=earlier.founder)
    if not movable:
        return Judgement("background", "a retrospective mention of no event in the timeline")
    lede = in_lede(fact) and (headlined or fact.tense not in ("past", "pluperfect"))
    if lede or fact.tense not in _PAST or _said_then(fact, tally, characterisation):
        where = "in the lede" if lede else f"{fact.tense} tense"
        return Judgement("news", f"undated, {where}: dated by its article", True, fact.fact_id)
    reason = f"{fact.tense}-tense mention in paragraph {fact.paragraph_index + 1}, no date, no earlier event"
    if in_lede(fact):
        reason += "; its headline speaks of something else"
    return Judgement("background", reason)


def _told_as_now(fact: Fact, earlier: KnownEvent, *, tally: bool, characterisation: bool) -> bool:
    """Whether an undated mention of an already known count or state is a statement of its own
    day: an intent, a promise or a characterisation (said when reported), a release told in the
    present in the lede ("Belarus has freed 52 prisoners"), a state restated in the present
    ("remains closed"); with no tense known, a release in a headline or lede long after the
    earlier one (recaps come within months; a release of the same size years later is news)."""
    if _said_then(fact, tally, characterisation):
        return True
    if fact.tense in _NOW or fact.tense == "future":
        return in_lede(fact) or not tally
    if fact.tense == "unknown":
        long_after = (fact.event_date - earlier.day).days > RECAP_DAYS
        return tally and in_lede(fact) and long_after
    return False


def _said_then(fact: Fact, tally: bool, characterisation: bool) -> bool:
    """An intent, a promise, a condition or a characterisation is said when it is reported: the
    past tense of its reporting verb ("Coale said Washington wants to reopen", "he described
    relations as good") tells nothing of its age; only a pluperfect does ("had said")."""
    return not tally and (characterisation or fact.modality != "asserted") and fact.tense != "pluperfect"


def _founder(fact: Fact, known: KnownEvents, key: Callable[[Fact], object], tally: bool) -> str:
    same = _same_event(fact, known, key, tally)
    return same.founder if same is not None else fact.fact_id


def _same_event(
    fact: Fact, known: KnownEvents, key: Callable[[Fact], object], tally: bool
) -> KnownEvent | None:
    """The known event reported on the same day (or in the same month) as the fact, if any, one of
    the same count first, then the latest known; never one after the fact's article was published
    (but for a day's grace)."""
    latest, own = published_day(fact) + _GRACE, key(fact)
    named = tally and names_only(fact)
    best: KnownEvent | None = None
    best_rank = (True, 0)
    for event in known.near(fact):
        if event.day > latest or not (tally or event.key == own):
            continue
        close = event.key == own or _close(event.key, own)
        rank = (not close, -event.seq)
        if (best is None or rank < best_rank) and _reports(
            fact, event, own, close=close, named=named, tally=tally
        ):
            best, best_rank = event, rank
    return best


def _reports(fact: Fact, event: KnownEvent, own: object, *, close: bool, named: bool, tally: bool) -> bool:
    """Does the fact report the known event: in the same period, or late by its article's date?"""
    if same_period(event.day, event.precision, fact.event_date, fact.date_precision):
        coarse = "day" not in (event.precision, fact.date_precision)
        # A different count in the same month: another release that month.
        return not (tally and coarse and fact.date_basis != "published" and not close)
    late = fact.date_basis == "published" and fact.date_precision == event.precision == "day"
    return (
        late
        and (event.key == own or named)
        and 0 <= (fact.event_date - event.day).days <= LATE_REPORT_DAYS
        and not (tally and own == 1 and _someone_else(fact, event))
    )


def _earlier_event(
    fact: Fact, known: KnownEvents, key: Callable[[Fact], object], tally: bool
) -> KnownEvent | None:
    """The latest known event before the fact with the same count (or state); for one person
    freed, the release of the same person."""
    latest, own = min(fact.event_date, published_day(fact)), key(fact)
    one_person = tally and own == 1
    surnames = _surnames(fact) if one_person else frozenset()
    best: KnownEvent | None = None
    for event in known.with_key(own):
        if event.day > latest or (best is not None and event.seq < best.seq):
            continue
        if one_person and not (surnames & event.surnames):
            continue  # one person freed is told apart by who, not by the count
        if event.key == own or (tally and _close(event.key, own)):
            best = event
    return best


def _someone_else(fact: Fact, event: KnownEvent) -> bool:
    """Is the person a later report says was freed not the one freed in `event`? Told apart by
    name; a report naming no one is not taken for a release of someone named."""
    surnames = _surnames(fact)
    if surnames:
        return bool(event.surnames) and not surnames & event.surnames
    return bool(event.surnames)


def _surnames(fact: Fact) -> frozenset[str]:
    return frozenset(name.split()[-1].lower() for name in fact.names)


def names_only(fact: Fact) -> bool:
    """A count that is just the people named ("Kalesnikava was freed"): part of a release near it."""
    return bool(fact.names) and fact.count == len(fact.names)


def _close(a: object, b: object) -> bool:
    if not isinstance(a, int) or not isinstance(b, int):
        return a == b
    return abs(a - b) <= max(1, round(COUNT_TOLERANCE * max(a, b))) if min(a, b) > 1 else a == b


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"
