"""Random RSS 2.0, RSS 1.0 and Atom 1.0 documents that vary what feedparser's rules depend on.

Element order, repeated and missing fields, attributes (isPermaLink, rel, type), namespaces and their
prefixes, CDATA, character references, whitespace, non-ASCII and Windows-1252 text, text that is UTF-8
read as Latin-1, relative and odd links, dates in many forms, authors with and without parts, elements
feedparser knows and elements it does not. Deterministic for a seed.
"""

from __future__ import annotations

import random
from xml.sax.saxutils import escape

_TEXTS = [
    "Plain title",
    "  padded   ",
    "",
    "Caf\u00e9 \u2014 na\u00efve",
    "Caf\u00c3\u00a9 mojibake",
    "euro \x80 and \x93quotes\x94",
    "<b>bold</b> &amp; more",
    "Ben &amp; Jerry's",
    "\u041c\u0438\u043d\u0441\u043a \u0441\u0435\u0433\u043e\u0434\u043d\u044f",
    "a\u2028b",
    "&#233;t&#xE9; &lt;p&gt;",
    "tab\there\nnewline",
    "<p>Para with <a href='/x?a=1&b=2'>link</a></p>",
]
_LINKS = [
    "https://news.example/a/1",
    "http://news.example/a?x=1&amp;y=2",
    "/relative/path",
    "relative",
    "https:///extra/slashes",
    "urn:uuid:1234",
    "12",
    "",
    "  https://news.example/spaced  ",
    "https://news.example/a?x=1&amp;amp;y=2",
    "mailto:desk@news.example",
]
_DATES = [
    "Tue, 10 Jun 2025 14:03:00 GMT",
    "Tue, 10 Jun 2025 14:03:00 +0200",
    "10 Jun 2025 14:03:00 -0530",
    "Wed, 31 Dec 2025 23:30:00 -0100",
    "Sat, 01 Jan 2000 00:00:00 UT",
    "2025-06-10T14:03:00Z",
    "2025-06-10T14:03:00.123+05:30",
    "2025-12-31T23:59:59-02:00",
    "2025-02-30T10:00:00Z",
    "2025-06-10",
    "2025",
    "12",
    "yesterday",
    "Tue, 10 Jun 25 14:03:00 EST",
    "Tue, 10 Jun 2025 24:00:00 GMT",
    "0001-01-01T00:00:00Z",
    "2100-01-01T00:00:00Z",
    "  Tue, 10 Jun 2025 14:03:00 GMT  ",
    "",
]
_NAMES = ["Anna Novak", "desk@news.example (Desk)", "Desk <desk@news.example>", "", "  Olga  "]


def _text(rng: random.Random) -> str:
    value = rng.choice(_TEXTS)
    mode = rng.random()
    if mode < 0.3 and "]]>" not in value:
        return f"<![CDATA[{value}]]>"
    if mode < 0.4:
        return escape(escape(value))
    return escape(value) if "&" not in value and "<" not in value else value.replace("<b>", "&lt;b&gt;")


def _maybe(rng: random.Random, p: float = 0.5) -> bool:
    return rng.random() < p


def _element(rng: random.Random, name: str, body: str, attrs: str = "") -> str:
    return f"<{name}{attrs}>{body}</{name}>"


def _rss_item(rng: random.Random, i: int) -> str:
    parts = []
    if _maybe(rng, 0.9):
        parts.append(_element(rng, rng.choice(["title", "title", "dc:title"]), _text(rng)))
    if _maybe(rng, 0.8):
        parts.append(_element(rng, "link", escape(rng.choice(_LINKS))))
    if _maybe(rng, 0.8):
        permalink = rng.choice(["", ' isPermaLink="false"', ' isPermaLink="true"', ' isPermaLink="False"'])
        parts.append(_element(rng, "guid", escape(rng.choice([*_LINKS, f"item-{i}"])), permalink))
    if _maybe(rng, 0.8):
        parts.append(_element(rng, rng.choice(["pubDate", "dc:date", "dcterms:issued"]), rng.choice(_DATES)))
    if _maybe(rng, 0.3):
        parts.append(_element(rng, rng.choice(["dc:date", "dcterms:modified"]), rng.choice(_DATES)))
    if _maybe(rng, 0.6):
        parts.append(_element(rng, rng.choice(["author", "dc:creator"]), escape(rng.choice(_NAMES))))
    if _maybe(rng, 0.8):
        parts.append(_element(rng, rng.choice(["description", "description", "dc:description"]), _text(rng)))
    if _maybe(rng, 0.4):
        parts.append(_element(rng, "content:encoded", _text(rng)))
    if _maybe(rng, 0.3):
        parts.append(_element(rng, "category", _text(rng), rng.choice(["", ' domain="x"'])))
    if _maybe(rng, 0.2):
        parts.append(f'<enclosure url="{escape(rng.choice(_LINKS))}" type="audio/mpeg" length="1"/>')
    if _maybe(rng, 0.2):
        parts.append(_element(rng, rng.choice(["comments", "slash:comments", "x:extra"]), "7"))
    if _maybe(rng, 0.1):
        parts.append(rng.choice(_ODD_ITEM_PARTS))
    if _maybe(rng, 0.1):
        parts.append(parts[rng.randrange(len(parts))] if parts else "")
    rng.shuffle(parts)
    space = rng.choice(["", "\n  "])
    return f"<item>{space}{space.join(parts)}{space}</item>"


