"""The bundled demo feeds: which outlets there are, and the bytes of their documents.

The files are package data read with `importlib.resources`, so the demo works from an installed
wheel. `wire-updated.xml` is `wire.xml` with one article corrected (a sentence added to the
11 Sep 2025 report) and one new article; `DemoServer.publish_wire_update()` serves it in place of
`/wire.xml` to show an article revision.
"""

from __future__ import annotations

import re
from typing import Final

_FEEDS: Final[tuple[tuple[str, str, str, str], ...]] = (
    # id, title, file, format
    ("demo-wire", "Demo Wire", "wire.xml", "rss"),
    ("demo-belnews", "Demo Belarus Monitor", "belnews.xml", "atom"),
    ("demo-digest", "Demo Policy Digest", "digest.xml", "rss"),
)

BUNDLED_DOCUMENTS: Final[tuple[str, ...]] = ("wire.xml", "belnews.xml", "digest.xml", "wire-updated.xml")
"""Every bundled file; each is served at ``/<name>`` by a default `DemoServer`."""

WIRE_UPDATE: Final = "wire-updated.xml"

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def demo_feeds() -> list[dict[str, str]]:
    """The bundled feed list: ``id``, ``title``, ``file`` (served at ``/<file>``) and ``format``."""
    return [{"id": i, "title": t, "file": f, "format": fmt} for i, t, f, fmt in _FEEDS]


def load_document(name: str) -> bytes:
    """The bytes of one bundled file, e.g. ``load_document("wire.xml")``."""
    if not _SAFE_NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"not a bundled document name: {name!r}")
    from importlib import resources  # here: a report on a demo store reads only the feed list

    resource = resources.files("tracker.demo").joinpath("feeds").joinpath(name)
    if not resource.is_file():
        raise FileNotFoundError(f"no bundled demo document {name!r}; known: {', '.join(BUNDLED_DOCUMENTS)}")
    return resource.read_bytes()


def bundled_documents() -> dict[str, bytes]:
    """Every bundled file keyed by the path a default `DemoServer` serves it at."""
    return {"/" + name: load_document(name) for name in BUNDLED_DOCUMENTS}
