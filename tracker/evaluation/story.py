"""Story-level evaluation: the timeline the tool builds from a corpus of dated articles, against
the expected one.

A corpus is a directory per story holding `articles.jsonl` (one dated article a line, with its
split and the events it mentions, as news or as a retelling) and `expected.json` (the story's
subjects and its real-world events); a directory of such directories is a corpus of stories. The
story's subjects come from the story pack of the same name.

Each split (dev, heldout, and all articles together) is folded on its own, from its articles
only. A predicted timeline entry matches an expected event on subject, state (or count, or one
of the counts outlets disagreed on) and date, ±1 day (a month-precision entry matches an event in
its month). An expected event counts in a split when at least one article of the split reports
it as news; a predicted entry matching an event only retold in the split is neither a hit nor a
false positive. A second entry matching an event already matched is a duplicate, and counts as a
false positive too. A report of a state already reached is no event: the corpus lists such
reports apart, as restatements. A `reaffirmed` entry (a settled state asserted again later, such as a second
licence) is not a change: it counts as a hit when it matches an expected event, and is otherwise
only counted in its own column, as is an entry matching a restatement (in a split that lacks the
change it restates, it is the first report of that state), listed or not: an entry to the state
an event the split does not report as news had reached by the entry's day is such a report.
Tally error: the predicted total (entries that are hits or false positives) against the sum of the
split's expected events. A settled-state error is a false-positive entry to a settled state.

    tracker eval tests/data/press [--story ID] [--split dev|heldout] [--details]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.clock import format_utc
from tracker.evaluation.scoring import Score, date_matches
from tracker.extract import Document
from tracker.fold import Entry, Fact, fold_story
from tracker.projections.article_facts import document_facts
from tracker.subjects import Subject

SPLITS = ("dev", "heldout", "all")


@dataclass(frozen=True, slots=True)
class CorpusArticle:
    id: str
    split: str
    url: str
    outlet: str
    published: datetime
    title: str
    text: str
    mentions: tuple[tuple[str, str], ...]  # (event id, "news" | "retelling")


@dataclass(frozen=True, slots=True)
class ExpectedEvent:
    id: str
    subject: str
    date: date
    state: str | None
    counts: frozenset[int]  # the best-supported count first among the variants
    count: int | None
    summary: str


@dataclass(frozen=True, slots=True)
class StoryCorpus:
    story: str
    articles: tuple[CorpusArticle, ...]
    events: tuple[ExpectedEvent, ...]
    tallies: tuple[str, ...]
    # Reports of a state already reached (a second licence, talk of reopening again): articles
    # may mention them, but they are no event (see the corpus README), and are not scored.
    restatements: tuple[ExpectedEvent, ...] = ()


@dataclass(slots=True, kw_only=True)
class SplitScore(Score):
    story: str
    split: str
    articles: int = 0
    duplicates: int = 0
    reaffirmed: int = 0  # reaffirmations matching no expected event: neither hits nor errors
    settled_errors: int = 0
    tallies: dict[str, tuple[int, int]] = field(default_factory=dict)  # subject: (predicted, expected)
    lines: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        Score.add(self, other)  # zero-argument super() does not work in a slotted dataclass
        if not isinstance(other, SplitScore):
            return
        self.articles += other.articles
        self.duplicates += other.duplicates
        self.reaffirmed += other.reaffirmed
        self.settled_errors += other.settled_errors
        for subject, pair in other.tallies.items():
            self.tallies[f"{other.story}/{subject}"] = pair


def tally_error(predicted: int, expected: int) -> float:
    return abs(predicted - expected) / expected if expected else float(predicted > 0)


# --- loading --------------------------------------------------------------------------------------


def story_dirs(path: str | Path) -> list[Path]:
    """The story directories under `path` (or `path` itself when it is one)."""
    root = Path(path)
    if (root / "expected.json").is_file():
        return [root]
    return sorted(
        d for d in root.iterdir() if (d / "expected.json").is_file() and (d / "articles.jsonl").is_file()
    )


def load_story(directory: Path) -> StoryCorpus:
    expected = json.loads((directory / "expected.json").read_text(encoding="utf-8"))
    events = tuple(_event(raw) for raw in expected["events"])
    tallies = tuple(s["id"] for s in expected["subjects"] if s["kind"] == "tally")
    articles = []
    for number, line in enumerate((directory / "articles.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            articles.append(_article(json.loads(line)))
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"{directory / 'articles.jsonl'}:{number}: bad article: {exc}") from None
    restatements = tuple(_event(raw) for raw in expected.get("restatements", []))
    return StoryCorpus(expected["story"], tuple(articles), events, tallies, restatements)


def _event(raw: dict[str, Any]) -> ExpectedEvent:
    count = raw.get("count")
    variants = {int(k) for k in raw.get("count_variants", {}) if str(k).isdigit()}
    counts = frozenset({count} | variants) if count is not None else frozenset()
    return ExpectedEvent(
        raw["id"],
        raw["subject"],
        date.fromisoformat(raw["date"]),
        raw.get("state"),
        counts,
        count,
        raw.get("summary", ""),
    )


def _article(raw: dict[str, Any]) -> CorpusArticle:
    published = datetime.fromisoformat(raw["published"].replace("Z", "+00:00"))
    mentions = tuple((m["event"], m["as"]) for m in raw.get("mentions", []))
    return CorpusArticle(
        raw["id"], raw["split"], raw["url"], raw["outlet"], published, raw["title"], raw["text"], mentions
    )


# --- scoring --------------------------------------------------------------------------------------


def article_facts(story: str, article: CorpusArticle, subjects: Sequence[Subject]) -> list[Fact]:
    """The facts the extractor finds in one corpus article, as the facts projection would store them."""
    document = Document(
        text=f"{article.title}\n\n{article.text}", published=article.published, title=article.title
    )
    provenance = {
        "stream": f"article:{story}:{article.id}",
        "feed_id": article.outlet,
        "url": article.url,
        "title": article.title,
        "published": format_utc(article.published),
        "publisher": article.outlet,
    }
    return document_facts(document, subjects, provenance)


def score_split(corpus: StoryCorpus, split: str, subjects: Sequence[Subject]) -> SplitScore:
    articles = [a for a in corpus.articles if split == "all" or a.split == split]
    score = SplitScore(story=corpus.story, split=split, articles=len(articles))
    facts = [fact for article in articles for fact in article_facts(corpus.story, article, subjects)]
    story = fold_story(subjects, facts)
    news = {event for a in articles for event, role in a.mentions if role == "news"}
    expected = [e for e in corpus.events if e.id in news]
    settled = {(s.id, st.id) for s in subjects for st in s.states if st.settled}
    matched: set[str] = set()
    predicted_totals: dict[str, int] = dict.fromkeys(corpus.tallies, 0)
    for entry in story.timeline:
        if entry.kind == "initial":
            continue
        hit = next((e for e in corpus.events if _matches(entry, e)), None)
        what = f"{entry.date} {entry.subject} {entry.state or entry.count}"
        if hit is not None and hit.id not in news:
            score.lines.append(f"  retold {what} = {hit.id} (only retold in this split)")
            continue
        if entry.subject in predicted_totals:
            predicted_totals[entry.subject] += entry.count or 0
        if hit is not None and hit.id not in matched:
            matched.add(hit.id)
            score.tp += 1
            continue
        restated = hit is None and any(_matches(entry, r) for r in corpus.restatements)
        lacked = None if hit is not None else _restated_change(corpus, entry, news)
        if (entry.kind == "reaffirmed" or restated or lacked) and hit is None:
            score.reaffirmed += 1
            restates = f" (restates {lacked.id}, a change this split lacks)" if lacked else ""
            score.lines.append(f"  reaff {what}{restates}: {_first_source(entry)}")
            continue
        score.fp += 1
        if hit is not None:
            score.duplicates += 1
            score.lines.append(f"  DUP   {what} duplicates {hit.id}: {_first_source(entry)}")
        else:
            if (entry.subject, entry.state) in settled:
                score.settled_errors += 1
            score.lines.append(f"  FP    {what}: {_first_source(entry)}")
    for event in expected:
        if event.id not in matched:
            score.fn += 1
            what = f"{event.date} {event.subject} {event.state or event.count}"
            score.lines.append(f"  MISS  {what} {event.id}: {event.summary}")
    for subject in corpus.tallies:
        score.tallies[subject] = (
            predicted_totals[subject],
            sum(e.count or 0 for e in expected if e.subject == subject),
        )
    return score


def _matches(entry: Entry, event: ExpectedEvent) -> bool:
    if entry.subject != event.subject:
        return False
    if event.state is not None and entry.state != event.state:
        return False
    if event.counts and entry.count not in event.counts:
        return False
    return date_matches(entry.date, entry.date_precision, event.date)


def _restated_change(corpus: StoryCorpus, entry: Entry, news: set[str]) -> ExpectedEvent | None:
    """The change an entry restates when the split lacks it: the expected event (of the whole
    story) that last set the entry's subject to the entry's state before the entry's day, when no
    article of the split reports it as news. The split's first report of a state already reached
    is no error (see the corpus README), whether or not the corpus lists that report apart."""
    if entry.state is None:
        return None
    earlier = sorted(
        (e for e in corpus.events if e.subject == entry.subject and e.date <= entry.date),
        key=lambda e: e.date,
    )
    if not earlier:
        return None
    reached = earlier[-1]  # of two changes on one day, the one listed last
    return reached if reached.state == entry.state and reached.id not in news else None


def _first_source(entry: Entry) -> str:
    evidence = entry.evidence[0] if entry.evidence else None
    return f"{evidence.sentence!r} {evidence.url}" if evidence else entry.summary


def evaluate_corpus(
    directories: Sequence[Path],
    subjects_of: Callable[[str], Sequence[Subject]],
    splits: Sequence[str] = SPLITS,
) -> list[SplitScore]:
    """Score every story in every split; `subjects_of(story)` gives a story's subjects."""
    scores = []
    for directory in directories:
        corpus = load_story(directory)
        subjects = subjects_of(corpus.story)
        for split in splits:
            scores.append(score_split(corpus, split, subjects))
    return scores


