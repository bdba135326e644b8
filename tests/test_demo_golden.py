"""The demo's report, text and JSON, is exactly the stored one, and so is `tracker report` on the
demo's store afterwards: a change that alters what the demo tells must update
tests/data/demo_report.{txt,json} on purpose.

Regenerate with `TRACKER_GOLDEN_UPDATE=1 pytest tests/test_demo_golden.py`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from tests.helpers.cli import in_process
from tests.helpers.demo import DemoRun

DATA = Path(__file__).parent / "data"


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


def report_of(db: Path, fmt: str) -> str:
    run = in_process("report", "--format", fmt, "--db", str(db))
    assert run.code == 0, run.err
    return comparable(run.out, fmt)


def assert_golden(demo: str, fmt: str) -> None:
    golden = DATA / f"demo_report.{'json' if fmt == 'json' else 'txt'}"
    if os.environ.get("TRACKER_GOLDEN_UPDATE"):
        golden.write_text(demo, encoding="utf-8")
    assert demo == golden.read_text(encoding="utf-8")


def test_the_demo_report_and_the_report_of_its_store_are_the_stored_one_as_text(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    run = in_process("demo", "--format", "text", "--db", str(db))
    assert run.code == 0, run.err
    demo = comparable(run.out, "text")
    assert_golden(demo, "text")
    assert report_of(db, "text") == demo


def test_the_demo_report_and_the_report_of_its_store_are_the_stored_one_as_json(demo_run: DemoRun) -> None:
    demo = comparable(demo_run.out, "json")  # the suite's own demo run prints JSON
    assert_golden(demo, "json")
    assert report_of(demo_run.db, "json") == demo
