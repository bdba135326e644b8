"""Small modules and short functions: no module over 400 lines, and a function over 60 lines says
why in a comment at its top (on the line above its `def`, or in the first lines of its body).

A blunt scan of the source files of the package, the benchmarks and the tests.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
OPENING_LINES = 3  # where a long function's comment saying why is looked for


def sources() -> list[Path]:
    return sorted(p for folder in ("tracker", "bench", "tests") for p in (ROOT / folder).rglob("*.py"))


def says_why(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A comment on the line above the `def`, or in the first lines of the body after its docstring."""
    body = node.body
    first = body[1] if ast.get_docstring(node) is not None and len(body) > 1 else body[0]
    opening = lines[node.lineno - 2 : first.lineno + OPENING_LINES]
    return any(line.strip().startswith("#") for line in opening)


def test_no_module_is_over_the_limit() -> None:
    long = {
        str(path.relative_to(ROOT)): n
        for path in sources()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_every_long_function_says_why() -> None:
    silent = []
    for path in sources():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not says_why(lines, node):
                silent.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert silent == []
