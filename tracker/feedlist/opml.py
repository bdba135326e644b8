"""OPML subscription lists: read what feed readers export, write OPML 2.0. Pure: bytes in, bytes out.

Reading accepts OPML 1.0 and 2.0 as reader, Miniflux, newsboat and others write them: every
`<outline>` with an `xmlUrl` is a feed; the outlines it sits in are categories and become its
tags, outermost first, followed by the tags in its own `category` attribute. Element and attribute
names are matched case-insensitively. Parsing goes through defusedxml: entity declarations and
external references are refused, and nothing is fetched.

Writing keeps the feed order: consecutive feeds that share a first tag sit in one category outline
named after it, untagged feeds at the top level, and every tag of a feed is in its `category`
attribute, so reading what was written gives the same feeds, tags and order. What OPML has no
attribute for (id, interval, publisher, enabled) travels in the `tracker:` namespace, which other
readers ignore.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import defusedxml
import defusedxml.ElementTree as SafeET

from tracker.errors import ConfigError
from tracker.feedlist.naming import clean_tag, unique_tags

TRACKER_NS = "https://github.com/tracker-news/tracker/opml"
MAX_BYTES = 16 * 2**20
MAX_DEPTH = 32  # categories nested deeper than any reader writes are refused, not recursed into


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None = None
    tags: tuple[str, ...] = ()
    feed_id: str | None = None  # tracker:id
    interval: str | None = None  # tracker:interval
    publisher: str | None = None  # tracker:publisher
    enabled: bool = True  # tracker:enabled


def read_opml(data: bytes, source: str) -> list[OpmlFeed]:
    """Every feed in the document, in document order. `source` names the file in errors."""
    if len(data) > MAX_BYTES:
        raise ConfigError(f"{source}: larger than {MAX_BYTES // 2**20} MiB; not an OPML subscription list")
    try:
        root = SafeET.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise ConfigError(f"{source}: refused: {exc}") from None
    except ET.ParseError as exc:
        raise ConfigError(f"{source}: not well-formed XML: {exc}") from None
    if _name(root.tag) != "opml":
        raise ConfigError(f"{source}: not OPML (the root element is <{_name(root.tag)}>, expected <opml>)")
    body = next((child for child in root if _name(child.tag) == "body"), None)
    if body is None:
        raise ConfigError(f"{source}: not OPML (no <body> element)")
    return list(_walk(body, (), 1, source))


def _walk(node: ET.Element, tags: tuple[str, ...], depth: int, source: str) -> Iterator[OpmlFeed]:
    if depth > MAX_DEPTH:
        raise ConfigError(f"{source}: outlines nested more than {MAX_DEPTH} deep")
    for child in node:
        if _name(child.tag) != "outline":
            continue
        attrs = _attributes(child)
        url = (attrs.get("xmlurl") or "").strip()
        label = (attrs.get("title") or attrs.get("text") or "").strip()
        if url:
            yield _feed(url, label, tags, attrs)
        category = clean_tag(label)
        yield from _walk(child, tags + ((category,) if category and not url else ()), depth + 1, source)


def _feed(url: str, label: str, tags: tuple[str, ...], attrs: dict[str, str]) -> OpmlFeed:
    own = attrs.get("category", "").split(",")
    return OpmlFeed(
        url=url,
        title=label if label and label != url else None,
        tags=unique_tags([*tags, *own]),
        feed_id=attrs.get("tracker:id") or None,
        interval=attrs.get("tracker:interval") or None,
        publisher=attrs.get("tracker:publisher") or None,
        enabled=attrs.get("tracker:enabled", "true").strip().lower() != "false",
    )


def _name(tag: str) -> str:
    return tag.rpartition("}")[2].lower()


def _attributes(element: ET.Element) -> dict[str, str]:
    """Plain attributes by lower-case name; ours as "tracker:name"; other namespaces dropped."""
    attrs: dict[str, str] = {}
    for key, value in element.attrib.items():
        if key.startswith("{"):
            namespace, _, local = key[1:].partition("}")
            if namespace == TRACKER_NS:
                attrs[f"tracker:{local.lower()}"] = value
            continue
        attrs[key.lower()] = value
    return attrs


def write_opml(feeds: Sequence[OpmlFeed], title: str, *, default_interval: str | None = None) -> bytes:
    """OPML 2.0, UTF-8, indented. `default_interval` is left out of `tracker:interval`."""
    root = ET.Element("opml", {"version": "2.0", "xmlns:tracker": TRACKER_NS})
    ET.SubElement(ET.SubElement(root, "head"), "title").text = title
    body = ET.SubElement(root, "body")
    group: ET.Element | None = None
    group_tag: str | None = None
    for feed in feeds:
        tags = unique_tags(feed.tags)  # a hand-written tag may hold a comma
        first = tags[0] if tags else None
        if first is None:
            parent, group, group_tag = body, None, None
        elif group is not None and first == group_tag:
            parent = group
        else:
            group = parent = ET.SubElement(body, "outline", {"text": first, "title": first})
            group_tag = first
        ET.SubElement(parent, "outline", _outline_attributes(feed, tags, default_interval))
    ET.indent(root, space="  ")
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _outline_attributes(
    feed: OpmlFeed, tags: tuple[str, ...], default_interval: str | None
) -> dict[str, str]:
    attrs = {"type": "rss", "text": feed.title or feed.url}
    if feed.title:
        attrs["title"] = feed.title
    attrs["xmlUrl"] = feed.url
    if tags:
        attrs["category"] = ",".join(tags)
    if feed.feed_id:
        attrs["tracker:id"] = feed.feed_id
    if feed.interval and feed.interval != default_interval:
        attrs["tracker:interval"] = feed.interval
    if feed.publisher:
        attrs["tracker:publisher"] = feed.publisher
    if not feed.enabled:
        attrs["tracker:enabled"] = "false"
    return attrs
