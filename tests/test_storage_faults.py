"""Every storage fault is one line on stderr and exit 1, through the real command: a full disk, a
read-only store, a lock held too long, a path that is a directory or has no parent directory, a
file with tracker's mark but no tables, a damaged page. Readers work on read-only media."""

from __future__ import annotations

import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.helpers.cli import CliRun, in_process
from tracker.events import FactAsserted
from tracker.storage.schema import APPLICATION_ID, SCHEMA_VERSION
from tracker.storage.store import Store

FEEDS = '[[feeds]]\nid = "wire"\nurl = "http://127.0.0.1:9/rss"\n'
ASSERT = ("assert", "prisoner-releases", "52", "--date", "2025-09-11", "--source", "https://example.org/a")


def one_line_error(run: CliRun, *fragments: str) -> None:
    """Exit 1, a single `Error: …` line on stderr that contains every fragment, no traceback."""
    assert run.code == 1, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.err
    for fragment in fragments:
        assert fragment in lines[0], run.err


def verify_findings(run: CliRun, *fragments: str) -> None:
    """`verify`'s way: each problem on a line of its own, then `Error: …`; exit 1, no traceback."""
    assert run.code == 1, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert lines[-1].startswith("Error: ") and all(line.startswith("problem: ") for line in lines[:-1]), (
        run.err
    )
    for fragment in fragments:
        assert fragment in run.err, run.err


def make_store(path: Path, assertions: int = 3) -> None:
    with Store.open(path, create=True) as store, store.transaction():
        store.append(
            FactAsserted(
                subject="prisoner-releases", count=n, date=date(2025, 9, 11), source=f"https://e.org/{n}"
            )
            for n in range(1, assertions + 1)
        )
    assert not path.with_name(path.name + "-wal").exists()  # closed cleanly: no WAL left beside it


def tracker_limited(*args: str, cwd: Path, max_file_bytes: int) -> CliRun:
    """`tracker ARGS…` in a process that may not grow any file past `max_file_bytes`."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,  # the child's own limit, set between fork and exec
    )
    return CliRun(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def immutable() -> Iterator[list[Path]]:
    """Paths marked immutable (`chattr +i`: not even root may write them) for the test's length."""
    marked: list[Path] = []
    yield marked
    for path in marked:
        subprocess.run(["chattr", "-i", str(path)], check=False)


def make_immutable(marked: list[Path], path: Path) -> None:
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"chattr +i is not available here: {done.stderr.decode().strip()}")
    marked.append(path)


def test_a_write_past_the_file_size_limit_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    make_store(db)
    # The store named as given: an error line is capped, and a long temporary path would cut it.
    run = tracker_limited(*ASSERT, "--note", "x" * 50_000, "--db", db.name, cwd=tmp_path, max_file_bytes=8192)
    one_line_error(run, f"Error: {db.name}: ", "nothing was written")
    assert in_process("events", "--db", str(db), cwd=tmp_path).out.count("FactAsserted") == 3


def test_a_full_disk_is_one_line(tmp_path: Path) -> None:
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        db = mount / "events.db"
        make_store(db)
        filler = mount / "filler"
        with filler.open("wb", buffering=0) as out:  # take every free byte
            try:
                while True:
                    out.write(b"\0" * 4096)
            except OSError:
                pass
        (tmp_path / "feeds.toml").write_text(FEEDS)  # one feed, refused at once: a failed poll to record
        for args in (ASSERT, ("rebuild",), ("fetch",)):
            run = in_process(*args, "--db", str(db), cwd=tmp_path)
            one_line_error(run, "store is full", "nothing was written")
        filler.unlink()
        assert in_process(*ASSERT, "--db", str(db), cwd=tmp_path).code == 0  # room again: it works
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_read_only_store_refuses_writes_in_one_line_and_still_reads(
    tmp_path: Path, immutable: list[Path]
) -> None:
    db = tmp_path / "events.db"
    make_store(db)
    make_immutable(immutable, db)
    (tmp_path / "feeds.toml").write_text(FEEDS)
    for args in (ASSERT, ("rebuild",), ("feeds", "reset", "wire"), ("fetch",)):
        one_line_error(in_process(*args, "--db", str(db), cwd=tmp_path), str(db), "store is read-only")
    assert in_process("report", "--db", str(db), cwd=tmp_path).code == 0


