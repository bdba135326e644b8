"""Extraction of claims about tracked subjects from article text (pure: no I/O, no clock).

    extract_claims(doc, subjects) -> list[Claim]   claims in text order
    Document, Claim                                 input and output (see model.py)
    html_to_text(html) -> str                       article HTML to paragraphs of plain text
    EXTRACTOR_VERSION                               changes whenever extraction behaviour changes

Pipeline (pipeline.py runs it, within the bounds of limits.py): paragraphs (text.py) -> anchor
prefilter (matching.py) -> sentences (sentences.py) -> tokens and clauses (tokens.py, clauses.py)
-> cues and mentions (matching.py), which cue is about which mention (reach.py) -> modality
(modality.py, modality_rules.py), tense (tense.py), dates (dates.py, offsets.py, dating.py),
counts (numbers.py, people.py, tally.py, names.py, with the words they turn on in count_words.py)
-> claims (claims.py).
"""

from typing import TYPE_CHECKING, Any

from tracker.subjects.model import MODALITIES, Modality

if TYPE_CHECKING:
    from tracker.extract.model import UNKNOWN_DATE, Claim, DateBasis, DatePrecision, Document
    from tracker.extract.pipeline import extract_claims
    from tracker.extract.text import html_to_text

# Bump whenever a change to code here changes which claims come out: projections rebuild on it.
EXTRACTOR_VERSION = "1.3.3"


def __getattr__(name: str) -> Any:
    # The pipeline and its tables load on first use: readers of the model (the report, the fold)
    # and of EXTRACTOR_VERSION (projection fingerprints) do not pay for them.
    if name == "extract_claims":
        from tracker.extract.pipeline import extract_claims

        return extract_claims
    if name == "html_to_text":
        from tracker.extract.text import html_to_text

        return html_to_text
    if name in ("UNKNOWN_DATE", "Claim", "DateBasis", "DatePrecision", "Document"):
        # Its records too: a report read from the projected tables reads only EXTRACTOR_VERSION.
        from tracker.extract import model

        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EXTRACTOR_VERSION",
    "MODALITIES",
    "UNKNOWN_DATE",
    "Claim",
    "DateBasis",
    "DatePrecision",
    "Document",
    "Modality",
    "extract_claims",
    "html_to_text",
]
