"""The bundled demo: sample feeds about U.S.–Belarus relations and a loopback server for them.

`tracker demo` starts a `DemoServer` on 127.0.0.1, points the real fetch pipeline at the feeds in
`demo_feeds()` and prints the report, with no network needed. The three outlets are fictional, their
links use the reserved ``.invalid`` domain, and every article is written for this demo.
"""

from __future__ import annotations

from tracker.demo.documents import BUNDLED_DOCUMENTS, bundled_documents, demo_feeds, load_document

# The server (http.server, sockets) is imported from `tracker.demo.server` by who serves: a report
# reads a demo store through `tracker.demo.outlets`, which needs none of it.
__all__ = ["BUNDLED_DOCUMENTS", "bundled_documents", "demo_feeds", "load_document"]
