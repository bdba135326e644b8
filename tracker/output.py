"""Everything printed passes through here: untrusted text (feed titles, error messages) is
neutralised so that no terminal escape, bidi override or control character reaches a terminal.

`neutralise` is the one function that does it, for every format: in text and HTML an unsafe
character is shown as a visible escape (ESC → `\\x1b`, U+202E → `\\u202e`), in JSON as a `\\u`
escape, which decodes back to the same string.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click
import orjson

from tracker.textsafe import is_unsafe

_MAX_ERROR = 200


class _Settings:
    """The shared --quiet/--verbose and --color options, set once per command."""

    verbosity = 0  # -1 quiet: warnings only; 0 notes; 1 details too
    color: bool | None = None  # None: on a terminal, unless NO_COLOR is set


_settings = _Settings()


def configure(*, verbosity: int = 0, color: bool | None = None) -> None:
    _settings.verbosity = verbosity
    _settings.color = color


def verbosity() -> int:
    return _settings.verbosity


def styled() -> bool:
    """Bold, italic and colour on stdout: --color/--no-color, else a terminal without NO_COLOR."""
    if _settings.color is not None:
        return _settings.color
    return stdout_is_terminal() and not os.environ.get("NO_COLOR")


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


_SAFE_ASCII = bytes(range(0x20, 0x7F)) + b"\n"
_CHUNK = 4096  # bytes looked at together: most of a report's chunks are ASCII, passed over whole


def json_text(data: Any) -> str:
    """JSON for stdout: stable, indented, readable non-ASCII, and no raw unsafe character."""
    return json_bytes(data).decode()


def json_bytes(data: Any) -> bytes:
    """`json_text` as UTF-8, without decoding it where nothing needs escaping.

    orjson writes exactly what `json.dumps(data, ensure_ascii=False, indent=2)` would, ten times
    faster: a report of a large store runs to megabytes. Printable ASCII and newlines are safe; the
    rest of the text (whole characters: UTF-8 never puts ASCII bytes inside one) is usually a few
    hundred bytes, checked on its own (`_holds_unsafe`)."""
    encoded = orjson.dumps(data, option=orjson.OPT_INDENT_2)
    if not _holds_unsafe(encoded):
        return encoded
    return neutralise(encoded.decode(), multiline=True, json_escapes=True).encode()


def _holds_unsafe(encoded: bytes) -> bool:
    """Whether orjson's output holds a character `neutralise` would escape. JSON allows no control
    character below U+0020 in a string (orjson escapes each) and orjson indents with spaces and
    newlines, so of its ASCII only DEL can be unsafe (one `memchr`); the non-ASCII characters are
    read from the chunks that hold any (`isascii` passes over the rest at memory speed), together,
    so that a character cut by a chunk's end is whole again."""
    if b"\x7f" in encoded:
        return True
    if encoded.isascii():
        return False
    chunks = (encoded[start : start + _CHUNK] for start in range(0, len(encoded), _CHUNK))
    rest = b"".join(chunk.translate(None, _SAFE_ASCII) for chunk in chunks if not chunk.isascii())
    return not rest.decode().isprintable()


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
    """Data on stdout (already neutralised by the caller where it carries feed text); styles are
    kept when piped only with --color, dropped even on a terminal with --no-color."""
    click.echo(text, color=_settings.color)


def note(text: str) -> None:
    """Diagnostics on stderr (silenced by --quiet)."""
    if _settings.verbosity >= 0:
        click.echo(neutralise(text, multiline=True), err=True)


def detail(text: str) -> None:
    """Diagnostics on stderr shown only with --verbose."""
    if _settings.verbosity > 0:
        click.echo(neutralise(text, multiline=True), err=True)


def warn(text: str, *, kind: str = "warning") -> None:
    """A warning (or another `kind` of trouble: a problem `verify` found) on stderr, shown even
    with --quiet."""
    click.echo(f"{kind}: " + neutralise(text, multiline=True), err=True)


def echo_json(data: Any) -> None:
    # Bytes go to stdout as they are: click looks for no styles to strip (JSON holds none: every
    # control character in it is escaped), and nothing is decoded only to be encoded again. A
    # stdout that takes only text (replaced by a caller) gets text.
    encoded = json_bytes(data)
    if getattr(sys.stdout, "buffer", None) is None:
        click.echo(encoded.decode(), color=True)
    else:
        click.echo(encoded)


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
        console = Console(highlight=False, markup=False, color_system="auto" if styled() else None)
        console.print(grid)
        return
    if title:
        click.echo(f"# {neutralise(title)}")
    click.echo("\t".join(columns))
    for row in cells:
        click.echo("\t".join(row))


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`1 new article`, `2 new articles`: a number with its noun agreeing."""
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
