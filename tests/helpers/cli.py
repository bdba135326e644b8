"""Running the real `tracker` command in a child process, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

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
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)
