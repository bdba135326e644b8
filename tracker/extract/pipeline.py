"""extract_claims: article text + subject rules -> claims, in text order.

For each sentence and subject: find the subject's mentions and cues; tie each cue to its nearest
reachable mention (an exclusion there means the cue is about something else); label the cue's
modality; date it from the sentence or the publication; then resolve the target state (or, for a
tally, the count) and whether the claim may move the subject.

Cost is kept where it matters: a paragraph whose words include no cue anchor of any subject is
skipped before sentence splitting, and a sentence gets tokens, modality scopes, dates and numbers
only when some subject could say something about it.

With no publication date and no absolute date in the sentence, a claim's date basis is "unknown"
and it never moves a subject: a relative date ("on Thursday") cannot be placed, and guessing would
put changes on the wrong day. Callers should pass the first-seen time when a feed gives no date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from tracker.extract.dates import DateMention, find_dates, is_retrospective
from tracker.extract.matching import CompiledSubject, CueMatch, DocumentContext, Mention, compile_subjects
from tracker.extract.modality import ModalityScopes
from tracker.extract.model import UNKNOWN_DATE, Claim, DateBasis, DatePrecision, Document
from tracker.extract.numbers import find_numbers
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
# Modalities that a date well before publication turns into "retrospective".
_BACKGROUND_PRONE = frozenset({"asserted", "promise", "intent", "conditional"})


@dataclass(frozen=True, slots=True)
class _Dated:
    value: date
    precision: DatePrecision
    basis: DateBasis
    retrospective: bool


class _Sentence:
    """One sentence's analyses, each computed on first use."""

    def __init__(self, doc: Document, start: int, end: int, published: date | None) -> None:
        self.view = SentenceView.of(doc.text[start:end], start)
        self.published = published
        self._scopes: ModalityScopes | None = None
        self._dates: list[DateMention] | None = None

    @property
    def scopes(self) -> ModalityScopes:
        if self._scopes is None:
            self._scopes = ModalityScopes(self.view)
        return self._scopes

    @property
    def dates(self) -> list[DateMention]:
        if self._dates is None:
            self._dates = find_dates(self.view.text, self.published)
        return self._dates

    def modality(self, cue: CueMatch) -> Modality:
        return self.scopes.label(self.view.index_at(cue.anchor), cue.start, cue.end, cue.form)

    def date_for(self, positions: tuple[int, ...], modality: Modality, cue: CueMatch) -> _Dated:
        chosen = self._choose_date(positions, modality, cue)
        if chosen is not None and chosen.value is not None:
            retro = chosen.since or (
                self.published is not None
                and is_retrospective(chosen.value, chosen.precision, self.published)
            )
            return _Dated(chosen.value, chosen.precision, "sentence", retro)
        if self.published is not None:
            return _Dated(self.published, "day", "published", False)
        return _Dated(UNKNOWN_DATE, "year", "unknown", False)

    def _choose_date(
        self, positions: tuple[int, ...], modality: Modality, cue: CueMatch
    ) -> DateMention | None:
        """The date phrase that dates the event at `positions` (cue, and count if any), if any.

        Preference: a phrase in the same clause; else a fronted adverbial ("On Thursday, ...") or a
        reporting clause ("..., officials said on Friday"). "Since" phrases only date their own
        clause, or a "when" clause right after it ("Since September, when 52 were freed"). For
        claims that are not facts (plans, promises) a phrase after the cue in its own clause is the
        planned time, not the time of the statement, and is not used.
        """
        view = self.view
        clauses = {view.clause_of(p) for p in positions}
        clauses |= {c - 2 for c in clauses if self._starts_with_when(c)}
        factual = modality in _FACTUAL
        best: tuple[int, int, int, DateMention] | None = None
        for mention in self.dates:
            if mention.value is None or mention.ahead:
                continue
            same = view.clause_of(mention.start) in clauses
            planned = mention.wraps or (same and mention.start >= cue.end)
            if not factual and planned and not self._clearly_past(mention):
                continue
            if not same and (mention.since or not self._dates_other_clauses(mention)):
                continue
            distance = min(abs(mention.start - p) for p in positions)
            rank = (0 if same else 1, 1 if mention.since else 0, distance, mention)
            if best is None or rank[:3] < best[:3]:
                best = rank
        return best[3] if best else None

    def _clearly_past(self, mention: DateMention) -> bool:
        """A phrase naming a time before publication cannot be a planned time ("began to thaw in 2024")."""
        if self.published is None or mention.value is None or mention.wraps:
            return False
        return is_retrospective(mention.value, mention.precision, self.published)

    def _starts_with_when(self, clause: int) -> bool:
        view = self.view
        for token, number in zip(view.tokens, view.clause, strict=True):
            if number == clause and token.is_word:
                return token.lower == "when"
        return False

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
        return out

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
            or self.context.context_mention_ok(compiled, m, sentence.view.offset + m.start)
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
        if not numbers:
            return []
        out: list[_Placed] = []
        for found in find_counts(sentence.view, cues, numbers, sentence.dates, self.compiled.units, blockers):
            if found.value is None:
                continue
            modality = sentence.modality(found.cue)
            dated = sentence.date_for((found.number.start, found.cue.anchor), modality, found.cue)
            if (dated.retrospective or found.cumulative) and modality in _BACKGROUND_PRONE:
                modality = "retrospective"  # a running total is background too
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
        block_words = words_of(text[block_start:block_end])
        if not block_words & compiled.anchors:
            continue
        candidates = [
            c
            for c in compiled.subjects
            if c.wants(block_words) and (not c.needs_context(block_words) or context.context_ok(c))
        ]
        if not candidates:
            continue
        for start, end in split_sentences(text, block_start, block_end):
            words = words_of(text[start:end])
            active = [c for c in candidates if c.wants(words)]
            if not active:
                continue
            sentence = _Sentence(doc, start, end, published)
            for c in active:
                for position, claim in _distinct(extractors[c.subject.id].claims(sentence)):
                    placed.append((start, position, claim.subject, claim))
    placed.sort(key=lambda item: item[:3])
    return [item[3] for item in placed]


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
