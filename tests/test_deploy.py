"""The deployment files in the repository: the systemd unit passes `systemd-analyze verify`, the
Containerfile and its ignore file hold what a clean image needs, the example /etc/tracker/feeds.toml
loads, and the README shows the files as they are.

A container build needs a registry for the base image; set TRACKER_TEST_CONTAINER=1 on a machine
with podman or docker and network access to run it (the test below), or follow README.md."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.config import load_config

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "tracker.service"
CONTAINERFILE = ROOT / "Containerfile"
IGNORE = ROOT / ".containerignore"


def readme_block(language: str, first_line: str) -> str:
    """The README's fenced block in `language` whose first line is `first_line`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(rf"```{language}\n(.*?)```", readme, flags=re.S):
        if block.startswith(first_line):
            return str(block)
    raise AssertionError(f"README.md has no {language} block starting {first_line!r}")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # The unit runs /opt/tracker/.venv/bin/tracker, which verify insists exists: point it at ours.
    installed = Path(sys.executable).with_name("tracker")
    text = UNIT.read_text(encoding="utf-8")
    assert "ExecStart=/opt/tracker/.venv/bin/tracker daemon " in text
    unit = tmp_path / "tracker.service"
    unit.write_text(text.replace("/opt/tracker/.venv/bin/tracker", str(installed)), encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "tracker.service" not in result.stderr  # no warning about our unit


def test_the_unit_runs_the_daemon_on_the_documented_paths() -> None:
    lines = UNIT.read_text(encoding="utf-8").splitlines()
    settings = dict(line.split("=", 1) for line in lines if re.match(r"^\w+=", line))
    command = shlex.split(settings["ExecStart"])
    assert command[1:2] == ["daemon"]
    assert command[command.index("--config") + 1] == "/etc/tracker/feeds.toml"
    assert command[command.index("--db") + 1] == "/var/lib/tracker/events.db"
    assert settings["User"] == "tracker" and settings["StateDirectory"] == "tracker"
    assert settings["RestartPreventExitStatus"] == "1"  # bad configuration: restarting will not help
    assert settings["ExecReload"] == "/bin/kill -HUP $MAINPID"


def test_the_readme_shows_the_unit_and_the_containerfile_as_they_are() -> None:
    assert readme_block("ini", "# /etc/systemd/system/tracker.service") == UNIT.read_text(encoding="utf-8")
    assert readme_block("dockerfile", "# tracker's daemon") == CONTAINERFILE.read_text(encoding="utf-8")


def test_the_example_feed_list_loads() -> None:
    config = load_config(ROOT / "deploy" / "etc" / "tracker" / "feeds.toml")
    assert config.feeds and all(feed.tags for feed in config.feeds)


def containerfile_instructions() -> list[tuple[str, str]]:
    text = CONTAINERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_containerfile_installs_tracker_and_runs_the_daemon_unprivileged() -> None:
    steps = containerfile_instructions()
    keywords = [keyword for keyword, _ in steps]
    assert keywords[0] == "FROM" and re.match(r"python:3\.(1[1-9])-slim$", steps[0][1])
    values = {keyword: value for keyword, value in steps}
    assert "pip install --no-cache-dir /app" in values["RUN"]
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")  # runs as tracker
    assert values["USER"] == "tracker"
    assert set(values["ENV"].split()) == {"TRACKER_CONFIG=/config/feeds.toml", "TRACKER_DB=/data/events.db"}
    assert values["VOLUME"] == "/data" and values["STOPSIGNAL"] == "SIGTERM"
    assert values["ENTRYPOINT"] == '["tracker"]' and values["CMD"] == '["daemon", "--log-format", "json"]'


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether the build context leaves `path` out, by the .containerignore rules podman and docker
    share: patterns are relative to the context root, `*` stays within a path segment, `**` spans
    segments, a matched directory takes its contents along, and `!` re-includes."""
    verdict = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = re.escape(pattern.lstrip("!").strip("/"))
        regex = regex.replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            verdict = not negate
    return verdict


def test_the_build_context_leaves_out_local_state_and_caches() -> None:
    lines = [line.strip() for line in IGNORE.read_text(encoding="utf-8").splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    for path in (
        ".venv/bin/python",
        ".git/HEAD",
        "events.db",
        "events.db-wal",
        "events.db-shm",
        "events.db.lock",
        "demo.db",
        "data/store.db",
        "tracker/__pycache__/cli.cpython-311.pyc",
        "tracker/report/__pycache__/html.cpython-311.pyc",
        ".mypy_cache/3.11/x.json",
        ".pytest_cache/v/cache",
        ".hypothesis/examples/x",
        "tracker.egg-info/PKG-INFO",
        "feeds.toml",
    ):
        assert ignored(path, patterns), path
    for path in ("pyproject.toml", "README.md", "tracker/cli/group.py", "tracker/subjects/us_belarus.toml"):
        assert not ignored(path, patterns), path
    assert (ROOT / ".dockerignore").resolve() == IGNORE.resolve()  # docker reads the same rules


@pytest.mark.skipif(os.environ.get("TRACKER_TEST_CONTAINER") != "1", reason="set TRACKER_TEST_CONTAINER=1")
@pytest.mark.slow
def test_the_image_builds_and_runs_tracker(tmp_path: Path) -> None:
    builder = shutil.which("podman") or shutil.which("docker")
    assert builder, "TRACKER_TEST_CONTAINER=1 needs podman or docker"

    def run(*args: str) -> str:
        done = subprocess.run([builder, *args], capture_output=True, text=True, check=True, timeout=900)
        return done.stdout

    run("build", "-t", "tracker-test", "-f", str(CONTAINERFILE), str(ROOT))
    assert run("run", "--rm", "tracker-test", "--version").startswith("tracker, version")
    assert run("run", "--rm", "--entrypoint", "id", "tracker-test", "-u").strip() == "10001"
    listing = run("run", "--rm", "--entrypoint", "ls", "tracker-test", "-a", "/app")
    assert ".venv" not in listing.split() and "events.db" not in listing.split()
