"""Event models: what the log records, and how stored rows become models again.

Events are facts about observation (an article was seen, a feed began failing, an analyst
asserted something). They are frozen pydantic models, one class per `type`, registered by a
stable name — never a Python path — with a schema version. Every type is still at its first
version, so a stored row must carry exactly the version its type has now; the first change of
shape will bump `schema_version` and add, in `decode`, the step that turns the older stored row
(parsed as a dict) into the new shape on read (the log itself is never rewritten), with a stored
row of the old version as its test.

Each event knows its stream and its deterministic id: observing the same thing twice yields the
same id, which the store turns into a no-op.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, NamedTuple, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from tracker.clock import DatePrecision
from tracker.errors import EventDecodeError
from tracker.streams import ANALYST_STREAM, article_stream, feed_stream, page_stream, stable_id


class _Event(BaseModel):
    # Reading the log validates every row: without interning each string it parses (pydantic's
    # `cache_strings`, which saves memory only on repeated strings) that is a quarter faster.
    model_config = ConfigDict(frozen=True, extra="forbid", cache_strings=False, defer_build=True)

    schema_version: ClassVar[int] = 1

    def stream(self) -> str:
        raise NotImplementedError

    def event_id(self, version: int) -> str:
        """Deterministic id. `version` is the stream version this event will take."""
        raise NotImplementedError

    def occurred_at(self) -> datetime | None:
        """World time of what was observed, when known."""
        return None


# --- articles -----------------------------------------------------------------------------------


class _ArticleFields(_Event):
    feed_id: str
    entry_key: str
    guid: str | None = None
    link: str | None = None
    title: str | None = None
    author: str | None = None
    published_raw: str | None = None  # exactly as the feed gave it
    published: AwareDatetime | None = None  # None when the feed gave no usable date
    updated_raw: str | None = None
    summary: str | None = None
    content: str | None = None
    content_hash: str
    revision: int = Field(ge=1)

    def stream(self) -> str:
        return article_stream(self.feed_id, self.entry_key)

    def event_id(self, version: int) -> str:
        return stable_id("article", self.feed_id, self.entry_key, self.revision, self.content_hash)

    def occurred_at(self) -> datetime | None:
        return self.published


class ArticleObserved(_ArticleFields):
    """An entry seen for the first time in a feed."""

    type: Literal["ArticleObserved"] = "ArticleObserved"
    revision: int = Field(default=1, ge=1, le=1)


class ArticleRevised(_ArticleFields):
    """The same entry seen again with different content; earlier versions stay in the log."""

    type: Literal["ArticleRevised"] = "ArticleRevised"
    previous_hash: str


class ArticleTextFetched(_Event):
    """The text of an article's linked page, beside the feed's version (never replacing it).

    A page whose text changed is a new event in the same stream."""

    type: Literal["ArticleTextFetched"] = "ArticleTextFetched"
    feed_id: str
    entry_key: str
    url: str  # the entry's link as requested
    final_url: str  # after redirects (and a redirect shell's one hop): the source
    content_hash: str  # sha256 of `text`
    text: str
    title: str | None = None
    author: str | None = None
    date: str | None = None  # as the page gave it
    sitename: str | None = None
    extractor: str

    def stream(self) -> str:
        return page_stream(self.feed_id, self.entry_key)

    def event_id(self, version: int) -> str:
        return stable_id("page", self.feed_id, self.entry_key, self.content_hash)


# --- feed health ----------------------------------------------------------------------------------


class _FeedEvent(_Event):
    feed_id: str

    def stream(self) -> str:
        return feed_stream(self.feed_id)

    def event_id(self, version: int) -> str:
        # One id per transition of the feed's health stream: two processes recording the same
        # transition collide on the id instead of recording it twice.
        return stable_id("feed", self.feed_id, version)


class FeedFailed(_FeedEvent):
    """The feed went from healthy (or new) to failing."""

    type: Literal["FeedFailed"] = "FeedFailed"
    category: str
    reason: str
    status: int | None = None
    url: str


class FeedRecovered(_FeedEvent):
    """A failing feed answered successfully again."""

    type: Literal["FeedRecovered"] = "FeedRecovered"
    failures: int = Field(ge=1)  # consecutive failed polls before this recovery
    url: str


class FeedGone(_FeedEvent):
    """The server said 410 Gone: polling stops until the user acts."""

    type: Literal["FeedGone"] = "FeedGone"
    status: int = 410
    url: str


class FeedMoved(_FeedEvent):
    """The server answered with a permanent redirect; feeds.toml is never rewritten."""

    type: Literal["FeedMoved"] = "FeedMoved"
    url: str
    new_url: str

    def event_id(self, version: int) -> str:
        return stable_id("moved", self.feed_id, self.url, self.new_url)  # once per move


# --- analysts' word -------------------------------------------------------------------------------


class FactAsserted(_Event):
    """An analyst's own statement about a subject, with its source; outranks extraction."""

    type: Literal["FactAsserted"] = "FactAsserted"
    subject: str
    state: str | None = None
    count: int | None = Field(default=None, ge=0)
    date: date
    date_precision: DatePrecision = "day"
    source: str
    note: str | None = None
    analyst: str | None = None

    def stream(self) -> str:
        return ANALYST_STREAM

    def event_id(self, version: int) -> str:
        return stable_id(
            "assert", self.subject, self.state, self.count, self.date.isoformat(), self.source, self.note
        )

    def occurred_at(self) -> datetime | None:
        return None


