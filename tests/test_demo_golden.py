"""The demo's report, text and JSON, is exactly the stored one, and so is `tracker report` on the
demo's store afterwards: a change that alters what the demo tells must update
tests/data/demo_report.{txt,json} on purpose.

Regenerate with `TRACKER_GOLDEN_UPDATE=1 pytest tests/test_demo_golden.py`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def tracker(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args], capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def comparable(out: str, fmt: str) -> str:
    """The report without what differs from run to run: the time it was generated, and the head's
    hash (it covers each event's recorded_at)."""
    out = re.sub(r"checkpoint (\d+):[0-9a-f]{64}", r"checkpoint \1:HASH", out)
    if fmt == "json":
        data = json.loads(out)
        data.pop("generated_at")
        data["head"]["hash"] = "HASH"
        out = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return out


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_demo_report_and_the_report_of_its_store_are_the_stored_one(fmt: str, tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    demo = comparable(tracker("demo", "--format", fmt, "--db", db), fmt)
    report = comparable(tracker("report", "--format", fmt, "--db", db), fmt)
    golden = DATA / f"demo_report.{'json' if fmt == 'json' else 'txt'}"
    if os.environ.get("TRACKER_GOLDEN_UPDATE"):
        golden.write_text(demo, encoding="utf-8")
    assert demo == golden.read_text(encoding="utf-8")
    assert report == demo
