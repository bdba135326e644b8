"""What a parsed feed is: its entries as plain values, the same whichever parser read it (built in
the parse workers, sent back to the process that polls, which needs no parser to read them), each
with the hash that says whether its content changed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from tracker.pages.policy import is_teaser


def fold_whitespace(text: str | None) -> str:
    # str.split() splits on exactly what `\s` matches: this is `re.sub(r"\s+", " ", text).strip()`,
    # several times faster (every entry of every fetch is hashed).
    return " ".join(text.split()) if text else ""


def hash_content(title: str | None, link: str | None, summary: str | None, content: str | None) -> str:
    """What counts as "the content changed": title, link and text, whitespace folded. Raises
    UnicodeEncodeError for text holding a lone surrogate."""
    texts = (fold_whitespace(title), (link or "").strip(), fold_whitespace(summary), fold_whitespace(content))
    return hashlib.sha256(_json_array(texts)).hexdigest()


def _json_array(texts: tuple[str, ...]) -> bytes:
    """`json.dumps(list(texts), ensure_ascii=False)` in UTF-8, the form every stored content hash
    was made from, written by orjson, which escapes each code point as that call does (a test
    compares them over all of Unicode) at a tenth of its cost: every entry of every changed feed is
    hashed. A lone surrogate, which orjson refuses, takes the json module's path and fails to
    encode there, as it always has."""
    try:
        return b"[" + b", ".join(map(orjson.dumps, texts)) + b"]"
    except orjson.JSONEncodeError:
        return json.dumps(list(texts), ensure_ascii=False).encode("utf-8")


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
    # `hash_content` of the above, computed where the entry is built (in a parse worker) and sent
    # with it: the process that polls, the busiest of a first fetch, never hashes an entry. None
    # when the text cannot be hashed; planning that entry then fails, for it alone.
    content_hash: str | None = field(init=False)
    # Whether its own text stops short of the article (`tracker.pages.policy.is_teaser`), which a
    # feed fetching pages in "auto" mode decides on: worked out here too, for the same reason.
    # None when the text cannot be read so; the page decision then reads it from the log.
    teaser: bool | None = field(init=False)

    def __post_init__(self) -> None:
        try:
            digest: str | None = hash_content(self.title, self.link, self.summary, self.content)
        except UnicodeEncodeError:
            digest = None
        object.__setattr__(self, "content_hash", digest)
        try:
            teaser: bool | None = is_teaser(self.summary, self.content)
        except Exception:  # hostile markup: the page decision meets it again, for this entry alone
            teaser = None
        object.__setattr__(self, "teaser", teaser)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Pickled as its values, the hash with them: half the cost of the slotted-dataclass default,
        # and every parse in a worker process sends its entries back this way.
        return (_unpickled_entry, tuple(getattr(self, name) for name in self.__slots__))


def _unpickled_entry(*values: Any) -> ParsedEntry:
    entry: ParsedEntry = object.__new__(ParsedEntry)
    for name, value in zip(ParsedEntry.__slots__, values, strict=True):
        object.__setattr__(entry, name, value)
    return entry


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    format: str  # "rss20", "rss10", "rss091u", "atom10", "json11", ...
    title: str | None
    link: str | None
    entries: tuple[ParsedEntry, ...]
    warnings: tuple[str, ...]  # what was recovered from, dropped or truncated
    ttl_seconds: int | None = None  # RSS <ttl> (given in minutes): how long the feed may be cached
    unreadable: tuple[str, ...] = ()  # entries an error kept out, each with its reason
