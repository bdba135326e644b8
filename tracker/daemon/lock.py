"""One daemon per store, whatever name the store is reached by.

Two `flock`s, held for the life of the process:

* on `<db>.lock` beside the database's real path (symlinks resolved with `os.path.realpath`), taken
  before the store exists; the file holds the holder's PID, for messages only;
* on the database file itself once it exists, which is its identity (device and inode): a hard
  link, or any other path to the same file, meets the same lock.

Both are `flock` locks, which SQLite's own POSIX locks never see. The descriptor on the database is
opened once and closed only after the daemon's connections are closed: closing a descriptor of the
database while SQLite holds locks on it would drop those. The kernel releases a `flock` when its
holder exits, `kill -9` included, so there is no stale lock to clean up.

Failing to create or write the lock file (a full disk, a read-only directory) is LockFileError: the
daemon exits EX_TEMPFAIL (75), which a supervisor restarts from, unlike exit 1 (a second daemon).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from tracker.errors import LockFileError, LockHeld, StoreError

EX_TEMPFAIL = 75  # sysexits.h: a temporary failure, worth retrying


def lock_path_for(db_path: str | Path) -> Path:
    """`events.db` → `events.db.lock`, beside the database's real path."""
    db = Path(os.path.realpath(db_path))
    return db.with_name(db.name + ".lock")


class DaemonLock:
    """An acquired daemon lock; `release()` (or leaving the `with` block) gives it up."""

    def __init__(self, path: Path, db_path: Path, fd: int) -> None:
        self.path = path
        self.db_path = db_path
        self._fd: int | None = fd
        self._db_fd: int | None = None

    @classmethod
    def acquire(cls, db_path: str | Path) -> DaemonLock:
        """Take the lock for `db_path` or raise LockHeld naming the holder's PID and the lock file.

        If the database exists, its identity is locked too (`hold_database`)."""
        path = lock_path_for(db_path)
        if not path.parent.is_dir():
            raise StoreError(f"{db_path}: directory {path.parent} does not exist")
        fd = _open_lock_file(path)
        try:
            _flock(fd, lambda: f"another daemon ({_holder(fd)}) holds {path}")
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except OSError as exc:
            os.close(fd)
            raise LockFileError(f"{path}: cannot write the lock file: {exc.strerror or exc}") from None
        except BaseException:
            os.close(fd)
            raise
        lock = cls(path, Path(db_path), fd)
        if os.path.exists(db_path):
            try:
                lock.hold_database()
            except BaseException:
                lock.release()
                raise
        return lock

    def hold_database(self) -> None:
        """Lock the database file itself (once it exists): the same file by any other name is refused.

        Call it before this process opens the store: on failure it closes its descriptor, which
        would drop the process's own SQLite locks on the file."""
        if self._db_fd is not None:
            return
        try:
            fd = os.open(self.db_path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise LockFileError(f"{self.db_path}: cannot lock the database: {exc.strerror or exc}") from None
        try:
            _flock(fd, lambda: f"another daemon holds {self.db_path} under another name")
        except BaseException:
            os.close(fd)
            raise
        self._db_fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        db_fd, self._db_fd = self._db_fd, None
        if db_fd is not None:
            os.close(db_fd)
        fd, self._fd = self._fd, None
        if fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # an empty file: no PID claims a lock nobody holds
        os.close(fd)  # closing the descriptor releases the flock

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def _open_lock_file(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno in (errno.EISDIR, errno.ENOTDIR):
            raise StoreError(f"{path}: cannot be a lock file: {exc.strerror}") from None
        raise LockFileError(f"{path}: cannot create the lock file: {exc.strerror or exc}") from None


def _flock(fd: int, held_message: Callable[[], str]) -> None:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise LockHeld(held_message()) from None


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return f"pid {text}" if text.isdigit() else "pid unknown"
