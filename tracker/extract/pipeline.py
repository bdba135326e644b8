"""extract_claims: article text + subject rules -> claims, in text order.

For each sentence and subject: find the subject's mentions and cues; tie each cue to its nearest
reachable mention (an exclusion there means the cue is about something else); label the cue's
modality; date it from the sentence or the publication; then resolve the target state (or, for a
tally, the count) and whether the claim may move the subject.

Dates and background. A subordinate clause keeps its dates to itself: in "the first sign of a
thaw since Washington suspended ... on Feb. 28, 2022" the date belongs to the suspension, and in
"..., two days after 123 people were released" the release lies two days before the main clause
and is presupposed background (retrospective), whatever hedges the main clause carries. A clause
set on a date ("on Sept. 11, the day Minsk freed 52") takes that date; "a day earlier" counts from
the sentence's own date, its reporting clause, the text before it, or the publication.

What moves. A present-tense description in running text ("a licence allows Belavia to buy
parts") confirms a settled state but does not move it: the change itself is told in the past, or
in a headline, which uses the present for news. Within one sentence a move and a move to its
tentative state are one step ("issued a licence that gives some relief": eased, not also a
promise). A named person's release counts one, unless the article reports a larger release at
that time, of which the person is part.

Cost is kept where it matters: a paragraph whose words include no cue anchor of any subject is
skipped before sentence splitting, and a sentence gets tokens, modality scopes, dates and numbers
only when some subject could say something about it.

With no publication date and no absolute date in the sentence, a claim's date basis is "unknown"
and it never moves a subject: a relative date ("on Thursday") cannot be placed, and guessing would
put changes on the wrong day. Callers should pass the first-seen time when a feed gives no date.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date

from tracker.extract.dates import (
    OFFSET_HINT,
    DateMention,
    Offset,
    find_dates,
    find_offsets,
    is_retrospective,
    shift,
)
from tracker.extract.matching import CompiledSubject, CueMatch, DocumentContext, Mention, compile_subjects
from tracker.extract.modality import ModalityScopes
from tracker.extract.model import UNKNOWN_DATE, Claim, DateBasis, DatePrecision, Document
from tracker.extract.numbers import NUMBER_WORDS, find_numbers
from tracker.extract.sentences import split_sentences
from tracker.extract.tally import find_counts
from tracker.extract.text import blocks
from tracker.extract.tokens import CLAUSE_WORDS, SentenceView
from tracker.subjects.model import Modality, Subject
from tracker.subjects.patterns import word_set, words_of

_REPORTING = word_set(
    "said says told announced reported confirmed added stated noted according explained wrote "
    "insisted acknowledged disclosed revealed indicated"
)
# How many words may stand between a cue and the mention it is about.
MENTION_REACH = 15
_CONTRAST = CLAUSE_WORDS | {";", ":"}
_PRONOUNS = frozenset({"it", "its", "they", "them", "their"})
_FRONTED_WORDS = 4  # "In Minsk on Thursday, ..." may date the clause that follows
_QUOTES = re.compile(r"“([^”]+)”|\"([^\"]+)\"|‘([^’]+)’|(?<!\w)'([^']+)'(?!\w)")
# Modalities of statements of fact, whose date phrases date the event itself.
_FACTUAL = frozenset({"asserted", "retrospective"})
_HEADLINE_MAX = 200
_CLOSING = re.compile(r"[.!?…\"'”’)\]]$")
# How far back "a day later" looks for the date it counts from, in characters.
_ANCHOR_LOOKBACK = 600
# "the day Minsk freed 52": a clause set on the date just before it.
# After "since" or "than", words that do not open a clause of their own.
_NOT_CLAUSE_OPENERS = word_set("then when ever before expected planned hoped usual")
_PERIOD_NOUNS = word_set("day date night morning evening afternoon week month year")
_OFFSET_WORDS = word_set("after before earlier later")
# Modalities that a date well before publication turns into "retrospective".
_BACKGROUND_PRONE = frozenset({"asserted", "promise", "intent", "conditional"})


@dataclass(frozen=True, slots=True)
class _Dated:
    value: date
    precision: DatePrecision
    basis: DateBasis
    retrospective: bool


@dataclass(frozen=True, slots=True)
class _Span:
    """A subordinate clause with dates of its own: "since <clause>", "two days after <clause>"."""

    start: int
    end: int
    background: bool  # what it reports is presupposed, earlier than its main clause
    since: bool = False  # "since <clause>": it may also mark when a lasting condition began


ContextAnchor = Callable[[], DateMention | None]


def _previous_anchor(text: str, start: int, published: date | None) -> DateMention | None:
    """The last usable date phrase in the text just before `start` (for "a day later" and kin)."""
    window = text[max(0, start - _ANCHOR_LOOKBACK) : start]
    found = [
        m
        for m in find_dates(window, published)
        if m.value is not None and not m.ahead and not m.since and m.precision != "year"
    ]
    return found[-1] if found else None


class _Sentence:
    """One sentence's analyses, each computed on first use."""

    def __init__(
        self, doc: Document, start: int, end: int, published: date | None, context: ContextAnchor
    ) -> None:
        self.view = SentenceView.of(doc.text[start:end], start)
        self.published = published
        self.context = context
        self.headline = False
        self._scopes: ModalityScopes | None = None
        self._dates: list[DateMention] | None = None
        self._spans: list[_Span] = []
        self._anchor_mention: DateMention | None = None  # what the last adverbial offset counted from

    @property
    def scopes(self) -> ModalityScopes:
        if self._scopes is None:
            self._scopes = ModalityScopes(self.view)
        return self._scopes

    @property
    def dates(self) -> list[DateMention]:
        if self._dates is None:
            self._dates = self._find_dates()
        return self._dates

    # ------------------------------------------------------------------------ date phrases
    def _find_dates(self) -> list[DateMention]:
        """Date phrases, with offsets resolved and the subordinate clauses they date recorded."""
        text = self.view.text
        base = find_dates(text, self.published)
        lower = text.lower()
        if "since" in lower or "than" in lower:
            self._spans.extend(self._subordinate_clauses(base))
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
                    self._spans.append(_Span(offset.end, end, background=offset.amount != 0))
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
            span = self._span_at(offset.end)
            governs = (span.start, span.end) if span else None
            governing = self._governing_date(mentions, offset.start)
            # "Two days before the 123 were freed, X met Y": an undated main clause cannot place
            # what came after it.
            if governing is not None and (governing[2] or offset.sign < 0):
                anchor = governing[0], governing[1]
        else:
            anchor = self._adverbial_anchor(mentions, offset.start)
            if self._anchor_mention is not None and self._in_reporting_clause(self._anchor_mention):
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

    def _subordinate_clauses(self, base: list[DateMention]) -> list[_Span]:
        """Clauses whose dates are their own: "since Washington suspended ..." (not a date phrase
        such as "since 2022"), and comparisons ("better than they were a year ago")."""
        view = self.view
        spans = []
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
                spans.append(_Span(following.start, end, since, since=since))
        return spans

    def _span_at(self, pos: int) -> _Span | None:
        inside = [s for s in self._spans if s.start <= pos < s.end]
        return min(inside, key=lambda s: s.end - s.start) if inside else None

    def _usable_anchor(self, mention: DateMention) -> bool:
        return (
            mention.value is not None
            and not mention.ahead
            and not mention.since
            and mention.governs is None
            and self._span_at(mention.start) is None
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
        reporting = [m for m in usable if m.start > pos and self._in_reporting_clause(m)]
        in_sentence = before[-1] if before else reporting[0] if reporting else None
        self._anchor_mention = in_sentence
        chosen = in_sentence or self.context()
        if chosen is not None and chosen.value is not None:
            return chosen.value, chosen.precision
        if self.published is not None:
            return self.published, "day"
        return None

    # ------------------------------------------------------------------------ claims
    def modality(self, cue: CueMatch) -> Modality:
        """The cue's modality. Inside a presupposed clause ("two days after 123 people were
        released") only the clause's own triggers count: "could free more, two days after 123 were
        released" hedges the future releases, not the past one."""
        if self.dates:
            span = self._span_at(cue.anchor)
            if span is not None and span.background:
                bounds = (span.start, span.end)
                return self.scopes.label(self.view.index_at(cue.anchor), cue.start, cue.end, cue.form, bounds)
        return self.scopes.label(self.view.index_at(cue.anchor), cue.start, cue.end, cue.form)

    def date_for(self, positions: tuple[int, ...], modality: Modality, cue: CueMatch) -> _Dated:
        mentions = self.dates
        span = self._span_at(cue.anchor)
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
            return _Dated(chosen.value, chosen.precision, "sentence", retro)
        if self.published is not None:
            return _Dated(self.published, "day", "published", background)
        return _Dated(UNKNOWN_DATE, "year", "unknown", False)

    def _choose_date(
        self,
        mentions: list[DateMention],
        span: _Span | None,
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
        clauses |= {c - 2 for c in clauses if self._anchored_on_previous(c)}
        factual = modality in _FACTUAL
        best: tuple[int, int, int, int, DateMention] | None = None
        for mention in mentions:
            if mention.value is None or mention.ahead:
                continue
            inner = self._span_at(mention.start)
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
            if not same and (mention.since or not self._dates_other_clauses(mention)):
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

    def _anchored_on_previous(self, clause: int) -> bool:
        """Does the clause lean on the date of the clause before it? "..., when 52 were freed";
        "on Sept. 11, the day Minsk freed 52 prisoners"."""
        words = [t.lower for t, c in zip(self.view.tokens, self.view.clause, strict=True) if c == clause][:4]
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

    def _in_reporting_clause(self, mention: DateMention) -> bool:
        view = self.view
        clause = view.clause_of(mention.start)
        return any(
            t.lower in _REPORTING for t, c in zip(view.tokens, view.clause, strict=True) if c == clause
        )

    def _dates_other_clauses(self, mention: DateMention) -> bool:
        view = self.view
        clause = view.clause_of(mention.start)
        indices = [i for i, c in enumerate(view.clause) if c == clause]
        words = [view.tokens[i] for i in indices if view.tokens[i].is_word]
        if any(t.lower in _REPORTING for t in words):
            return True
        outside = [t for t in words if not (mention.start <= t.start < mention.end)]
        return clause == view.clause[0] and len(outside) <= _FRONTED_WORDS


def _nearest(view: SentenceView, mentions: list[Mention], cue: CueMatch) -> Mention | None:
    """The mention a cue is about: the nearest one within reach (see `_within_reach`)."""

    def distance(m: Mention) -> tuple[int, int]:
        gap = max(0, m.start - cue.end, cue.start - m.end)
        return gap, 1 if m.kind == "exclusion" else 0

    reachable = [m for m in mentions if _within_reach(view, m, cue)]
    return min(reachable, key=distance) if reachable else None


def _within_reach(view: SentenceView, mention: Mention, cue: CueMatch) -> bool:
    """A cue speaks of a mention only within MENTION_REACH words, and not across a contrast
    unless the cue's side refers back with a pronoun: in "the embassy remains closed, but the
    border crossing reopened" the reopening is not the embassy's; in "..., although officials talk
    about reopening it" it is. Commas do not separate ("the embassy, shut since 2022, reopened")."""
    lo, hi = (mention.end, cue.start) if mention.end <= cue.start else (cue.end, mention.start)
    if hi <= lo:
        return True
    words = 0
    contrast = False
    for token in view.tokens[view.index_at(lo) :]:
        if token.start >= hi:
            break
        if token.start < lo:
            continue
        contrast = contrast or token.lower in _CONTRAST
        words += token.is_word
    if words > MENTION_REACH:
        return False
    return not contrast or _refers_back(view, cue)


def _refers_back(view: SentenceView, cue: CueMatch) -> bool:
    """Does the cue's own clause (between contrasts) carry a pronoun such as "it" or "its"?"""
    index = view.index_at(cue.start)
    lo = index
    while lo > 0 and view.tokens[lo - 1].lower not in _CONTRAST:
        lo -= 1
    hi = index
    while hi + 1 < len(view.tokens) and view.tokens[hi + 1].lower not in _CONTRAST:
        hi += 1
    return any(view.tokens[i].lower in _PRONOUNS for i in range(lo, hi + 1))


def _quote(sentence: _Sentence, cue: CueMatch) -> str:
    """The characterisation: the quoted words around the cue, else the clauses the cue spans."""
    text = sentence.view.text
    for match in _QUOTES.finditer(text):
        inner_start = match.start() + 1
        inner_end = match.end() - 1
        if inner_start <= cue.start and cue.end <= inner_end + 1:
            return text[inner_start:inner_end].strip().rstrip(",.;:").strip()
    view = sentence.view
    lo, hi = view.clause_span(view.index_at(cue.start), view.index_at(cue.end - 1))
    return text[lo:hi].strip().rstrip(".!?;:").strip()


# A claim with the sentence offset of its cue, for ordering claims within a sentence.
_Placed = tuple[int, Claim]


class _SubjectExtractor:
    """The claims one subject's rules find in a sentence."""

    def __init__(self, compiled: CompiledSubject, context: DocumentContext) -> None:
        self.compiled = compiled
        self.subject: Subject = compiled.subject
        self.context = context

    def claims(self, sentence: _Sentence) -> list[_Placed]:
        compiled = self.compiled
        text = sentence.view.text
        mentions = self._mentions(sentence)
        if mentions is None or not compiled.topic_ok(text):
            return []
        cues = compiled.find_cues(text)
        if not cues:
            return []
        if self.subject.kind == "tally":
            return self._count_claims(sentence, cues)
        out: list[_Placed] = []
        for cue in cues:
            if mentions:
                nearest = _nearest(sentence.view, mentions, cue)
                if nearest is None or nearest.kind == "exclusion":
                    continue
            out.append((cue.start, self._state_claim(sentence, cue)))
        return self._strongest_step(out)

    def _strongest_step(self, placed: list[_Placed]) -> list[_Placed]:
        """In one sentence, a move to a state and a move to its tentative state ("issued a licence
        that gives Belavia some relief": eased and relief-promised) are one step: the firmer one."""
        reached = {c.state for _, c in placed if c.moves and not c.reversal and c.state is not None}
        tentative = {self.subject.state(s).tentative for s in reached}
        if not tentative & reached:
            return placed
        weaker = {i for i, (_, c) in enumerate(placed) if c.moves and not c.reversal and c.state in tentative}
        return [(pos, replace(c, moves=False) if i in weaker else c) for i, (pos, c) in enumerate(placed)]

    def _mentions(self, sentence: _Sentence) -> list[Mention] | None:
        """Mentions usable for tying cues to the subject; None when the sentence is not about it."""
        compiled = self.compiled
        text = sentence.view.text
        found = compiled.find_mentions(text)
        if compiled.tied_by_context:
            if not self.context.context_ok(compiled) or found:
                return None  # the article never names the context, or an exclusion names another story
            return []
        usable = [
            m
            for m in found
            if m.kind != "context"
            or self.context.context_mention_ok(
                compiled, m, sentence.view.offset + m.start, sentence.view.offset
            )
        ]
        if not any(m.kind != "exclusion" for m in usable):
            return None
        return usable

    def _state_claim(self, sentence: _Sentence, cue: CueMatch) -> Claim:
        rule = cue.rule
        assert rule.state is not None
        modality = sentence.modality(cue)
        dated = sentence.date_for((cue.anchor,), modality, cue)
        if dated.retrospective and modality in _BACKGROUND_PRONE:
            modality = "retrospective"
        state = self.subject.state(rule.state)
        target, moves = state.id, False
        if rule.kind in ("move", "reversal") and modality in state.modalities:
            moves = True
        elif rule.kind == "move" and state.tentative is not None:
            tentative = self.subject.state(state.tentative)
            if modality in tentative.modalities:
                target, moves = tentative.id, True
        if dated.basis == "unknown":
            moves = False
        if (
            moves
            and modality == "asserted"
            and state.settled
            and not sentence.headline
            and sentence.scopes.present_tense(sentence.view.index_at(cue.anchor), cue.form)
        ):
            # "A licence allows Belavia to buy parts": a description of how things stand confirms
            # the state; the change itself is reported in the past ("issued a licence"). Headlines
            # use the present for news, so they are exempt.
            moves = False
        return self._claim(
            sentence,
            cue,
            state=target,
            count=None,
            modality=modality,
            moves=moves,
            reversal=moves and rule.kind == "reversal",
            dated=dated,
            quote=_quote(sentence, cue) if self.subject.quote else None,
        )

    def _count_claims(self, sentence: _Sentence, cues: list[CueMatch]) -> list[_Placed]:
        text = sentence.view.text
        blockers = [(m.start(), m.end()) for p in self.compiled.blockers for m in p.regex.finditer(text)]
        numbers = find_numbers(text)
        out: list[_Placed] = []
        for found in find_counts(sentence.view, cues, numbers, sentence.dates, self.compiled.units, blockers):
            if found.value is None:
                continue
            modality = sentence.modality(found.cue)
            dated = sentence.date_for((found.number.start, found.cue.anchor), modality, found.cue)
            if (dated.retrospective or found.cumulative) and modality in _BACKGROUND_PRONE:
                modality = "retrospective"  # a running total is background too
            elif (
                found.passing
                and modality == "asserted"
                and dated.basis != "sentence"
                and not sentence.headline
            ):
                # "six Lithuanians among the 52 freed by Belarus": a known group, mentioned in
                # passing; it attaches to that release but reports nothing new.
                modality = "retrospective"
            moves = modality == "asserted" and not found.vague and dated.basis != "unknown"
            claim = self._claim(
                sentence,
                found.cue,
                state=None,
                count=found.value,
                modality=modality,
                moves=moves,
                reversal=False,
                dated=dated,
                quote=None,
                names=found.names,
            )
            out.append((found.number.start, claim))
        return out

    def _claim(
        self,
        sentence: _Sentence,
        cue: CueMatch,
        *,
        state: str | None,
        count: int | None,
        modality: Modality,
        moves: bool,
        reversal: bool,
        dated: _Dated,
        quote: str | None,
        names: tuple[str, ...] = (),
    ) -> Claim:
        view = sentence.view
        return Claim(
            subject=self.subject.id,
            state=state,
            count=count,
            modality=modality,
            moves=moves,
            reversal=reversal,
            event_date=dated.value,
            date_precision=dated.precision,
            date_basis=dated.basis,
            sentence=view.text,
            start=view.offset,
            end=view.offset + len(view.text),
            cue=cue.text,
            quote=quote,
            names=names,
        )


def extract_claims(doc: Document, subjects: Sequence[Subject]) -> list[Claim]:
    """Claims about `subjects` in `doc`, in text order; deterministic and free of I/O."""
    compiled = compile_subjects(tuple(subjects))
    if not compiled.subjects:
        return []
    published = doc.published.date() if doc.published is not None else None
    context = DocumentContext(doc.text)
    extractors = {c.subject.id: _SubjectExtractor(c, context) for c in compiled.subjects}
    placed: list[tuple[int, int, str, Claim]] = []
    text = doc.text
    for block_start, block_end in blocks(text):
        block_text = text[block_start:block_end]
        block_words = words_of(block_text)
        if not block_words & compiled.anchors:
            continue
        candidates = [
            c
            for c in compiled.subjects
            if c.wants(block_words, block_text)
            and (not c.needs_context(block_words) or context.context_ok(c))
        ]
        if not candidates:
            continue
        headline = _is_headline(block_text, doc.title)
        for start, end in split_sentences(text, block_start, block_end):
            words = words_of(text[start:end])
            active = [c for c in candidates if c.wants(words, text[start:end])]
            if not active:
                continue
            sentence = _Sentence(doc, start, end, published, _context_anchor(text, start, published))
            sentence.headline = headline
            for c in active:
                for position, claim in _distinct(extractors[c.subject.id].claims(sentence)):
                    placed.append((start, position, claim.subject, claim))
    placed.sort(key=lambda item: item[:3])
    return _named_parts_of_groups([item[3] for item in placed])


def _named_parts_of_groups(claims: list[Claim]) -> list[Claim]:
    """A named person's release ("Kalesnikava was freed on Saturday") in an article that also
    reports a larger release at that time is part of it, and must not count on its own."""
    groups = [c for c in claims if c.count is not None and c.moves and len(c.names) < c.count]
    if not groups:
        return claims
    out = []
    for claim in claims:
        named_only = claim.count is not None and claim.moves and len(claim.names) == claim.count
        if named_only and any(
            g.subject == claim.subject and (g.count or 0) > (claim.count or 0) and _same_time(g, claim)
            for g in groups
        ):
            claim = replace(claim, moves=False)
        out.append(claim)
    return out


def _same_time(a: Claim, b: Claim) -> bool:
    if a.date_precision == b.date_precision == "day":
        return abs((a.event_date - b.event_date).days) <= 1
    return (a.event_date.year, a.event_date.month) == (b.event_date.year, b.event_date.month)


def _is_headline(block: str, title: str | None) -> bool:
    """A headline is the article's title, or a one-line block without closing punctuation."""
    block = block.strip()
    if title is not None and block == title.strip():
        return True
    return "\n" not in block and len(block) <= _HEADLINE_MAX and not _CLOSING.search(block)


def _context_anchor(text: str, start: int, published: date | None) -> ContextAnchor:
    found: list[DateMention | None] = []

    def anchor() -> DateMention | None:
        if not found:
            found.append(_previous_anchor(text, start, published))
        return found[0]

    return anchor


def _distinct(claims: list[_Placed]) -> list[_Placed]:
    """One claim per distinct statement: two cues saying the same thing in a sentence count once."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for position, claim in claims:
        key = (claim.state, claim.count, claim.modality, claim.moves, claim.event_date, claim.reversal)
        if key not in seen:
            seen.add(key)
            out.append((position, claim))
    return out
