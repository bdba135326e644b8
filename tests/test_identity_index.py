"""The fold's index of known events finds exactly what a scan of every known event finds: for
generated events and mentions, the event a mention reports (or retells) is the same either way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.story_facts import fact
from tracker.clock import DatePrecision
from tracker.fold import identity
from tracker.fold.cluster import LATE_REPORT_DAYS, SAME_CHANGE_DAYS, same_period
from tracker.fold.fact import Fact
from tracker.fold.known_events import KnownEvent, KnownEvents

START = date(2025, 1, 20)  # near a year's end and a month's, so that windows cross both
PRECISIONS: tuple[DatePrecision, ...] = ("day", "day", "day", "month", "year")
SURNAMES = ("Ivanou", "Kalesnikava", "Babaryka")
STATES = ("in-force", "eased", "lifted")


def _coarsened(day: date, precision: DatePrecision) -> date:
    return (
        day.replace(day=1)
        if precision == "month"
        else day.replace(month=1, day=1)
        if precision == "year"
        else day
    )


@st.composite
def _known(draw: st.DrawFn, tally: bool, seq: int) -> KnownEvent:
    precision = draw(st.sampled_from(PRECISIONS))
    day = _coarsened(START + timedelta(days=draw(st.integers(-40, 40))), precision)
    key: object = draw(st.integers(1, 45)) if tally else draw(st.sampled_from(STATES))
    surnames = set(draw(st.lists(st.sampled_from(SURNAMES), max_size=2)))
    return KnownEvent(key, day, precision, f"fact:{seq}", seq, surnames)


@st.composite
def _mention(draw: st.DrawFn, tally: bool) -> Fact:
    precision = draw(st.sampled_from(PRECISIONS))
    day = _coarsened(START + timedelta(days=draw(st.integers(-40, 40))), precision)
    published = day + timedelta(days=draw(st.integers(-2, 12)))
    names = tuple(f"Ales {s}" for s in draw(st.lists(st.sampled_from(SURNAMES), max_size=2, unique=True)))
    subject = "prisoner-releases" if tally else "belavia-sanctions"
    base = fact(
        0, subject, day=day, precision=precision, basis=draw(st.sampled_from(("sentence", "published")))
    )
    return replace(
        base,
        count=draw(st.integers(1, 45)) if tally else None,
        state=None if tally else draw(st.sampled_from(STATES)),
        names=names,
        published=f"{published.isoformat()}T12:00:00.000000Z",
    )


@st.composite
def _cases(draw: st.DrawFn) -> tuple[bool, list[KnownEvent], list[Fact]]:
    tally = draw(st.booleans())
    events = [draw(_known(tally, seq)) for seq in range(1, draw(st.integers(0, 40)) + 1)]
    return tally, events, draw(st.lists(_mention(tally), min_size=1, max_size=10))


def _key(tally: bool) -> Callable[[Fact], object]:
    return (lambda f: f.count) if tally else (lambda f: f.state)


def _scan_same_event(fact: Fact, every: list[KnownEvent], own: object, tally: bool) -> KnownEvent | None:
    """The known event the mention reports, found by trying every known event in order of
    preference (one of the same count first, then the latest known)."""
    latest = identity.published_day(fact) + timedelta(days=SAME_CHANGE_DAYS)
    candidates = [e for e in every if e.day <= latest and (tally or e.key == own)]
    close = {id(e): e.key == own or identity._close(e.key, own) for e in candidates}
    named = tally and identity.names_only(fact)
    for event in sorted(candidates, key=lambda e: (not close[id(e)], -e.seq)):
        if same_period(event.day, event.precision, fact.event_date, fact.date_precision):
            coarse = "day" not in (event.precision, fact.date_precision)
            if tally and coarse and fact.date_basis != "published" and not close[id(event)]:
                continue
            return event
        late = fact.date_basis == "published" and fact.date_precision == event.precision == "day"
        days_late = fact.event_date - event.day
        if (
            late
            and (event.key == own or named)
            and timedelta(0) <= days_late <= timedelta(days=LATE_REPORT_DAYS)
            and not (tally and own == 1 and identity._someone_else(fact, event))
        ):
            return event
    return None


def _scan_earlier_event(fact: Fact, every: list[KnownEvent], own: object, tally: bool) -> KnownEvent | None:
    published = identity.published_day(fact)
    for event in sorted(every, key=lambda e: -e.seq):
        if event.day > fact.event_date or event.day > published:
            continue
        if tally and own == 1 and not (identity._surnames(fact) & event.surnames):
            continue
        if event.key == own or (tally and identity._close(event.key, own)):
            return event
    return None


@settings(max_examples=200, deadline=None)
@given(_cases())
def test_the_index_finds_what_a_scan_of_every_event_finds(
    case: tuple[bool, list[KnownEvent], list[Fact]],
) -> None:
    tally, every, mentions = case
    known = KnownEvents()
    for event in every:
        known.add(event)
    key = _key(tally)
    for mention in mentions:
        own = key(mention)
        assert identity._same_event(mention, known, key, tally) is _scan_same_event(
            mention, every, own, tally
        )
        assert identity._earlier_event(mention, known, key, tally) is _scan_earlier_event(
            mention, every, own, tally
        )


def test_a_late_report_a_week_after_its_event_finds_it_across_a_month_and_a_year() -> None:
    known = KnownEvents()
    event = KnownEvent(52, date(2024, 12, 29), "day", "fact:1", 1)
    known.add(event)
    mention = replace(
        fact(2, "prisoner-releases", count=52, day=date(2025, 1, 5), basis="published"),
        published="2025-01-05T12:00:00.000000Z",
    )
    assert identity._same_event(mention, known, _key(True), True) is event
    too_late = replace(mention, event_date=date(2025, 1, 6), published="2025-01-06T12:00:00.000000Z")
    assert identity._same_event(too_late, known, _key(True), True) is None
