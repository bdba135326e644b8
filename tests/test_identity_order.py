"""Judging a subject's mentions as the fold does it (the ones that cannot move the subject set apart
first, the others ordered by keys built in one pass) decides every mention as judging them one at
a time, in the order the module's docstring gives, against the events known so far: for generated
mentions of a tally and of a state subject, news, retellings, background and ignored alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.story_facts import BELAVIA, EMBASSY, RELEASES, Subject, fact
from tracker.clock import DatePrecision
from tracker.fold import identity, story
from tracker.fold.fact import Fact
from tracker.fold.identity import Judgement
from tracker.fold.known_events import KnownEvent, KnownEvents

START = date(2025, 1, 20)  # near a month's end and a year's, so that periods cross both
SURNAMES = ("Ivanou", "Kalesnikava", "Babaryka")
PRECISIONS: tuple[DatePrecision, ...] = ("day", "day", "day", "month", "year")


def _one_at_a_time(
    facts: Iterable[Fact],
    *,
    may_found: Callable[[Fact], bool],
    key: Callable[[Fact], object],
    tally: bool,
    characterisation: bool = False,
    settles: Callable[[Fact], bool] = lambda _: False,
) -> dict[str, Judgement]:
    """Every mention in the docstring's order, by a key function, judged against the events known
    so far, an event's place in that order counting every mention judged before it."""
    known = KnownEvents()
    facts = list(facts)
    late = {f.fact_id: identity._late_unfit(f, settles) for f in facts}
    headlined = frozenset(f.stream for f in facts if f.sentence_index == 0)
    judged = sorted(
        ((may_found(f), f) for f in facts),
        key=lambda m: (
            not m[0] or late[m[1].fact_id] is not None,
            m[1].date_basis not in ("sentence", "analyst"),
            identity.names_only(m[1]),
            (m[1].published or m[1].event_date.isoformat(), m[1].stream, m[1].sentence_index, m[1].fact_id),
        ),
    )
    judgements: dict[str, Judgement] = {}
    founded: dict[str, KnownEvent] = {}
    for movable, mention in judged:
        if not mention.analyst and not movable and mention.modality != "retrospective":
            judgement = identity._ignored(mention)
        else:
            judgement = identity._judge(
                mention,
                known,
                movable,
                key,
                tally,
                characterisation,
                late[mention.fact_id],
                mention.stream in headlined,
            )
        judgements[mention.fact_id] = judgement
        if judgement.counts and judgement.target == mention.fact_id:
            event = KnownEvent(
                key(mention), mention.event_date, mention.date_precision, mention.fact_id, len(judgements)
            )
            founded[mention.fact_id] = event
            known.add(event)
        if judgement.decision == "news" and judgement.target in founded:
            founded[judgement.target].surnames |= identity._surnames(mention)
    return judgements


@st.composite
def _mention(draw: st.DrawFn, n: int, subject: Subject) -> Fact:
    precision = draw(st.sampled_from(PRECISIONS))
    day = START + timedelta(days=draw(st.integers(-40, 40)))
    day = (
        day.replace(day=1)
        if precision == "month"
        else day.replace(month=1, day=1)
        if precision == "year"
        else day
    )
    published = day + timedelta(days=draw(st.integers(-2, 15)))
    analyst = draw(st.integers(0, 19)) == 0
    base = fact(
        n,
        subject.id,
        day=day,
        precision=precision,
        basis="analyst"
        if analyst
        else draw(st.sampled_from(("sentence", "published", "published", "unknown"))),
        modality=draw(
            st.sampled_from(("asserted", "asserted", "retrospective", "hedged", "intent", "negated"))
        ),
        moves=draw(st.booleans()),
    )
    tally = subject.kind == "tally"
    names = draw(st.lists(st.sampled_from(SURNAMES), max_size=2, unique=True))
    just_named = draw(st.booleans())  # a count that is the people named ("Kalesnikava was freed")
    return replace(
        base,
        count=(len(names) if names and just_named else draw(st.integers(1, 45))) if tally else None,
        state=None if tally else draw(st.sampled_from([*(s.id for s in subject.states), "unknown-state"])),
        names=tuple(f"Ales {s}" for s in names),
        published=f"{published.isoformat()}T{draw(st.integers(0, 23)):02d}:00:00.000000Z",
        stream=f"article:{draw(st.integers(0, 12))}",  # articles share mentions, some in their headline
        sentence_index=draw(st.integers(0, 6)),
        paragraph_index=draw(st.integers(0, 3)),
        start=draw(st.integers(0, 600)),
        tense=draw(st.sampled_from(("past", "pluperfect", "perfect", "present", "future", "unknown"))),
        novelty=draw(st.integers(0, 9)) == 0,
        figure=draw(st.sampled_from(("exact", "exact", "at-least", "approximate"))),
        analyst=analyst,
    )


@st.composite
def _cases(draw: st.DrawFn) -> tuple[Subject, list[Fact]]:
    subject = draw(st.sampled_from((RELEASES, BELAVIA, EMBASSY)))
    mentions = [draw(_mention(n, subject)) for n in range(draw(st.integers(1, 40)))]
    published = {m.stream: m.published for m in reversed(mentions)}  # an article's, its first mention's
    return subject, [replace(m, published=published[m.stream]) for m in mentions]


@settings(max_examples=200, deadline=None)
@given(_cases())
def test_the_fold_judges_every_mention_as_judging_them_one_at_a_time_does(
    case: tuple[Subject, list[Fact]],
) -> None:
    subject, mentions = case
    judged = story._judge(subject, mentions)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(story, "judge_mentions", _one_at_a_time)
        assert judged == story._judge(subject, mentions)
