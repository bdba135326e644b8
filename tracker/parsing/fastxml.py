"""Well-formed RSS 2.0, RSS 1.0 and Atom 1.0 read with lxml into exactly what feedparser would give.

feedparser is thorough but slow: pure Python, several calls per element. Most feeds are well-formed
documents in one of three formats with the usual elements, and for those this module builds the same
raw result feedparser builds (the keys feed.py reads: an entry's id, link, links, title, published,
updated, their parsed forms, author, summary, summary_detail and content; the feed's title, link and
ttl), following feedparser's rules for each element it knows. It declines (returns None) whenever it
cannot be sure of that: a DOCTYPE, xml:base, namespaces declared below the root, an element feedparser
gives a meaning this module does not follow, markup inside a text element, a field given twice,
anything lxml's strict parser refuses. The caller then uses feedparser, so declining costs only time.

The input is the document as feedparser's own decoder left it (UTF-8), after the caller refused
entity declarations. lxml is hardened on top: no DTD loaded, no entity resolved, no network, default
(not huge) limits on depth and text size.
"""

from __future__ import annotations

import re
import time
from typing import Any

from feedparser.mixin import _FeedParserMixin
from lxml import etree

from tracker.parsing.feedparser_rules import (
    AUTHOR_PARTS,
    COLLIDING,
    ENTRY_FIELDS,
    ENTRY_INERT,
    FEED_INERT,
    IMAGE_PARTS,
    TEXTINPUT_PARTS,
    author_of,
    content_type,
    feed_date,
    has_handler,
    popped,
    resolved,
    rss_version,
)

__all__ = ["fast_parse"]

Raw = dict[str, Any]


class _Decline(Exception):
    """The document needs feedparser's own reading."""


_KNOWN_NAMESPACES: dict[str, str] = {uri.lower(): p for uri, p in _FeedParserMixin.namespaces.items()}
_KNOWN_PREFIXES = frozenset(p.lower() for p in _KNOWN_NAMESPACES.values())
_ATOM = "http://www.w3.org/2005/atom"
_RSS10 = "http://purl.org/rss/1.0/"
_RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
_USERLAND = "backend.userland.com/rss"
_RDF_ROOT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_TEXT_TYPES = frozenset({"text/plain", "text/html"})

_CHARACTER_REFERENCE_LIKE = re.compile("&([A-Za-z0-9_]+);")


def fast_parse(data: bytes) -> Raw | None:
    """feedparser's result ({"version", "feed", "entries"}) for `data`, or None to use feedparser."""
    # A DOCTYPE (lower-case, it is not well-formed XML) may change the version and declare entities.
    if b"<!DOCTYPE" in data or b"base=" in data:
        return None
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    # Every declaration on the root: then feedparser's prefix bookkeeping is the root's map.
    if data.count(b"xmlns") != len(root.nsmap):
        return None
    try:
        return _Reader(root).read()
    except Exception:  # _Decline, or any surprise: feedparser reads the document
        return None


