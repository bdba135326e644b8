"""Full text: extraction speed on generated article pages, and what fetching pages adds to a first
pass.

Pages are generated like real news pages: a header and navigation, an article of 8 to 16
paragraphs, a sidebar of related links, a comment section, a cookie banner, scripts and a footer
(about 25 KB of HTML each). Extraction is `tracker.pages.extract.extract_page` (trafilatura),
timed per page in wall and CPU time, in this process and as `tracker` runs it: through a worker
process of `ExtractPool`, under its budget. The first-pass cost runs `tracker fetch`'s own service
twice on fresh stores against a loopback server: the same summary-only feed with `full_text =
"never"` and with `"auto"` (every entry's page fetched, extracted and interpreted), counting the
CPU of this process and of its worker processes (parsing, extraction, interpretation).

    .venv/bin/python bench/bench_fulltext.py [--pages 200] [--entries 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import statistics
import tempfile
import time
from html import escape
from pathlib import Path

from tracker import app
from tracker.bootstrap import open_tracker
from tracker.config import parse_config
from tracker.demo.server import DemoServer
from tracker.pages.extract import PageText, extract_page
from tracker.pages.extract_pool import ExtractPool

_SENTENCES = [
    "The ministry said on Monday that the talks would resume next week in the capital.",
    "Officials from both delegations met briefly at the border crossing, according to a statement.",
    "Observers said the meeting was the first sign in weeks that negotiations could move forward.",
    "The central bank eased interest rates by a quarter point, citing slower growth.",
    "Farmers in the south said the dry summer had cut the harvest by a fifth.",
    "The opposition party called for an inquiry into the tender, which it described as rushed.",
    "A spokesman declined to comment on the report, saying the review was still under way.",
    "Rights groups said more than a thousand people remained in detention across the country.",
    "The transport authority announced new timetables that take effect at the start of the month.",
    "Economists expect inflation to slow further in the second half of the year.",
]


def page(rng: random.Random, index: int) -> bytes:
    """One realistic article page."""
    paragraphs = "".join(
        "<p>" + escape(" ".join(rng.choices(_SENTENCES, k=rng.randint(2, 5)))) + "</p>"
        for _ in range(rng.randint(8, 16))
    )
    nav = "".join(f"<li><a href='/section/{n}'>Section {n}</a></li>" for n in range(40))
    related = "".join(
        f"<li><a href='/story/{rng.randint(1, 10**6)}'>Related story {n}</a></li>" for n in range(30)
    )
    comments = "".join(
        f"<div class='comment'><b>reader{n}</b><p>{escape(rng.choice(_SENTENCES))}</p></div>"
        for n in range(25)
    )
    script = "<script>var analytics = {" + ",".join(f"k{n}: {n}" for n in range(800)) + "};</script>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>Story {index} | Example Daily</title><meta name='author' content='Jane Roe'>"
        "<meta property='og:site_name' content='Example Daily'>"
        f"<meta property='article:published_time' content='2026-03-0{1 + index % 9}'>{script}</head><body>"
        f"<header><div class='logo'>Example Daily</div><ul class='nav'>{nav}</ul></header>"
        f"<main><article><h1>Story {index}</h1><div class='byline'>By Jane Roe</div>{paragraphs}</article>"
        f"<aside><h2>Related</h2><ul>{related}</ul></aside>"
        f"<section class='comments'>{comments}</section></main>"
        "<div class='cookie-banner'>We use cookies. <button>Accept</button></div>"
        f"<footer>© Example Daily. All rights reserved.</footer>{script}</body></html>"
    ).encode()


def bench_extraction(pages: list[bytes]) -> None:
    walls, cpus = [], []
    extract_page(pages[0], "https://example.org/warm")  # trafilatura's first-use imports are not a page's
    for number, html in enumerate(pages):
        wall, cpu = time.perf_counter(), time.process_time()
        found = extract_page(html, f"https://example.org/story/{number}")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert isinstance(found, PageText), found
    size = statistics.mean(len(p) for p in pages) / 1024
    print(f"extraction: {len(pages)} pages of {size:.0f} KB on average")
    median = statistics.median(cpus) * 1000
    print(f"  {len(pages) / sum(walls):.0f} pages/s; CPU per page: median {median:.1f} ms")
    print(f"  p95 {sorted(cpus)[int(len(cpus) * 0.95)] * 1000:.1f} ms")
    with ExtractPool(1) as pool:
        pool.extract(pages[0], "https://example.org/warm")  # the worker's start is not a page's
        wall = time.perf_counter()
        for number, html in enumerate(pages):
            assert isinstance(pool.extract(html, f"https://example.org/story/{number}"), PageText)
        pooled = time.perf_counter() - wall
    speed = f"{len(pages) / pooled:.0f} pages/s ({sum(walls) / pooled:.2f}x in-process)"
    print(f"  through a worker process, as tracker extracts: {speed}")


def _cpu_with_workers() -> float:
    """CPU seconds of this process and of its ended worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def feed(base: str, entries: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}</title><link>{base}/story/{n}.html</link><guid>g{n}</guid>"
        f"<pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>"
        f"<description>Story {n}: a teaser.</description></item>"
        for n in range(entries)
    )
    channel = f"<channel><title>Bench</title>{items}</channel>"
    return f"<?xml version='1.0'?><rss version='2.0'>{channel}</rss>".encode()


def first_pass(server: DemoServer, mode: str) -> tuple[float, float]:
    """Wall and CPU seconds (with the workers') of one `tracker fetch` pass on a fresh store."""
    document = {
        "fetch": {"page_delay": "0s", "page_ports": [server.port]},
        "feeds": [{"id": "bench", "url": server.url("feed.xml"), "full_text": mode}],
    }
    with tempfile.TemporaryDirectory() as tmp:
        config = parse_config(document, Path(tmp) / "feeds.toml")
        wall, cpu = time.perf_counter(), _cpu_with_workers()
        with open_tracker(config, Path(tmp) / "events.db", create=True) as tracker:
            summary = asyncio.run(app.fetch_feeds(tracker))
            wall = time.perf_counter() - wall
        elapsed = wall, _cpu_with_workers() - cpu  # the workers have ended: their CPU is counted
    if mode != "never":
        assert summary.pages is not None and summary.pages.failed == 0, summary.pages
    return elapsed


def bench_first_pass(rng: random.Random, entries: int) -> None:
    documents = {f"/story/{n}.html": page(rng, n) for n in range(entries)}
    with DemoServer({"/feed.xml": b"<rss/>", **documents}) as server:
        server.replace("/feed.xml", feed(server.base_url, entries))
        never = first_pass(server, "never")
        auto = first_pass(server, "auto")
    print(f"first pass, one feed of {entries} summary-only entries (wall / CPU with the workers):")
    print(f"  full_text = never: {never[0]:.2f} s / {never[1]:.2f} s")
    print(f"  full_text = auto:  {auto[0]:.2f} s / {auto[1]:.2f} s")
    added = (auto[0] - never[0]) / entries * 1000, (auto[1] - never[1]) / entries * 1000
    print(f"  added per page: {added[0]:.0f} ms wall, {added[1]:.0f} ms CPU (fetch, extract, interpret)")
    ratios = f"{auto[0] / never[0]:.1f}x the wall time, {auto[1] / never[1]:.1f}x the CPU"
    print(f"  the pass with pages costs {ratios} of the pass without")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(20260302)
    bench_extraction([page(rng, n) for n in range(args.pages)])
    bench_first_pass(rng, args.entries)


if __name__ == "__main__":
    main()