def test_readers_work_on_read_only_media(tmp_path: Path, immutable: list[Path]) -> None:
    media = tmp_path / "media"
    media.mkdir()
    db = media / "events.db"
    make_store(db)
    make_immutable(immutable, media)  # no -shm can be created beside it
    events = in_process("events", "--db", str(db), cwd=tmp_path)
    assert (events.code, events.out.count("FactAsserted")) == (0, 3), events.err
    for args in (("report", "--format", "json"), ("verify",), ("feeds",)):
        run = in_process(*args, "--db", str(db), cwd=tmp_path)
        assert run.code == 0, (args, run.err)
    one_line_error(in_process(*ASSERT, "--db", str(db), cwd=tmp_path), str(db))
    assert sorted(p.name for p in media.iterdir()) == ["events.db"]


@pytest.mark.slow
def test_a_lock_held_past_the_busy_timeout_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    make_store(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        run = in_process(*ASSERT, "--db", str(db), cwd=tmp_path)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    one_line_error(run, "store is busy: another process holds the write lock (waited 10 s)")


@pytest.mark.parametrize("command", [ASSERT, ("fetch",), ("report",), ("events",), ("rebuild",)])
def test_a_db_path_that_is_a_directory_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    (config := tmp_path / "feeds.toml").write_text(FEEDS)
    one_line_error(in_process(*command, "--db", str(tmp_path), "--config", str(config)), "is a directory")
    if command == ASSERT:
        verify_findings(
            in_process("verify", "--db", str(tmp_path), "--config", str(config)), "is a directory"
        )


@pytest.mark.parametrize("command", [ASSERT, ("fetch",), ("report",), ("events",)])
def test_a_db_path_without_its_directory_is_one_line(tmp_path: Path, command: tuple[str, ...]) -> None:
    (config := tmp_path / "feeds.toml").write_text(FEEDS)
    run = in_process(*command, "--db", str(tmp_path / "nowhere" / "events.db"), "--config", str(config))
    one_line_error(run, "nowhere")
    assert not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("user_version", [0, SCHEMA_VERSION])
@pytest.mark.parametrize("command", [ASSERT, ("report",), ("events",)])
def test_a_file_with_our_mark_but_no_tables_is_one_line(
    tmp_path: Path, command: tuple[str, ...], user_version: int
) -> None:
    (config := tmp_path / "feeds.toml").write_text(FEEDS)
    db = tmp_path / "events.db"
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {user_version}")
    one_line_error(
        in_process(*command, "--db", str(db), "--config", str(config)), "not a usable tracker store"
    )
    if command == ASSERT:  # verify names what is missing as findings
        missing = "no schema" if user_version == 0 else "the table events is missing"
        verify_findings(in_process("verify", "--db", str(db), "--config", str(config)), missing)


def test_a_damaged_page_is_a_finding_for_verify_and_refused_by_readers_asked_to_check(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    make_store(db, assertions=400)
    page_size = 4096
    with db.open("r+b") as raw:  # scribble over an interior page of the log
        raw.seek(page_size * 6)
        raw.write(b"\xff" * page_size)
    verify = in_process("verify", "--db", str(db), cwd=tmp_path)
    assert verify.code == 1 and "Traceback" not in verify.err, verify.err
    assert "malformed" in verify.err or "integrity" in verify.err
    for args in (("report",), ("events",), ("feeds",), ("changes", "--since", "1d")):
        one_line_error(
            in_process(*args, "--check", "--db", str(db), cwd=tmp_path), "damaged", "tracker verify"
        )
