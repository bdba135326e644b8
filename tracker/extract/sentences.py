"""Sentence spans with exact offsets: syntok, plus merges for the abbreviations news copy is full of.

syntok already survives "U.S.", "Sept. 11." and quotes; the merges below are a safety net for the
cases it can still cut ("incl. staff", "10 a.m. Thursday", "No. 1", "St. Petersburg", "Mr. Coale").
A semicolon joins clauses of one sentence and never ends one: syntok cuts "Belarus frees 52
prisoners; U.S. offers relief" before a capital, which would leave evidence ending in ";". The
clause analyses (modality scopes, mention reach, count binding) already stop at a semicolon.
"""

from __future__ import annotations

import re

import syntok.segmenter as segmenter

from tracker.subjects.patterns import word_set

_LAST_WORD = re.compile(r"(\S+)$")
_TITLES = word_set(
    "mr. ms. mrs. dr. gen. sen. rep. gov. lt. col. sgt. prof. rev. amb. capt. maj. adm. pres. supt."
)
_MONTH_ABBREVIATIONS = word_set("jan. feb. mar. apr. jun. jul. aug. sep. sept. oct. nov. dec.")
_LOWER_CONTINUES = word_set("incl. e.g. i.e. approx. vs. etc. cf. esp. ca. resp. dept. govt. est.")
_CLOCK = frozenset({"a.m.", "p.m."})
_WEEKDAYS_AND_MONTHS = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
)
_INITIALISM = re.compile(r"^(?:[A-Z]\.){2,}$")
_INITIAL = re.compile(r"^[A-Z]\.$")


def _should_merge(previous: str, following: str) -> bool:
    match = _LAST_WORD.search(previous)
    if match is None or not following:
        return False
    last = match.group(1).lstrip("(\"'“‘")
    low = last.lower()
    head = following.lstrip("\"'“‘(")
    if not head:
        return False
    first = head[0]
    if previous.rstrip().endswith(";"):
        return True
    if low in _TITLES:
        return True
    if low in _LOWER_CONTINUES:
        return first.islower() or first.isdigit()
    if low in _CLOCK:
        return first.islower() or bool(_WEEKDAYS_AND_MONTHS.match(head))
    if low == "no.":
        return first.isdigit()
    if low == "st.":
        return first.isupper()
    if low in _MONTH_ABBREVIATIONS:
        return first.isdigit()
    if _INITIALISM.match(last):
        return first.islower()
    if _INITIAL.match(last):
        return first.isupper() and len(previous) > 2
    return False


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans inside text[start:end], as offsets into `text`, in order, never empty."""
    stop = len(text) if end is None else end
    chunk = text[start:stop]
    spans: list[tuple[int, int]] = []
    for paragraph in segmenter.analyze(chunk):
        for sentence in paragraph:
            tokens = list(sentence)
            if not tokens:
                continue
            first, last = tokens[0], tokens[-1]
            spans.append((first.offset, last.offset + len(last.value)))
    merged: list[tuple[int, int]] = []
    for span in spans:
        if merged and _should_merge(chunk[merged[-1][0] : merged[-1][1]], chunk[span[0] : span[1]]):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return [(start + s, start + e) for s, e in merged if e > s]
