"""Tense of the predicate a cue belongs to: past, pluperfect, perfect, present, future or unknown.

With the date basis and the sentence's place in the article, the tense is how the story fold tells
fresh news ("Belarus freed 52 prisoners on Thursday", "has freed") from a retelling ("had freed",
"the 52 freed in September"). It is read from the cue's verb and the auxiliaries before it in its
clause: "had (been) freed" pluperfect, "has (been) freed" perfect, "will / would / is to / is
going to free" future, "was freed" and "freed" past, "frees", "is freed", "is freeing" present. A
cue without a verb ("relief", "the release") takes the first auxiliary or finite form of its
clause, else "unknown".
"""

from __future__ import annotations

from tracker.extract.model import Tense
from tracker.extract.tokens import SentenceView
from tracker.subjects.inflect import VerbForm
from tracker.subjects.patterns import word_set

# How many words before the verb an auxiliary may stand ("had not yet been formally freed").
_AUXILIARY_REACH = 5
_PLUPERFECT = word_set("had 'd")
_PERFECT = word_set("has have 've")
_FUTURE = word_set("will would shall 'll wo")
_PAST = word_set("was were did")
_PRESENT = word_set("is are am 's does do")
# Words that may stand between an auxiliary and its verb.
_BETWEEN = word_set(
    "been being be not n't never also yet already just now finally formally officially reportedly "
    "quickly quietly eventually soon later still since then to going set due expected about fully "
    "completely partially partly largely"
)


def _auxiliary_tense(word: str) -> Tense | None:
    if word in _PLUPERFECT:
        return "pluperfect"
    if word in _PERFECT:
        return "perfect"
    if word in _FUTURE:
        return "future"
    if word in _PAST:
        return "past"
    if word in _PRESENT:
        return "present"
    return None


_FUTURE_FRAMES = word_set("going set due about is are")
_CLAUSES_BACK = 3
_DETERMINERS = word_set("the a an their his her its whose this that")


def _going_to(view: SentenceView, index: int) -> bool:
    """Is the verb at `index` a future told with a present auxiliary ("is going to free", "is to")?"""
    return view.word(index - 1) == "to" and view.word(index - 2) in _FUTURE_FRAMES


def clause_tense(view: SentenceView, anchor: int, form: VerbForm | None) -> Tense:
    """The tense of the predicate whose verb (or verb-less cue) is at token `anchor`."""
    if form is None or (form == "base" and view.word(anchor - 1) in _DETERMINERS):
        return _verbless_tense(view, anchor)  # "relief", "the release of six citizens"
    for index in range(anchor - 1, max(-1, anchor - 1 - _AUXILIARY_REACH), -1):
        word = view.word(index)
        if view.is_break(index):
            break
        tense = _auxiliary_tense(word)
        if tense is not None:
            if tense in ("present", "past") and _going_to(view, anchor):
                return "future"
            return tense
        if word not in _BETWEEN and view.tokens[index].is_word:
            break
    if form == "past":
        return "past"
    if form == "s":
        return "present"
    if form == "base":
        return "unknown" if view.word(anchor - 1) == "to" else "present"
    # A participle takes its clause's tense ("had taken the first step by issuing"), or after a
    # comma that of the clause it hangs on ("had issued a licence, authorizing ...").
    for _ in range(_CLAUSES_BACK):
        tense = _verbless_tense(view, anchor)
        if tense != "unknown" or view.word(view.clause_start(anchor) - 1) != ",":
            return tense
        anchor = view.clause_start(anchor) - 2
        if anchor < 0:
            break
    return "unknown"


def _verbless_tense(view: SentenceView, anchor: int) -> Tense:
    """The tense of the clause around a noun: its first auxiliary, else a past form before the
    noun ("Grenell obtained the release of six citizens"), else unknown."""
    clause = view.clause[anchor] if view.tokens else 0
    past_before = False
    for index, token in enumerate(view.tokens):
        if view.clause[index] != clause:
            continue
        tense = _auxiliary_tense(token.lower)
        if tense is not None:
            return tense
        past_before = past_before or (index < anchor and _looks_past(token.text))
    return "past" if past_before else "unknown"


def _looks_past(word: str) -> bool:
    """A lower-case word ending in "-ed": a past form or participle ("obtained", "secured")."""
    return len(word) > 4 and word.islower() and word.endswith("ed") and not word.endswith("eed")
