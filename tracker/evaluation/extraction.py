"""Evaluation of extraction against a labelled set (the shipped one is `labelled.jsonl` beside
the extractor, in `tracker.extract`; `LABELLED` opens it).

Each item lists the *moving* claims it must produce (`expect`); everything else it produces that
moves a subject is a false positive. A predicted claim matches an expectation on subject, state (or
count), and, when the expectation gives a date, on that date (±1 day at day precision, as the
timeline merges outlets; an expectation of a month or a year is dated the first of it). Duplicates
of one event within an item (a headline and its body) count once. Items tagged "heldout" (or
"heldout-2", ...) were written before the rules were tuned on them, and each such group is reported
separately. A *settled-state error* is a moving claim to a settled state from an item tagged
hedged, negated, conditional, question, retrospective or denied: the target for those is zero.

    tracker eval [FILE.jsonl] [--details]
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from tracker.evaluation.scoring import Score, date_matches
from tracker.extract.model import Claim, Document
from tracker.extract.pipeline import extract_claims
from tracker.subjects.model import Subject

NON_FACTUAL_TAGS = frozenset({"hedged", "negated", "conditional", "question", "retrospective", "denied"})
HELDOUT_TAG = "heldout"
LABELLED: Traversable = resources.files("tracker.extract").joinpath("labelled.jsonl")
"""The shipped labelled set, package data: read it with `load_labelled(LABELLED)`."""


@dataclass(frozen=True, slots=True)
class Expectation:
    subject: str
    state: str | None = None
    count: int | None = None
    date: date | None = None

    def describe(self) -> str:
        what = self.state if self.state is not None else f"+{self.count}"
        return f"{self.subject} {what}" + (f" @{self.date.isoformat()}" if self.date else "")


@dataclass(frozen=True, slots=True)
class LabelledItem:
    id: str
    text: str
    published: datetime
    expect: tuple[Expectation, ...]
    tags: tuple[str, ...]


@dataclass(slots=True)
class ItemResult:
    item: LabelledItem
    claims: list[Claim]
    matched: list[Expectation]
    missed: list[Expectation]
    unexpected: list[Claim]


@dataclass(slots=True)
class GroupReport:
    name: str
    items: int = 0
    subjects: dict[str, Score] = field(default_factory=dict)

    @property
    def overall(self) -> Score:
        total = Score()
        for score in self.subjects.values():
            total.add(score)
        return total


@dataclass(slots=True)
class EvalReport:
    groups: dict[str, GroupReport]
    settled_errors: list[tuple[str, Claim]]
    results: list[ItemResult]


def load_labelled(path: str | Path | Traversable = LABELLED) -> list[LabelledItem]:
    """Read a labelled set (one JSON object per line; blank lines and # comments skipped)."""
    items: list[LabelledItem] = []
    source = Path(path) if isinstance(path, str) else path
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            raw = json.loads(line)
            expect = tuple(
                Expectation(
                    subject=e["subject"],
                    state=e.get("state"),
                    count=e.get("count"),
                    date=date.fromisoformat(e["date"]) if e.get("date") else None,
                )
                for e in raw.get("expect", [])
            )
            published = datetime.fromisoformat(raw["published"])
            items.append(LabelledItem(raw["id"], raw["text"], published, expect, tuple(raw.get("tags", []))))
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: bad labelled item: {exc}") from None
    return items


def _same_event(claim: Claim, subject: str, state: str | None, count: int | None, when: date | None) -> bool:
    if claim.subject != subject or claim.state != state or claim.count != count:
        return False
    if when is None:
        return True
    # A coarser claim meets only an expectation of a whole month (or year), dated the first of it.
    coarse_expectation = {"day": True, "month": when.day == 1, "year": (when.month, when.day) == (1, 1)}
    precision = claim.date_precision
    return coarse_expectation[precision] and date_matches(claim.event_date, precision, when)


def _score_item(item: LabelledItem, subjects: Sequence[Subject]) -> ItemResult:
    claims = extract_claims(Document(item.text, item.published), subjects)
    moving = [c for c in claims if c.moves]
    matched: list[Expectation] = []
    missed: list[Expectation] = []
    used: set[int] = set()
    for expectation in item.expect:
        hits = [
            i
            for i, c in enumerate(moving)
            if _same_event(c, expectation.subject, expectation.state, expectation.count, expectation.date)
        ]
        if hits:
            matched.append(expectation)
            used.update(hits)
        else:
            missed.append(expectation)
    unexpected: list[Claim] = []
    for i, claim in enumerate(moving):
        if i in used:
            continue
        if any(_same_event(claim, u.subject, u.state, u.count, u.event_date) for u in unexpected):
            continue  # the same wrong event reported twice in one item is one error
        unexpected.append(claim)
    return ItemResult(item, claims, matched, missed, unexpected)


def evaluate(items: Sequence[LabelledItem], subjects: Sequence[Subject]) -> EvalReport:
    """Score `items` per subject, overall, and for the tuning and held-out groups separately."""
    held_out = sorted({t for item in items for t in item.tags if t.startswith(HELDOUT_TAG)})
    groups = {name: GroupReport(name) for name in ("all", "tuning", *held_out)}
    for group in groups.values():
        for subject in subjects:
            group.subjects[subject.id] = Score()
    settled = {(s.id, st.id) for s in subjects for st in s.states if st.settled}
    settled_errors: list[tuple[str, Claim]] = []
    results: list[ItemResult] = []
    for item in items:
        result = _score_item(item, subjects)
        results.append(result)
        names = ("all", *([t for t in item.tags if t.startswith(HELDOUT_TAG)] or ["tuning"]))
        for name in names:
            group = groups[name]
            group.items += 1
            for e in result.matched:
                group.subjects.setdefault(e.subject, Score()).tp += 1
            for e in result.missed:
                group.subjects.setdefault(e.subject, Score()).fn += 1
            for c in result.unexpected:
                group.subjects.setdefault(c.subject, Score()).fp += 1
        if NON_FACTUAL_TAGS & set(item.tags):
            for claim in result.claims:
                if claim.moves and (claim.subject, claim.state) in settled:
                    settled_errors.append((item.id, claim))
    return EvalReport(groups, settled_errors, results)


def format_report(report: EvalReport, details: bool = False) -> str:
    """A plain-text table per group; with `details`, every miss and false positive."""
    lines: list[str] = []
    for group in report.groups.values():
        lines.append(f"{group.name} ({group.items} items)")
        lines.append(f"  {'subject':24} {'precision':>9} {'recall':>7} {'tp':>4} {'fp':>4} {'fn':>4}")
        rows = [*group.subjects.items(), ("overall", group.overall)]
        for name, score in rows:
            counts = f"{score.tp:4d} {score.fp:4d} {score.fn:4d}"
            lines.append(f"  {name:24} {score.precision:9.3f} {score.recall:7.3f} {counts}")
        lines.append("")
    lines.append(f"settled-state errors: {len(report.settled_errors)}")
    for item_id, claim in report.settled_errors:
        lines.append(f"  {item_id}: {claim.subject} -> {claim.state} ({claim.modality}) {claim.sentence!r}")
    if details:
        lines.append("")
        for result in report.results:
            for e in result.missed:
                lines.append(f"MISS {result.item.id}: {e.describe()}")
            for c in result.unexpected:
                what = c.state if c.state is not None else f"+{c.count}"
                lines.append(
                    f"FP   {result.item.id}: {c.subject} {what} @{c.event_date.isoformat()} "
                    f"({c.modality}, cue {c.cue!r}) {c.sentence!r}"
                )
    return "\n".join(lines)
