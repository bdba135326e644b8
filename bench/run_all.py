"""Every side-by-side benchmark in one run, one JSON file, and the figures against their targets.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/run_all.py --json bench-results.json          # the full set
    .venv/bin/python bench/run_all.py --quick                            # a smoke check, ~2 minutes

Runs bench_store, bench_ingest, bench_startup, bench_parse and bench_scale one after another, each
in its own process (each prints its own table), collects their JSON under one file, and ends with
a table of the headline figures and their targets. `--only NAME` (repeatable) picks benchmarks;
`--cache DIR` is passed to bench_scale; `--profile DIR` has tracker's first
fetch pass and a rebuild profiled (cProfile files and their top functions). The scale
benchmark's stores are generated on the first run and reused from the cache afterwards. The
soak test (bench_soak.py) and the extraction throughput (bench_extract.py) are not part of this
set: run them on their own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import environment, table

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("store", "ingest", "startup", "parse", "scale")


def headline(results: dict[str, Any]) -> list[list[object]]:
    """(figure, value, target, met?) for each target the benchmarks measure."""
    # One row per target, all in one place, so the table reads like the list of targets.
    rows: list[list[object]] = []

    def add(figure: str, value: float | None, target: str, met: bool | None) -> None:
        rows.append([figure, value, target, "–" if met is None else ("yes" if met else "NO")])

    if "ingest" in results:
        s = results["ingest"]["speedup_reader_over_tracker"]
        add("ingest first pass, reader time ÷ tracker time", s["first_wall"], "≥ 5", _ge(s["first_wall"], 5))
        add(
            "ingest unchanged pass, reader ÷ tracker, whole process",
            s["unchanged_wall"],
            "≥ 3",
            _ge(s["unchanged_wall"], 3),
        )
        add(
            "ingest unchanged pass, reader ÷ tracker, net of start-up",
            s["unchanged_net_wall"],
            "≥ 10",
            _ge(s["unchanged_net_wall"], 10),
        )
    if "startup" in results:
        r = results["startup"]["results"]
        for name, target in (("tracker --help", 0.150), ("tracker report --format json", 0.250)):
            value = r[name]["median_s"] * 1000
            add(f"{name} on the demo store (ms)", value, f"≤ {target * 1000:.0f}", value <= target * 1000)
        add("tracker feeds on the demo store (ms)", r["tracker feeds"]["median_s"] * 1000, "", None)
    if "scale" in results:
        r = results["scale"]["results"]
        n = results["scale"]["parameters"]["events"]
        add(
            f"report on {n:,} events (ms)",
            r["report"]["median_s"] * 1000,
            "≤ 300",
            r["report"]["median_s"] <= 0.3,
        )
        add(
            f"report --as-of on {n:,} events (ms)",
            r["report --as-of"]["median_s"] * 1000,
            "≤ 500",
            r["report --as-of"]["median_s"] <= 0.5,
        )
        articles = r["rebuild_store"]["articles"]
        rate = r["rebuild, 2 cores"]["articles_per_s"]
        add(f"rebuild of {articles:,} articles, articles/s", rate, "≥ 5,000", rate >= 5000)
        speedup = r["rebuild, 1 core"]["wall_s"] / r["rebuild, 2 cores"]["wall_s"]
        add("rebuild speed-up 1 → 2 cores", speedup, "near 2 (≥ 1.8)", speedup >= 1.8)
    if "store" in results:
        e = results["store"]["events_per_second"]
        append = e["append, 100 per transaction"]
        peer = append.get("eventsourcing Application.save")
        add(
            "append ÷ eventsourcing Application.save, 100 per transaction",
            append["tracker"] / peer if peer else None,
            "≥ 2",
            _ge(append["tracker"] / peer if peer else None, 2),
        )
        read = e["read the log, decoded"]["tracker"]
        add("decoded read, events/s", read, "≥ 100,000", read >= 100_000)
        verify = e["verify (hash chain + quick_check)"]["tracker"]
        add("verify, events/s", verify, "≥ 200,000", verify >= 200_000)
    if "parse" in results:
        p = results["parse"]["cpu_ms"]["tracker (in process)"]  # CPU: wall time is the load's
        for doc in ("RSS, summaries", "Atom, summaries"):
            add(f"parse 200 entries, {doc} (CPU ms)", p[doc], "≤ 10", p[doc] <= 10)
    return rows


def _ge(value: float | None, target: float) -> bool | None:
    return None if value is None else value >= target


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes everywhere: a smoke check")
    parser.add_argument("--only", action="append", choices=BENCHMARKS, help="run only these (repeatable)")
    parser.add_argument("--cache", type=Path, help="bench_scale's cache directory")
    parser.add_argument("--json", type=Path, help="write every benchmark's figures here")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="also profile tracker fetch and rebuild")
    args = parser.parse_args()
    selected = args.only or list(BENCHMARKS)
    collected: dict[str, Any] = {}
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-all-") as tmp:
        for name in selected:
            out = Path(tmp) / f"{name}.json"
            argv = [sys.executable, str(HERE / f"bench_{name}.py"), "--json", str(out)]
            argv += ["--quick"] if args.quick else []
            argv += ["--cache", str(args.cache)] if name == "scale" and args.cache else []
            argv += ["--profile", str(args.profile)] if name in ("ingest", "scale") and args.profile else []
            print(f"\n=== {name}: {' '.join(argv[1:])}", flush=True)
            started = time.perf_counter()
            completed = subprocess.run(argv, check=False)
            timings[name] = time.perf_counter() - started
            if completed.returncode != 0 or not out.exists():
                print(f"!!! {name} failed (exit {completed.returncode})", flush=True)
                collected[name] = {"failed": completed.returncode}
                continue
            collected[name] = json.loads(out.read_text())
    ok = {k: v for k, v in collected.items() if "failed" not in v}
    print()
    title = "headline figures against their targets"
    if args.quick:
        title += " (--quick: small sizes, a smoke check; these figures mean nothing)"
    print(table(title, ["figure", "value", "target", "met"], headline(ok)))
    print("seconds per benchmark: " + ", ".join(f"{k} {v:.0f}" for k, v in timings.items()))
    if args.json:
        args.json.write_text(
            json.dumps(
                {"environment": environment(), "quick": args.quick, "seconds": timings, **collected}, indent=2
            )
            + "\n"
        )
        print(f"wrote {args.json}")
    if len(ok) < len(collected):
        sys.exit(1)


if __name__ == "__main__":
    main()
