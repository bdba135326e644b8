"""The labelled set: its shape, and the extraction targets measured on it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tracker.evaluation.extraction import LABELLED, EvalReport, evaluate, format_report, load_labelled
from tracker.extract import Document
from tracker.subjects import load_shipped_subjects

SUBJECT_IDS = {"us-embassy-minsk", "belavia-sanctions", "prisoner-releases", "us-belarus-relations"}


@pytest.fixture(scope="module")
def report() -> EvalReport:
    return evaluate(load_labelled(LABELLED), load_shipped_subjects())


def test_labelled_set_shape() -> None:
    items = load_labelled(LABELLED)
    assert len(items) >= 100
    assert len({i.id for i in items}) == len(items)
    adversarial = [i for i in items if "adversarial" in i.tags]
    assert len(adversarial) >= 50
    assert all(not i.expect for i in adversarial)
    held_out = [i for i in items if any(t.startswith("heldout") for t in i.tags)]
    assert 0.2 <= len(held_out) / len(items) <= 0.45
    for item in items:
        assert item.published.tzinfo is not None
        assert {e.subject for e in item.expect} <= SUBJECT_IDS
        covered = {e.subject for e in item.expect}
        assert covered or "adversarial" in item.tags, item.id
    for subject in SUBJECT_IDS:
        assert sum(1 for i in items for e in i.expect if e.subject == subject) >= 15, subject


def test_targets_per_subject(report: EvalReport) -> None:
    scores = report.groups["all"].subjects
    for subject in SUBJECT_IDS:
        score = scores[subject]
        assert score.precision >= 0.95, (subject, score)
        assert score.recall >= 0.85, (subject, score)


def test_no_settled_state_errors(report: EvalReport) -> None:
    assert report.settled_errors == []


def test_held_out_groups_are_reported_separately(report: EvalReport) -> None:
    assert {"all", "tuning", "heldout", "heldout-2"} <= set(report.groups)
    text = format_report(report, details=True)
    assert "heldout-2" in text and "settled-state errors: 0" in text


def test_duplicate_reports_of_one_event_count_once(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    path.write_text(
        '{"id": "x", "text": "Belarus frees 52 prisoners\\n\\nBelarus freed 52 prisoners on Thursday.", '
        '"published": "2025-09-12T09:00:00+00:00", "expect": [{"subject": "prisoner-releases", "count": 52, '
        '"date": "2025-09-11"}], "tags": []}\n',
        encoding="utf-8",
    )
    result = evaluate(load_labelled(path), load_shipped_subjects())
    score = result.groups["all"].subjects["prisoner-releases"]
    assert (score.tp, score.fp, score.fn) == (1, 0, 0)


def test_bad_labelled_line_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_labelled(path)


def test_document_type_accepts_aware_datetimes() -> None:
    doc = Document("x", datetime(2025, 9, 13, tzinfo=UTC))
    assert doc.published is not None and doc.published.date() == date(2025, 9, 13)
