"""Claim building: the claims one subject's rules find in one sentence.

For each subject: find its mentions and cues; tie each cue to the mention it is about (`reach`;
an exclusion there means the cue is about something else); label the cue's modality; date it
(`dating`); then resolve the target state (or, for a tally, the count) and whether the claim may
move the subject.

What moves. A present-tense description in running text ("a licence allows Belavia to buy
parts") confirms a settled state but does not move it: the change itself is told in the past, or
in a headline, which uses the present for news. Within one sentence a move and a move to its
tentative state are one step ("issued a licence that gives some relief": eased, not also a
promise). Statements set in a presupposed clause ("..., two days after 123 people were
released") are background, whatever hedges the main clause carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from tracker.extract.dating import ContextAnchor, Dated, SentenceDates
from tracker.extract.limits import MAX_CUES_PER_SENTENCE, MAX_MENTIONS_PER_SENTENCE
from tracker.extract.matching import CompiledSubject, CueMatch, DocumentContext, Mention
from tracker.extract.modality import ModalityScopes
from tracker.extract.model import Claim, Figure
from tracker.extract.numbers import find_numbers, is_floor
from tracker.extract.reach import Reach
from tracker.extract.tally import find_counts
from tracker.extract.tense import clause_tense
from tracker.extract.tokens import SentenceView
from tracker.subjects.model import Modality, Subject

_QUOTES = re.compile(r"“([^”]+)”|\"([^\"]+)\"|‘([^’]+)’|(?<!\w)'([^']+)'(?!\w)")
_NOVELTY = re.compile(
    r"(?<!\bone )\banother\b|\ba\s+(?:new|second|third|fourth|fresh|further)\s+"
    r"(?:group|batch|round|wave|release|set|tranche|exchange)\b|\ba\s+further\b|\bfresh\b"
    r"|\bnew\s+(?:round|wave|batch|group)\b",
    re.IGNORECASE,
)
# Modalities that a date well before publication turns into "retrospective".
_BACKGROUND_PRONE = frozenset({"asserted", "promise", "intent", "appeal", "conditional"})


@dataclass(frozen=True, slots=True)
class Place:
    """Where a sentence stands in its article."""

    offset: int  # of its first character
    index: int  # 0-based among the article's sentences (title first)
    paragraph: int  # 0-based paragraph
    headline: bool


class Sentence:
    """One sentence's analyses, each computed on first use and shared by every subject."""

    def __init__(self, text: str, place: Place, published: date | None, context: ContextAnchor) -> None:
        self.view = SentenceView.of(text, place.offset)
        self.headline = place.headline
        self.index = place.index
        self.paragraph = place.paragraph
        # A marker of a new event ("another", "a further", "a new group"): news, not a retelling.
        self.novelty = bool(_NOVELTY.search(text))
        self.dates = SentenceDates(self.view, published, context)
        self._scopes: ModalityScopes | None = None
        self._reach: Reach | None = None

    @property
    def scopes(self) -> ModalityScopes:
        if self._scopes is None:
            self._scopes = ModalityScopes(self.view)
        return self._scopes

    @property
    def reach(self) -> Reach:
        if self._reach is None:
            self._reach = Reach(self.view)
        return self._reach

    def modality(self, cue: CueMatch, characterisation: bool = False) -> Modality:
        """The cue's modality. Inside a presupposed clause ("two days after 123 people were
        released") only the clause's own triggers count: "could free more, two days after 123 were
        released" hedges the future releases, not the past one."""
        span = self.dates.span_at(cue.anchor)
        bounds = (span.start, span.end) if span is not None and span.background else None
        anchor = self.view.index_at(cue.anchor)
        return self.scopes.label(anchor, cue.start, cue.end, cue.form, bounds, characterisation)


def _quote(sentence: Sentence, cue: CueMatch) -> str:
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


def _in_a_name(sentence: Sentence, cue: CueMatch) -> bool:
    """Is the cue a capitalised word inside running text, part of a name ("Radio Free Europe")?
    Headlines and sentences set in capitals are exempt."""
    if sentence.headline or not cue.text[:1].isupper() or cue.start == 0:
        return False
    view = sentence.view
    first, last = view.index_at(cue.start), view.index_at(cue.end - 1)
    beside = [view.tokens[i] for i in (first - 1, last + 1) if 0 <= i < len(view.tokens)]
    if not any(t.is_word and t.text[:1].isupper() for t in beside):
        return False  # a capital after a quote or a colon: "... said: “Free them all”"
    # Running text has lower-case content words; a title set in capitals has next to none.
    return sum(len(t.text) > 3 and t.text.islower() for t in view.tokens) >= 2


