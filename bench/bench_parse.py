"""Parse: 200-entry RSS and Atom documents through tracker's parse path, feedparser and fastfeedparser.

    .venv/bin/python bench/bench_parse.py [--entries 200] [--rounds 7] [--quick] [--json PATH]

Documents (bench/corpus.py): RSS 2.0 and Atom 1.0, each with summaries only (the common case,
~1 KB an entry) and with ~3 KB of full HTML content an entry. Parsers: tracker's own entry point
(bytes → entries, in process), the same through tracker's worker pool (the path `tracker fetch`
takes: one round trip to a parse process), tracker with its fast path for well-formed feeds turned
off (feedparser alone), feedparser with its defaults, and fastfeedparser. Figures are milliseconds
per document, median of the rounds after a warm-up; every parser must return every entry, and
tracker's two paths must return the same entries.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import corpus
from measure import table, write_json

Parser = Callable[[bytes], int]  # a document in, the number of entries out


# --- adapters: the only places that know each parser's API -----------------------------------------


def tracker_parse() -> Parser:
    from tracker.parsing.feed import parse_feed

    return lambda body: len(
        parse_feed(body, content_type="application/rss+xml", url="https://news.example/").entries
    )


def tracker_feedparser_only() -> Parser:
    from tracker.parsing.feed import parse_feed

    return lambda body: len(
        parse_feed(body, content_type="application/rss+xml", url="https://news.example/", fast=False).entries
    )


def tracker_paths_agree(body: bytes) -> bool:
    from tracker.parsing.feed import parse_feed

    def read(fast: bool) -> object:
        return parse_feed(body, content_type="application/rss+xml", url="https://news.example/", fast=fast)

    return read(True) == read(False)


def tracker_pool() -> Parser:
    from tracker.parsing.pool import ParsePool

    pool = ParsePool(1)
    return lambda body: len(
        pool.parse(body, content_type="application/rss+xml", url="https://news.example/").entries
    )


def feedparser_defaults() -> Parser:
    import feedparser

    return lambda body: len(feedparser.parse(io.BytesIO(body)).entries)


def fastfeedparser_defaults() -> Parser:
    import fastfeedparser

    return lambda body: len(fastfeedparser.parse(body).entries)


POOL = "tracker (worker pool, as fetch does)"
PARSERS: dict[str, Callable[[], Parser]] = {
    "tracker (in process)": tracker_parse,
    POOL: tracker_pool,
    "tracker, fast path off (feedparser alone)": tracker_feedparser_only,
    "feedparser 6": feedparser_defaults,
    "fastfeedparser": fastfeedparser_defaults,
}


def documents(entries: int) -> dict[str, bytes]:
    summaries = corpus.articles(7, entries, size=0, relevant_share=0.02, prefix="p")
    full = corpus.articles(8, entries, size=3000, relevant_share=0.02, prefix="q")
    link = "https://news.example/outlet"
    return {
        "RSS, summaries": corpus.rss("Parse bench", link, summaries),
        "Atom, summaries": corpus.atom("Parse bench", link, summaries),
        "RSS, full content": corpus.rss("Parse bench", link, full),
        "Atom, full content": corpus.atom("Parse bench", link, full),
    }


def time_parser(parse: Parser, body: bytes, rounds: int, expected: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds (CPU of this process: for the pool, without its worker's)."""
    got = parse(body)  # warm-up, and the correctness check
    if got != expected:
        raise RuntimeError(f"parsed {got} entries, expected {expected}")
    walls, cpus = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        parse(body)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    docs = documents(args.entries)
    for doc, body in docs.items():
        if not tracker_paths_agree(body):
            raise RuntimeError(f"{doc}: tracker's fast path and feedparser path disagree")
    results: dict[str, dict[str, Any]] = {name: {} for name in PARSERS}
    cpu: dict[str, dict[str, Any]] = {name: {} for name in PARSERS if name != POOL}
    for name, make in PARSERS.items():
        try:
            parse = make()
        except ImportError as exc:
            print(f"  {name}: not installed ({exc}); pip install -e '.[bench]'")
            continue
        for doc, body in docs.items():
            results[name][doc], cpu_ms = time_parser(parse, body, rounds, args.entries)
            if name in cpu:
                cpu[name][doc] = cpu_ms
    sizes = {doc: len(body) for doc, body in docs.items()}
    header = ["parser", *(f"{doc} ({sizes[doc] // 1024} KB)" for doc in docs)]
    rows = [[name, *(results[name].get(doc) for doc in docs)] for name in PARSERS]
    print(
        table(
            f"parse, ms per {args.entries}-entry document (median of {rounds}; target for tracker: <= 10 ms)",
            header,
            rows,
        )
    )
    print(
        table(
            "the same in CPU milliseconds of the parsing process (steadier on a shared machine)",
            header,
            [[name, *(cpu[name].get(doc) for doc in docs)] for name in cpu],
        )
    )
    write_json(
        args.json,
        "parse",
        {
            "parameters": {"entries": args.entries, "rounds": rounds, "document_bytes": sizes},
            "results_ms": results,
            "cpu_ms": cpu,
            "target_ms": 10.0,
        },
    )


if __name__ == "__main__":
    main()
