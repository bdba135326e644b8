"""Everything printed passes through here: untrusted text (feed titles, error messages) is
neutralised so that no terminal escape, bidi override or control character reaches a terminal.

`neutralise` is the one function that does it, for every format: in text and HTML an unsafe
character is shown as a visible escape (ESC → `\\x1b`, U+202E → `\\u202e`), in JSON as a `\\u`
escape, which decodes back to the same string.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from tracker.textsafe import is_unsafe

_MAX_ERROR = 200


def neutralise(text: str, *, multiline: bool = False, json_escapes: bool = False) -> str:
    """Escape control, format, separator and surrogate characters (ESC → \\x1b, U+202E → \\u202e).

    Newline and tab are kept with `multiline`, else become spaces. `json_escapes` writes `\\u001b`
    instead: used on serialised JSON, where every unsafe character sits inside a string.
    """
    # A printable line holds no unsafe character: only the others are read character by character
    # (a report's JSON runs to megabytes).
    lines = text.split("\n")
    return ("\n" if multiline else " ").join(
        line if line.isprintable() else _neutralise_line(line, multiline, json_escapes) for line in lines
    )


def _neutralise_line(line: str, multiline: bool, json_escapes: bool) -> str:
    out = []
    for ch in line:
        if ch == "\t":
            out.append(ch if multiline else " ")
        elif is_unsafe(ch):
            out.append(f"\\u{ord(ch):04x}" if json_escapes else ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def json_text(data: Any) -> str:
    """JSON for stdout: stable, indented, readable non-ASCII, and no raw unsafe character."""
    return neutralise(json.dumps(data, ensure_ascii=False, indent=2), multiline=True, json_escapes=True)


def error_text(text: str) -> str:
    cleaned = neutralise(text)
    return cleaned if len(cleaned) <= _MAX_ERROR else cleaned[: _MAX_ERROR - 1] + "…"


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner with the message on stderr while a long step runs, on a terminal only: a pipe or
    a log file gets nothing."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console  # a terminal's spinner only: rich costs start-up time

    with Console(stderr=True, highlight=False).status(neutralise(message)):
        yield


def echo(text: str = "") -> None:
    """Data on stdout (already neutralised by the caller where it carries feed text)."""
    click.echo(text)


def note(text: str) -> None:
    """Diagnostics on stderr."""
    click.echo(neutralise(text, multiline=True), err=True)


def echo_json(data: Any) -> None:
    click.echo(json_text(data))


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A rich table on a terminal; tab-separated text with a header line when piped."""
    cells = [[neutralise("" if v is None else str(v)) for v in row] for row in rows]
    if stdout_is_terminal():
        from rich.console import Console  # only tables need rich: imported when one is printed
        from rich.table import Table

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
