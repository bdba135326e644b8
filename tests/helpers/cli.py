"""Running the real `tracker` command: in a child process, as a user would (`tracker`), or in this
process through click's runner (`in_process`, `invoke`), which is quicker where nothing needs a process of
its own. A child process is for what only a process shows: start-up, signals, terminals, imports."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from click.testing import CliRunner, Result

from tracker.cli import main

ROOT = Path(__file__).resolve().parents[2]


class CliRun(NamedTuple):
    code: int
    out: str
    err: str


def tracker(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: float = 120) -> CliRun:
    """`tracker ARGS…` with this interpreter: (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",  # hostile feed text must reach the assertions as it was printed
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


def in_process(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> CliRun:
    """`tracker ARGS…` in this process, from `cwd`, as `tracker()` runs it in a child: (exit code,
    stdout, stderr). An exception the command let through is raised here, never read as an exit."""
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(main, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliRun(result.exit_code, result.stdout, result.stderr)


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    """`tracker ARGS…` in this process; the result has `exit_code`, `output` and `stderr`."""
    return CliRunner().invoke(main, list(args), env=env)