class _Reader:
    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.namespace_map: dict[str | None, str] = {}  # a document prefix → feedparser's prefix
        self.unknown: dict[str, str] = {}  # an unknown namespace → its document prefix
        self.versions: set[str] = set()
        for prefix, uri in root.nsmap.items():
            low = uri.lower()
            if _USERLAND in low:
                low = "http://backend.userland.com/rss"
            if low in (_RSS10, _ATOM) or (low == _RSS090 and prefix is None):
                self.versions.add(low)
            if low in _KNOWN_NAMESPACES:
                self.namespace_map[prefix] = _KNOWN_NAMESPACES[low]
            elif prefix is None or prefix.lower() in _KNOWN_PREFIXES or uri in self.unknown:
                raise _Decline  # feedparser would read such names bare, or under another meaning
            else:
                self.unknown[uri] = prefix
        self.names: dict[str, str] = {}
        self.dates: dict[str, tuple[time.struct_time | None]] = {}

    def name(self, tag: str) -> str:
        """feedparser's name for an element (its handlers are `_start_` + name)."""
        name = self.names.get(tag)
        if name is None:
            name = self.names[tag] = self._name(tag)
        return name

    def _name(self, tag: str) -> str:
        if tag[0] != "{":
            return tag.lower()
        uri, local = tag[1:].split("}", 1)
        low = uri.lower()
        if _USERLAND in low:
            return local.lower()
        prefix = _KNOWN_NAMESPACES.get(low)
        if prefix is None:
            prefix = self.unknown[uri]
        prefix = prefix.lower()
        if not prefix:
            return local.lower()
        return f"{self.namespace_map.get(prefix, prefix)}_{local.lower()}"

    def attributes(self, element: etree._Element) -> dict[str, str]:
        """The attributes as feedparser keys them: lower-case, known namespaces prefixed."""
        attrs: dict[str, str] = {}
        for key, value in element.attrib.items():
            if key[0] == "{":
                uri, local = key[1:].split("}", 1)
                prefix = _KNOWN_NAMESPACES.get(uri.lower(), "")
                key = f"{prefix}:{local}" if prefix else local
            key = key.lower()
            if key in attrs:
                raise _Decline
            attrs[key] = value.lower() if key in ("rel", "type") else value
        return attrs

    # --- documents ----------------------------------------------------------------------------------

    def read(self) -> Raw:
        root = self.root
        if root.tag == "rss":
            if self.versions & {_RSS10, _RSS090}:
                raise _Decline
            feed: Raw = {}
            entries: list[Raw] = []
            channels = list(root)
            if len(channels) > 1 or any(self.name(c.tag) != "channel" for c in channels):
                raise _Decline
            if channels:
                feed, entries = self.feed(channels[0], "item", atom=False)
            return {"version": rss_version(root.get("version", "")), "feed": feed, "entries": entries}
        if root.tag == _RDF_ROOT and self.versions == {_RSS10}:
            return self.rdf()
        if self.name(root.tag) == "feed" and self.versions == {_ATOM}:
            if root.tag != "{http://www.w3.org/2005/Atom}feed":
                raise _Decline
            feed, entries = self.feed(root, "entry", atom=True)
            return {"version": "atom10", "feed": feed, "entries": entries}
        raise _Decline

    def rdf(self) -> Raw:
        feed: Raw = {}
        entries: list[Raw] = []
        channels = 0
        for child in self.root:
            name = self.name(child.tag)
            if name == "item":
                entries.append(self.entry(child, atom=False))
            elif name == "channel":
                channels += 1
                feed, channel_entries = self.feed(child, "item", atom=False)
                entries.extend(channel_entries)
            elif name in ("image", "textinput"):
                self.box(child, name)
            else:
                self.inert(child)
        if channels != 1:
            raise _Decline
        return {"version": "rss10", "feed": feed, "entries": entries}

    def feed(self, element: etree._Element, entry_name: str, *, atom: bool) -> tuple[Raw, list[Raw]]:
        feed: Raw = {}
        entries: list[Raw] = []
        seen: set[str] = set()
        if set(self.attributes(element)) - {"rdf:about", "xml:lang", "version"}:
            raise _Decline  # channel attributes such as href or lastmod set fields
        for child in element:
            name = self.name(child.tag)
            if name == entry_name:
                entries.append(self.entry(child, atom=atom))
            elif name in ("title", "dc_title"):
                _once(seen, "title")
                self.check_text_attributes(child, "text/plain")
                feed["title"] = popped(_text(child))
            elif name == "link":
                self.link(child, feed, seen, in_entry=False)
            elif name == "id" and atom:
                _once(seen, "id")
                value = popped(_text(child), uri=True)
                feed.setdefault("link", value)  # feedparser takes an Atom id for the link
            elif name == "ttl":
                _once(seen, "ttl")
                if child.attrib:
                    raise _Decline
                feed["ttl"] = popped(_text(child))
            elif name in ("image", "textinput"):
                self.box(child, name)
            elif name in ("author", "managingeditor", "dc_creator"):
                self.author(child, {})
            elif name in FEED_INERT:
                _text(child)
            else:
                self.inert(child)
        return feed, entries

    def box(self, element: etree._Element, name: str) -> None:
        """An RSS image or text input box: its title and link are its own, never the feed's."""
        parts = IMAGE_PARTS if name == "image" else TEXTINPUT_PARTS
        if element.attrib:
            raise _Decline
        for child in element:
            if self.name(child.tag) not in parts or child.attrib:
                raise _Decline
            _text(child)

    # --- entries ------------------------------------------------------------------------------------

    def entry(self, element: etree._Element, *, atom: bool) -> Raw:
        raw: Raw = {"links": []}
        seen: set[str] = set()
        attrs = self.attributes(element) if element.attrib else {}
        if set(attrs) - {"rdf:about", "xml:lang"}:
            raise _Decline
        if attrs.get("rdf:about"):
            raw["id"] = attrs["rdf:about"]
            seen.add("id")
        for child in element:
            name = self.name(child.tag)
            field = ENTRY_FIELDS.get(name)
            if field is None:
                if name in ENTRY_INERT:
                    self.entry_inert(child, name, raw)
                else:
                    self.inert(child)
            elif field == "link":
                self.link(child, raw, seen, in_entry=True)
            elif field == "author":
                _once(seen, field)
                self.author(child, raw)
            else:
                _once(seen, field)
                self.entry_field(child, name, field, raw)
        return raw

    def entry_field(self, element: etree._Element, name: str, field: str, raw: Raw) -> None:
        if field == "id":
            attrs = self.attributes(element) if element.attrib else {}
            if set(attrs) - {"ispermalink", "xml:lang"}:
                raise _Decline
            permalink = attrs.get("ispermalink", "true") == "true"
            value = popped(_text(element), uri=permalink)
            raw["id"] = value
            if permalink:
                raw.setdefault("link", value)
        elif field in ("published", "updated"):
            if element.attrib:
                raise _Decline
            value = popped(_text(element))
            raw[field] = value
            parsed = self.dates.get(value)
            if parsed is None:  # an entry's two dates are often the same string
                parsed = self.dates[value] = (feed_date(value),)
            raw[f"{field}_parsed"] = parsed[0]
        elif field == "title":
            self.check_text_attributes(element, "text/plain")
            raw["title"] = popped(_text(element))
        elif field == "summary":
            self.check_text_attributes(element, "text/plain" if name == "summary" else "text/html")
            raw["summary"] = popped(_text(element))
            raw["summary_detail"] = True
        else:  # content
            kind = self.check_text_attributes(
                element, "text/html" if name == "content_encoded" else "text/plain"
            )
            value = popped(_text(element))
            raw.setdefault("content", []).append({"value": value})
            if kind in _TEXT_TYPES:
                raw.setdefault("summary", value)  # feedparser's summary, without its detail

    def entry_inert(self, element: etree._Element, name: str, raw: Raw) -> None:
        if name == "enclosure":
            attrs = self.attributes(element)
            href = attrs.get("url", attrs.get("uri", attrs.get("href")))
            if href:
                raw["links"].append({"href": href})
        elif name == "source" and self.root.tag != "rss":
            raise _Decline  # an Atom source holds another feed's title, id and author
        elif name in ("media_content", "media_thumbnail"):
            for node in element.iterdescendants():
                name = self.name(node.tag)
                if name in COLLIDING or (has_handler(name) and name not in ENTRY_INERT):
                    raise _Decline
            return
        _text(element)

    def link(self, element: etree._Element, context: Raw, seen: set[str], *, in_entry: bool) -> None:
        attrs = self.attributes(element) if element.attrib else {}
        if "url" in attrs or "uri" in attrs:
            raise _Decline
        if "href" in attrs:
            if len(element):
                raise _Decline
            rel = attrs.get("rel", "alternate")
            kind = attrs.get("type", "application/atom+xml" if rel == "self" else "text/html")
            href = resolved(attrs["href"])
            context.setdefault("links", []).append({"href": href})
            if rel == "alternate" and content_type(kind) in _HTML_TYPES:
                context["link"] = href
            return
        _once(seen, "text link")
        value = popped(_text(element), uri=True)
        if "&" in value:  # feedparser's repair of query strings it took for entity references
            if in_entry:
                value = value.replace("&amp;", "&")
            value = _CHARACTER_REFERENCE_LIKE.sub(r"&\g<1>", value)
        if in_entry and value:
            context["links"].append({"href": value})
        context["link"] = value

    def author(self, element: etree._Element, raw: Raw) -> None:
        """feedparser's `author`: the text of an RSS author, or "name (email)" of an Atom one."""
        if element.attrib:
            raise _Decline
        if not len(element):
            raw["author"] = popped(element.text or "")
            return
        if (element.text or "").strip():
            raise _Decline
        detail: dict[str, str] = {}
        for child in element:
            name = self.name(child.tag)
            if name not in AUTHOR_PARTS or child.attrib or (child.tail or "").strip():
                raise _Decline
            key = "href" if name in ("uri", "url", "homepage") else name
            if key in detail:
                raise _Decline
            # feedparser keeps name and email stripped only; a URI goes through the full text rules.
            detail[key] = popped(_text(child), uri=True) if key == "href" else _text(child).strip()
        raw["author"] = author_of(detail) or ""

    def check_text_attributes(self, element: etree._Element, default: str) -> str:
        """The element's content type, if feedparser reads its text as it stands."""
        if not element.attrib:
            return default
        attrs = self.attributes(element)
        if set(attrs) - {"type", "xml:lang"}:
            raise _Decline  # mode, src, base: base64, out-of-line or relative content
        kind = content_type(attrs.get("type", default))
        if kind not in _TEXT_TYPES:
            raise _Decline
        return kind

    def inert(self, element: etree._Element) -> None:
        """Refuse an element, or anything inside it, that feedparser gives a meaning."""
        for node in element.iter():
            if not isinstance(node.tag, str):
                raise _Decline
            name = self.name(node.tag)
            if name in COLLIDING or has_handler(name):
                raise _Decline


def _once(seen: set[str], field: str) -> None:
    if field in seen:
        raise _Decline  # which one wins depends on rules this module does not follow
    seen.add(field)


def _text(element: etree._Element) -> str:
    if len(element):
        raise _Decline  # markup inside a text element
    return element.text or ""
