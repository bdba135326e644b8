"""One grammar for every command: help, bad options, shared options before or after the command's
name, `--format json` wherever data is printed, one date grammar, unknown filter values refused,
short fact ids, and colour only where it is wanted."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import Result

from tests.helpers.cli import invoke, tracker
from tracker import output
from tracker.cli import main
from tracker.cli.group import COMMAND_MODULES


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


def clean(result: Result) -> Result:
    """No traceback, and no exception other than the exit itself."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    return result


@pytest.fixture
def empty_feed_list(tmp_path: Path) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text("feeds = []\n", encoding="utf-8")
    return path


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_every_command_has_help_and_refuses_a_bad_option() -> None:
    paths = list(command_paths())
    assert len(paths) >= 17
    for path in paths:
        helped = clean(invoke(*path, "--help"))
        assert helped.exit_code == 0 and "Usage:" in helped.stdout, path
        bad = clean(invoke(*path, "--no-such-option"))
        assert bad.exit_code == 2 and "No such option" in bad.stderr, path


def test_the_group_finds_every_command_in_the_module_it_names() -> None:
    for module in pkgutil.iter_modules(sys.modules["tracker.cli"].__path__):
        importlib.import_module(f"tracker.cli.{module.name}")
    assert set(main.commands) == set(COMMAND_MODULES)
    for name, command in main.commands.items():
        defined_in = sys.modules[command.callback.__module__]
        named = sys.modules[COMMAND_MODULES[name]]
        assert named is defined_in or vars(named).get(name) is command, name


def test_every_command_that_prints_data_prints_json(demo_db: Path, empty_feed_list: Path) -> None:
    db, config = ["--db", str(demo_db)], ["--config", str(empty_feed_list)]
    assert as_json(invoke("report", *db, "--format", "json"))["subjects"]
    assert as_json(invoke("events", *db, "--format", "json", "--limit", "2"))[0]["position"] == 1
    assert as_json(invoke("verify", *db, "--format", "json"))["ok"] is True
    assert {f["feed_id"] for f in as_json(invoke("feeds", *db, "--format", "json"))["feeds"]} == {
        "demo-wire",
        "demo-belnews",
        "demo-digest",
    }
    assert as_json(invoke("eval", "--format", "json"))["groups"]["all"]["items"] >= 100
    # An empty feed list is valid: the pass polls nothing and succeeds.
    fetched = as_json(
        invoke("fetch", *config, "--db", str(empty_feed_list.parent / "events.db"), "--format", "json")
    )
    assert fetched == {
        "feeds": [],
        "ok": 0,
        "failed": 0,
        "new": 0,
        "revised": 0,
        "warnings": [],
        "alerts": [],
    }
    # A command without data to format says so, whichever side of its name --format is on.
    for args in (["prune", "--polls-older-than", "1d", "--format", "json"], ["--format", "json", "rebuild"]):
        refused = clean(invoke(*args, *db))
        assert refused.exit_code == 2 and "takes no --format" in refused.stderr
    assert clean(invoke("feeds", *db, "--format", "html")).exit_code == 2


def test_shared_options_go_before_or_after_the_command(demo_db: Path, tmp_path: Path) -> None:
    def report(*args: str, env: dict[str, str] | None = None) -> Any:
        data = as_json(invoke(*args, env=env))
        data.pop("generated_at")
        return data

    after = report("report", "--db", str(demo_db), "--format", "json")
    assert report("--db", str(demo_db), "--format", "json", "report") == after
    assert report("--db", str(demo_db), "report", "--format", "json") == after
    # A flag at either place wins over the environment.
    elsewhere = {"TRACKER_DB": str(tmp_path / "missing.db")}
    assert report("--db", str(demo_db), "report", "--format", "json", env=elsewhere) == after
    assert clean(invoke("report", env=elsewhere)).exit_code == 1
    # -q leaves only warnings on stderr; -q and -v together make no sense.
    quiet = clean(invoke("-q", "feeds", "--db", str(demo_db)))
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert clean(invoke("feeds", "-q", "-v", "--db", str(demo_db))).exit_code == 2