_ODD_ITEM_PARTS = [
    "<media:title>Media title</media:title>",
    '<media:content url="https://news.example/m.jpg"><media:title>t</media:title></media:content>',
    '<media:thumbnail url="https://news.example/t.jpg"/>',
    "<itunes:summary>Pod</itunes:summary>",
    '<atom:link rel="alternate" href="https://news.example/alt"/>',
    "<source url='https://other.example/feed'>Other</source>",
    "<x:title>not a title</x:title>",
    "<summary>Atom-ish summary</summary>",
    "<description>second <b>markup</b></description>",
    '<title type="html">typed</title>',
    "<link>https://news.example/second</link>",
    "<ttl>5</ttl>",
    "<published_parsed>x</published_parsed>",
]


def rss(rng: random.Random) -> str:
    items = "\n".join(_rss_item(rng, i) for i in range(rng.randint(0, 6)))
    channel = []
    if _maybe(rng, 0.9):
        channel.append(_element(rng, "title", _text(rng)))
    if _maybe(rng, 0.8):
        channel.append(_element(rng, "link", escape(rng.choice(_LINKS))))
    if _maybe(rng, 0.3):
        channel.append('<atom:link rel="self" type="application/rss+xml" href="https://news.example/feed"/>')
    if _maybe(rng, 0.3):
        channel.append(_element(rng, "ttl", rng.choice(["60", " 15 ", "0", "x", "99999999"])))
    if _maybe(rng, 0.3):
        channel.append(
            "<image><url>https://news.example/i.png</url><title>Img</title><link>/img</link></image>"
        )
    if _maybe(rng, 0.5):
        channel.append(_element(rng, "description", _text(rng)))
    if _maybe(rng, 0.2):
        channel.append("<sy:updatePeriod>hourly</sy:updatePeriod>")
    rng.shuffle(channel)
    channel.insert(rng.randint(0, len(channel)), items)
    version = rng.choice(["2.0", "2.0", "0.92", "2.01", ""])
    namespaces = rng.choice(
        [
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"'
            ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
            ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:x="http://x.example/ns"'
            ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
            ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
            ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
            ' xmlns:atom="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"'
            ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
            ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:x="http://purl.org/dc/elements/1.1/"'
            ' xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"',
        ]
    )
    return f'<rss version="{version}"{namespaces}><channel>{"".join(channel)}</channel></rss>'


def _atom_entry(rng: random.Random, i: int) -> str:
    parts = []
    if _maybe(rng, 0.9):
        kind = rng.choice(["", ' type="text"', ' type="html"', ' type="xhtml"', ' type="TEXT"'])
        body = _text(rng) if "xhtml" not in kind else '<div xmlns="http://www.w3.org/1999/xhtml">x</div>'
        parts.append(_element(rng, "title", body, kind))
    for _ in range(rng.randint(0, 3)):
        rel = rng.choice(["", ' rel="alternate"', ' rel="self"', ' rel="enclosure"', ' rel="ALTERNATE"'])
        kind = rng.choice(["", ' type="text/html"', ' type="application/pdf"', ' type="html"'])
        parts.append(f'<link{rel}{kind} href="{escape(rng.choice(_LINKS))}"/>')
    if _maybe(rng, 0.9):
        parts.append(_element(rng, "id", escape(rng.choice([*_LINKS, f"tag:news.example,2025:{i}"]))))
    if _maybe(rng, 0.7):
        parts.append(_element(rng, "updated", rng.choice(_DATES)))
    if _maybe(rng, 0.6):
        parts.append(_element(rng, "published", rng.choice(_DATES)))
    if _maybe(rng, 0.6):
        parts.append(
            rng.choice(
                [
                    "<author><name>Anna Novak</name></author>",
                    "<author><name>Anna</name><email>anna@news.example</email></author>",
                    "<author>\n <email>desk@news.example</email>\n <name> Desk </name></author>",
                    "<author><uri>https://news.example/anna</uri></author>",
                    "<author><name></name></author>",
                    "<author>Plain Name</author>",
                ]
            )
        )
    if _maybe(rng, 0.7):
        kind = rng.choice(["", ' type="html"', ' type="text"'])
        parts.append(_element(rng, "summary", _text(rng), kind))
    if _maybe(rng, 0.5):
        kind = rng.choice(["", ' type="html"', ' type="text"', ' type="text/html"', ' type="image/png"'])
        parts.append(_element(rng, "content", _text(rng), kind))
    if _maybe(rng, 0.3):
        parts.append('<category term="world"/>')
    if _maybe(rng, 0.1):
        parts.append(rng.choice(["<source><title>Other</title></source>", "<rights>(c)</rights>"]))
    if _maybe(rng, 0.1):
        parts.append(parts[rng.randrange(len(parts))] if parts else "")
    rng.shuffle(parts)
    return f"<entry>{''.join(parts)}</entry>"


