"""Subjects compiled for matching: which sentences mention a subject, and where its cues are.

Compiling is done once per distinct tuple of subjects (they are frozen and hashable), so a caller
can pass the same subjects to `extract_claims` for every article at no cost.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from tracker.extract.needles import screen_needles
from tracker.extract.numbers import NUMBER_WORDS
from tracker.extract.people import PERSON_SINGULARS
from tracker.subjects.inflect import VerbForm
from tracker.subjects.model import Subject
from tracker.subjects.patterns import (
    CompiledPattern,
    begins_piece,
    compile_pattern,
    pieces_of,
    word_set,
    words_of,
)

CueKind = Literal["move", "confirm", "reversal", "count"]
MentionKind = Literal["alias", "context", "exclusion"]

# How far back a vague mention ("the embassy") looks for the full mention it refers to.
LOOKBACK_CHARS = 400
_WORDS = re.compile(r"\w+(?:[-'’]\w+)*")
# Two capitalised words in a row: a possible name ("Maria Kalesnikava was released").
_NAME_PAIR = re.compile(r"\b[A-Z][a-z]+(?:['’-][A-Za-z]+)?[\s\u00a0]+[A-Z][a-z]")
# "a Lithuanian", "an American": one person named by nationality.
_DEMONYM = re.compile(r"\b(?:[Aa]n?|[Aa]nother|[Tt]he)\s+(?:\S+\s+){0,3}?[A-Z][a-z]+(?:an|ese|ish)\b")
_LOCATIVE = re.compile(r"\b(?:in|to|inside)\s+$", re.IGNORECASE)
_FUNCTION_WORDS = word_set("the its their our an a this that u s us of in to")


@dataclass(frozen=True, slots=True)
class CueRule:
    pattern: CompiledPattern
    kind: CueKind
    state: str | None


@dataclass(frozen=True, slots=True)
class CueMatch:
    rule: CueRule
    start: int  # sentence offsets
    end: int
    text: str
    anchor: int  # sentence offset of the word that carries the modality (the verb, if any)
    form: VerbForm | None


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    kind: MentionKind
    text: str


def _content_words(text: str) -> set[str]:
    return words_of(text) - _FUNCTION_WORDS


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True, slots=True)
class CompiledSubject:
    subject: Subject
    aliases: tuple[CompiledPattern, ...]
    context_aliases: tuple[CompiledPattern, ...]
    exclusions: tuple[CompiledPattern, ...]
    topic: tuple[CompiledPattern, ...]
    context: tuple[tuple[CompiledPattern, ...], ...]
    cues: tuple[CueRule, ...]
    blockers: tuple[CompiledPattern, ...]
    units: frozenset[str]
    group: frozenset[str]  # the people the tally counts, lower-cased ("u.s. citizens")
    cue_anchors: frozenset[str]
    mention_anchors: frozenset[str]
    alias_anchors: frozenset[str]

    @property
    def tied_by_context(self) -> bool:
        """True for subjects with no aliases: any sentence of an article naming the context may count."""
        return not (self.aliases or self.context_aliases)

    def wants(self, words: set[str], text: str) -> bool:
        """Cheap prefilter on a sentence's (or paragraph's) words: could it say anything about the
        subject? A tally needs a number, a name for a release of named people, or a word for one
        person ("a U.S. citizen", "an American")."""
        if not words & self.cue_anchors:
            return False
        if self.subject.kind == "tally" and not (
            words & NUMBER_WORDS
            or any(w[0].isdigit() for w in words)
            or words & PERSON_SINGULARS
            or _NAME_PAIR.search(text)
            or _DEMONYM.search(text)
        ):
            return False
        return self.tied_by_context or bool(words & self.mention_anchors)

    def may_want(self, words: set[str]) -> bool:
        """False when no text whose words are among `words` could say anything about the subject:
        `wants` and the context test on words alone (a cheap screen of a whole article)."""
        if not words & self.cue_anchors:
            return False
        if not (self.tied_by_context or words & self.mention_anchors):
            return False
        return not self.needs_context(words) or all(
            any(p.anchors & words for p in group) for group in self.context
        )

    def needs_context(self, words: set[str]) -> bool:
        """True when only context aliases could tie these words to the subject (so the article must
        name the context before anything else is worth doing)."""
        return self.tied_by_context or not words & self.alias_anchors

    def find_cues(self, text: str) -> list[CueMatch]:
        """Cue matches in a sentence; where two overlap, the one starting first wins, then the longer."""
        found: list[CueMatch] = []
        for rule in self.cues:
            for match in rule.pattern.regex.finditer(text):
                anchor, form = _anchor_of(match.group(0), rule.pattern)
                found.append(
                    CueMatch(rule, match.start(), match.end(), match.group(0), match.start() + anchor, form)
                )
        found.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept: list[CueMatch] = []
        for cue in found:
            if not any(_overlaps(cue.start, cue.end, k.start, k.end) for k in kept):
                kept.append(cue)
        kept.sort(key=lambda c: c.start)
        return kept

    def find_mentions(self, text: str) -> list[Mention]:
        """Alias, context-alias and exclusion matches; an exclusion hides the aliases it overlaps."""
        exclusions = [
            Mention(m.start(), m.end(), "exclusion", m.group(0))
            for p in self.exclusions
            for m in p.regex.finditer(text)
        ]
        mentions = list(exclusions)
        groups: tuple[tuple[MentionKind, tuple[CompiledPattern, ...]], ...] = (
            ("alias", self.aliases),
            ("context", self.context_aliases),
        )
        for kind, patterns in groups:
            for pattern in patterns:
                for m in pattern.regex.finditer(text):
                    if any(_overlaps(m.start(), m.end(), x.start, x.end) for x in exclusions):
                        continue
                    mentions.append(Mention(m.start(), m.end(), kind, m.group(0)))
        mentions.sort(key=lambda m: (m.start, -m.end))
        return mentions

    def topic_ok(self, text: str) -> bool:
        return not self.topic or any(p.regex.search(text) for p in self.topic)

    def names_context(self, text: str, words: set[str] | None = None) -> bool:
        """True when `text` names something from every context group. `words` (the text's
        `words_of`) lets patterns whose anchor words are absent be skipped without a scan."""
        return all(
            any((words is None or p.anchors & words) and p.regex.search(text) for p in group)
            for group in self.context
        )

    def locates_in_context(self, text: str) -> bool:
        """Does `text` put the scene in the subject's first context ("in Minsk", "to Belarus")?"""
        if not self.context:
            return False
        for pattern in self.context[0]:
            for match in pattern.regex.finditer(text):
                if _LOCATIVE.search(text, 0, match.start()):
                    return True
        return False

    def names_any_context(self, text: str) -> bool:
        return any(p.regex.search(text) for group in self.context for p in group)


