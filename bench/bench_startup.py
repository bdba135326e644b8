"""Start-up: interactive commands as whole processes on the demo store, and what their imports cost.

    .venv/bin/python bench/bench_startup.py [--runs 11] [--quick] [--json PATH]

Builds the demo store (`tracker demo --db …`), then times `python -c pass` (the floor: the
interpreter alone), `tracker --help`, `tracker report --format json` and `tracker feeds`, each the
median of N whole-process runs after one warm-up run, and lists the 15 imports with the largest
cumulative time under `python -X importtime` for each command. Commands run in an empty directory,
so no feeds.toml is picked up. The package's bytecode is compiled first, as `pip install` does:
with `PYTHONDONTWRITEBYTECODE` set and an editable install, every run would compile the modules it
imports again (about a third of the report's start-up).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from measure import run_process, table, tracker_command, write_json

IMPORT_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def commands(db: Path) -> dict[str, list[str]]:
    tracker = tracker_command()
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "tracker --help": [*tracker, "--help"],
        "tracker report --format json": [*tracker, "report", "--format", "json", "--db", str(db)],
        "tracker feeds": [*tracker, "feeds", "--db", str(db)],
    }


def import_profile(argv: list[str], cwd: Path, top: int = 15) -> dict[str, Any]:
    """`python -X importtime` of the same command: total, and the top imports by cumulative time."""
    script = argv[0] if argv[0] != sys.executable else None
    profiled = [sys.executable, "-X", "importtime", *([script] if script else []), *argv[1:]]
    if argv[:2] == [sys.executable, "-m"]:
        profiled = [sys.executable, "-X", "importtime", *argv[1:]]
    stderr = run_process(profiled, cwd=cwd).stderr
    imports: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            imports.append(
                {
                    "module": name,
                    "self_ms": int(self_us) / 1000,
                    "cumulative_ms": int(cumulative_us) / 1000,
                    "depth": len(indent) // 2,
                }
            )
    total = sum(i["self_ms"] for i in imports)
    ranked = sorted(imports, key=lambda i: i["cumulative_ms"], reverse=True)[:top]
    return {"total_import_ms": total, "modules": len(imports), "top": ranked}


TARGETS = {"tracker --help": 0.150, "tracker report --format json": 0.250}


def compile_package() -> None:
    """Byte-compile tracker's modules where they are installed, as `pip install` does."""
    spec = importlib.util.find_spec("tracker")
    for location in (spec.submodule_search_locations or []) if spec else []:
        compileall.compile_dir(location, quiet=1)


def measure(runs: int) -> dict[str, Any]:
    """Each command on a fresh demo store: whole-process timings and its import profile."""
    results: dict[str, Any] = {}
    compile_package()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        cwd = Path(tmp)
        db = cwd / "demo.db"
        run_process([*tracker_command(), "demo", "--db", str(db)], cwd=cwd)
        for name, argv in commands(db).items():
            run_process(argv, cwd=cwd)  # warm-up
            timings = [run_process(argv, cwd=cwd) for _ in range(runs)]
            walls = sorted(t.wall_s for t in timings)
            results[name] = {
                "median_s": statistics.median(walls),
                "min_s": walls[0],
                "max_s": walls[-1],
                "cpu_median_s": statistics.median(t.cpu_s for t in timings),
                "peak_rss_mb": max(t.peak_rss_mb for t in timings),
                "runs": runs,
                "target_s": TARGETS.get(name),
                "imports": import_profile(argv, cwd),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs
    results = measure(runs)
    floor = results["python -c pass"]["median_s"]
    rows = [
        [
            name,
            r["median_s"] * 1000,
            r["min_s"] * 1000,
            r["max_s"] * 1000,
            (r["median_s"] - floor) * 1000,
            r["imports"]["total_import_ms"],
            r["peak_rss_mb"],
            r["target_s"] * 1000 if r["target_s"] else None,
        ]
        for name, r in results.items()
    ]
    print(
        table(
            f"start-up on the demo store, whole process (median of {runs})",
            [
                "command",
                "median ms",
                "min ms",
                "max ms",
                "over floor ms",
                "imports ms",
                "RSS MB",
                "target ms",
            ],
            rows,
        )
    )
    for name, r in results.items():
        if name.startswith("python"):
            continue
        print(
            table(
                f"python -X importtime: {name}, top 15 by cumulative time",
                ["module", "cumulative ms", "self ms"],
                [
                    ["  " * i["depth"] + i["module"], i["cumulative_ms"], i["self_ms"]]
                    for i in r["imports"]["top"]
                ],
            )
        )
    write_json(args.json, "startup", {"parameters": {"runs": runs}, "results": results})


if __name__ == "__main__":
    main()
