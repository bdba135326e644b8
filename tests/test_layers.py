"""Every SQL statement lives behind the storage layer: nothing above it writes SQL or reaches for
a store's connection.

The scan is deliberately blunt (an AST walk over `tracker/`): a string that starts like an SQL
statement, `<store>.conn` / `<store>.db`, or a new SQLite connection, outside the storage modules,
fails the test with the file and line.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tracker"

# The storage layer: the store and how its file is opened, its schema, the log's integrity (audit
# and seals), the operational tables, the projections (each owns its tables; the runner keeps
# their checkpoints) and the alert reactor's outbox.
STORAGE = {
    "storage/*",
    "projections/*",
    "alerts/outbox.py",
}

# Modules above the storage layer that still hold SQL or a connection, to be moved behind it.
# This list only shrinks.
NOT_YET_MOVED: set[str] = set()

SQL_START = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|WITH)\s"
)


def _allowed(relative: str) -> bool:
    return any(
        relative == entry or (entry.endswith("/*") and relative.startswith(entry[:-1]))
        for entry in STORAGE | NOT_YET_MOVED
    )


def _string_start(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def violations(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of SQL or of a store's connection in `source`."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        text = _string_start(node)
        if isinstance(node, ast.expr) and text and id(node) not in docstrings and SQL_START.match(text):
            found.append((node.lineno, f"SQL string {text.strip()[:40]!r}"))
        elif isinstance(node, ast.Attribute) and node.attr in ("conn", "db"):
            if "store" in ast.unparse(node.value).lower():
                found.append((node.lineno, f"connection use {ast.unparse(node)}"))
        elif isinstance(node, ast.Call) and ast.unparse(node.func) in (
            "sqlite3.connect",
            "sqlite_utils.Database",
        ):
            found.append((node.lineno, f"new connection {ast.unparse(node.func)}"))
    return sorted(found)


def test_no_sql_or_connection_outside_the_storage_layer() -> None:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if _allowed(relative):
            continue
        offences += [f"tracker/{relative}:{line}: {what}" for line, what in violations(path.read_text())]
    assert offences == []


def test_the_allow_list_names_only_modules_that_exist_and_still_need_it() -> None:
    for entry in NOT_YET_MOVED:
        path = PACKAGE / entry
        assert path.is_file(), f"{entry}: no such module"
        assert violations(path.read_text()), f"{entry} is clean now: take it off NOT_YET_MOVED"


def test_the_scan_catches_what_it_is_for() -> None:
    source = '''
def f(store):
    """SELECT in a docstring is prose."""
    store.conn.execute("SELECT 1")
    tracker.store.db.execute(f"DELETE FROM {table}")
    sqlite3.connect("x.db")
    message = "Selected feeds"
'''
    assert [line for line, _ in violations(source)] == [4, 4, 5, 5, 6]


def test_the_cli_and_the_report_load_no_polling_library() -> None:
    """httpx, feedparser and APScheduler are loaded only by the paths that poll."""
    probe = (
        "import sys\n"
        "from tracker import app, bootstrap, cli\n"
        "from tracker.report import build_report, render\n"
        "from tracker.report.feeds import feed_health\n"
        "print(sorted(m for m in ('httpx', 'feedparser', 'apscheduler') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
