"""Feed entries → events. Pure: decides what is new, revised or already known; no I/O.

Identity is per (feed, entry key). The key is the entry's guid, else its link, else a hash of its
title and text; a guid repeated inside one document is told apart by its link or its rank, as
feed readers do. The content hash ignores whitespace-only edits, so a re-fetch of unchanged
entries plans nothing, and a real change plans an ArticleRevised beside the earlier versions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.events import ArticleObserved, ArticleRevised, Event, article_stream
from tracker.parsing.feed import ParsedEntry

_SPACE = re.compile(r"\s+")


def _norm(text: str | None) -> str:
    return _SPACE.sub(" ", text).strip() if text else ""


def content_hash(entry: ParsedEntry) -> str:
    """What counts as "the content changed": title, link and text, whitespace folded."""
    canonical = json.dumps(
        [_norm(entry.title), (entry.link or "").strip(), _norm(entry.summary), _norm(entry.content)],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_keys(entries: Sequence[ParsedEntry]) -> list[str]:
    """A stable key per entry, unique within the document."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.guid:
            key = f"guid:{entry.guid}"
        elif entry.link:
            key = f"link:{entry.link}"
        else:
            text = f"{_norm(entry.title)}\x1f{_norm(entry.summary)}\x1f{_norm(entry.content)}"
            key = "text:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        if key in seen:
            seen[key] += 1
            alternative = f"{key}|{entry.link}" if entry.link and entry.guid else None
            key = alternative if alternative and alternative not in seen else f"{key}|{seen[key]}"
        seen.setdefault(key, 0)
        keys.append(key)
    return keys


@dataclass(frozen=True, slots=True)
class Plan:
    events: tuple[Event, ...]
    new: int
    revised: int
    unchanged: int


def plan(
    feed_id: str,
    entries: Sequence[ParsedEntry],
    heads: Mapping[str, tuple[int, Mapping[str, Any]]],
) -> Plan:
    """Events for the entries of one poll, given each known article stream's latest data."""
    events: list[Event] = []
    new = revised = unchanged = 0
    for key, entry in zip(entry_keys(entries), entries, strict=True):
        digest = content_hash(entry)
        fields: dict[str, object] = {
            "feed_id": feed_id,
            "entry_key": key,
            "guid": entry.guid,
            "link": entry.link,
            "title": entry.title,
            "author": entry.author,
            "published_raw": entry.published_raw,
            "published": entry.published,
            "updated_raw": entry.updated_raw,
            "summary": entry.summary,
            "content": entry.content,
            "content_hash": digest,
        }
        head = heads.get(article_stream(feed_id, key))
        if head is None:
            events.append(ArticleObserved.model_validate(fields))
            new += 1
        elif head[1].get("content_hash") == digest:
            unchanged += 1
        else:
            revision = {"revision": head[0] + 1, "previous_hash": str(head[1].get("content_hash"))}
            events.append(ArticleRevised.model_validate({**fields, **revision}))
            revised += 1
    return Plan(tuple(events), new, revised, unchanged)


def streams_for(feed_id: str, entries: Sequence[ParsedEntry]) -> list[str]:
    return [article_stream(feed_id, key) for key in entry_keys(entries)]
