"""One daemon per store: an exclusive `flock` on `<db>.lock`, held for the life of the process.

The lock is on a separate file, never on events.db itself: closing any descriptor of the database
file would drop SQLite's own POSIX locks on it. The kernel releases a `flock` when its holder exits,
`kill -9` included, so there is no stale lock to clean up. The PID in the file is only for messages.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from types import TracebackType
from typing import Self

from tracker.errors import LockHeld


def lock_path_for(db_path: str | Path) -> Path:
    """`events.db` → `events.db.lock`, beside the database."""
    db = Path(db_path)
    return db.with_name(db.name + ".lock")


class DaemonLock:
    """An acquired daemon lock; `release()` (or leaving the `with` block) gives it up."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def acquire(cls, db_path: str | Path) -> DaemonLock:
        """Take the lock for `db_path` or raise LockHeld naming the holder's PID and the lock file."""
        path = lock_path_for(db_path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(fd)
            os.close(fd)
            who = f"pid {holder}" if holder is not None else "pid unknown"
            raise LockHeld(f"another daemon ({who}) holds {path}") from None
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        return cls(path, fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
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


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
