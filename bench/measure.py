"""What every benchmark shares: timing a whole process, printing a table, writing JSON.

A process is measured with `os.wait4`, which reports the CPU time of the process and of every
descendant it waited for (parse workers included) and the peak resident memory of the largest
single process in that tree. Linux and macOS; no tracker imports.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def tracker_command() -> list[str]:
    """The installed `tracker` console script, as a user runs it."""
    script = BIN / "tracker"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tracker"]


@dataclass(frozen=True)
class ProcessRun:
    wall_s: float
    cpu_s: float  # user + system, the process and the descendants it waited for
    user_s: float
    sys_s: float
    peak_rss_mb: float  # the largest single process of the tree
    returncode: int
    stdout: str
    stderr: str


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 3600,
    cpus: set[int] | None = None,
) -> ProcessRun:
    """Run to completion; `cpus` pins the process (and what it starts) to those cores."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
        proc = subprocess.Popen(
            argv, cwd=cwd, env=dict(env) if env is not None else None, stdout=out, stderr=err, preexec_fn=pin
        )
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # CPU and peak RSS of this child's whole tree
        finally:
            watchdog.cancel()
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    rss_mb = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)
    run = ProcessRun(
        wall,
        usage.ru_utime + usage.ru_stime,
        usage.ru_utime,
        usage.ru_stime,
        rss_mb,
        proc.returncode,
        stdout,
        stderr,
    )
    if check and run.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {run.returncode}:\n{stderr[-2000:]}")
    return run


def median_run(runs: Sequence[ProcessRun]) -> dict[str, float]:
    """Medians of each figure over repeated runs (the runs themselves are kept apart)."""
    return {
        "wall_s": statistics.median(r.wall_s for r in runs),
        "cpu_s": statistics.median(r.cpu_s for r in runs),
        "peak_rss_mb": statistics.median(r.peak_rss_mb for r in runs),
        "runs": len(runs),
    }


def summary(run: ProcessRun) -> dict[str, float]:
    return {k: v for k, v in asdict(run).items() if k not in ("stdout", "stderr")}


def environment() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table: text columns aligned left, figures right."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    left = [all(isinstance(row[i], str) or row[i] is None for row in rows) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            f"{v:<{w}}" if is_left else f"{v:>{w}}"
            for v, w, is_left in zip(values, widths, left, strict=True)
        ).rstrip()

    head = line([str(h) for h in header])
    return "\n".join([title, head, "-" * len(head), *(line(r) for r in cells), ""])


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when either is missing or not positive (a net figure lost in noise)."""
    if numerator is None or denominator is None or numerator <= 0 or denominator <= 0:
        return None
    return numerator / denominator


def write_json(path: Path | None, name: str, data: Mapping[str, Any]) -> None:
    if path is None:
        return
    path.write_text(json.dumps({"benchmark": name, "environment": environment(), **data}, indent=2) + "\n")
    print(f"wrote {path}")


def profiled(argv: Sequence[str], out: Path) -> list[str]:
    """The same command under cProfile, writing its stats to `out` (the main process only)."""
    if len(argv) > 1 and argv[0] == sys.executable and argv[1] == "-m":
        return [sys.executable, "-m", "cProfile", "-o", str(out), *argv[1:]]
    return [sys.executable, "-m", "cProfile", "-o", str(out), *argv]


def top_functions(stats_file: Path, count: int = 25) -> str:
    """The functions with the most cumulative and the most own time in a cProfile file."""
    import io
    import pstats

    text = io.StringIO()
    stats = pstats.Stats(str(stats_file), stream=text)
    stats.strip_dirs()
    for order in ("cumulative", "tottime"):
        text.write(f"--- top {count} by {order} time: {stats_file.name}\n")
        stats.sort_stats(order).print_stats(count)
    return "\n".join(line for line in text.getvalue().splitlines() if line.strip())
