"""Feed entries → events. Pure: decides what is new, revised or already known; no I/O.

Identity is per (feed, entry key). The key is the entry's guid, else its link, else a hash of its
title and text; a guid repeated inside one document is told apart by its link or its rank, as
feed readers do. The content hash ignores whitespace-only edits, so a re-fetch of unchanged
entries plans nothing, and a real change plans an ArticleRevised beside the earlier versions;
which changes are worth one, and how often an entry may be revised, is `tracker.revisions`.

One entry that cannot be keyed, hashed or turned into a storable event is skipped with its reason
(`Plan.skipped`); it never takes the other entries of its feed down.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tracker import revisions
from tracker.events import ArticleObserved, ArticleRevised, Event, encode
from tracker.parsing.model import ParsedEntry, fold_whitespace, hash_content
from tracker.streams import article_stream
from tracker.textsafe import clean_text


def content_hash(entry: ParsedEntry) -> str:
    """The entry's content hash (`hash_content`), as it was computed when the entry was built; an
    entry whose text cannot be hashed raises here, and is skipped alone."""
    return entry.content_hash or hash_content(entry.title, entry.link, entry.summary, entry.content)


def entry_keys(entries: Sequence[ParsedEntry]) -> list[str]:
    """A stable key per entry, unique within the document."""
    keys: list[str] = []
    seen: dict[str, int] = {}
    for entry in entries:
        key = _base_key(entry)
        if key in seen:
            seen[key] += 1
            alternative = f"{key}|{entry.link}" if entry.link and entry.guid else None
            key = alternative if alternative and alternative not in seen else f"{key}|{seen[key]}"
        seen.setdefault(key, 0)
        keys.append(key)
    return keys


def _base_key(entry: ParsedEntry) -> str:
    if entry.guid:
        return f"guid:{entry.guid}"
    if entry.link:
        return f"link:{entry.link}"
    text = "\x1f".join(map(fold_whitespace, (entry.title, entry.summary, entry.content)))
    # surrogatepass: a key is computable for any str; such an entry is refused later, alone.
    return "text:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Plan:
    events: tuple[Event, ...]
    new: int
    revised: int
    unchanged: int
    skipped: tuple[str, ...] = ()  # why each unusable entry was left out
    deferred: int = 0  # changed entries not revised now: rate-limited (`tracker.revisions`)
    # Each planned article version's `ParsedEntry.teaser`, by (entry key, content hash), where known.
    teasers: dict[tuple[str, str], bool] = field(default_factory=dict)


def plan(
    feed_id: str,
    entries: Sequence[ParsedEntry],
    heads: Mapping[str, tuple[int, Mapping[str, Any]]],
    *,
    recorded: Mapping[str, tuple[datetime, datetime]] | None = None,
    now: datetime | None = None,
) -> Plan:
    """Events for the entries of one poll, given each known article stream's latest data and,
    to rate-limit revisions, when each stream was first and last recorded, and the time now."""
    events: list[Event] = []
    skipped: list[str] = []
    teasers: dict[tuple[str, str], bool] = {}
    new = revised = unchanged = deferred = 0
    for key, entry in zip(entry_keys(entries), entries, strict=True):
        try:
            stream = article_stream(feed_id, key)
            event = _entry_event(feed_id, key, entry, heads.get(stream))
        except Exception as exc:  # hostile input: this entry fails, not its feed
            skipped.append(clean_text(f"entry {key[:80]!r}: {type(exc).__name__}: {str(exc)[:160]}"))
            continue
        if event is None:
            unchanged += 1
            continue
        if isinstance(event, ArticleRevised) and not _revision_due(
            event.revision - 1, (recorded or {}).get(stream), now
        ):
            deferred += 1
            continue
        events.append(event)
        if entry.teaser is not None:
            teasers[(key, event.content_hash)] = entry.teaser
        if isinstance(event, ArticleObserved):
            new += 1
        else:
            revised += 1
    return Plan(tuple(events), new, revised, unchanged, tuple(skipped), deferred, teasers)


def _revision_due(version: int, recorded: tuple[datetime, datetime] | None, now: datetime | None) -> bool:
    """Whether a stream now at `version` may be revised (`tracker.revisions.due`); always when
    the caller gives no times."""
    if recorded is None or now is None:
        return True
    first_seen, last_recorded = recorded
    return revisions.due(version - 1, first_seen, last_recorded, now)


def _entry_event(
    feed_id: str, key: str, entry: ParsedEntry, head: tuple[int, Mapping[str, Any]] | None
) -> ArticleObserved | ArticleRevised | None:
    """The event one entry calls for (None: unchanged), checked to be storable."""
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
    event: ArticleObserved | ArticleRevised
    if head is None:
        event = ArticleObserved.model_validate(fields)
    elif head[1].get("content_hash") == digest or revisions.same_content(head[1], fields):
        return None
    else:
        revision = {"revision": head[0] + 1, "previous_hash": str(head[1].get("content_hash"))}
        event = ArticleRevised.model_validate({**fields, **revision})
    encode(event).encode("utf-8")  # what the store will write: refused here, for this entry alone
    return event


def streams_for(feed_id: str, entries: Sequence[ParsedEntry]) -> list[str]:
    streams = []
    for key in entry_keys(entries):
        with contextlib.suppress(UnicodeError):  # an unencodable key is skipped by `plan`
            streams.append(article_stream(feed_id, key))
    return streams