class FactRetracted(_Event):
    """An analyst withdraws a fact (an extracted one or an assertion); it stops counting."""

    type: Literal["FactRetracted"] = "FactRetracted"
    fact_id: str
    reason: str
    analyst: str | None = None

    def stream(self) -> str:
        return ANALYST_STREAM

    def event_id(self, version: int) -> str:
        return stable_id("retract", self.fact_id)


Event = Annotated[
    ArticleObserved
    | ArticleRevised
    | ArticleTextFetched
    | FeedFailed
    | FeedRecovered
    | FeedGone
    | FeedMoved
    | FactAsserted
    | FactRetracted,
    Field(discriminator="type"),
]

EVENT_TYPES: dict[str, type[_Event]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        ArticleObserved,
        ArticleRevised,
        ArticleTextFetched,
        FeedFailed,
        FeedRecovered,
        FeedGone,
        FeedMoved,
        FactAsserted,
        FactRetracted,
    )
}


def _check_shape(type_name: str, schema_version: int) -> None:
    """A stored row must have its type's current schema version (no type has changed yet)."""
    current = EVENT_TYPES[type_name].schema_version
    if schema_version != current:
        newer = "newer than this code" if schema_version > current else "older, with no upgrade step"
        raise KeyError(f"{type_name} v{schema_version} is {newer} (v{current})")


class RecordedEvent(NamedTuple):
    """An event as stored: its payload plus the envelope the store gave it.

    Immutable, like the events it carries; a named tuple because reading the log builds one per
    row, and a tuple is built in less than half the time of a frozen dataclass.
    """

    position: int
    id: str
    stream: str
    version: int
    event: Event
    meta: dict[str, Any]
    occurred_at: str | None
    recorded_at: str

    @property
    def type(self) -> str:
        return self.event.type


# A stored row: position, id, stream, version, type, schema_version, data, meta, occurred_at,
# recorded_at (the store's `chain.HASHED_COLUMNS`, in that order).
StoredRow = tuple[int, str, str, int, str, int, str, str, "str | None", str]


def decode(
    position: int,
    id: str,
    stream: str,
    version: int,
    type_name: str,
    schema_version: int,
    data: str,
    meta: str,
    occurred_at: str | None,
    recorded_at: str,
) -> RecordedEvent:
    """Turn a stored row into a RecordedEvent; failures name the position."""
    row = (position, id, stream, version, type_name, schema_version, data, meta, occurred_at, recorded_at)
    return next(decode_rows([row]))


def decode_rows(rows: Iterable[StoredRow]) -> Iterator[RecordedEvent]:
    """`decode` for each row in turn: the log's read loop.

    The payload is parsed and validated in one pass by its own type's model (`type` is the
    column beside it); every row is validated, whoever wrote it.
    """
    for (
        position,
        id,
        stream,
        version,
        type_name,
        schema_version,
        data,
        meta,
        occurred_at,
        recorded_at,
    ) in rows:
        try:
            event = _validator(type_name, schema_version)(data)
            meta_dict = _parsed_meta(meta)
        except (KeyError, ValueError, ValidationError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise EventDecodeError(position, reason) from None
        yield RecordedEvent(position, id, stream, version, event, meta_dict, occurred_at, recorded_at)


@functools.cache
def _validator(type_name: str, schema_version: int) -> Callable[[str], Event]:
    """The JSON parser of a stored type at a stored version (KeyError: none; never cached)."""
    model = EVENT_TYPES.get(type_name)
    if model is None:
        raise KeyError(f"unknown event type {type_name!r}")
    _check_shape(type_name, schema_version)
    return cast(Callable[[str], Event], model.model_validate_json)


@functools.lru_cache(maxsize=1024)
def _meta_of(meta: str) -> dict[str, Any]:
    value = json.loads(meta)
    if not isinstance(value, dict):
        raise ValueError(f"meta is not a JSON object: {meta[:80]!r}")
    return value


def _parsed_meta(meta: str) -> dict[str, Any]:
    """The `meta` column as a dict of its own: a log repeats a few metas (one per feed), so each
    distinct text is parsed once and copied, never shared between events."""
    return dict(_meta_of(meta))


def encode(event: Event) -> str:
    """The `data` column: the payload as JSON text, without the `type` already stored beside it."""
    return event.model_dump_json(exclude={"type"})


def planned_ids(
    events: Sequence[Event], streams: Sequence[str], versions: Mapping[str, int]
) -> list[tuple[int, str]]:
    """Each event's (version, id) if none before it in its stream is skipped (`Store.append` looks
    them all up at once, and computes the id again for an event whose stream had one skipped)."""
    planned = dict(versions)
    candidates = []
    for event, stream in zip(events, streams, strict=True):
        planned[stream] += 1
        candidates.append((planned[stream], event.event_id(planned[stream])))
    return candidates