def _anchor_of(text: str, pattern: CompiledPattern) -> tuple[int, VerbForm | None]:
    """Offset (within the match) and form of the first verb the pattern inflected, else (0, None)."""
    if pattern.verb_forms:
        for word in _WORDS.finditer(text):
            form = pattern.verb_forms.get(word.group(0).lower())
            if form is not None:
                return word.start(), form
    return 0, None


class DocumentContext:
    """Per-article facts, computed on first use: is the context named, where are full mentions."""

    def __init__(self, text: str, words: set[str] | None = None) -> None:
        self.text = text
        self._context: dict[str, bool] = {}
        self._words = words  # `words_of(text)`, if the caller has it
        self._full: dict[str, list[Mention]] = {}
        self._full_starts: dict[str, list[int]] = {}

    def context_ok(self, compiled: CompiledSubject) -> bool:
        key = compiled.subject.id
        if key not in self._context:
            if self._words is None:
                self._words = words_of(self.text)
            self._context[key] = compiled.names_context(self.text, self._words)
        return self._context[key]

    def _full_mentions(self, compiled: CompiledSubject) -> tuple[list[Mention], list[int]]:
        """The article's alias and exclusion mentions in order of start, and those starts."""
        key = compiled.subject.id
        if key not in self._full:
            self._full[key] = [
                m for m in compiled.find_mentions(self.text) if m.kind in ("alias", "exclusion")
            ]
            self._full_starts[key] = [m.start for m in self._full[key]]
        return self._full[key], self._full_starts[key]

    def context_mention_ok(
        self, compiled: CompiledSubject, mention: Mention, position: int, sentence_start: int | None = None
    ) -> bool:
        """May a vague mention at document offset `position` stand for the subject?

        The article must name the subject's context. Unless the mention itself names part of that
        context ("relations with Washington"), the nearest earlier full mention sharing a word with
        it must not be an exclusion: "the embassy" right after "the U.S. embassy in Vilnius" is
        that embassy. An exclusion in an earlier sentence no longer holds once the mention's own
        sentence has moved the scene to the subject's place ("Coale, speaking in Minsk, said ...
        its own embassy there").
        """
        if not self.context_ok(compiled):
            return False
        if compiled.names_any_context(mention.text):
            return True
        words = _content_words(mention.text)
        full_mentions, starts = self._full_mentions(compiled)
        # Only mentions starting before `position` can end before it: start the walk back there.
        for index in range(bisect_right(starts, position) - 1, -1, -1):
            full = full_mentions[index]
            if full.end > position:
                continue
            if position - full.end > LOOKBACK_CHARS:
                break
            if words & _content_words(full.text):
                if full.kind != "exclusion":
                    return True
                return (
                    sentence_start is not None
                    and full.end <= sentence_start
                    and compiled.locates_in_context(self.text[sentence_start:position])
                )
        return True


