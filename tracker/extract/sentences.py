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

from tracker.extract.limits import MAX_SENTENCE_CHARS
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
# The merge rules look only at the end of the sentence before: enough for its last word.
_MERGE_TAIL = 80
# Where an over-long sentence may be cut, best first: after a clause break, after a space.
_CLAUSE_CUT = re.compile(r"[;,:—–)]\s+")
_SPACE_CUT = re.compile(r"\s+")


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
        if merged:
            previous_start, previous_end = merged[-1]
            previous = chunk[max(previous_start, previous_end - _MERGE_TAIL) : previous_end]
            following = chunk[span[0] : min(span[1], span[0] + _MERGE_TAIL)]
            if _should_merge(previous, following):
                merged[-1] = (previous_start, span[1])
                continue
        merged.append(span)
    return [piece for s, e in merged if e > s for piece in _bounded(text, start + s, start + e)]


def _bounded(text: str, start: int, end: int, limit: int = MAX_SENTENCE_CHARS) -> list[tuple[int, int]]:
    """The span start..end, cut into pieces of at most `limit` characters: after the last clause
    break that leaves a piece of at least half the limit, else at the last space, else hard.
    Real sentences never come near the limit; text with no sentence breaks does."""
    pieces: list[tuple[int, int]] = []
    while end - start > limit:
        cut = None
        for pattern in (_CLAUSE_CUT, _SPACE_CUT):
            found = [m.end() for m in pattern.finditer(text, start + limit // 2, start + limit)]
            if found:
                cut = found[-1]
                break
        cut = cut if cut is not None and cut > start else start + limit
        piece_end = cut
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        pieces.append((start, piece_end))
        start = cut
    pieces.append((start, end))
    return pieces
