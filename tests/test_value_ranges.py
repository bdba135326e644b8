"""Every value is range-checked where it enters: a bad one is one line on stderr and a documented
exit status (2 for a command-line value, 1 for feeds.toml and for an assertion the subject
refuses), never a traceback and never an overflow later."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.helpers.cli import in_process, invoke
from tracker.cli import main
from tracker.limits import MAX_COUNT
from tracker.storage.store import Store


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    Store.open(tmp_path / "events.db").close()
    (tmp_path / "feeds.toml").write_text("feeds = []\n", encoding="utf-8")
    return tmp_path


def one_line_error(code: int, err: str, expected_code: int, *needles: str) -> None:
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    for needle in needles:
        assert needle in lines[0], err


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["report", "--as-of", "9999-12-31"], "--as-of"),
        (["report", "--as-of", "0001-01-01"], "--as-of"),
        (["report", "--known-at", "0001-01-01T00:00:00+01:00"], "--known-at"),
        (["report", "--known-at", "9999-12-31T23:59:59-14:00"], "--known-at"),
        (["events", "--since", "0001-01-01"], "--since"),
        (["events", "--since", "²"], "--since"),
        (["events", "--since", "99999999999999999999999"], "--since"),
        (["events", "--limit", "99999999999999999999999"], "--limit"),
        (["prune", "--polls-older-than", "999999d"], "at most 3650d"),
        (["prune", "--polls-older-than", "9" * 5000 + "d"], "--polls-older-than"),
        (
            ["assert", "us-embassy-minsk", "reopened", "--date", "0001-01", "--source", "https://x.example/"],
            "--date",
        ),
        (
            ["assert", "us-embassy-minsk", "reopened", "--date", "²", "--source", "https://x.example/"],
            "--date",
        ),
    ],
)
def test_command_line_values_out_of_range(workdir: Path, args: list[str], needle: str) -> None:
    code, _, err = in_process(*args, cwd=workdir)
    one_line_error(code, err, 2, needle)


@pytest.mark.parametrize("count", ["9223372036854775808", str(MAX_COUNT + 1), "²", "1e3", "5x"])
def test_assertion_counts_beyond_the_maximum_are_refused(workdir: Path, count: str) -> None:
    args = ["assert", "prisoner-releases", count, "--date", "2025-09-11", "--source", "https://x.example/"]
    code, _, err = in_process(*args, cwd=workdir)
    one_line_error(code, err, 1, "prisoner-releases")
    code, out, _ = in_process("events", "--format", "json", cwd=workdir)
    assert code == 0 and out.strip() == "[]"  # nothing was recorded


def test_the_largest_count_is_accepted_and_folds(workdir: Path) -> None:
    args = [
        "assert",
        "prisoner-releases",
        str(MAX_COUNT),
        "--date",
        "2025-09-11",
        "--source",
        "https://x.example/",
    ]
    code, out, err = in_process(*args, cwd=workdir)
    assert code == 0, err
    code, out, err = in_process("report", "--format", "json", cwd=workdir)
    assert code == 0, err
    assert f'"total": {MAX_COUNT}' in out


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        (
            '[[feeds]]\nid = "a"\nurl = "https://a.example/"\ninterval = "3000000d"\n',
            "interval: must be at most 3650d",
        ),
        ('[[feeds]]\nid = "a"\nurl = "https://a.example/"\ninterval = "' + "9" * 5000 + 's"\n', "interval"),
        ('[fetch]\ndeadline = "99999999d"\n', "deadline: must be at most"),
        ('[[subjects]]\nid = "x"\nstates = 5\n', "states"),
        ('[[subjects]]\nid = "x"\nstates = [5]\n', "states[0]"),
        ('[[subjects]]\nid = "us-embassy-minsk"\nstates = 5\n', "states"),
        ('[[subjects]]\nid = "us-embassy-minsk"\nstates = [5]\n', "states[0]"),
    ],
)
def test_configuration_values_out_of_range(workdir: Path, table: str, needle: str) -> None:
    (workdir / "feeds.toml").write_text(table, encoding="utf-8")
    for command in (["fetch"], ["report"]):
        code, _, err = in_process(*command, cwd=workdir)
        assert code == 1, err
        assert "Traceback" not in err and "feeds.toml" in err and needle in err, err


def test_eval_on_a_bad_file(workdir: Path) -> None:
    (workdir / "bad.jsonl").write_text("not json\n", encoding="utf-8")
    code, _, err = in_process("eval", "bad.jsonl", cwd=workdir)
    one_line_error(code, err, 1, "bad.jsonl")
    code, _, err = in_process("eval", "events.db", cwd=workdir)
    one_line_error(code, err, 1)


# --- fuzz: every command, random arguments --------------------------------------------------------

EDGES = [
    "9999-12-31", "0001-01-01", "0001-01-01T00:00:00+01:00", "9998-12-31T23:59:59-14:00", "1900-01-01",
    "2025-09", "²", "٣", "-1", "0", "1e400", "nan", "inf", "9223372036854775808", "9" * 30, "999999d",
    "3000000d", "30d", "1s", "", " ", "\x00", "\ud800", "prisoner-releases", "us-embassy-minsk",
    "reopened", "json", "html", "markdown", "text", "https://x.example/", "javascript:x", "fact:0",
]  # fmt: skip
_FIXED = {"--db", "--config"}


def _options(command: object) -> list[str]:
    names: list[str] = []
    for param in getattr(command, "params", []):
        names += [n for n in getattr(param, "opts", []) if n not in _FIXED]
    return names or ["--help"]


_CTX = click.Context(main)
COMMANDS = {name: main.get_command(_CTX, name) for name in main.list_commands(_CTX)}
for _sub, _command in main.commands["feeds"].commands.items():  # type: ignore[attr-defined]
    COMMANDS[f"feeds {_sub}"] = _command


@st.composite
def invocations(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    token = st.one_of(
        st.sampled_from(_options(COMMANDS[name])),
        st.sampled_from(EDGES),
        st.text(max_size=12).filter(lambda t: not t.startswith(("--db", "--config"))),
    )
    args = draw(st.lists(token, max_size=6))
    if name == "demo":  # a valid demo run serves and fetches for seconds: give it a bad format
        args = [
            "--format",
            draw(st.text(max_size=8).filter(lambda t: t not in ("text", "json", "markdown", "html"))),
            *args,
        ]
    if name == "serve":  # a valid serve runs until stopped: give it a port out of range
        args = [*args, "--port", draw(st.sampled_from(["-1", "65536", "x"]))]
    return [*name.split(), *args]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=invocations())
@example(argv=["feeds", "reset", "\ud800"])  # a feed id no SQLite text can hold
def test_no_command_prints_a_traceback_for_any_arguments(workdir: Path, argv: list[str]) -> None:
    # Every example starts from a feed list without feeds (an earlier `feeds add` may have written
    # one), so neither `fetch` nor `daemon` ever polls anything.
    (workdir / "feeds.toml").write_text("feeds = []\n", encoding="utf-8")
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        result = invoke(*argv, "--db", "events.db", "--config", "feeds.toml")
    finally:
        os.chdir(cwd)
    assert result.exit_code in (0, 1, 2, 3), (argv, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), (argv, result.exception)
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "argv", [["eval", "a\x00b"], ["verify", "--key-file", "k\x00"], ["feeds", "import", "\x00.opml"]]
)
def test_a_path_with_a_nul_byte_is_a_bad_parameter(workdir: Path, argv: list[str]) -> None:
    result = invoke(*argv, "--db", str(workdir / "events.db"), "--config", str(workdir / "feeds.toml"))
    assert result.exit_code == 2 and "NUL byte" in result.output, result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("argv", [["eval", "\ud800"], ["feeds", "import", "\udfff.opml"]])
def test_a_path_no_file_name_can_hold_is_a_bad_parameter(workdir: Path, argv: list[str]) -> None:
    result = invoke(*argv, "--db", str(workdir / "events.db"), "--config", str(workdir / "feeds.toml"))
    assert result.exit_code == 2 and "file name can hold" in result.output, result.output
    assert isinstance(result.exception, SystemExit)
