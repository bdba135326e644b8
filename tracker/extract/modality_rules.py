"""The trigger table of modality: which words label which scope, in which direction, how far.

Each rule is a regex over lower-cased text (word boundaries are added), a label, a direction
(forward, backward, both, or the whole sentence) and a window in words; `modality` applies them.
Look-alikes ("not only", "no doubt") have no label: they are matched only so that the words
inside them never fire. Order matters where two rules start at the same word: longer, more
specific rules come first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tracker.subjects.model import Modality

Direction = Literal["forward", "backward", "both", "sentence"]
Kind = Literal["plain", "past-perfect", "exchange"]

# The stronger label wins when several scopes cover a cue.
PRIORITY: dict[str, int] = {
    "denied": 10,
    "negated": 9,
    "question": 8,
    "hedged": 7,
    "retrospective": 6,
    "conditional": 5,
    # "wants to press for the reopening" is still a call: the urging governs what it asks for.
    "appeal": 4,
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
# A manner adverb between a verb of urging and its complement: "pressed hard for", "called
# repeatedly for".
_MANNER = r"(?: (?:hard|again|\w+ly))?"

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
        r"previously|formerly|in the past|at the time|back in|once before|recalling|looking back|"
        r"earlier this (?:year|month|autumn|fall|summer|spring|winter|week)|"
        r"last (?:year|summer|autumn|fall|winter|spring)|(?:years|months|decades) ago",
        "retrospective",
        "both",
        10,
    ),
    # "the earlier licences amounted to relief", "the recent release of five": about something
    # that came before.
    _r(
        r"(?:the|an|its|their) (?:earlier|previous|prior|recent)"
        r"(?! (?:day|night|week|month|year|morning|evening|afternoon)\b)",
        "retrospective",
        window=8,
    ),
    _r(r"(?:after|following|since)(?= \w+ing\b)", "retrospective", window=1),
    # "even though the administration has lifted some sanctions": a concession grants a past
    # change as known; the news is in the clause it qualifies.
    _r(
        r"(?:even though|although)(?= (?:[\w'’.-]+ ){1,5}?(?:has|have|had|was|were) )",
        "retrospective",
        window=10,
    ),
    # "So far the administration has lifted some sanctions": a summary of the state reached up to
    # now, as a running total is of releases; it reports no change of its own.
    _r(r"so far|thus far|to date", "retrospective", "both", 10),
    # "With sanctions now lifted, investment is expected to pick up": an absolute clause takes its
    # state as given, as a premise; it reports no change.
    _r(r"(?:^|(?<=, ))with(?= (?:[\w'’.-]+ ){1,5}?[\w-]+ed,)", "retrospective", window=7),
    # "reversing a 2022 licence that allowed Chevron to resume": what an undone measure did is
    # the state before, not a change of the day.
    _r(
        r"(?:revers|revok|rescind|cancel|overturn|annul|repeal|undo|undid|scrap|withdr[ae]w|terminat)\w*"
        r"(?= (?:[\w'’.-]+ ){1,6}?(?:that|which) (?:had )?\w+ed\b)",
        "retrospective",
        window=12,
    ),
    # -- intentions
    _r(r"would like to|would rather|would prefer to", "intent"),
    _r(
        r"want(?:s|ed|ing)?(?: to)?|wish(?:es|ed)? to|seek(?:s|ing)? to|sought to|"
        r"(?:eager|keen|anxious|ready|willing|prepared|welcome|determined) to|"
        r"(?:readiness|willingness|desire) to|"
        r"plan(?:s|ned|ning)? (?:to|for)|plans? to|hop(?:e|es|ed|ing)(?: to| that| for)?|aim(?:s|ed|ing)? to|"
        r"intend(?:s|ed|ing)? to|intention (?:to|of)|look(?:s|ed|ing)? to",
        "intent",
    ),
    # "the case for sanctions to be lifted": a passive infinitive with its own subject is
    # wanted or made possible, never done ("for the embassy to reopen" is an aim by its "to").
    _r(r"for(?= (?:[\w'’.-]+ ){1,6}?to be )", "intent", window=10),
    _r(r"signal(?:l)?(?:s|ed|ing)? (?:willingness|readiness|interest)", "intent"),
    # -- appeals: somebody asking for a change ("called for the reopening", "urged Washington to
    # lift"), which says nothing of whether those who would make it plan or discuss it.
    _r(
        rf"(?:push|press)(?:es|ed|ing)?{_MANNER} (?:for|to|minsk|belarus)|"
        rf"call(?:s|ed|ing)?{_MANNER} (?:for|on)|"
        r"ask(?:s|ed|ing)?(?: for)?|"
        r"urg(?:e|es|ed|ing)|demand(?:s|ed|ing)?|appeal(?:s|ed|ing)? (?:for|to)|lobb(?:y|ies|ied|ying)",
        "appeal",
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
    # "sanctions are being lifted": under way, not done; the change is reported when it is.
    _r(r"(?:is|are) being", "promise", window=1),
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


# One regex for all rules. The left boundary is checked once, outside the alternation, so that
# positions inside words fail at once instead of once per rule; "n't" is glued to its verb and
# so gets an alternative of its own without that boundary.
_GLUED = [i for i, rule in enumerate(RULES) if rule.pattern.startswith("n[")]
COMBINED = re.compile(
    r"(?<![\w'’])(?:"
    + "|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(RULES) if i not in _GLUED)
    + r")(?!\w)|"
    + "|".join(f"(?P<r{i}>{RULES[i].pattern})(?!\\w)" for i in _GLUED)
)
