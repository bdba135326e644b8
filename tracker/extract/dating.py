"""Dating one sentence: the date phrases it holds, and the date of the event a cue reports.

Date phrases come from `dates.find_dates`; offsets ("a day earlier", "two days after <clause>")
are resolved against the date they hang on: a date in the sentence, its reporting clause ("...,
the Treasury said on Friday"), the text before it, or the publication. A clause set on a date
("on Sept. 11, the day Minsk freed 52") takes that date. A subordinate clause (see `clauses`) is
dated only by the phrases inside it or the offset that introduces it, and its phrases never date
anything outside it.

With no publication date and no absolute date in the sentence, a claim's date basis is "unknown"
and it never moves a subject: a relative date ("on Thursday") cannot be placed, and guessing would
put changes on the wrong day.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from tracker.extract.clauses import (
    Span,
    anchored_on_previous,
    dates_other_clauses,
    in_reporting_clause,
    subordinate_clauses,
)
from tracker.extract.dates import DateMention, find_dates, is_retrospective
from tracker.extract.matching import CueMatch
from tracker.extract.model import UNKNOWN_DATE, DateBasis, DatePrecision
from tracker.extract.offsets import OFFSET_HINT, Offset, find_offsets, shift
from tracker.extract.tokens import SentenceView
from tracker.subjects.model import Modality

# Modalities of statements of fact, whose date phrases date the event itself.
_FACTUAL = frozenset({"asserted", "retrospective"})
# How far back "a day later" looks for the date it counts from, in characters.
_ANCHOR_LOOKBACK = 600


@dataclass(frozen=True, slots=True)
class Dated:
    value: date
    precision: DatePrecision
    basis: DateBasis
    retrospective: bool


ContextAnchor = Callable[[], DateMention | None]


def context_anchor(text: str, start: int, published: date | None) -> ContextAnchor:
    """What "a day later" in the sentence at `start` counts from when the sentence has no date of
    its own: the last usable date phrase shortly before it (found on first use)."""
    found: list[DateMention | None] = []

    def anchor() -> DateMention | None:
        if not found:
            found.append(_previous_anchor(text, start, published))
        return found[0]

    return anchor


def _previous_anchor(text: str, start: int, published: date | None) -> DateMention | None:
    window = text[max(0, start - _ANCHOR_LOOKBACK) : start]
    found = [
        m
        for m in find_dates(window, published)
        if m.value is not None and not m.ahead and not m.since and m.precision != "year"
    ]
    return found[-1] if found else None


class SentenceDates:
    """The date phrases of one sentence, with offsets resolved, computed on first use."""

    def __init__(self, view: SentenceView, published: date | None, context: ContextAnchor) -> None:
        self.view = view
        self.published = published
        self.context = context
        self._dates: list[DateMention] | None = None
        self._spans: list[Span] = []
        self._anchor_mention: DateMention | None = None  # what the last adverbial offset counted from

    @property
    def mentions(self) -> list[DateMention]:
        if self._dates is None:
            self._dates = self._find_dates()
        return self._dates

    def span_at(self, pos: int) -> Span | None:
        """The innermost subordinate clause holding sentence offset `pos`, if any."""
        if not self.mentions:
            return None
        return self._innermost_span(pos)

    def _find_dates(self) -> list[DateMention]:
        """Date phrases, with offsets resolved and the subordinate clauses they date recorded."""
        text = self.view.text
        base = find_dates(text, self.published)
        lower = text.lower()
        if "since" in lower or "than" in lower or "that" in lower or "which" in lower:
            self._spans.extend(subordinate_clauses(self.view, base))
        if not OFFSET_HINT.search(text):
            return base
        offsets = find_offsets(text)
        if not offsets:
            return base
        hidden: set[int] = set()
        complements: dict[int, DateMention] = {}
        for index, offset in enumerate(offsets):
            complement = next(
                (m for m in base if offset.start < m.start <= offset.end + 1 and m.value is not None), None
            )
            if complement is not None:  # "two days after Sept. 11"
                complements[index] = complement
                hidden.add(id(complement))
            elif offset.kind == "subordinate":
                end = self.view.clause_end(offset.end)
                if end > offset.end:
                    self._spans.append(Span(offset.end, end, background=offset.amount != 0))
        out = [m for m in base if id(m) not in hidden]
        resolved = [
            self._resolve_offset(offset, complements.get(i), out, hidden) for i, offset in enumerate(offsets)
        ]
        out = [m for m in [*out, *resolved] if id(m) not in hidden]
        out.sort(key=lambda m: m.start)
        return out

    def _resolve_offset(
        self, offset: Offset, complement: DateMention | None, mentions: list[DateMention], hidden: set[int]
    ) -> DateMention:
        """The date an offset names, counted from the date it hangs on (see `dates.find_offsets`)."""
        governs: tuple[int, int] | None = None
        end = offset.end
        anchor: tuple[date, DatePrecision] | None = None
        if complement is not None and complement.value is not None:
            # "two days after Sept. 11": the clause it sits in, counted from that date
            anchor = (complement.value, complement.precision)
            offset = replace(offset, sign=-offset.sign)
            end = complement.end
        elif offset.kind == "subordinate":
            span = self._innermost_span(offset.end)
            governs = (span.start, span.end) if span else None
            governing = self._governing_date(mentions, offset.start)
            # "Two days before the 123 were freed, X met Y": an undated main clause cannot place
            # what came after it.
            if governing is not None and (governing[2] or offset.sign < 0):
                anchor = governing[0], governing[1]
        else:
            anchor = self._adverbial_anchor(mentions, offset.start)
            if self._anchor_mention is not None and in_reporting_clause(self.view, self._anchor_mention):
                # "said on Friday that 52 had been released a day earlier": Friday dates the
                # statement; the offset dates the release.
                hidden.add(id(self._anchor_mention))
        value: date | None = None
        precision: DatePrecision = "day"
        if anchor is not None:
            value, precision = shift(anchor[0], anchor[1], offset)
        elif governs is not None:
            value = self.published
        published = self.published
        return DateMention(
            start=offset.start,
            end=end,
            text=self.view.text[offset.start : end],
            value=value,
            precision=precision,
            since=False,
            ahead=value is not None and published is not None and value > published,
            wraps=False,
            governs=governs,
            # "two days after 123 were released": old news; "hours after": the same news
            background=governs is not None and offset.amount != 0,
        )

    def _usable_anchor(self, mention: DateMention) -> bool:
        return (
            mention.value is not None
            and not mention.ahead
            and not mention.since
            and mention.governs is None
            and self._innermost_span(mention.start) is None
        )

    def _governing_date(
        self, mentions: list[DateMention], pos: int
    ) -> tuple[date, DatePrecision, bool] | None:
        """The time of the main clause: its own date phrase (explicit: True), else the publication."""
        usable = [m for m in mentions if self._usable_anchor(m)]
        before = [m for m in usable if m.end <= pos]
        after = [m for m in usable if m.start > pos]
        chosen = before[-1] if before else (after[0] if after else None)
        if chosen is not None and chosen.value is not None:
            return chosen.value, chosen.precision, True
        if self.published is not None:
            return self.published, "day", False
        return None

    def _adverbial_anchor(self, mentions: list[DateMention], pos: int) -> tuple[date, DatePrecision] | None:
        """What "a day earlier" counts from: an earlier date of the sentence, else the date of its
        reporting clause ("..., the Treasury said on Friday"), else of the text before it, else
        the publication."""
        usable = [m for m in mentions if self._usable_anchor(m)]
        before = [m for m in usable if m.end <= pos]
        reporting = [m for m in usable if m.start > pos and in_reporting_clause(self.view, m)]
        in_sentence = before[-1] if before else reporting[0] if reporting else None
        self._anchor_mention = in_sentence
        chosen = in_sentence or self.context()
        if chosen is not None and chosen.value is not None:
            return chosen.value, chosen.precision
        if self.published is not None:
            return self.published, "day"
        return None

    def _innermost_span(self, pos: int) -> Span | None:
        inside = [s for s in self._spans if s.start <= pos < s.end]
        return min(inside, key=lambda s: s.end - s.start) if inside else None

    def date_for(self, positions: tuple[int, ...], modality: Modality, cue: CueMatch) -> Dated:
        mentions = self.mentions
        span = self._innermost_span(cue.anchor)
        chosen = self._choose_date(mentions, span, positions, modality, cue)
        background = span is not None and span.background
        if chosen is not None and chosen.value is not None:
            retro = (
                chosen.since
                or background
                or (
                    self.published is not None
                    and is_retrospective(chosen.value, chosen.precision, self.published)
                )
            )
            return Dated(chosen.value, chosen.precision, "sentence", retro)
        if self.published is not None:
            return Dated(self.published, "day", "published", background)
        return Dated(UNKNOWN_DATE, "year", "unknown", False)

    def _choose_date(
        self,
        mentions: list[DateMention],
        span: Span | None,
        positions: tuple[int, ...],
        modality: Modality,
        cue: CueMatch,
    ) -> DateMention | None:
        """The date phrase that dates the event at `positions` (cue, and count if any), if any.

        Preference: a phrase in the same clause; else a fronted adverbial ("On Thursday, ...") or a
        reporting clause ("..., officials said on Friday"). "Since" phrases only date their own
        clause, or a clause right after it that is anchored on it ("Since September, when 52 were
        freed"; "on Sept. 11, the day Minsk freed 52"). For claims that are not facts (plans,
        promises) a phrase after the cue in its own clause is the planned time, not the time of
        the statement, and is not used. A subordinate clause ("since <clause>", "two days after
        <clause>") is dated only by the phrases inside it or the offset that introduces it, and
        its phrases never date anything outside it.
        """
        view = self.view
        clauses = {view.clause_of(p) for p in positions}
        clauses |= {c - 2 for c in clauses if anchored_on_previous(view, c)}
        factual = modality in _FACTUAL
        best: tuple[int, int, int, int, DateMention] | None = None
        for mention in mentions:
            if mention.value is None or mention.ahead:
                continue
            inner = self._innermost_span(mention.start)
            governing = span is not None and mention.governs == (span.start, span.end)
            if span is None and inner is not None and inner.since and cue.rule.kind == "confirm":
                # "has been under sanctions since it was designated in August 2023": the clause
                # dates the start of the condition the cue confirms.
                mention = replace(mention, since=True)
                inner = None
            if span is None and (mention.governs is not None or inner is not None):
                continue  # it dates a subordinate clause only
            if span is not None and not governing and inner is not span:
                continue
            same = governing or view.clause_of(mention.start) in clauses
            planned = mention.wraps or (same and not governing and mention.start >= cue.end)
            if not factual and planned and not self._clearly_past(mention):
                continue
            if not same and (mention.since or not dates_other_clauses(view, mention)):
                continue
            distance = min(abs(mention.start - p) for p in positions)
            rank = (1 if governing else 0, 0 if same else 1, 1 if mention.since else 0, distance, mention)
            if best is None or rank[:4] < best[:4]:
                best = rank
        return best[4] if best else None

    def _clearly_past(self, mention: DateMention) -> bool:
        """A phrase naming a time before publication cannot be a planned time ("began to thaw in 2024")."""
        if self.published is None or mention.value is None or mention.wraps:
            return False
        return is_retrospective(mention.value, mention.precision, self.published)
