"""Modality of a cue in its sentence, ConText-style: trigger + label + direction + scope.

A trigger ("would", "has yet to", "contingent on") labels the words in its scope: up to `window`
words in its direction, stopping at a clause break (comma, semicolon, colon, dash, "but",
"however", "although", "while") other than an aside set off by commas ("does not, however,
revoke"). A cue takes the strongest label whose scope covers it; with no trigger, the cue's own
grammar decides: a past or present verb asserts, "to reopen" is an intention, "is reopening" a
plan, other -ing forms and nominalisations ("the reopening") are talk.

Look-alikes ("not only", "no doubt", "once again") are matched first so that the words inside
them never fire. Triggers that overlap the cue itself are ignored ("good, but not excellent" is a
characterisation, not a negation).
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.extract.modality_rules import COMBINED, PRIORITY, RULES, Rule
from tracker.extract.tokens import SentenceView
from tracker.subjects.inflect import VerbForm
from tracker.subjects.model import Modality
from tracker.subjects.patterns import word_set

_REPORTING = word_set(
    "said says say told tells announced reported confirmed added stated noted according explained "
    "wrote insisted claimed acknowledged disclosed revealed indicated informed testified"
)
_INCEPTIVE = word_set("began begun begin begins started start starts continued continues")
_BE_AUX = word_set("is are was were am be been being 's")
# Nouns for acts that do what a participle after them says ("an order ending sanctions").
_INSTRUMENTS = word_set("order orders decree decrees law laws bill act measure directive proclamation")
_ADVERBS = word_set(
    "soon eventually quickly fully partially formally officially again also still finally gradually "
    "swiftly immediately quietly further ultimately now currently"
)
_PRESENT_BE = word_set("is are am 's")
# Words that put a progressive in the moment it is said: an act, not a plan.
_AS_IT_HAPPENS = word_set("today now officially formally hereby")
# "removing the sanctions is ...": a finite verb a few words after an -ing form makes it a subject.
_FINITE_AFTER_SUBJECT = word_set("is was would will could can may might remains seems")
_RELATIVES = word_set("who whom whose which that where when")
_GERUND_OBJECT_WORDS = 5
# A connective set off by commas inside a clause ("does not, however, revoke") is an aside: it
# neither ends the clause nor counts towards a trigger's window.
_ASIDES = word_set(
    "however though therefore indeed moreover furthermore nonetheless nevertheless thus also too"
)
_MODAL_AUXILIARIES = word_set("will would shall may might could should must")
_AUXILIARY_REACH = 5
_AUXILIARIES = word_set("to did do does will would shall should can could may might must not n't never")
# Words before a base form that make it something other than a present tense ("to ease",
# "did not ease", "a lift").
_NOT_PRESENT_AFTER = word_set(
    "to will would shall should can could may might must did do does not n't never let help make "
    "makes made and or a an the this that its their his her our"
)


@dataclass(frozen=True, slots=True)
class Hit:
    rule: Rule
    label: Modality
    start: int  # sentence offsets
    end: int
    first: int  # token indices, inclusive
    last: int


class ModalityScopes:
    """The trigger hits of one sentence, queried once per cue."""

    def __init__(self, view: SentenceView) -> None:
        self.view = view
        lower = view.text.lower()
        self.hits: list[Hit] = []
        for match in COMBINED.finditer(lower):
            name = match.lastgroup
            if name is None or not view.tokens:
                continue
            rule = RULES[int(name[1:])]
            if rule.label is None:
                continue  # a look-alike: matched only so that its words cannot fire
            first = view.index_at(match.start())
            last = view.index_at(max(match.start(), match.end() - 1))
            self.hits.append(Hit(rule, rule.label, match.start(), match.end(), first, last))
        self._question_marks = [t.start for t in view.tokens if t.text == "?"]
        self._reporting_before = [i for i, t in enumerate(view.tokens) if t.lower in _REPORTING]

    def label(
        self,
        anchor: int,
        cue_start: int,
        cue_end: int,
        form: VerbForm | None,
        bounds: tuple[int, int] | None = None,
        characterisation: bool = False,
    ) -> Modality:
        """Modality of the cue at sentence offsets cue_start..cue_end, anchored at token `anchor`.
        With `bounds`, only triggers inside those sentence offsets count (a presupposed clause).
        For a `characterisation` ("ties are improving") the progressive describes how things
        are, not a plan ("the embassy is reopening")."""
        if any(pos > cue_start for pos in self._question_marks):
            return "question"
        best = self._strongest(anchor, cue_start, cue_end, with_exchange=True, bounds=bounds)
        if best is not None:
            return best
        default = self._default(anchor, form)
        if characterisation and default == "promise" and form == "ing":
            return "asserted"
        return default

    def _strongest(
        self,
        anchor: int,
        cue_start: int,
        cue_end: int,
        with_exchange: bool,
        bounds: tuple[int, int] | None = None,
    ) -> Modality | None:
        best: Modality | None = None
        for hit in self.hits:
            if hit.start < cue_end and hit.end > cue_start and not self._modal_before_verb(hit, anchor):
                continue
            if bounds is not None and not bounds[0] <= hit.start < bounds[1]:
                continue
            if not self._covers(hit, anchor):
                continue
            if hit.rule.kind == "past-perfect" and any(i < hit.first for i in self._reporting_before):
                continue  # "officials said X had freed" is reported speech, not background
            if hit.rule.kind == "exchange":
                # "A in exchange for B": B is as real as A. Only a non-factual A makes B conditional.
                if not with_exchange:
                    continue
                outer = self._strongest(hit.first, hit.start, hit.end, with_exchange=False)
                if outer is None or outer in ("asserted", "retrospective"):
                    continue
            if best is None or PRIORITY[hit.label] > PRIORITY[best]:
                best = hit.label
        return best

    def _modal_before_verb(self, hit: Hit, anchor: int) -> bool:
        """A modal auxiliary that a cue spans before its verb ("sanctions on Syria will be fully
        removed") governs the verb as it would outside the cue; no cue is written with one."""
        return hit.last < anchor and self.view.text[hit.start : hit.end].lower() in _MODAL_AUXILIARIES

    def _covers(self, hit: Hit, anchor: int) -> bool:
        direction = hit.rule.direction
        if direction == "sentence":
            return True
        if direction in ("forward", "both") and anchor > hit.last and self._reach(hit.last, anchor, hit.rule):
            return True
        return (
            direction in ("backward", "both")
            and anchor < hit.first
            and self._reach(anchor, hit.first, hit.rule)
        )

    def _reach(self, lo: int, hi: int, rule: Rule) -> bool:
        """True if tokens lo..hi are within the rule's window with no clause break between."""
        words = 0
        index = lo + 1
        while index < hi:
            token = self.view.tokens[index]
            aside = self._aside_end(index)
            if aside is not None and aside < hi:
                index = aside + 1
                continue
            if self.view.is_break(index) and not (rule.commas and token.lower == ","):
                return False
            if token.is_word:
                words += 1
                if words >= rule.window:
                    return False  # out of reach already: stop here, so the cost is the window's
            index += 1
        return True

    def _aside_end(self, index: int) -> int | None:
        """The index of the closing comma if an aside (", however,") opens at `index`."""
        tokens = self.view.tokens
        if index + 2 >= len(tokens) or tokens[index].lower != "," or tokens[index + 2].lower != ",":
            return None
        return index + 2 if tokens[index + 1].lower in _ASIDES else None

    def _default(self, anchor: int, form: VerbForm | None) -> Modality:
        previous = self._previous_word(anchor)
        if previous == "to":
            # "began to thaw" reports a change that happened; "to reopen" alone is an aim.
            return (
                "asserted"
                if self._previous_word(self._index_of_previous_word(anchor)) in _INCEPTIVE
                else "intent"
            )
        if form == "ing":
            if self._gerund_subject(anchor):
                return "intent"  # "removing the sanctions is expected to help": talk of it
            if anchor >= 2 and self.view.tokens[anchor - 1].lower == ",":
                # A participle after a comma shares its clause's reality: "restored relations on
                # Tuesday, exchanging ambassadors" asserts; "will lift sanctions, allowing ..." promises.
                head = self.view.tokens[anchor - 2]
                return self._strongest(anchor - 2, head.start, head.end, with_exchange=True) or "asserted"
            if previous in _BE_AUX:
                # "is reopening" is a plan, unless it is happening as the sentence is said:
                # "today we are officially resuming operations".
                return "asserted" if self._said_as_done(anchor) else "promise"
            if previous in _INSTRUMENTS:
                # "signed an executive order ending sanctions": what the order does is as real as
                # the order; "will sign an order ending ..." promises it.
                head = self.view.tokens[anchor - 1]
                return self._strongest(anchor - 1, head.start, head.end, with_exchange=True) or "asserted"
            return "intent"
        return "asserted"

    def _gerund_subject(self, anchor: int) -> bool:
        """Is the -ing form at `anchor` the subject of a verb after it ("..., removing the
        sanctions is expected to help")? A participle sharing the clause before it has none."""
        words = 0
        for index in range(anchor + 1, len(self.view.tokens)):
            token = self.view.tokens[index]
            if self.view.is_break(index) or words >= _GERUND_OBJECT_WORDS or token.lower in _RELATIVES:
                return False
            if token.lower in _FINITE_AFTER_SUBJECT:
                return True
            words += token.is_word
        return False

    def _said_as_done(self, anchor: int) -> bool:
        clause = self.view.clause[anchor]
        return any(
            t.lower in _AS_IT_HAPPENS
            for t, c in zip(self.view.tokens, self.view.clause, strict=True)
            if c == clause
        )

    def present_tense(self, anchor: int, form: VerbForm | None) -> bool:
        """Is the verb at token `anchor` a simple present ("a licence allows", "licences allow",
        "Belavia is allowed")? In running text that describes a standing condition, not a change."""
        if form == "ing":
            return False
        previous = self._previous_word(anchor)
        if form is None:  # a verb-less cue: "Belavia is able to buy parts"
            return previous in _PRESENT_BE
        if form == "s":
            return previous not in ("to", "n't", "not")
        if form == "base":
            if previous is None or previous in _NOT_PRESENT_AFTER:
                return False
            # "Not only did the U.S. reopen ...": an auxiliary a few words back governs the verb.
            for index in range(anchor - 1, max(-1, anchor - 1 - _AUXILIARY_REACH), -1):
                if self.view.is_break(index):
                    break
                if self.view.tokens[index].lower in _AUXILIARIES:
                    return False
            return True
        return previous in _PRESENT_BE

    def _index_of_previous_word(self, anchor: int) -> int:
        """Index of the word `_previous_word` returns, or -1."""
        index = anchor - 1
        while index >= 0:
            token = self.view.tokens[index]
            if token.is_word and token.lower not in _ADVERBS:
                return index
            if not token.is_word and token.lower not in ("-", "'", "’"):
                return -1
            index -= 1
        return -1

    def _previous_word(self, anchor: int) -> str | None:
        if anchor < 0:
            return None
        index = self._index_of_previous_word(anchor)
        return self.view.tokens[index].lower if index >= 0 else None