def test_one_date_grammar_and_unknown_filter_values(demo_db: Path) -> None:
    def as_of(value: str) -> Any:
        data = as_json(invoke("report", "--db", str(demo_db), "--format", "json", "--as-of", value))
        return data["subjects"], data["timeline"], data["as_of"]

    assert as_of("2025-09") == as_of("2025-09-30")
    assert as_of("2025")[2] == "2025-12-31"
    assert as_of("2025-09")[0] != as_of("2025-12-31")[0]
    for bad in ("2025-13", "yesterday", "2025-9-1"):
        refused = clean(invoke("report", "--db", str(demo_db), "--as-of", bad))
        assert refused.exit_code == 2 and "YYYY-MM-DD, YYYY-MM or YYYY" in refused.stderr, bad
    since_year = as_json(invoke("events", "--db", str(demo_db), "--since", "2025", "--format", "json"))
    assert len(since_year) == 16  # recorded this year or later: everything
    known = as_json(invoke("report", "--db", str(demo_db), "--format", "json", "--known-at", "2020"))
    assert known["articles"] == 0

    unknown = clean(invoke("events", "--db", str(demo_db), "--type", "Nope"))
    assert unknown.exit_code == 2 and "ArticleObserved" in unknown.stderr
    subject = clean(invoke("report", "--db", str(demo_db), "--subject", "nope"))
    assert subject.exit_code == 1 and "us-embassy-minsk" in subject.stderr


def test_subject_filter_narrows_the_latest_coverage(demo_db: Path) -> None:
    everything = as_json(invoke("report", "--db", str(demo_db), "--format", "json"))
    embassy = as_json(
        invoke("report", "--db", str(demo_db), "--format", "json", "--subject", "us-embassy-minsk")
    )
    count = sum(feed["articles"] for feed in everything["coverage"])
    narrowed = sum(feed["articles"] for feed in embassy["coverage"])
    assert 0 < narrowed < count and embassy["articles"] == everything["articles"]
    sources = {s["url"] for s in embassy["subjects"][0]["sources"]}
    latest = {a["url"] for feed in embassy["coverage"] for a in feed["latest"]}
    assert sources & latest


def test_latest_sets_how_many_articles_each_feed_lists(demo_db: Path) -> None:
    def listed(*args: str) -> list[int]:
        report = as_json(invoke("report", "--db", str(demo_db), "--format", "json", *args))
        return [len(feed["latest"]) for feed in report["coverage"]]

    few, more = listed(), listed("--latest", "20")
    assert max(few) == 3 and max(more) > 3 and all(a <= b for a, b in zip(few, more, strict=True))
    assert listed("--latest", "0") == [0] * len(few)


def test_facts_are_retracted_by_their_short_id_and_shown_in_every_format(demo_copy: Path) -> None:
    db = demo_copy
    data = as_json(invoke("report", "--db", str(db), "--format", "json"))
    fact_id = data["subjects"][0]["evidence"][0]["fact_id"]
    short = fact_id.split(":")[1][:8]
    assert f"[fact {short}]" in clean(invoke("report", "--db", str(db))).stdout

    ambiguous = clean(invoke("retract", "fact:", "--reason", "x", "--db", str(db)))
    assert ambiguous.exit_code == 1 and "ambiguous" in ambiguous.stderr and "fact:" in ambiguous.stderr
    too_short = clean(invoke("retract", short[:2], "--reason", "x", "--db", str(db)))
    assert too_short.exit_code == 1 and "at least 4" in too_short.stderr
    done = clean(invoke("retract", short, "--reason", "misread quote", "--db", str(db)))
    assert done.exit_code == 0 and f"{fact_id}: retracted" in done.stderr

    retracted = as_json(invoke("report", "--db", str(db), "--format", "json"))["retracted"]
    assert [r["fact_id"] for r in retracted] == [fact_id]
    for fmt in ("text", "markdown"):
        shown = clean(invoke("report", "--db", str(db), "--format", fmt)).stdout
        assert "Retracted" in shown or "RETRACTED" in shown, fmt
        assert short in shown and "misread quote" in shown, fmt


