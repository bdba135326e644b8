"""feeds.toml edited as text, so that every comment, blank line and the order of tables stay as
the user wrote them. Pure: text in, text out.

tomlkit keeps comments, but attaches the comment lines above a table to the table before it, so
removing a table through it would take its neighbour's comments along. Here a `[[feeds]]` table's
block is its header, its body, its own sub-tables (`[feeds.headers]`) and the comment lines
directly above the header; new tables are rendered by tomlkit (quoting and escaping) and placed
after the last `[[feeds]]` block. The caller checks that the edited text parses to exactly the
intended document (`manage.py`), so a file this line-level view misreads is refused, not damaged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import tomlkit

_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w\-. \"']+?)\s*(\]\]?)\s*(#.*)?$")
_EMPTY_FEEDS = re.compile(r"^\s*feeds\s*=\s*\[\s*\]\s*(#.*)?$")


@dataclass(frozen=True, slots=True)
class _Header:
    line: int
    key: str  # dotted key, quotes and spaces removed
    array: bool


def render_feed_table(values: Mapping[str, Any]) -> str:
    """One `[[feeds]]` table, keys in the given order."""
    table = tomlkit.table()
    for key, value in values.items():
        table[key] = value
    tables = tomlkit.aot()
    tables.append(table)
    document = tomlkit.document()
    document["feeds"] = tables
    return tomlkit.dumps(document)


def append_feeds(text: str, tables: Sequence[str]) -> str:
    """Insert rendered tables after the last `[[feeds]]` block (or at the end), one blank line
    between neighbours; `feeds = []` gives way to them."""
    lines = [line for line in text.splitlines(keepends=True) if not _EMPTY_FEEDS.match(line)]
    blocks = _feed_blocks(lines)
    end = blocks[-1][1] if blocks else len(lines)
    while end > 0 and not lines[end - 1].strip():
        end -= 1  # after the last non-blank line; the blank lines that followed stay after us
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    inserted = [part for table in tables for part in ("\n", table)]
    if end == 0:
        inserted = inserted[1:]
    elif end < len(lines) and lines[end].strip():
        inserted.append("\n")
    return "".join([*lines[:end], *inserted, *lines[end:]])


def remove_feed(text: str, index: int) -> str:
    """Remove the index-th `[[feeds]]` table with the comment lines directly above it."""
    lines = text.splitlines(keepends=True)
    blocks = _feed_blocks(lines)
    start, end = blocks[index]
    if end == len(lines):
        while start > 0 and not lines[start - 1].strip():
            start -= 1  # the blank lines that separated it from what came before
    return "".join(lines[:start] + lines[end:])


def feed_table_count(text: str) -> int:
    return len(_feed_blocks(text.splitlines(keepends=True)))


def _feed_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first line, line after the end) of each `[[feeds]]` block, in file order."""
    headers = _headers(lines)
    blocks = []
    for position, header in enumerate(headers):
        if not (header.array and header.key == "feeds"):
            continue
        following = next(
            (h for h in headers[position + 1 :] if not h.key.startswith("feeds.")),
            None,
        )
        end = _comments_above(lines, following.line) if following else len(lines)
        blocks.append((_comments_above(lines, header.line), end))
    return blocks


def _comments_above(lines: list[str], line: int) -> int:
    while line > 0 and lines[line - 1].lstrip().startswith("#"):
        line -= 1
    return line


def _headers(lines: list[str]) -> list[_Header]:
    """Table headers outside multi-line strings."""
    headers = []
    open_quote: str | None = None
    for number, line in enumerate(lines):
        if open_quote is None and (match := _HEADER.match(line)):
            if (match.group(1) == "[[") == (match.group(3) == "]]"):
                key = re.sub(r"\s*\.\s*", ".", match.group(2)).replace('"', "").replace("'", "")
                headers.append(_Header(number, key, match.group(1) == "[["))
            continue
        open_quote = _multiline_state(line, open_quote)
    return headers


def _multiline_state(line: str, open_quote: str | None) -> str | None:
    """Which triple quote is open after this line (None: none). Comments and one-line strings
    are skipped so that a quote inside them is not mistaken for an opening."""
    i = 0
    while i < len(line):
        if open_quote is not None:
            close = line.find(open_quote, i)
            if close < 0:
                return open_quote
            if open_quote == '"""' and _escaped(line, close):
                i = close + 1
                continue
            i, open_quote = close + 3, None
            continue
        ch = line[i]
        if ch == "#":
            return None
        if line.startswith(('"""', "'''"), i):
            open_quote, i = line[i : i + 3], i + 3
        elif ch in "\"'":
            i = _string_end(line, i)
        else:
            i += 1
    return open_quote


def _escaped(line: str, index: int) -> bool:
    backslashes = len(line[:index]) - len(line[:index].rstrip("\\"))
    return backslashes % 2 == 1


def _string_end(line: str, start: int) -> int:
    quote, i = line[start], start + 1
    while i < len(line):
        if line[i] == "\\" and quote == '"':
            i += 2
            continue
        if line[i] == quote:
            return i + 1
        i += 1
    return i
