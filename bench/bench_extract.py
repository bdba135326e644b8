"""Throughput of extract_claims on a synthetic news corpus.

The corpus mixes the labelled set's texts into articles made mostly of filler sentences that
mention no tracked subject (markets, weather, sport, other politics), some of which contain cue
words in other senses ("shares closed higher", "the bank eased rates", "tickets are free"), as
real feeds do. Sentences are counted with the extractor's own splitter, outside the timing.

    .venv/bin/python bench/bench_extract.py [--articles 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.evaluation.extraction import LABELLED, load_labelled
from tracker.extract import Document, extract_claims
from tracker.extract.sentences import split_sentences
from tracker.extract.text import blocks
from tracker.subjects import load_shipped_subjects

ROOT = Path(__file__).resolve().parent.parent

_SUBJECTS = [
    "The central bank",
    "The city council",
    "Regional officials",
    "The opposition party",
    "A local court",
    "The health ministry",
    "Shareholders",
    "The national team",
    "Farmers in the south",
    "The weather service",
    "Economists",
    "The transport authority",
    "Teachers' unions",
    "The energy regulator",
    "A panel of judges",
]
_PREDICATES = [
    "eased interest rates by a quarter point on Wednesday",
    "said inflation had slowed for a third month in a row",
    "released its quarterly figures, showing growth of 2.1 percent",
    "closed the session slightly higher after a volatile week",
    "warned that heavy rain could flood low-lying districts",
    "approved a budget of 4.2 billion for the coming year",
    "postponed a vote on the new building code until March",
    "won 3-1 in front of a crowd of 45,000",
    "lifted a ban on night-time construction work",
    "reported a record harvest despite the dry summer",
    "announced that tickets for the festival would be free for students",
    "called for a review of the pension system",
    "opened a new terminal at the regional airport",
    "said relations with suppliers had improved since the spring",
    "confirmed that 12 people were injured in the collision",
    "rejected the proposal by a narrow margin",
    "expects fuel prices to remain high through the winter",
    "promised to publish the full report next month",
]
_TAILS = [
    "",
    " according to a statement",
    ", officials said",
    " on Tuesday",
    ", the agency reported",
    " in a move welcomed by business groups",
    ", though critics were unconvinced",
]
_TITLES = ["Markets wrap", "Weather warning", "Council votes", "Sport roundup", "Regional news", "Economy"]


def _filler(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_PREDICATES)}{rng.choice(_TAILS)}."


def build_corpus(count: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    items = load_labelled(LABELLED)
    base = datetime(2025, 9, 13, 9, tzinfo=UTC)
    documents = []
    for n in range(count):
        paragraphs: list[str] = []
        for _ in range(rng.randint(3, 8)):
            paragraphs.append(" ".join(_filler(rng) for _ in range(rng.randint(2, 5))))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            item = rng.choice(items)
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), item.text)
        title = rng.choice(_TITLES)
        text = title + "\n\n" + "\n\n".join(paragraphs)
        documents.append(Document(text, base + timedelta(hours=n % 500), title))
    return documents


def count_sentences(documents: list[Document]) -> int:
    return sum(len(split_sentences(d.text, s, e)) for d in documents for s, e in blocks(d.text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    subjects = load_shipped_subjects()
    documents = build_corpus(args.articles)
    sentences = count_sentences(documents)
    extract_claims(documents[0], subjects)  # compile the rules and warm the caches once

    timings = []
    claims = 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        claims = sum(len(extract_claims(d, subjects)) for d in documents)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    median = statistics.median(timings)

    items = load_labelled(LABELLED)
    dense = [Document(i.text, i.published) for i in items]
    dense_sentences = count_sentences(dense)
    started = time.perf_counter()
    for _ in range(5):
        for d in dense:
            extract_claims(d, subjects)
    dense_time = (time.perf_counter() - started) / 5

    print(f"corpus: {len(documents)} articles, {sentences} sentences, {claims} claims per pass")
    print(
        f"mixed corpus : {sentences / best:10,.0f} sentences/s  {len(documents) / best:8,.0f} articles/s"
        f"  (best of {args.rounds}; median {sentences / median:,.0f} sentences/s)"
    )
    print(
        f"labelled only: {dense_sentences / dense_time:10,.0f} sentences/s  "
        f"{len(dense) / dense_time:8,.0f} articles/s"
        "  (every sentence about a subject)"
    )


if __name__ == "__main__":
    main()