def atom(rng: random.Random) -> str:
    feed = [_atom_entry(rng, i) for i in range(rng.randint(0, 6))]
    if _maybe(rng, 0.9):
        feed.append(_element(rng, "title", _text(rng), rng.choice(["", ' type="html"'])))
    if _maybe(rng, 0.7):
        feed.append(_element(rng, "id", escape(rng.choice(_LINKS))))
    for _ in range(rng.randint(0, 2)):
        rel = rng.choice(["", ' rel="alternate"', ' rel="self"'])
        feed.append(f'<link{rel} href="{escape(rng.choice(_LINKS))}"/>')
    if _maybe(rng, 0.5):
        feed.append(_element(rng, "updated", rng.choice(_DATES)))
    if _maybe(rng, 0.3):
        feed.append("<author><name>Desk</name></author>")
    if _maybe(rng, 0.2):
        feed.append("<subtitle>Sub</subtitle><icon>/i.png</icon><generator uri='/g'>G</generator>")
    rng.shuffle(feed)
    prefix = rng.choice(["", "", "a:"])
    declaration = (
        ' xmlns="http://www.w3.org/2005/Atom"' if not prefix else ' xmlns:a="http://www.w3.org/2005/Atom"'
    )
    body = "".join(feed)
    if prefix:
        for name in (
            "entry",
            "title",
            "link",
            "id",
            "updated",
            "published",
            "author",
            "name",
            "email",
            "uri",
        ):
            body = body.replace(f"<{name}>", f"<a:{name}>").replace(f"<{name} ", f"<a:{name} ")
            body = body.replace(f"</{name}>", f"</a:{name}>")
        for name in ("summary", "content", "category", "source", "rights", "subtitle", "icon", "generator"):
            body = body.replace(f"<{name}>", f"<a:{name}>").replace(f"<{name} ", f"<a:{name} ")
            body = body.replace(f"</{name}>", f"</a:{name}>")
    return f"<{prefix}feed{declaration}>{body}</{prefix}feed>"


def rdf(rng: random.Random) -> str:
    items = []
    for i in range(rng.randint(0, 5)):
        parts = [
            _element(rng, "title", _text(rng)),
            _element(rng, "link", escape(rng.choice(_LINKS))),
            _element(rng, "dc:date", rng.choice(_DATES)),
        ]
        if _maybe(rng):
            parts.append(_element(rng, "description", _text(rng)))
        if _maybe(rng, 0.3):
            parts.append(_element(rng, "dc:creator", escape(rng.choice(_NAMES))))
        if _maybe(rng, 0.3):
            parts.append(_element(rng, "content:encoded", _text(rng)))
        rng.shuffle(parts)
        about = rng.choice([f' rdf:about="https://news.example/{i}"', "", ' rdf:about=""'])
        items.append(f"<item{about}>{''.join(parts)}</item>")
    channel = (
        '<channel rdf:about="https://news.example/">'
        f"<title>{_text(rng)}</title><link>{escape(rng.choice(_LINKS))}</link>"
        "<items><rdf:Seq><rdf:li resource='https://news.example/1'/></rdf:Seq></items></channel>"
    )
    return (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"{channel}{''.join(items)}</rdf:RDF>"
    )


def document(seed: int) -> bytes:
    """One random document; a few get an XML declaration, or a byte-order mark."""
    rng = random.Random(seed)
    text = rng.choice([rss, rss, atom, atom, rdf])(rng)
    head = rng.choice(["", '<?xml version="1.0" encoding="utf-8"?>\n', '<?xml version="1.0"?>'])
    return (head + text).encode("utf-8")
