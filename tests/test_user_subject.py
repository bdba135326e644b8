"""A subject defined only in feeds.toml works end to end — using the README's worked example
verbatim, so the documentation cannot drift from what works."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from tests.helpers.cli import in_process
from tracker.demo import demo_feeds
from tracker.demo.server import DemoServer

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Worked example") :]
    match = re.search(r"```toml\n(.*?)```", section, re.S)
    assert match, "the README's worked example has no toml block"
    return match.group(1)


def test_a_subject_added_in_feeds_toml_works_end_to_end(tmp_path: Path) -> None:
    with DemoServer() as server:
        # No pause between two page requests to one host: the pages are not what is tested here.
        feeds = '[fetch]\npage_delay = "0s"\n\n' + "".join(
            f'[[feeds]]\nid = "{f["id"]}"\nurl = "{server.url(f["file"])}"\npublisher = "{f["title"]}"\n\n'
            for f in demo_feeds()
        )
        config = tmp_path / "feeds.toml"
        config.write_text(feeds, encoding="utf-8")
        code, _, err = in_process("fetch", cwd=tmp_path)
        assert code == 0, err

        # Add the subject after the articles are stored: a read-only report already sees it...
        config.write_text(feeds + readme_example(), encoding="utf-8")
        code, out, err = in_process(
            "report", "--format", "json", "--subject", "potash-sanctions", cwd=tmp_path
        )
        assert code == 0, err
        (potash,) = json.loads(out)["subjects"]
        assert potash["state"] == "lifted" and potash["since"] == "2025-12-13"
        assert potash["evidence"] and all(
            e["url"].startswith("https://demo.invalid/") for e in potash["evidence"]
        )

        # ...and the next fetch rebuilds the interpretation tables with it.
        code, _, err = in_process("fetch", cwd=tmp_path)
        assert code == 0, err
        code, out, _ = in_process("report", "--format", "json", "--subject", "potash-sanctions", cwd=tmp_path)
        assert json.loads(out)["subjects"][0]["state"] == "lifted"
        conn = sqlite3.connect(tmp_path / "events.db")
        (state,) = conn.execute(
            "SELECT state FROM subject_state WHERE subject = 'potash-sanctions'"
        ).fetchone()
        assert state == "lifted"
