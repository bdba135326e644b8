"""The demo's report, text and JSON, is exactly the stored one: a change that alters what the
demo tells must update tests/data/demo_report.{txt,json} on purpose.

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


def demo(fmt: str, db: Path) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", "demo", "--format", fmt, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_the_demo_report_is_the_stored_one(fmt: str, tmp_path: Path) -> None:
    out = demo(fmt, tmp_path / "demo.db")
    # The head's hash covers each event's recorded_at, which differs from run to run.
    out = re.sub(r"checkpoint (\d+):[0-9a-f]{64}", r"checkpoint \1:HASH", out)
    if fmt == "json":
        data = json.loads(out)
        data.pop("generated_at")
        data["head"]["hash"] = "HASH"
        out = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    golden = DATA / f"demo_report.{'json' if fmt == 'json' else 'txt'}"
    if os.environ.get("TRACKER_GOLDEN_UPDATE"):
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")
