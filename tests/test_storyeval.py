"""Story-level evaluation on a small corpus written for it: per split, hits, misses, events only
retold in a split, tally totals, and the `tracker eval DIR` command."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tracker.evaluation.story import evaluate_corpus, story_dirs
from tracker.subjects.story_packs import load_story_pack

ARTICLES = [
    ("a1", "dev", "2025-09-11T16:00:00Z", "Belarus frees 52 prisoners",
     "Belarus freed 52 prisoners on Thursday after talks with a U.S. envoy.", [("E1", "news")]),
    ("a2", "dev", "2025-09-11T18:00:00Z", "Prisoners reach Lithuania",
     "Fifty-two prisoners released by Belarus on Thursday crossed into Lithuania.", [("E1", "news")]),
    ("a3", "dev", "2025-10-20T09:00:00Z", "Explainer: the talks with Minsk",
     "Talks between Minsk and Washington continue.\n\nOn 11 September, Belarus freed 52 prisoners.",
     [("E1", "retelling")]),
    ("a4", "dev", "2025-10-21T09:00:00Z", "Belarus holds a parade",
     "Belarus held a military parade in Minsk on Tuesday.", []),
    ("h1", "heldout", "2025-12-13T15:00:00Z", "Belarus frees 123 prisoners",
     "Belarus released 123 prisoners on Saturday, officials in Minsk said.", [("E2", "news")]),
    # Annotated as a retelling; the tool takes it for news of its own: the entry it makes is neither
    # a hit nor an error in this split, where the event is never reported as news.
    ("h2", "heldout", "2025-09-13T09:00:00Z", "Freed prisoners rest in Vilnius",
     "Belarus freed 52 prisoners on Thursday, officials said.", [("E1", "retelling")]),
    ("h3", "heldout", "2025-12-14T09:00:00Z", "Diplomats in Minsk",
     "Diplomats were seen in Minsk on Sunday.", [("E3", "news")]),
]  # fmt: skip
EXPECTED = {
    "story": "us-belarus",
    "title": "A corpus written for the tests",
    "window": ["2025-01-01", "2025-12-31"],
    "subjects": [{"id": "prisoner-releases", "kind": "tally", "title": "Prisoners released by Belarus"}],
    "events": [
        {
            "id": "E1",
            "subject": "prisoner-releases",
            "date": "2025-09-11",
            "count": 52,
            "summary": "52 freed",
        },
        {
            "id": "E2",
            "subject": "prisoner-releases",
            "date": "2025-12-13",
            "count": 123,
            "summary": "123 freed",
        },
        {
            "id": "E3",
            "subject": "us-embassy-minsk",
            "date": "2025-12-14",
            "state": "reopened",
            "summary": "x",
        },
    ],
    "final": {"prisoner-releases": 175},
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    story = tmp_path / "us-belarus"
    story.mkdir()
    lines = [
        json.dumps({"id": i, "split": split, "url": f"https://example.org/{i}", "outlet": f"outlet-{i}",
                    "published": published, "published_precision": "minute", "title": title, "text": text,
                    "mentions": [{"event": e, "as": role} for e, role in mentions]})
        for i, split, published, title, text, mentions in ARTICLES
    ]  # fmt: skip
    (story / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (story / "expected.json").write_text(json.dumps(EXPECTED), encoding="utf-8")
    return tmp_path


def test_each_split_is_scored_on_its_own_articles(corpus: Path) -> None:
    scores = {s.split: s for s in evaluate_corpus(story_dirs(corpus), load_story_pack)}
    dev, heldout, everything = scores["dev"], scores["heldout"], scores["all"]
    assert (dev.articles, dev.tp, dev.fp, dev.fn, dev.duplicates) == (4, 1, 0, 0, 0)
    assert dev.tallies == {"prisoner-releases": (52, 52)}
    # E1 is only retold in the held-out split: its entry there is neither a hit nor an error.
    assert (heldout.tp, heldout.fp, heldout.fn) == (1, 0, 1)
    assert (heldout.precision, heldout.recall) == (1.0, 0.5)
    assert heldout.tallies == {"prisoner-releases": (123, 123)}  # the retold 52 counts in neither
    assert any("retold" in line and "E1" in line for line in heldout.lines)
    assert any(line.startswith("  MISS") and "E3" in line for line in heldout.lines)
    assert (everything.tp, everything.fp, everything.fn) == (2, 0, 1)
    assert everything.tallies == {"prisoner-releases": (175, 175)}


REOPENED = {"subject": "us-embassy-minsk", "state": "reopened", "summary": "x"}


def _write_reopening_story(
    story: Path,
    articles: Sequence[tuple[str, str, str, str, str, str | None]],
    restatements: list[dict[str, str]],
) -> None:
    """A story whose one event, E1, is the reopening of the embassy on 11 September 2025."""
    lines = [
        json.dumps({"id": i, "split": split, "url": f"https://example.org/{i}", "outlet": f"outlet-{i}",
                    "published": published, "title": title, "text": text,
                    "mentions": [{"event": event, "as": "news"}] if event else []})
        for i, split, published, title, text, event in articles
    ]  # fmt: skip
    (story / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    events = [{"id": "E1", "date": "2025-09-11", **REOPENED}]
    expected = dict(EXPECTED, events=events, restatements=restatements)
    (story / "expected.json").write_text(json.dumps(expected), encoding="utf-8")


def test_a_report_of_a_state_already_reached_is_neither_a_hit_nor_an_error(tmp_path: Path) -> None:
    story = tmp_path / "us-belarus"
    story.mkdir()
    articles = [
        ("r1", "heldout", "2025-09-11T16:00:00Z", "U.S. embassy in Minsk reopens",
         "The U.S. Embassy in Minsk reopened on Thursday.", "E1"),
        # A month later, in the other split: the state already reached, told again as news. Where
        # the change itself is missing it is the first report of that state, not an error.
        ("r2", "dev", "2025-10-16T16:00:00Z", "U.S. embassy in Minsk reopens its doors",
         "The U.S. Embassy in Minsk reopened on Thursday.", "R1"),
    ]  # fmt: skip
    restatements = [{"id": "R1", "date": "2025-10-16", **REOPENED}]
    _write_reopening_story(story, articles, restatements)
    dev = next(s for s in evaluate_corpus(story_dirs(tmp_path), load_story_pack) if s.split == "dev")
    assert (dev.tp, dev.fp, dev.fn, dev.reaffirmed, dev.settled_errors) == (0, 0, 0, 1, 0)


def test_a_split_lacking_a_change_may_report_the_state_it_reached_unlisted(tmp_path: Path) -> None:
    story = tmp_path / "us-belarus"
    story.mkdir()
    articles = [
        ("c1", "heldout", "2025-09-11T16:00:00Z", "U.S. embassy in Minsk reopens",
         "The U.S. Embassy in Minsk reopened on Thursday.", "E1"),
        # Not listed as a restatement: the state the held-out change reached, told again later.
        ("c2", "dev", "2025-11-20T16:00:00Z", "U.S. embassy in Minsk reopens its doors",
         "The U.S. Embassy in Minsk reopened on Thursday.", None),
        # The same report where the split has the change: the fold's own reaffirmation at most.
        ("c3", "heldout", "2025-11-20T16:00:00Z", "U.S. embassy in Minsk reopens its doors",
         "The U.S. Embassy in Minsk reopened on Thursday.", None),
    ]  # fmt: skip
    _write_reopening_story(story, articles, restatements=[])
    scores = {s.split: s for s in evaluate_corpus(story_dirs(tmp_path), load_story_pack)}
    dev, heldout = scores["dev"], scores["heldout"]
    assert (dev.tp, dev.fp, dev.fn, dev.reaffirmed, dev.settled_errors) == (0, 0, 0, 1, 0)
    assert any("restates E1, a change this split lacks" in line for line in dev.lines)
    assert heldout.tp == 1 and not any("lacks" in line for line in heldout.lines)


def test_the_eval_command_scores_a_corpus_directory(corpus: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "eval", str(corpus), "--split", "heldout", "--details"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()]
    assert ["us-belarus", "heldout", "3", "1.000", "0.500", "1", "0", "1", "0", "0", "0"] in [
        r[:11] for r in rows
    ]
    assert "MISS" in proc.stdout and "dev" not in proc.stdout.split("\n", 1)[1]
