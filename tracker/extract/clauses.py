"""Clause structure of one sentence, as dating needs it.

A subordinate clause keeps its dates to itself: in "the first sign of a thaw since Washington
suspended ... on Feb. 28, 2022" the date belongs to the suspension, and in "..., two days after
123 people were released" the release lies two days before the main clause and is presupposed
background. `Span` records such a clause; the functions below say which clause leans on the
date of the one before it, which one reports a statement, and whether a date phrase may date
clauses other than its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.extract.dates import DateMention
from tracker.extract.numbers import NUMBER_WORDS
from tracker.extract.tokens import SentenceView
from tracker.subjects.patterns import word_set

REPORTING = word_set(
    "said says told announced reported confirmed added stated noted according explained wrote "
    "insisted acknowledged disclosed revealed indicated"
)
_FRONTED_WORDS = 4  # "In Minsk on Thursday, ..." may date the clause that follows
# After "since" or "than", words that do not open a clause of their own.
_NOT_CLAUSE_OPENERS = word_set("then when ever before expected planned hoped usual")
# "the day Minsk freed 52": a clause set on the date just before it.
_PERIOD_NOUNS = word_set("day date night morning evening afternoon week month year")
_OFFSET_WORDS = word_set("after before earlier later")


@dataclass(frozen=True, slots=True)
class Span:
    """A subordinate clause with dates of its own: "since <clause>", "two days after <clause>"."""

    start: int
    end: int
    background: bool  # what it reports is presupposed, earlier than its main clause
    since: bool = False  # "since <clause>": it may also mark when a lasting condition began


def subordinate_clauses(view: SentenceView, base: list[DateMention]) -> list[Span]:
    """Clauses whose dates are their own: "since Washington suspended ..." (not a date phrase
    such as "since 2022"), comparisons ("better than they were a year ago") and relative clauses
    ("before the talks that started Tuesday")."""
    spans = _relative_clauses(view)
    starts = {m.start for m in base}
    for index, token in enumerate(view.tokens[:-1]):
        if token.lower not in ("since", "than") or token.start in starts:
            continue
        following = view.tokens[index + 1]
        if not following.is_word or following.lower in _NOT_CLAUSE_OPENERS:
            continue
        if token.lower == "than" and (following.text[0].isdigit() or following.lower in NUMBER_WORDS):
            continue  # "more than 50 prisoners": an amount, not a comparison clause
        end = view.clause_end(following.start)
        if end > following.start:
            since = token.lower == "since"
            spans.append(Span(following.start, end, since, since=since))
    return spans


def _relative_clauses(view: SentenceView) -> list[Span]:
    """ "the talks that started Tuesday": a clause about a noun, opened by "that" or "which" and
    its verb, never by a reporting verb ("said that ...")."""
    spans = []
    tokens = view.tokens
    for index in range(1, len(tokens) - 1):
        opener, before, verb = tokens[index], tokens[index - 1], tokens[index + 1]
        if opener.lower not in ("that", "which") or not before.is_word or before.lower in REPORTING:
            continue
        if not (verb.lower.endswith("ed") or verb.lower in _RELATIVE_VERBS):
            continue
        end = view.clause_end(verb.start)
        if end > verb.start:
            spans.append(Span(verb.start, end, background=False))
    return spans


_RELATIVE_VERBS = word_set("began begun met took came was were had")


def _clause_words(view: SentenceView, clause: int) -> list[str]:
    return [t.lower for t, c in zip(view.tokens, view.clause, strict=True) if c == clause]


def anchored_on_previous(view: SentenceView, clause: int) -> bool:
    """Does the clause lean on the date of the clause before it? "..., when 52 were freed";
    "on Sept. 11, the day Minsk freed 52 prisoners"."""
    words = _clause_words(view, clause)[:4]
    if not words:
        return False
    if words[0] == "when":
        return True
    if words[0] != "the":
        return False
    rest = words[1:]
    if rest and rest[0] in ("same", "very"):
        rest = rest[1:]
    return bool(rest) and rest[0] in _PERIOD_NOUNS and (len(rest) < 2 or rest[1] not in _OFFSET_WORDS)


def in_reporting_clause(view: SentenceView, mention: DateMention) -> bool:
    """Is the date phrase in a clause that reports a statement ("officials said on Friday")?"""
    return any(word in REPORTING for word in _clause_words(view, view.clause_of(mention.start)))


def dates_other_clauses(view: SentenceView, mention: DateMention) -> bool:
    """May the date phrase date other clauses of the sentence? It may from a reporting clause,
    or when it is fronted with few other words ("On Thursday, ...")."""
    clause = view.clause_of(mention.start)
    indices = [i for i, c in enumerate(view.clause) if c == clause]
    words = [view.tokens[i] for i in indices if view.tokens[i].is_word]
    if any(t.lower in REPORTING for t in words):
        return True
    outside = [t for t in words if not (mention.start <= t.start < mention.end)]
    return clause == view.clause[0] and len(outside) <= _FRONTED_WORDS
