"""Feed ids derived from URLs, and tags: cleaned as they enter, matched when feeds are selected."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from urllib.parse import urlsplit

from tracker.config import Config, FeedConfig
from tracker.errors import ConfigError

MAX_ID_LENGTH = 64  # FeedConfig.id's limit
_STEM_LENGTH = 48  # leaves room for a "-2" suffix and stays readable
# Words that say "this is a feed" and nothing about which one.
_GENERIC = {"rss", "rss2", "feed", "feeds", "atom", "xml", "index", "rdf", "www", "en"}
_HOST_PREFIXES = ("www", "feeds", "feed", "rss")


def derive_feed_id(url: str, taken: Collection[str]) -> str:
    """A readable id from the URL's host and path, unique among `taken`.

    https://www.theguardian.com/world/belarus/rss → theguardian-world-belarus
    """
    parts = urlsplit(url.strip())
    labels = [label for label in (parts.hostname or "").lower().split(".") if label]
    while len(labels) > 1 and labels[0] in _HOST_PREFIXES:
        labels = labels[1:]
    if len(labels) > 1 and not labels[-1].isdigit():
        labels = labels[:-1]  # the top-level domain says little
    segments = [re.sub(r"\.(xml|rss|atom|rdf|php|html?|json)$", "", s.lower()) for s in parts.path.split("/")]
    words = [*labels, *(s for s in segments if s and s not in _GENERIC)]
    stem = _slug("-".join(words))[:_STEM_LENGTH].strip("-") or "feed"
    candidate, n = stem, 2
    while candidate in taken:
        candidate, n = f"{stem}-{n}", n + 1
    return candidate


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def clean_tag(text: str) -> str:
    """A tag as stored: trimmed, single spaces, no commas (they separate tags in --tags and in
    OPML's category attribute), no leading or trailing '/' (OPML category paths)."""
    text = re.sub(r"\s*,\s*", " ", text)
    return " ".join(text.split()).strip("/ ")


def parse_tags(text: str) -> tuple[str, ...]:
    """'outlet, state-media' → ('outlet', 'state-media')."""
    return unique_tags(text.split(","))


def unique_tags(tags: Iterable[str]) -> tuple[str, ...]:
    cleaned = (clean_tag(tag) for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))


def select_feeds(config: Config, feed_ids: Sequence[str], tags: Sequence[str]) -> list[FeedConfig] | None:
    """The feeds `--feed ID` and `--tag TAG` name (None: every enabled feed).

    A named feed is polled even when disabled; a tag selects only enabled feeds that carry it.
    """
    if not feed_ids and not tags:
        return None
    chosen = {feed_id: config.feed(feed_id) for feed_id in feed_ids}
    known = {tag for feed in config.feeds for tag in feed.tags}
    for tag in tags:
        if tag not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise ConfigError(f"{config.source}: no feed has the tag {tag!r} (tags: {listed})")
        chosen.update((f.id, f) for f in config.feeds if f.enabled and tag in f.tags and f.id not in chosen)
    return list(chosen.values())
