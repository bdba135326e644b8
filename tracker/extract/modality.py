"""Modality of a cue in its sentence, ConText-style: trigger + label + direction + scope.

A trigger ("would", "has yet to", "contingent on") labels the words in its scope: up to `window`
words in its direction, stopping at a clause break (comma, semicolon, colon, dash, "but",
"however", "although", "while"). A cue takes the strongest label whose scope covers it; with no
trigger, the cue's own grammar decides: a past or present verb asserts, "to reopen" is an
intention, "is reopening" a plan, other -ing forms and nominalisations ("the reopening") are talk.

Look-alikes ("not only", "no doubt", "once again") are matched first so that the words inside
them never fire. Triggers that overlap the cue itself are ignored ("good, but not excellent" is a
characterisation, not a negation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tracker.extract.tokens import SentenceView
from tracker.subjects.inflect import VerbForm
from tracker.subjects.model import Modality
from tracker.subjects.patterns import word_set

Direction = Literal["forward", "backward", "both", "sentence"]
Kind = Literal["plain", "past-perfect", "exchange"]

# The stronger label wins when several scopes cover a cue.
PRIORITY: dict[str, int] = {
    "denied": 9,
    "negated": 8,
    "question": 7,
    "hedged": 6,
    "retrospective": 5,
    "conditional": 4,
    "intent": 3,
    "promise": 2,
    "asserted": 1,
}


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: str  # regex over lower-cased text; word boundaries are added
    label: Modality | None  # None for look-alikes ("not only") that must not fire
    direction: Direction = "forward"
    window: int = 8
    kind: Kind = "plain"
    # Commas end most scopes, but not those of triggers that govern a whole complement clause
    # ("unclear when, or whether, the embassy will reopen"; "denied that, in June, ...").
    commas: bool = False


def _r(
    pattern: str,
    label: Modality | None,
    direction: Direction = "forward",
    window: int = 8,
    kind: Kind = "plain",
    commas: bool = False,
) -> Rule:
    return Rule(pattern, label, direction, window, kind, commas)


_BE = r"(?:is|are|was|were|be|been|am|remains?|seems?)"
_AUX = r"(?:did|does|do|would|will|could|can|has|have|had|should|may|might)"

# Order matters where two rules start at the same word: longer, more specific rules come first.
RULES: tuple[Rule, ...] = (
    # -- look-alikes
    _r(r"not only|not just|not least|not to mention|not surprisingly|no doubt|no wonder|no matter", None),
    _r(r"no\.(?=\s*\d)|once again|once more|if not|even so|nothing if not", None),
    # -- denials
    _r(
        r"den(?:y|ies|ied|ying)(?: (?:reports|claims|suggestions|rumou?rs))?",
        "denied",
        window=12,
        commas=True,
    ),
    _r(
        r"(?:dismiss|reject|refut)(?:e|es|ed|s|ing)? (?:the )?"
        r"(?:reports?|claims?|suggestions?|rumou?rs?|speculation)",
        "denied",
        window=12,
        commas=True,
    ),
    _r(r"refut(?:e|es|ed|ing)", "denied", window=12, commas=True),
    _r(rf"{_BE} (?:false|untrue|inaccurate|baseless|fake|not true|wrong)", "denied", "backward", 14),
    # -- hedges built on a negation: must come before the plain negations
    _r(
        r"(?:it )?(?:is |was |remains |remained )?"
        r"(?:unclear|uncertain|unsure|not (?:yet )?clear|not (?:yet )?certain) "
        r"(?:whether|if|when|how)",
        "hedged",
        window=12,
        commas=True,
    ),
    _r(r"(?:cannot|can['’]t|could not|couldn['’]t) be ruled out", "hedged", "both", 10),
    _r(rf"{_AUX}(?: not|n['’]t) (?:rule|ruled) out|not ruling out|not ruled out", "hedged", window=8),
    _r(r"(?:could|can)(?: not|n['’]t) be (?:independently )?(?:verified|confirmed)", "hedged", "sentence"),
    _r(
        rf"{_AUX}(?: not|n['’]t) say (?:when|whether|if|how)|declined to say (?:when|whether|if|how)",
        "hedged",
        window=10,
    ),
    _r(r"remains to be seen|too early to say", "hedged", "both", 10),
    # -- negations
    _r(r"(?:has|have|had|is|are|was|were) yet to|yet to", "negated", window=5),
    _r(
        r"no (?:plans?|intention|decision|date|timeline|sign|indication)(?: (?:to|of|on|for|yet))?",
        "negated",
        window=6,
    ),
    _r(
        r"(?:refus|declin|fail)(?:e|es|ed|ing|s)? to|unable to|stopp?(?:ed|ing|s)? short of|"
        r"rather than|instead of|"
        r"far from|no longer|none of|neither|nor|without",
        "negated",
        window=5,
    ),
    _r(r"rul(?:e|es|ed|ing) out|out of the question|off the table", "negated", "both", 6),
    _r(
        rf"{_BE} not (?:on the agenda|on the table|on the cards|in the cards|planned|imminent|"
        r"under consideration|"
        r"expected|happening|likely|in prospect)",
        "negated",
        "both",
        10,
    ),
    _r(r"nobody|no one|no-one", "negated", window=8),
    _r(r"not|never|no|cannot", "negated", window=5),
    _r(r"n['’]t", "negated", window=5),
    # -- questions
    _r(r"whether|asked if|wondered if", "question", window=10, commas=True),
    # -- hedges
    _r(r"according to (?:unconfirmed|unverified) reports|unconfirmed|unverified", "hedged", "sentence"),
    _r(
        r"(?:unconfirmed )?reports (?:that|of)|rumou?rs? (?:that|of)|speculation (?:that|about|over)",
        "hedged",
        window=12,
    ),
    _r(
        r"(?:could|may|might) soon|(?:is|are|was|were) (?:likely|unlikely) to|"
        r"likely|unlikely|probably|possibly|"
        r"perhaps|potential(?:ly)?|possib(?:le|ility)|conceivabl[ye]",
        "hedged",
        "both",
        6,
    ),
    _r(r"reportedly|allegedly|purportedly|supposedly|apparently", "hedged", "both", 8),
    # Evidentials: "the first sign of a thaw" points to a change, it does not report one.
    _r(r"(?:signs?|indications?|glimmers?) (?:of|that)|hints? of", "hedged", window=8),
    # Someone's expectation ("Belavia expects sanctions to be lifted"); "is expected to" is a plan.
    _r(r"(?<!-)expect(?:s|ed|ing)?", "hedged", window=8),
    _r(
        r"(?:appear|seem)(?:s|ed)? to|(?:is|are|was|were) (?:believed|thought|said) to|in theory|as early as",
        "hedged",
        window=8,
    ),
    _r(
        r"consider(?:s|ed|ing)?|weigh(?:s|ed|ing)?|mull(?:s|ed|ing)?|ponder(?:s|ed|ing)?|"
        r"hint(?:s|ed|ing)? (?:at|that)|suggest(?:s|ed|ing)?(?: that)?|claim(?:s|ed|ing)?(?: that)?|open to",
        "hedged",
        window=8,
    ),
    _r(r"may|might|could|should|ought to|must", "hedged", window=8),
    # -- conditions
    _r(
        r"in exchange for|in return for|as part of a deal (?:for|in which|that)",
        "conditional",
        "forward",
        6,
        kind="exchange",
    ),
    _r(
        r"if|unless|provided(?: that)?|providing(?: that)?|as long as|so long as|on condition(?: that)?",
        "conditional",
        "both",
        8,
    ),
    _r(
        r"(?:condition(?:al|ed)|contingent|dependent|depend(?:s|ed|ing)?) (?:on|upon)|subject to",
        "conditional",
        "both",
        8,
    ),
    _r(r"once", "conditional", window=6),
    _r(r"until|till", "hedged", window=6),  # "until the embassy reopens": expected, not planned
    # -- background
    _r(r"had", "retrospective", window=3, kind="past-perfect"),
    _r(
        r"previously|formerly|in the past|at the time|back in|once before|"
        r"earlier this (?:year|month|autumn|fall|summer|spring|winter|week)|"
        r"last (?:year|summer|autumn|fall|winter|spring)|(?:years|months|decades) ago",
        "retrospective",
        "both",
        10,
    ),
    # "the earlier licences amounted to relief": about something that came before.
    _r(
        r"(?:the|an|its|their) (?:earlier|previous|prior)"
        r"(?! (?:day|night|week|month|year|morning|evening|afternoon)\b)",
        "retrospective",
        window=8,
    ),
    _r(r"(?:after|following|since)(?= \w+ing\b)", "retrospective", window=1),
    # -- intentions and requests
    _r(r"would like to|would rather|would prefer to", "intent"),
    _r(
        r"want(?:s|ed|ing)?(?: to)?|wish(?:es|ed)? to|seek(?:s|ing)? to|sought to|"
        r"(?:eager|keen|anxious|ready|willing|prepared|welcome|determined) to|"
        r"(?:readiness|willingness|desire) to|"
        r"plan(?:s|ned|ning)? (?:to|for)|plans? to|hop(?:e|es|ed|ing)(?: to| that| for)?|aim(?:s|ed|ing)? to|"
        r"intend(?:s|ed|ing)? to|intention (?:to|of)|look(?:s|ed|ing)? to",
        "intent",
    ),
    _r(
        r"signal(?:l)?(?:s|ed|ing)? (?:willingness|readiness|interest)|"
        r"(?:push|press)(?:es|ed|ing)? (?:for|to|minsk|belarus)|call(?:s|ed|ing)? (?:for|on)|"
        r"ask(?:s|ed|ing)?(?: for)?|"
        r"urg(?:e|es|ed|ing)|demand(?:s|ed|ing)?|appeal(?:s|ed|ing)? (?:for|to)|lobb(?:y|ies|ied|ying)",
        "intent",
    ),
    _r(
        r"negotiat(?:e|es|ing|ions?)(?: (?:on|over|for|about|toward|towards))?|"
        r"talks? (?:on|about|over|toward|towards)|"
        r"discuss(?:es|ed|ing|ions?)?|decid(?:e|ed|es) to|decision to|mov(?:e|es|ing) (?:to|toward|towards)|"
        r"steps? (?:to|toward|towards)|path (?:to|toward|towards)|prospects? (?:of|for)|"
        r"propos(?:e|ed|es|als?)(?: to| for)?|"
        r"prepar(?:e|es|ed|ing) to|preparations (?:for|to)|work(?:s|ed|ing)? (?:to|toward|towards)|"
        r"efforts? to|"
        r"bid to|attempts? to|tr(?:y|ies|ied|ying) to|invit(?:e|es|ed|ing)|process of",
        "intent",
    ),
    # -- promises and plans
    _r(r"(?:is|are|was|were|am)? ?(?:expected|set|due|scheduled|poised|slated|about|going) to", "promise"),
    _r(r"(?:is|are|was|were) to", "promise"),
    _r(
        r"pledg(?:e|es|ed|ing)|promis(?:e|es|ed|ing)|vow(?:s|ed|ing)?|"
        r"agree(?:s|d|ing)?(?: [\w'’.]+){0,3}? to|"
        r"agreement to|"
        r"commit(?:s|ted|ting)? to|commitment to|undert(?:ake|akes|ook) to|offer(?:s|ed|ing)? to|"
        r"guarantee(?:s|d)?|assur(?:e|es|ed)",
        "promise",
    ),
    _r(r"will|would|shall|['’]ll", "promise"),
    _r(
        r"in the coming (?:days|weeks|months)|soon|shortly|later this (?:week|month|year)|by the end of|"
        r"upcoming|"
        r"next (?:week|month|year|spring|summer|autumn|fall|winter)",
        "promise",
        "both",
        6,
    ),
)

_REPORTING = word_set(
    "said says say told tells announced reported confirmed added stated noted according explained "
    "wrote insisted claimed acknowledged disclosed revealed indicated informed testified"
)
_INCEPTIVE = word_set("began begun begin begins started start starts continued continues")
_BE_AUX = word_set("is are was were am be been being 's")
_ADVERBS = word_set(
    "soon eventually quickly fully partially formally officially again also still finally gradually "
    "swiftly immediately quietly further ultimately now currently"
)
_PRESENT_BE = word_set("is are am 's")
_AUXILIARY_REACH = 5
_AUXILIARIES = word_set("to did do does will would shall should can could may might must not n't never")
# Words before a base form that make it something other than a present tense ("to ease",
# "did not ease", "a lift").
_NOT_PRESENT_AFTER = word_set(
    "to will would shall should can could may might must did do does not n't never let help make "
    "makes made and or a an the this that its their his her our"
)


# One regex for all rules. The left boundary is checked once, outside the alternation, so that
# positions inside words fail at once instead of once per rule; "n't" is glued to its verb and
# so gets an alternative of its own without that boundary.
_GLUED = [i for i, rule in enumerate(RULES) if rule.pattern.startswith("n[")]
_COMBINED = re.compile(
    r"(?<![\w'’])(?:"
    + "|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(RULES) if i not in _GLUED)
    + r")(?!\w)|"
    + "|".join(f"(?P<r{i}>{RULES[i].pattern})(?!\\w)" for i in _GLUED)
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
        for match in _COMBINED.finditer(lower):
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
    ) -> Modality:
        """Modality of the cue at sentence offsets cue_start..cue_end, anchored at token `anchor`.
        With `bounds`, only triggers inside those sentence offsets count (a presupposed clause)."""
        if any(pos > cue_start for pos in self._question_marks):
            return "question"
        best = self._strongest(anchor, cue_start, cue_end, with_exchange=True, bounds=bounds)
        if best is not None:
            return best
        return self._default(anchor, form)

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
            if hit.start < cue_end and hit.end > cue_start:
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
        for index in range(lo + 1, hi):
            token = self.view.tokens[index]
            if self.view.is_break(index) and not (rule.commas and token.lower == ","):
                return False
            if token.is_word:
                words += 1
        return words < rule.window

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
            if anchor >= 2 and self.view.tokens[anchor - 1].lower == ",":
                # A participle after a comma shares its clause's reality: "restored relations on
                # Tuesday, exchanging ambassadors" asserts; "will lift sanctions, allowing ..." promises.
                head = self.view.tokens[anchor - 2]
                return self._strongest(anchor - 2, head.start, head.end, with_exchange=True) or "asserted"
            return "promise" if previous in _BE_AUX else "intent"
        return "asserted"

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
