"""What a parsed feed is: its entries as plain values, the same whichever parser read it (built in
the parse workers, sent back to the process that polls, which needs no parser to read them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    guid: str | None
    link: str | None
    title: str | None
    published_raw: str | None  # as the feed wrote it
    published: datetime | None  # aware UTC, only when published_raw holds a full date
    updated_raw: str | None
    updated: datetime | None
    author: str | None
    summary: str | None  # raw HTML or text
    content: str | None  # the longest full-content element, raw

    def __reduce__(self) -> tuple[type[ParsedEntry], tuple[Any, ...]]:
        # Pickled as the constructor's arguments: half the cost of the slotted-dataclass default, and
        # every parse in a worker process sends its entries back this way.
        return (ParsedEntry, tuple(getattr(self, name) for name in self.__slots__))


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    format: str  # "rss20", "rss10", "rss091u", "atom10", "json11", ...
    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    warnings: tuple[str, ...]  # what was recovered from, dropped or truncated
    ttl_seconds: int | None = None  # RSS <ttl> (given in minutes): how long the feed may be cached
    unreadable: tuple[str, ...] = ()  # entries an error kept out, each with its reason
