"""The hash chain's walk for `tracker verify`: every row's position, link and hash checked in
position order, the far half of a large log in a second process.

The walk carries nothing from one row to the next but what the previous row stores (its position
and its hash: after a broken row the chain goes on from what is stored), so a range of positions
can be walked on its own, starting from the last row stored before it, and two ranges joined give
what one walk gives, finding for finding (a test compares them on broken logs). A log of more than
`SPLIT_ABOVE` positions has its second half walked by `python -m tracker.storage.chain_walk` while
this process walks the first: the same CPU, about half the wall time on two cores. (Not a thread:
SQLite hands the GIL over at every row, which costs half as much CPU again.)
The rows up to the head read at the start exist already and never change (the log is append-only),
so the second process reads the rows this one would. Where it cannot, the half is walked here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from tracker.storage.chain import CANONICAL_SQL, GENESIS_HASH
from tracker.storage.connect import BUSY_TIMEOUT_MS, connect
from tracker.storage.file_check import file_of

SPLIT_ABOVE = 50_000  # below this, a second process costs more than the half it would walk
_SQL = f"SELECT position, prev_hash, hash, {CANONICAL_SQL} FROM events"  # noqa: S608 (ours)


class Walked(NamedTuple):
    """What a walk found: its rows, its broken rows and the first of them (problem, position),
    and the last row it read or started from (position, stored hash)."""

    rows: int
    broken: int
    first_problem: tuple[str, int] | None
    head_position: int
    head_hash: str


def walk_chain(conn: sqlite3.Connection, *, split_above: int = SPLIT_ABOVE) -> Walked:
    """The whole chain, as one walk in position order would find it."""
    head = conn.execute("SELECT coalesce(max(position), 0) FROM events").fetchone()[0]
    path = file_of(conn)
    if head <= split_above or path is None or conn.in_transaction:
        return walk(conn, None, None)
    middle = head // 2
    far = _start_elsewhere(path, middle, head)
    near = walk(conn, None, middle)
    second = _result_of(far) if far is not None else None
    if second is None:  # the other process could not walk it: walked here
        second = walk(conn, middle, head)
    return Walked(
        near.rows + second.rows,
        near.broken + second.broken,
        near.first_problem or second.first_problem,
        second.head_position,
        second.head_hash,
    )


def walk(conn: sqlite3.Connection, after: int | None, through: int | None) -> Walked:
    """Rows with `after` < position ≤ `through` (None: no bound), from the last row stored at or
    before `after` (the genesis when there is none, or no `after`)."""
    start = None
    if after is not None:
        start = conn.execute(
            "SELECT position, hash FROM events WHERE position <= ? ORDER BY position DESC LIMIT 1", (after,)
        ).fetchone()
    last_position, prev_hash = start if start is not None else (0, GENESIS_HASH)
    bounds = ([f"position > {after:d}"] if after is not None else []) + (
        [f"position <= {through:d}"] if through is not None else []
    )
    sql = _SQL + (f" WHERE {' AND '.join(bounds)}" if bounds else "") + " ORDER BY position"
    prev_digest, expected = _digest_of(prev_hash), last_position + 1
    rows, broken, first = 0, 0, None
    for position, stored_prev, stored_hash, canonical in conn.execute(sql):
        rows += 1
        digest = hashlib.sha256(prev_digest + canonical).digest()
        problem = None
        if position != expected:
            problem = f"position {expected} is missing (next stored is {position})"
        elif stored_prev != prev_hash:
            problem = f"position {position}: prev_hash does not match the chain"
        elif digest.hex() != stored_hash:
            problem = f"position {position}: hash does not match its contents"
        if problem is not None:
            broken += 1
            if first is None:
                first = (problem, min(position, expected))
            digest = _digest_of(stored_hash)  # the chain goes on from what is stored
        prev_hash, prev_digest, expected = stored_hash, digest, position + 1
    return Walked(rows, broken, first, expected - 1, prev_hash)


def _digest_of(stored_hash: str) -> bytes:
    """A stored hash as bytes; one that is not 64 hex digits cannot be the next row's prev_hash."""
    try:
        return bytes.fromhex(stored_hash)
    except ValueError:
        return b""


def _start_elsewhere(path: Path, after: int, through: int) -> subprocess.Popen[bytes] | None:
    command = [sys.executable, "-m", __name__, str(path), str(after), str(through)]
    try:
        return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _result_of(process: subprocess.Popen[bytes]) -> Walked | None:
    out, _ = process.communicate()
    if process.returncode != 0:
        return None
    rows, broken, first, head_position, head_hash = json.loads(out)
    return Walked(rows, broken, (first[0], first[1]) if first else None, head_position, head_hash)


def main(argv: list[str]) -> int:
    """`python -m tracker.storage.chain_walk PATH AFTER THROUGH`: the walk of that range, as JSON."""
    conn = connect(Path(argv[1]), readonly=True)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        walked = walk(conn, int(argv[2]), int(argv[3]))
    finally:
        conn.close()
    sys.stdout.write(json.dumps(list(walked)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