def format_scores(scores: Sequence[SplitScore], details: bool = False) -> str:
    header = (
        f"{'story':22} {'split':8} {'arts':>4} {'P':>6} {'R':>6} {'tp':>3} {'fp':>3} {'fn':>3} {'dup':>3} "
        f"{'reaff':>5} {'settled':>7}  tallies (predicted/expected, error)"
    )
    lines = [header]
    totals: dict[str, SplitScore] = {}
    for s in scores:
        lines.append(_row(s))
        totals.setdefault(s.split, SplitScore(story="overall", split=s.split)).add(s)
    lines.append("")
    for s in totals.values():
        lines.append(_row(s))
    if details:
        for s in scores:
            if s.lines:
                lines.append(f"\n{s.story} / {s.split}")
                lines.extend(s.lines)
    return "\n".join(lines)


def _row(s: SplitScore) -> str:
    tallies = ", ".join(f"{name} {p}/{e} ({tally_error(p, e):.0%})" for name, (p, e) in s.tallies.items())
    return (
        f"{s.story:22} {s.split:8} {s.articles:4d} {s.precision:6.3f} {s.recall:6.3f} {s.tp:3d} {s.fp:3d} "
        f"{s.fn:3d} {s.duplicates:3d} {s.reaffirmed:5d} {s.settled_errors:7d}  {tallies}"
    )