def test_colour_follows_the_flag_then_no_color(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = {"TERM": "xterm-256color", "NO_COLOR": ""}
    coloured = clean(invoke("--color", "report", "--db", str(demo_db), env=terminal))
    assert "\x1b[" in coloured.stdout
    plain = clean(invoke("report", "--no-color", "--db", str(demo_db), env=terminal))
    assert "\x1b[" not in plain.stdout
    monkeypatch.setattr(output, "stdout_is_terminal", lambda: True)
    output.configure()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not output.styled()
    monkeypatch.delenv("NO_COLOR")
    assert output.styled()


def test_a_failing_feed_says_so_and_a_reset_clears_its_health(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[fetch]\ndeadline = "3s"\n[[feeds]]\nid = "offline"\nurl = "http://127.0.0.1:9/feed.xml"\n',
        encoding="utf-8",
    )
    db = ["--db", str(tmp_path / "events.db")]
    fetched = clean(invoke("fetch", "--config", str(config), *db))
    assert fetched.exit_code == 3
    assert "1 feed polled: 0 ok, 1 failed; 0 new articles, 0 revisions" in fetched.stderr
    health = as_json(invoke("feeds", "--config", str(config), *db, "--format", "json"))["feeds"]
    assert [(h["health"], h["consecutive_failures"]) for h in health] == [("failing", 1)]
    # --db given to `feeds` reaches `reset`, and wins over TRACKER_DB.
    reset = clean(invoke("feeds", *db, "reset", "offline", env={"TRACKER_DB": str(tmp_path / "other.db")}))
    assert reset.exit_code == 0, reset.stderr
    health = as_json(invoke("feeds", "--config", str(config), *db, "--format", "json"))["feeds"]
    assert [(h["health"], h["consecutive_failures"]) for h in health] == [("reset", 0)]


def test_eval_works_from_any_directory(tmp_path: Path) -> None:
    result = tracker("eval", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.err
    assert json.loads(result.out)["groups"]["all"]["items"] >= 100


def test_a_report_over_an_outdated_facts_projection_says_why_it_reads_the_log(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.cli import reading

    monkeypatch.setattr(reading, "_LAG_WORTH_A_NOTE", 10)  # the demo's log is short
    current = clean(invoke("report", "--db", str(demo_copy), "--format", "json"))
    assert current.exit_code == 0 and "facts projection" not in current.stderr
    with sqlite3.connect(demo_copy) as conn:  # as after an upgrade that changes the extractor
        conn.execute("UPDATE projection_checkpoints SET fingerprint = 'facts/v0' WHERE name = 'facts'")
    conn.close()
    outdated = clean(invoke("report", "--db", str(demo_copy), "--format", "json"))
    assert outdated.exit_code == 0
    assert "facts projection is" in outdated.stderr and "out of date with the code" in outdated.stderr
    assert "tracker fetch" in outdated.stderr
    assert _without_time(outdated.stdout) == _without_time(current.stdout)


def _without_time(report: str) -> dict[str, Any]:
    return {key: value for key, value in json.loads(report).items() if key != "generated_at"}


def test_the_command_as_a_process_keeps_its_output_and_exit_code_and_leaves_its_cycles_uncollected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run` (the installed script, `python -m tracker`) is the command group with the collector's
    walk at exit left out: the exit code and the whole output are the group's."""
    import gc

    from tracker.cli import run

    ok = tracker("--version")
    assert ok.code == 0 and ok.out.startswith("tracker")
    missing = tracker("report", "--db", str(tmp_path / "none.db"))
    assert missing.code == 1 and "none.db" in missing.err
    monkeypatch.setattr(sys, "argv", ["tracker", "--version"])
    assert gc.get_freeze_count() == 0
    with pytest.raises(SystemExit) as done:
        run()
    try:
        assert done.value.code == 0 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
