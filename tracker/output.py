"""Everything printed passes through here: untrusted text (feed titles, error messages) is
neutralised so that no terminal escape, bidi override or control character reaches a terminal.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

_MAX_ERROR = 200


def neutralise(text: str, *, multiline: bool = False) -> str:
    """Escape control and format characters (ESC → \\x1b, U+202E → \\u202e)."""
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch if multiline else " ")
        elif unicodedata.category(ch) in ("Cc", "Cf") or ch in "\u2028\u2029":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def error_text(text: str) -> str:
    cleaned = neutralise(text)
    return cleaned if len(cleaned) <= _MAX_ERROR else cleaned[: _MAX_ERROR - 1] + "…"


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def echo(text: str = "") -> None:
    """Data on stdout (already neutralised by the caller where it carries feed text)."""
    click.echo(text)


def note(text: str) -> None:
    """Diagnostics on stderr."""
    click.echo(neutralise(text, multiline=True), err=True)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A rich table on a terminal; tab-separated text with a header line when piped."""
    cells = [[neutralise("" if v is None else str(v)) for v in row] for row in rows]
    if stdout_is_terminal():
        grid = Table(title=title, title_justify="left", show_lines=False)
        for column in columns:
            grid.add_column(column, overflow="fold")
        for row in cells:
            grid.add_row(*row)
        Console(highlight=False, markup=False).print(grid)
        return
    if title:
        click.echo(f"# {neutralise(title)}")
    click.echo("\t".join(columns))
    for row in cells:
        click.echo("\t".join(row))
