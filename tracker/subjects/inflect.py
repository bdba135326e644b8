"""English verb inflection for cue patterns.

Subject definitions name verbs once (`{reopen}`); the matcher needs every surface form a reporter
may use (reopens, reopened, reopening, re-opened). Each generated word carries its grammatical form
because modality depends on it: a past form asserts by default, an -ing form or a bare infinitive
("to reopen") does not.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

VerbForm = Literal["base", "s", "past", "ing"]

# Irregular verbs likely to appear in news cues: base -> (third person, past, participle, -ing).
_IRREGULAR: dict[str, tuple[str, str, str, str]] = {
    "be": ("is", "was", "been", "being"),
    "begin": ("begins", "began", "begun", "beginning"),
    "break": ("breaks", "broke", "broken", "breaking"),
    "bring": ("brings", "brought", "brought", "bringing"),
    "buy": ("buys", "bought", "bought", "buying"),
    "come": ("comes", "came", "come", "coming"),
    "cut": ("cuts", "cut", "cut", "cutting"),
    "do": ("does", "did", "done", "doing"),
    "drive": ("drives", "drove", "driven", "driving"),
    "fall": ("falls", "fell", "fallen", "falling"),
    "fly": ("flies", "flew", "flown", "flying"),
    "freeze": ("freezes", "froze", "frozen", "freezing"),
    "get": ("gets", "got", "got", "getting"),
    "give": ("gives", "gave", "given", "giving"),
    "go": ("goes", "went", "gone", "going"),
    "have": ("has", "had", "had", "having"),
    "hold": ("holds", "held", "held", "holding"),
    "keep": ("keeps", "kept", "kept", "keeping"),
    "lead": ("leads", "led", "led", "leading"),
    "leave": ("leaves", "left", "left", "leaving"),
    "let": ("lets", "let", "let", "letting"),
    "make": ("makes", "made", "made", "making"),
    "meet": ("meets", "met", "met", "meeting"),
    "put": ("puts", "put", "put", "putting"),
    "say": ("says", "said", "said", "saying"),
    "see": ("sees", "saw", "seen", "seeing"),
    "sell": ("sells", "sold", "sold", "selling"),
    "send": ("sends", "sent", "sent", "sending"),
    "set": ("sets", "set", "set", "setting"),
    "shut": ("shuts", "shut", "shut", "shutting"),
    "spend": ("spends", "spent", "spent", "spending"),
    "stand": ("stands", "stood", "stood", "standing"),
    "take": ("takes", "took", "taken", "taking"),
    "tell": ("tells", "told", "told", "telling"),
    "unfreeze": ("unfreezes", "unfroze", "unfrozen", "unfreezing"),
    "walk": ("walks", "walked", "walked", "walking"),
    "win": ("wins", "won", "won", "winning"),
    "withdraw": ("withdraws", "withdrew", "withdrawn", "withdrawing"),
    "write": ("writes", "wrote", "written", "writing"),
}

_VOWELS = "aeiou"


def _doubles_final_consonant(verb: str) -> bool:
    """True for one-syllable verbs ending consonant-vowel-consonant (ban -> banned, drop -> dropping)."""
    if len(verb) < 3 or verb[-1] in "wxy" or verb[-1] in _VOWELS:
        return False
    if not (verb[-2] in _VOWELS and verb[-3] not in _VOWELS):
        return False
    vowel_groups = 0
    previous_vowel = False
    for ch in verb:
        is_vowel = ch in _VOWELS
        if is_vowel and not previous_vowel:
            vowel_groups += 1
        previous_vowel = is_vowel
    return vowel_groups == 1


def _regular(verb: str) -> tuple[str, str, str, str]:
    if verb.endswith(("s", "sh", "ch", "x", "z", "o")):
        third = verb + "es"
    elif verb.endswith("y") and len(verb) > 1 and verb[-2] not in _VOWELS:
        third = verb[:-1] + "ies"
    else:
        third = verb + "s"

    if verb.endswith("e"):
        past = verb + "d"
    elif verb.endswith("y") and len(verb) > 1 and verb[-2] not in _VOWELS:
        past = verb[:-1] + "ied"
    elif _doubles_final_consonant(verb):
        past = verb + verb[-1] + "ed"
    else:
        past = verb + "ed"

    if verb.endswith("ie"):
        ing = verb[:-2] + "ying"
    elif verb.endswith("e") and not verb.endswith(("ee", "ye", "oe")):
        ing = verb[:-1] + "ing"
    elif _doubles_final_consonant(verb):
        ing = verb + verb[-1] + "ing"
    else:
        ing = verb + "ing"
    return third, past, past, ing


def _hyphenated(word: str) -> str | None:
    """reopen -> re-open: reporters write both for re- verbs that start with a vowel after the prefix."""
    if word.startswith("re") and len(word) > 4 and word[2] in _VOWELS and word[2:4] != "ad":
        return "re-" + word[2:]
    return None


@lru_cache(maxsize=1024)
def inflect(verb: str) -> dict[str, VerbForm]:
    """Every surface form of `verb` (lower case) mapped to its form.

    A word that is both base and past (set, let, cut) is recorded as "past": for modality the
    difference is settled by the words around it (a preceding "to" makes it an infinitive).
    """
    verb = verb.strip().lower()
    parts = _IRREGULAR.get(verb) or _regular(verb)
    third, past, participle, ing = parts
    forms: dict[str, VerbForm] = {verb: "base", third: "s", ing: "ing"}
    forms[past] = "past"
    forms[participle] = "past"
    for word, form in list(forms.items()):
        hyphen = _hyphenated(word)
        if hyphen is not None:
            forms.setdefault(hyphen, form)
    return forms