@dataclass(frozen=True, slots=True)
class CompiledSubjects:
    subjects: tuple[CompiledSubject, ...]
    anchors: frozenset[str]  # a paragraph without any of these words says nothing about any subject
    vocabulary: frozenset[bytes]  # every anchor word `may_speak` reads (cues, mentions, contexts)
    needles: tuple[bytes, ...] | None  # one begins a piece of any text `may_speak` passes (`needles`)

    def candidates(self, words: set[str], text: str, context: DocumentContext) -> list[CompiledSubject]:
        """The subjects that could say something about `text` (an article or a paragraph of it),
        whose words are `words`: cheap tests on the word set first, the article's context last."""
        if words.isdisjoint(self.anchors):
            return []
        return [
            c
            for c in self.subjects
            if c.wants(words, text) and (not c.needs_context(words) or context.context_ok(c))
        ]

    def may_speak(self, pieces: Iterable[bytes]) -> bool:
        """False when no text whose words are among `pieces` (`word_pieces` of a text, or the same
        as a list) could be a candidate for any subject."""
        words = {piece.decode("ascii") for piece in self.vocabulary.intersection(pieces)}
        return not words.isdisjoint(self.anchors) and any(c.may_want(words) for c in self.subjects)

    def may_speak_of(self, data: bytes) -> bool:
        """`may_speak` of the pieces of `data` (a `lowered` text), after a search for the needles,
        which dismisses most texts before their pieces are made."""
        if self.needles is not None and not any(begins_piece(data, needle) for needle in self.needles):
            return False
        return self.may_speak(pieces_of(data))


def _compile_subject(subject: Subject) -> CompiledSubject:
    cues: list[CueRule] = []
    for state in subject.states:
        cues.extend(CueRule(compile_pattern(p), "move", state.id) for p in state.cues)
        cues.extend(CueRule(compile_pattern(p), "confirm", state.id) for p in state.confirms)
        cues.extend(CueRule(compile_pattern(p), "reversal", state.id) for p in state.reversals)
    blockers: tuple[CompiledPattern, ...] = ()
    units: frozenset[str] = frozenset()
    group: frozenset[str] = frozenset()
    if subject.tally is not None:
        cues.extend(CueRule(compile_pattern(p), "count", None) for p in subject.tally.cues)
        blockers = tuple(compile_pattern(p) for p in subject.tally.blockers)
        units = frozenset(u.lower() for u in subject.tally.units)
        group = frozenset(g.lower() for g in subject.tally.group)
    aliases = tuple(compile_pattern(p) for p in subject.aliases)
    context_aliases = tuple(compile_pattern(p) for p in subject.context_aliases)
    cue_anchors: frozenset[str] = frozenset().union(*(c.pattern.anchors for c in cues))
    alias_anchors: frozenset[str] = frozenset().union(*(p.anchors for p in aliases))
    mention_anchors = alias_anchors.union(*(p.anchors for p in context_aliases))
    return CompiledSubject(
        subject=subject,
        aliases=aliases,
        context_aliases=context_aliases,
        exclusions=tuple(compile_pattern(p) for p in subject.exclusions),
        topic=tuple(compile_pattern(p) for p in subject.topic),
        context=tuple(tuple(compile_pattern(p) for p in group) for group in subject.context),
        cues=tuple(cues),
        blockers=blockers,
        units=units,
        group=group,
        cue_anchors=cue_anchors,
        mention_anchors=mention_anchors,
        alias_anchors=alias_anchors,
    )


_LAST_COMPILED: list[tuple[tuple[Subject, ...], CompiledSubjects]] = []


def compiled_for(subjects: tuple[Subject, ...]) -> CompiledSubjects:
    """`compile_subjects`, the last answer kept by identity: a caller interpreting many articles
    passes the same tuple each time, and hashing the rules (nested dataclasses, recursively) for the
    cache costs more than screening an article."""
    if _LAST_COMPILED and _LAST_COMPILED[0][0] is subjects:
        return _LAST_COMPILED[0][1]
    compiled = compile_subjects(subjects)
    _LAST_COMPILED[:] = [(subjects, compiled)]
    return compiled


@lru_cache(maxsize=16)
def compile_subjects(subjects: tuple[Subject, ...]) -> CompiledSubjects:
    compiled = tuple(_compile_subject(s) for s in subjects)
    anchors: frozenset[str] = frozenset().union(*(c.cue_anchors for c in compiled))
    read = anchors.union(
        *(c.mention_anchors for c in compiled),
        *(p.anchors for c in compiled for group in c.context for p in group),
    )
    vocabulary = frozenset(word.encode("ascii") for word in read)
    return CompiledSubjects(compiled, anchors, vocabulary, screen_needles(compiled))
