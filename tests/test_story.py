"""The story fold, on hand-made facts: merging outlets, forward-only states, conflicts,
retrospective mentions, analysts' word, retractions and --as-of."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.helpers.story_facts import SUBJECTS, decisions, fact, later, view
from tracker.fold import Fact, Retraction, fold_story


def test_one_release_reported_by_three_outlets_is_one_entry_counted_once() -> None:
    facts = [
        fact(1, "prisoner-releases", count=52, publisher="wire"),
        fact(2, "prisoner-releases", count=52, publisher="digest"),
        fact(3, "prisoner-releases", count=52, publisher="monitor", day=date(2025, 9, 12), basis="published"),
    ]
    story = fold_story(SUBJECTS, facts)
    releases = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert len(releases) == 1
    assert releases[0].count == 52 and releases[0].date == date(2025, 9, 11)
    assert releases[0].publishers == 3 and len(releases[0].sources) == 3
    assert view(story, "prisoner-releases").total == 52  # type: ignore[attr-defined]


def test_distinct_releases_add_up() -> None:
    facts = [
        fact(1, "prisoner-releases", count=3, day=date(2025, 2, 12)),
        fact(2, "prisoner-releases", count=14, day=date(2025, 6, 21)),
        fact(3, "prisoner-releases", count=52, day=date(2025, 9, 11)),
    ]
    tally = view(fold_story(SUBJECTS, facts), "prisoner-releases")
    assert tally.total == 69 and tally.since == date(2025, 9, 11)  # type: ignore[attr-defined]


def test_a_retrospective_mention_joins_the_release_and_adds_nothing() -> None:
    recap = fact(
        2,
        "prisoner-releases",
        count=52,
        day=date(2025, 9, 1),
        precision="month",
        modality="retrospective",
        moves=False,
        publisher="digest",
    )
    facts = [fact(1, "prisoner-releases", count=52), replace(recap, published="2025-12-18T09:00:00.000000Z")]
    story = fold_story(SUBJECTS, facts)
    (entry,) = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert entry.count == 52
    assert [s.retrospective for s in entry.sources] == [False, True]
    assert entry.publishers == 1
    mention = next(m for m in story.mentions if m.fact_id == "fact:2")
    assert (mention.decision, mention.entry) == ("retelling", entry.id)
    # Published before the release, the same words cannot be about it.
    early = fold_story(SUBJECTS, [fact(1, "prisoner-releases", count=52), recap])
    assert next(m for m in early.mentions if m.fact_id == "fact:2").decision == "background"


def test_hedged_or_non_moving_claims_never_settle_a_state() -> None:
    facts = [
        fact(1, "us-embassy-minsk", state="reopened", modality="hedged", moves=True),  # extractor bug guard
        fact(2, "us-embassy-minsk", state="reopened", modality="asserted", moves=False),
        fact(3, "us-embassy-minsk", state="reopening-discussed", modality="intent"),
    ]
    embassy = view(fold_story(SUBJECTS, facts), "us-embassy-minsk")
    assert embassy.state == "reopening-discussed"  # type: ignore[attr-defined]
    assert embassy.since == date(2025, 9, 11)  # type: ignore[attr-defined]


def test_states_only_move_forward_without_a_reversal() -> None:
    facts = [
        fact(1, "belavia-sanctions", state="eased", day=date(2025, 9, 11)),
        fact(2, "belavia-sanctions", state="relief-promised", modality="promise", day=date(2025, 10, 1)),
    ]
    belavia = view(fold_story(SUBJECTS, facts), "belavia-sanctions")
    assert belavia.state == "eased"  # type: ignore[attr-defined]
    reversal = replace(fact(3, "belavia-sanctions", state="in-force", day=date(2025, 12, 1)), reversal=True)
    assert view(fold_story(SUBJECTS, [*facts, reversal]), "belavia-sanctions").state == "in-force"  # type: ignore[attr-defined]


def test_disagreeing_outlets_show_a_conflict_instead_of_picking_silently() -> None:
    facts = [
        fact(1, "belavia-sanctions", state="eased", publisher="wire"),
        fact(2, "belavia-sanctions", state="eased", publisher="digest"),
        fact(3, "belavia-sanctions", state="lifted", publisher="monitor"),
    ]
    story = fold_story(SUBJECTS, facts)
    belavia = view(story, "belavia-sanctions")
    assert belavia.state == "eased"  # type: ignore[attr-defined]
    (conflict,) = belavia.conflicts  # type: ignore[attr-defined]
    assert conflict.state == "lifted" and conflict.sources[0].publisher == "monitor"
    # A tie goes to the more cautious state.
    tie = fold_story(SUBJECTS, [facts[0], facts[2]])
    assert view(tie, "belavia-sanctions").state == "eased"  # type: ignore[attr-defined]


def test_an_analyst_outranks_extraction_and_a_retraction_stops_a_fact_counting() -> None:
    analyst = replace(
        fact(9, "belavia-sanctions", state="lifted", publisher="analyst"), analyst=True, date_basis="analyst"
    )
    facts = [
        fact(1, "belavia-sanctions", state="eased"),
        fact(2, "belavia-sanctions", state="eased", publisher="b"),
    ]
    story = fold_story(SUBJECTS, [*facts, analyst])
    assert view(story, "belavia-sanctions").state == "lifted"  # type: ignore[attr-defined]
    assert view(story, "belavia-sanctions").analyst  # type: ignore[attr-defined]
    retracted = fold_story(SUBJECTS, [*facts, analyst], [Retraction("fact:9", "wrong")])
    assert view(retracted, "belavia-sanctions").state == "eased"  # type: ignore[attr-defined]
    assert [r.fact_id for r in retracted.retracted] == ["fact:9"]


def test_as_of_counts_a_month_precision_event_only_after_its_month() -> None:
    facts = [fact(1, "prisoner-releases", count=52, day=date(2025, 9, 1), precision="month")]
    assert view(fold_story(SUBJECTS, facts, as_of=date(2025, 9, 15)), "prisoner-releases").total == 0  # type: ignore[attr-defined]
    assert view(fold_story(SUBJECTS, facts, as_of=date(2025, 9, 30)), "prisoner-releases").total == 52  # type: ignore[attr-defined]


def test_as_of_before_any_change_shows_the_initial_state_with_its_source() -> None:
    facts = [fact(1, "us-embassy-minsk", state="reopening-discussed", modality="intent")]
    story = fold_story(SUBJECTS, facts, as_of=date(2025, 9, 10))
    embassy = view(story, "us-embassy-minsk")
    assert embassy.state == "suspended" and embassy.since == date(2022, 2, 28)  # type: ignore[attr-defined]
    assert embassy.evidence[0].url == "https://example.org/2022"  # type: ignore[attr-defined]
    before_everything = fold_story(SUBJECTS, facts, as_of=date(2020, 1, 1))
    assert view(before_everything, "us-embassy-minsk").state is None  # type: ignore[attr-defined]


def test_the_timeline_is_ordered_and_stable() -> None:
    facts = [
        fact(3, "prisoner-releases", count=52),
        fact(1, "us-embassy-minsk", state="reopening-discussed", modality="intent"),
        fact(2, "belavia-sanctions", state="relief-promised", modality="promise"),
    ]
    first = fold_story(SUBJECTS, facts)
    second = fold_story(SUBJECTS, list(reversed(facts)))
    assert first == second
    dates = [e.date for e in first.timeline]
    assert dates == sorted(dates)


def test_a_named_person_freed_in_a_larger_release_is_part_of_it_not_a_rival() -> None:
    named = replace(fact(1, "prisoner-releases", count=1, publisher="monitor"), names=("Maria Kalesnikava",))
    total = fact(2, "prisoner-releases", count=123, publisher="wire")
    story = fold_story(SUBJECTS, [named, total])
    (entry,) = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert entry.count == 123 and entry.conflicts == () and entry.publishers == 2
    assert "Maria Kalesnikava" in entry.summary


def test_a_surname_beside_the_full_name_is_one_person() -> None:
    facts = [
        replace(fact(1, "prisoner-releases", count=14), names=("Siarhei Tsikhanouski",)),
        replace(fact(2, "prisoner-releases", count=14, publisher="b"), names=("Tsikhanouski",)),
    ]
    (entry,) = [e for e in fold_story(SUBJECTS, facts).timeline if e.subject == "prisoner-releases"]
    assert entry.summary == "14 people released, including Siarhei Tsikhanouski"


def test_a_syndicated_copy_is_not_corroboration() -> None:
    wire = fact(1, "prisoner-releases", count=52, publisher="ap")
    copy = replace(fact(2, "prisoner-releases", count=52, publisher="local-paper"), sentence=wire.sentence)
    own = replace(
        fact(3, "prisoner-releases", count=52, publisher="monitor"), sentence="Fifty-two were freed."
    )
    (entry,) = [
        e for e in fold_story(SUBJECTS, [wire, copy, own]).timeline if e.subject == "prisoner-releases"
    ]
    assert len(entry.sources) == 3  # every outlet is listed...
    assert entry.publishers == 2  # ...but the verbatim copy does not corroborate


# --- event identity over time ---------------------------------------------------------------------


def test_a_past_tense_recap_weeks_later_is_a_retelling_not_a_second_release() -> None:
    recap = later(2, 52, "2025-10-20", tense="past", start=900, sentence_index=7, paragraph_index=4)
    story = fold_story(SUBJECTS, [fact(1, "prisoner-releases", count=52), recap])
    (entry,) = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert (entry.date, entry.count) == (date(2025, 9, 11), 52)
    assert view(story, "prisoner-releases").total == 52  # type: ignore[attr-defined]
    assert decisions(story)["fact:2"] == ("retelling", entry.id)
    assert [s.retrospective for s in entry.sources] == [False, True]


def test_a_release_marked_new_is_another_release_of_the_same_size() -> None:
    another = later(2, 52, "2025-10-16", tense="past", novelty=True)
    story = fold_story(SUBJECTS, [fact(1, "prisoner-releases", count=52), another])
    assert [(e.date, e.count) for e in story.timeline if e.subject == "prisoner-releases"] == [
        (date(2025, 9, 11), 52),
        (date(2025, 10, 16), 52),
    ]
    assert view(story, "prisoner-releases").total == 104  # type: ignore[attr-defined]


def test_an_explicit_old_date_dates_the_entry_never_the_publication() -> None:
    explainer = replace(
        fact(1, "prisoner-releases", count=14, day=date(2025, 6, 21)),
        published="2025-09-30T09:00:00.000000Z",
    )
    story = fold_story(SUBJECTS, [explainer])
    (entry,) = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert entry.date == date(2025, 6, 21)
    decision, entry_id = decisions(story)["fact:1"]
    assert (decision, entry_id) == ("retelling", entry.id)


def test_an_undated_past_event_in_passing_is_background() -> None:
    aside = later(1, 14, "2025-09-30", tense="past", start=1200, sentence_index=9, paragraph_index=5)
    story = fold_story(SUBJECTS, [aside])
    assert not [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert decisions(story)["fact:1"] == ("background", None)
    lede = later(2, 14, "2025-09-30", tense="past")  # the same words opening a fresh article: news
    assert [e.count for e in fold_story(SUBJECTS, [lede]).timeline if e.kind == "release"] == [14]


def test_outlets_disagreeing_on_a_count_give_one_entry_and_a_conflict() -> None:
    facts = [
        fact(1, "prisoner-releases", count=40, publisher="a"),
        fact(2, "prisoner-releases", count=40, publisher="b"),
        fact(3, "prisoner-releases", count=39, publisher="c"),
    ]
    story = fold_story(SUBJECTS, facts)
    (entry,) = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert entry.count == 40 and [c.count for c in entry.conflicts] == [39]
    retold = later(4, 39, "2025-11-02", tense="past", start=800, sentence_index=6, paragraph_index=3)
    again = fold_story(SUBJECTS, [*facts, retold])
    assert decisions(again)["fact:4"] == ("retelling", entry.id)
    assert view(again, "prisoner-releases").total == 40  # type: ignore[attr-defined]


def test_a_state_passed_through_on_the_day_of_a_further_one_is_no_entry() -> None:
    facts = [
        fact(1, "us-embassy-minsk", state="reopening-discussed", modality="promise"),
        fact(2, "us-embassy-minsk", state="reopened", publisher="digest"),
    ]
    story = fold_story(SUBJECTS, facts)
    changes = [
        (e.date, e.state) for e in story.timeline if e.subject == "us-embassy-minsk" and e.kind == "change"
    ]
    assert changes == [(date(2025, 9, 11), "reopened")]
    # Discussion told only as done that day was passed through on the way to the reopening too.
    facts[0] = replace(facts[0], modality="asserted", tense="past")
    story = fold_story(SUBJECTS, facts)
    assert [e.state for e in story.timeline if e.subject == "us-embassy-minsk" and e.kind == "change"] == [
        "reopened"
    ]
    # Discussion that looks past the step ("a consulate would follow") stays an entry of its own.
    ahead = replace(facts[0], fact_id="fact:3", modality="promise", tense="future")
    story = fold_story(SUBJECTS, [*facts, ahead])
    assert [e.state for e in story.timeline if e.subject == "us-embassy-minsk" and e.kind == "change"] == [
        "reopening-discussed",
        "reopened",
    ]


def test_an_offer_told_as_made_the_day_of_the_step_is_that_step_unless_it_promises_more() -> None:
    offer = replace(fact(1, "belavia-sanctions", state="relief-promised", publisher="wire"), tense="present")
    licence = replace(fact(2, "belavia-sanctions", state="eased", publisher="digest"), tense="past")

    def changes(facts: list[Fact]) -> list[str | None]:
        story = fold_story(SUBJECTS, facts)
        return [e.state for e in story.timeline if e.subject == "belavia-sanctions" and e.kind == "change"]

    assert changes([offer, licence]) == ["eased"]
    decision, entry = decisions(fold_story(SUBJECTS, [offer, licence]))["fact:1"]
    assert (decision, entry) == ("news", "belavia-sanctions:2025-09-11:eased")
    mention = next(m for m in fold_story(SUBJECTS, [offer, licence]).mentions if m.fact_id == "fact:1")
    assert "a step to eased reported in the same period" in mention.reason
    assert changes([offer]) == ["relief-promised"]  # an offer on its own is a promise
    contingent = fact(
        3, "belavia-sanctions", state="relief-promised", modality="conditional", publisher="wire"
    )
    assert changes([offer, licence, contingent]) == ["relief-promised", "eased"]
    later_offer = replace(offer, event_date=date(2025, 8, 1))  # made a month before the step
    assert changes([later_offer, licence]) == ["relief-promised", "eased"]


def test_one_person_freed_is_told_apart_by_name() -> None:
    first = replace(fact(1, "prisoner-releases", count=1), names=("Ales Novik",))
    other = replace(later(2, 1, "2025-09-15", tense="past"), names=("Piotr Sawicki",))
    same = replace(later(3, 1, "2025-09-14", tense="past"), names=("Novik",))
    unnamed = later(4, 1, "2025-09-25", tense="past")
    story = fold_story(SUBJECTS, [first, other, same, unnamed])
    releases = [e for e in story.timeline if e.subject == "prisoner-releases"]
    assert [(e.date, e.count) for e in releases] == [
        (date(2025, 9, 11), 1),
        (date(2025, 9, 15), 1),
        (date(2025, 9, 25), 1),
    ]
    assert decisions(story)["fact:3"][1] == releases[0].id


def test_a_swap_told_from_both_sides_counts_what_the_government_released() -> None:
    both = "A prisoner swap in Ankara freed 24 people on Thursday."
    facts = [
        replace(fact(1, "prisoner-releases", count=24, publisher="a"), sentence=both),
        replace(fact(2, "prisoner-releases", count=24, publisher="b"), sentence=both),
        replace(
            fact(3, "prisoner-releases", count=16),
            sentence="The 16 released from its prisons in the exchange.",
        ),
    ]
    (entry,) = [e for e in fold_story(SUBJECTS, facts).timeline if e.kind == "release"]
    assert entry.count == 16 and [c.count for c in entry.conflicts] == [24]
    # Without an exchange, the figure more publishers give stands.
    plain = [replace(f, sentence=f"Belarus freed {f.count} people.") for f in facts]
    (entry,) = [e for e in fold_story(SUBJECTS, plain).timeline if e.kind == "release"]
    assert entry.count == 24


def test_a_floor_founds_a_release_and_an_exact_count_settles_it() -> None:
    floor = replace(fact(1, "prisoner-releases", count=3, moves=False), figure="at-least")
    story = fold_story(SUBJECTS, [floor])
    assert [e.count for e in story.timeline if e.kind == "release"] == [3]
    exact = fact(2, "prisoner-releases", count=4, publisher="digest")
    (entry,) = [e for e in fold_story(SUBJECTS, [floor, exact]).timeline if e.kind == "release"]
    assert entry.count == 4 and [c.count for c in entry.conflicts] == [3]
    # A recap's figure (which may count only some of them) never outvotes the day's news.
    recaps = [
        replace(fact(n, "prisoner-releases", count=2, publisher=f"p{n}"), modality="retrospective")
        for n in (3, 4)
    ]
    (entry,) = [e for e in fold_story(SUBJECTS, [exact, *recaps]).timeline if e.kind == "release"]
    assert entry.count == 4
    hedged = replace(floor, modality="hedged")
    assert not [e for e in fold_story(SUBJECTS, [hedged]).timeline if e.kind == "release"]


def test_a_late_mention_with_a_vague_date_can_only_join_a_known_event() -> None:
    vague = replace(
        fact(1, "prisoner-releases", count=1, day=date(2025, 5, 1), precision="month"),
        published="2025-05-29T09:00:00.000000Z",
    )
    story = fold_story(SUBJECTS, [vague])
    assert not [e for e in story.timeline if e.kind == "release"]
    assert decisions(story)["fact:1"] == ("background", None)
    news = fact(2, "prisoner-releases", count=1, day=date(2025, 5, 20), basis="published", publisher="digest")
    story = fold_story(SUBJECTS, [vague, news])
    (entry,) = [e for e in story.timeline if e.kind == "release"]
    assert entry.date == date(2025, 5, 20) and decisions(story)["fact:1"] == ("retelling", entry.id)


def test_a_later_account_never_settles_a_state_but_may_date_a_discussion() -> None:
    def told_late(n: int, state: str) -> Fact:
        base = fact(n, "us-embassy-minsk", state=state, day=date(2025, 6, 21))
        return replace(base, published="2025-09-30T09:00:00.000000Z")

    story = fold_story(SUBJECTS, [told_late(1, "reopened")])
    assert [e.kind for e in story.timeline if e.subject == "us-embassy-minsk"] == ["initial"]
    assert decisions(story)["fact:1"] == ("background", None)
    story = fold_story(SUBJECTS, [told_late(2, "reopening-discussed")])
    assert [e.date for e in story.timeline if e.kind == "change"] == [date(2025, 6, 21)]


def test_a_return_expected_on_the_day_of_a_closure_is_no_change() -> None:
    reopened = fact(1, "us-embassy-minsk", state="reopened", day=date(2025, 6, 2))
    closed = replace(fact(2, "us-embassy-minsk", state="suspended", publisher="digest"), reversal=True)
    expected = fact(3, "us-embassy-minsk", state="reopening-discussed", modality="promise", publisher="daily")
    story = fold_story(SUBJECTS, [reopened, closed, expected])
    changes = [e.state for e in story.timeline if e.subject == "us-embassy-minsk" and e.kind == "change"]
    assert changes == ["reopened", "suspended"]


def test_a_past_tense_lede_under_a_headline_about_something_else_is_background() -> None:
    profile = later(2, 5, "2023-11-08", tense="past", sentence_index=1, paragraph_index=1, start=90)
    story = fold_story(SUBJECTS, [profile])
    assert not [e for e in story.timeline if e.kind == "release"]
    assert decisions(story)["fact:2"] == ("background", None)
    headline = later(1, 5, "2023-11-08", tense="present", sentence_index=0, paragraph_index=0)
    story = fold_story(SUBJECTS, [headline, replace(profile, stream=headline.stream)])
    assert [e.count for e in story.timeline if e.kind == "release"] == [5]


def test_a_recap_of_an_exact_count_dated_to_its_day_founds_the_release_nobody_reported() -> None:
    recap = replace(
        fact(1, "prisoner-releases", count=14, day=date(2025, 6, 21), modality="retrospective", moves=False),
        published="2025-09-30T09:00:00.000000Z",
    )
    story = fold_story(SUBJECTS, [recap])
    (entry,) = [e for e in story.timeline if e.kind == "release"]
    assert (entry.date, entry.count) == (date(2025, 6, 21), 14)
    assert decisions(story)["fact:1"] == ("retelling", entry.id)
    for figure in ("at-least", "approximate", "running-total"):
        vague = fold_story(SUBJECTS, [replace(recap, figure=figure)])
        assert not [e for e in vague.timeline if e.kind == "release"], figure
    to_the_month = fold_story(SUBJECTS, [replace(recap, date_precision="month")])
    assert not [e for e in to_the_month.timeline if e.kind == "release"]