# A claim with the sentence offset of its cue, for ordering claims within a sentence.
Placed = tuple[int, Claim]


class SubjectExtractor:
    """The claims one subject's rules find in a sentence."""

    def __init__(self, compiled: CompiledSubject, context: DocumentContext) -> None:
        self.compiled = compiled
        self.subject: Subject = compiled.subject
        self.context = context

    def claims(self, sentence: Sentence) -> list[Placed]:
        compiled = self.compiled
        text = sentence.view.text
        mentions = self._mentions(sentence)
        if mentions is None or not compiled.topic_ok(text):
            return []
        cues = [c for c in compiled.find_cues(text)[:MAX_CUES_PER_SENTENCE] if not _in_a_name(sentence, c)]
        if not cues:
            return []
        if self.subject.kind == "tally":
            return self._count_claims(sentence, cues)
        out: list[Placed] = []
        for cue in cues:
            if mentions:
                nearest = sentence.reach.nearest(mentions, cue)
                if nearest is None or nearest.kind == "exclusion":
                    continue
            out.append((cue.start, self._state_claim(sentence, cue)))
        return self._strongest_step(out)

    def _strongest_step(self, placed: list[Placed]) -> list[Placed]:
        """In one sentence, a move to a state and a move to its tentative state ("issued a licence
        that gives Belavia some relief": eased and relief-promised) are one step: the firmer one."""
        reached = {c.state for _, c in placed if c.moves and not c.reversal and c.state is not None}
        tentative = {self.subject.state(s).tentative for s in reached}
        if not tentative & reached:
            return placed
        weaker = {i for i, (_, c) in enumerate(placed) if c.moves and not c.reversal and c.state in tentative}
        return [(pos, replace(c, moves=False) if i in weaker else c) for i, (pos, c) in enumerate(placed)]

    def _mentions(self, sentence: Sentence) -> list[Mention] | None:
        """Mentions usable for tying cues to the subject; None when the sentence is not about it."""
        compiled = self.compiled
        text = sentence.view.text
        found = compiled.find_mentions(text)[:MAX_MENTIONS_PER_SENTENCE]
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

    def _state_claim(self, sentence: Sentence, cue: CueMatch) -> Claim:
        rule = cue.rule
        assert rule.state is not None
        modality = sentence.modality(cue, characterisation=self.subject.transitions == "latest")
        dated = sentence.dates.date_for((cue.anchor,), modality, cue)
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

    def _count_claims(self, sentence: Sentence, cues: list[CueMatch]) -> list[Placed]:
        text = sentence.view.text
        blockers = [(m.start(), m.end()) for p in self.compiled.blockers for m in p.regex.finditer(text)]
        numbers = find_numbers(text)
        out: list[Placed] = []
        dates = sentence.dates.mentions
        for found in find_counts(
            sentence.view,
            cues,
            numbers,
            dates,
            self.compiled.units,
            blockers,
            sentence.headline,
            self.compiled.group,
        ):
            if found.value is None:
                continue
            modality = sentence.modality(found.cue)
            dated = sentence.dates.date_for((found.number.start, found.cue.anchor), modality, found.cue)
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
            figure: Figure = "exact"
            if found.cumulative:
                figure = "running-total"
            elif found.vague:
                figure = "at-least" if is_floor(text, found.number) else "approximate"
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
            out.append((found.number.start, replace(claim, figure=figure) if figure != "exact" else claim))
        return out

    def _claim(
        self,
        sentence: Sentence,
        cue: CueMatch,
        *,
        state: str | None,
        count: int | None,
        modality: Modality,
        moves: bool,
        reversal: bool,
        dated: Dated,
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
            tense=clause_tense(view, view.index_at(cue.anchor), cue.form),
            sentence_index=sentence.index,
            paragraph_index=sentence.paragraph,
            novelty=sentence.novelty,
        )
