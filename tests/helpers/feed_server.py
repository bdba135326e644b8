"""The tests' one loopback HTTP server: scripted feeds, fixed documents, failures, and raw handlers
for what no well-behaved server does (endless, trickling or hung-up responses).

Every route is a path on one `ThreadingHTTPServer` at 127.0.0.1 (or another loopback `host`).
Feeds answer with an ETag and honour If-None-Match (304); `hits` keeps the monotonic time of
every request per path, and `served` every guid a 200 response carried, so tests can check
"everything served was stored". A raw handler gets the request handler itself;
`request.server.stopping` is set when the server stops, so a handler that streams forever can
end. `write_feeds` writes a feed list pointing at served URLs.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Item:
    guid: str
    title: str
    text: str
    published: str = "Mon, 02 Mar 2026 10:00:00 GMT"


Respond = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class _Route:
    kind: str  # feed | slow | status | static | raw
    items: list[Item] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    ttl_minutes: int | None = None
    body: bytes = b""
    etag: str | None = None
    respond: Respond | None = None


def rss(items: Sequence[Item], *, title: str = "Test feed", ttl_minutes: int | None = None) -> bytes:
    entries = "".join(
        f"<item><title>{escape(i.title)}</title><link>https://news.invalid/{escape(i.guid)}</link>"
        f"<guid isPermaLink='false'>{escape(i.guid)}</guid><pubDate>{i.published}</pubDate>"
        f"<description>{escape(i.text)}</description></item>"
        for i in items
    )
    ttl = f"<ttl>{ttl_minutes}</ttl>" if ttl_minutes else ""
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
        f"<link>https://news.invalid/</link>{ttl}{entries}</channel></rss>"
    ).encode()


class FeedServer:
    """Routes by path; `fallback`, if given, answers every path without a route of its own."""

    def __init__(self, fallback: Respond | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._fallback = None if fallback is None else _Route("raw", respond=fallback)
        self.hits: defaultdict[str, list[float]] = defaultdict(list)
        self.served: defaultdict[str, set[str]] = defaultdict(set)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

            def do_GET(self) -> None:
                owner._handle(self)

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False
            stopping = threading.Event()

            def handle_error(self, request: Any, client_address: Any) -> None:
                """Quiet: clients hanging up (deadlines, kill -9) are part of the tests."""

        self.host = host
        self._httpd = Server((host, port), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05})

    # --- routes -------------------------------------------------------------------------------------

    def feed(self, path: str, items: Sequence[Item] = (), *, ttl_minutes: int | None = None) -> str:
        with self._lock:
            self._routes[path] = _Route("feed", list(items), ttl_minutes=ttl_minutes)
        return self.url(path)

    def add_items(self, path: str, *items: Item) -> None:
        with self._lock:
            self._routes[path].items[:0] = items  # newest first, as feeds do

    def slow(self, path: str, delay: float, items: Sequence[Item] = ()) -> str:
        with self._lock:
            self._routes[path] = _Route("slow", list(items), delay=delay)
        return self.url(path)

    def status(self, path: str, status: int, headers: dict[str, str] | None = None) -> str:
        with self._lock:
            self._routes[path] = _Route("status", status=status, headers=dict(headers or {}))
        return self.url(path)

    def static(
        self,
        path: str,
        body: bytes,
        *,
        status: int = 200,
        content_type: str = "application/rss+xml",
        headers: dict[str, str] | None = None,
        etag: str | None = None,
    ) -> str:
        """A fixed response; with `etag`, a matching If-None-Match gets a 304."""
        route = _Route("static", status=status, body=body, etag=etag)
        route.headers = {"Content-Type": content_type, **(headers or {})}
        with self._lock:
            self._routes[path] = route
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.status(path, status, {"Location": location})

    def raw(self, path: str, respond: Respond) -> str:
        """`respond` writes the whole response itself."""
        with self._lock:
            self._routes[path] = _Route("raw", respond=respond)
        return self.url(path)

    # --- addresses and lifecycle ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def hit_times(self, path: str) -> list[float]:
        with self._lock:
            return list(self.hits[path])

    def served_guids(self) -> set[str]:
        with self._lock:
            return {guid for guids in self.served.values() for guid in guids}

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.stopping.set()  # ends streaming raw handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    # --- serving --------------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        with self._lock:
            self.hits[path].append(time.monotonic())
            route = self._routes.get(path, self._fallback)
            items = list(route.items) if route else []
        if route is None:
            self._send(request, 404, b"not found\n", {})
            return
        if route.respond is not None:
            with contextlib.suppress(OSError):  # the client gave up
                route.respond(request)
            return
        if route.kind == "static":
            if route.etag is not None and request.headers.get("If-None-Match") == route.etag:
                self._send(request, 304, b"", {"ETag": route.etag})
            else:
                validator = {"ETag": route.etag} if route.etag else {}
                self._send(request, route.status, route.body, {**route.headers, **validator})
            return
        if route.kind == "status":
            self._send(request, route.status, b"nope\n", route.headers)
            return
        if route.kind == "slow":
            time.sleep(route.delay)
        body = rss(items, ttl_minutes=route.ttl_minutes)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if request.headers.get("If-None-Match") == etag:
            self._send(request, 304, b"", {"ETag": etag})
            return
        with self._lock:
            self.served[path].update(i.guid for i in items)
        self._send(request, 200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            request.send_response(status)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            if body:
                request.wfile.write(body)
        except OSError:
            pass  # the client gave up (a deadline): not the server's problem


def write_feeds(path: Path, feeds: dict[str, str], extra: str = "") -> Path:
    """A feeds.toml with one `[[feeds]]` table per (id, url), after `extra` (e.g. a [fetch] table)."""
    tables = "".join(f'\n[[feeds]]\nid = "{fid}"\nurl = "{url}"\n' for fid, url in feeds.items())
    path.write_text(extra + tables, encoding="utf-8")
    return path
