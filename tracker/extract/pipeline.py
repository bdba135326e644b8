"""extract_claims: article text + subject rules -> claims, in text order.

The steps, each in its own module: paragraphs (`text.blocks`), an anchor prefilter that skips a
paragraph whose words include no cue anchor of any subject before it is split (`matching`),
sentences (`sentences`), then for each sentence and each subject that could say something about
it, the claims its rules find (`claims`, which ties cues to mentions with `reach` and dates them
with `dating`). A sentence gets tokens, modality scopes, dates and numbers only when some subject
needs them.

Across sentences: a named person's release counts one, unless the article reports a larger
release at that time, of which the person is part; a figure of both sides of an exchange the
article also gives side by side is its size, no release; a headline that tells as done what its
lede puts in the future is the announcement; two cues saying the same thing in a sentence count
once. The work is bounded by `limits`: a hostile article costs time linear in its length, and never
more than MAX_TEXT_CHARS of it is read.

With no publication date and no absolute date in the sentence, a claim's date basis is "unknown"
and it never moves a subject. Callers should pass the first-seen time when a feed gives no date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from tracker.extract.claims import Place, Placed, Sentence, SubjectExtractor
from tracker.extract.dating import context_anchor
from tracker.extract.limits import MAX_CLAIMS, MAX_TEXT_CHARS
from tracker.extract.markup import plain_markup
from tracker.extract.matching import DocumentContext, compiled_for
from tracker.extract.model import Claim, Document
from tracker.extract.sentences import split_sentences
from tracker.extract.text import blocks
from tracker.subjects.model import Subject
from tracker.subjects.patterns import lowered, lowered_utf8, words_of

_HEADLINE_MAX = 200
_CLOSING = re.compile(r"[.!?…\"'”’)\]]$")
# Words that make a count an addition to an earlier one: "ten more", "others", "in addition".
_MORE = re.compile(r"\b(?:more|others|additional|in addition|also)\b", re.IGNORECASE)
# "X traded for Y": the two sides of an exchange, in either order.
_EXCHANGED_FOR = re.compile(r"\b(?:swapped|traded|exchanged)\s+for\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def extract_claims(doc: Document, subjects: Sequence[Subject]) -> list[Claim]:
    """Claims about `subjects` in `doc`, in text order; deterministic and free of I/O."""
    compiled = compiled_for(tuple(subjects))
    if not compiled.subjects:
        return []
    published = doc.published.date() if doc.published is not None else None
    text = doc.text[:MAX_TEXT_CHARS]
    words = words_of(text)  # one pass: most articles name nothing any subject needs, and stop here
    context = DocumentContext(text, words)
    if not compiled.candidates(words, text, context):
        return []
    extractors = {c.subject.id: SubjectExtractor(c, context) for c in compiled.subjects}
    placed: list[tuple[int, int, str, Claim]] = []
    sentences_before = 0  # sentences in the paragraphs before this one
    lede: int | None = None  # the first paragraph that is no headline
    for paragraph, (block_start, block_end) in enumerate(blocks(text)):
        block_text = text[block_start:block_end]
        headline = _is_headline(block_text, doc.title)
        if lede is None and not headline:
            lede = paragraph
        block_words = words_of(block_text)
        candidates = compiled.candidates(block_words, block_text, context)
        if not candidates:
            sentences_before += _estimated_sentences(block_text)
            continue
        spans = split_sentences(text, block_start, block_end)
        for index, (start, end) in enumerate(spans, start=sentences_before):
            words = words_of(text[start:end])
            active = [c for c in candidates if c.wants(words, text[start:end])]
            if not active:
                continue
            place = Place(start, index, paragraph, headline)
            sentence = Sentence(text[start:end], place, published, context_anchor(text, start, published))
            for c in active:
                for position, claim in _distinct(extractors[c.subject.id].claims(sentence)):
                    placed.append((start, position, claim.subject, claim))
            if len(placed) >= MAX_CLAIMS:
                break
        if len(placed) >= MAX_CLAIMS:
            break
        sentences_before += len(spans)
    placed.sort(key=lambda item: item[:3])
    return _headline_shorthand(_parts_of_groups(_exchange_totals(placed[:MAX_CLAIMS])), lede)


def may_speak(text: str, subjects: Sequence[Subject]) -> bool:
    """False when `extract_claims` finds nothing in `text`, nor in any text made of some of its
    words (the same text cleaned, say): one pass over its words, before any cleaning or splitting.

    Exact for the dismissal: an article is dismissed only if the full path would find no candidate
    subject in it. Text longer than half the extraction limit is never dismissed here (cut at the
    limit, a word could become a shorter one the full path would read).
    """
    if len(text) > MAX_TEXT_CHARS // 2:
        return True
    return compiled_for(tuple(subjects)).may_speak_of(lowered(text))


def markup_may_speak(title: str, html: str, extra: str, subjects: Sequence[Subject]) -> bool:
    """False when `may_speak` of the title, the text of `html` and `extra` (plain text) would be,
    known from the words of the markup itself, unconverted: only when it is plain enough for its
    words to hold its text's (`plain_markup`), and short enough that its text is too (tags and
    references are longer than what they become, save a line break or two per element the parser
    implies). True otherwise: the caller converts it and asks `may_speak`."""
    if len(title) + len(html) + len(extra) + 2 > MAX_TEXT_CHARS // 4:
        return True
    # The markup is encoded once, for the plain-markup check and the screen, and the text screened is
    # made of the parts' UTF-8, not joined as text first (a fifth of the cost of a dismissal).
    utf8 = html.encode("utf-8", "surrogatepass")
    if not plain_markup(html, utf8):
        return True
    parts = (title.encode("utf-8", "surrogatepass"), utf8, extra.encode("utf-8", "surrogatepass"))
    data = lowered_utf8(b"\n".join(parts), lambda: "\n".join((title, html, extra)))
    return compiled_for(tuple(subjects)).may_speak_of(data)  # `may_speak`: the text is short enough


def _headline_shorthand(claims: list[Claim], lede: int | None) -> list[Claim]:
    """A headline that tells as done what its lede puts in the future ("U.S. lifts Syria
    sanctions" over "Trump has announced that sanctions will be fully removed") is shorthand for
    the announcement: it takes the lede's reading, unless the body itself reports the change. A
    lede's "agreed to lift" says nothing of whether the lifting is still to come."""
    if lede is None:
        return claims
    out = []
    for claim in claims:
        if (
            claim.state is not None
            and claim.paragraph_index < lede
            and claim.moves
            and claim.modality == "asserted"
        ):
            promised = [
                c
                for c in claims
                if c.paragraph_index == lede
                and c.subject == claim.subject
                and c.modality == "promise"
                and c.tense == "future"
                and c.state != claim.state
            ]
            done = any(
                c.paragraph_index >= lede
                and c.subject == claim.subject
                and c.state == claim.state
                and c.moves
                for c in claims
            )
            if promised and not done:
                claim = replace(claim, state=promised[0].state, modality="promise", moves=promised[0].moves)
        out.append(claim)
    return out


def _exchange_totals(placed: list[tuple[int, int, str, Claim]]) -> list[Claim]:
    """An exchange told from both sides ("16 people held in Russia traded for eight held in the
    West"): a count the article gives of the same release that equals the two sides together is
    the size of the whole exchange, not what the tracked government released; it moves nothing."""
    sides: list[tuple[Claim, int]] = []  # (the released side, the whole exchange)
    by_sentence: dict[tuple[int, str], list[tuple[int, Claim]]] = {}
    for start, position, subject, claim in placed:
        if claim.count is not None:
            by_sentence.setdefault((start, subject), []).append((position, claim))
    for counts in by_sentence.values():
        for match in _EXCHANGED_FOR.finditer(counts[0][1].sentence):
            before = [c for p, c in counts if p < match.start()]
            after = [c for p, c in counts if p >= match.end()]
            if before and after and before[-1].moves:
                sides.append((before[-1], (before[-1].count or 0) + (after[0].count or 0)))
    out = []
    for _, _, _, claim in placed:
        if claim.count is not None and any(
            claim.subject == side.subject and claim.count == whole and _same_time(claim, side)
            for side, whole in sides
        ):
            claim = replace(claim, figure="exchange-total", moves=False)
        out.append(claim)
    return out


def _parts_of_groups(claims: list[Claim]) -> list[Claim]:
    """A release that is part of a larger one the article reports at that time must not count on
    its own: a named or described person ("Kalesnikava was freed on Saturday", "a U.S. citizen
    walked free"), or a smaller group with no other date and no sign of being more ("Six
    Lithuanians were freed, Vilnius said", beside "Belarus freed 52 on Thursday")."""
    groups = [c for c in claims if c.count is not None and c.moves and len(c.names) < c.count]
    if not groups:
        return claims
    out = []
    for claim in claims:
        if claim.count is not None and claim.moves and any(_part_of(claim, g) for g in groups):
            claim = replace(claim, moves=False)
        out.append(claim)
    return out


def _part_of(claim: Claim, group: Claim) -> bool:
    if group.subject != claim.subject or (group.count or 0) <= (claim.count or 0):
        return False
    if not _same_time(group, claim):
        return False
    if claim.count in (1, len(claim.names)):
        return True  # named or described people
    undated = claim.date_basis != "sentence" or claim.event_date == group.event_date
    later = claim if claim.start > group.start else group  # the one told second may say "more"
    more = claim.novelty or bool(_MORE.search(claim.sentence)) or bool(_MORE.search(later.sentence))
    return undated and not more


def _same_time(a: Claim, b: Claim) -> bool:
    if a.date_precision == b.date_precision == "day":
        return abs((a.event_date - b.event_date).days) <= 1
    return (a.event_date.year, a.event_date.month) == (b.event_date.year, b.event_date.month)


def _is_headline(block: str, title: str | None) -> bool:
    """A headline is the article's title, or a one-line block without closing punctuation."""
    block = block.strip()
    if title is not None and block == title.strip():
        return True
    return "\n" not in block and len(block) <= _HEADLINE_MAX and not _CLOSING.search(block)


def _estimated_sentences(block: str) -> int:
    """Sentences in a paragraph that is never split (no subject could speak of it): its sentence
    ends, counted cheaply; abbreviations ("U.S. officials") may add one now and then."""
    return 1 + len(_SENTENCE_END.findall(block))


def _distinct(claims: list[Placed]) -> list[Placed]:
    """One claim per distinct statement: two cues saying the same thing in a sentence count once."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for position, claim in claims:
        key = (claim.state, claim.count, claim.modality, claim.moves, claim.event_date, claim.reversal)
        if key not in seen:
            seen.add(key)
            out.append((position, claim))
    return out
