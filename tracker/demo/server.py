"""A loopback HTTP server for the bundled demo feeds.

`DemoServer` serves a set of documents (path -> bytes) on 127.0.0.1 at a random port from a daemon
thread, behaving like a well-mannered feed host so that the real fetch pipeline can run against it
without a network:

* `Content-Type` from the document's root element (RSS, Atom, RDF, HTML) or as given to `replace`;
* a strong `ETag` (a quoted SHA-256 prefix of the body) and a `Last-Modified` date, and 304 Not
  Modified with an empty body for a matching `If-None-Match` or, when that header is absent, a
  satisfied `If-Modified-Since` (RFC 9110 §13.2.2);
* gzip when the client accepts it. The gzip variant is a different representation, so it carries
  its own strong tag (the identity tag with a ``-gzip`` suffix, as Apache does); a conditional
  request naming either tag of the current body gets a 304;
* 404 for anything else, and nothing written to stderr.

Every request is counted in `hits` (path -> number of requests) and logged in `requests`
(path, status), recorded before the response is sent so a client that has its answer can rely on
them. `replace` swaps a document at runtime; its `Last-Modified` always moves forward by at least a
second so `If-Modified-Since` sees the change even within the same second.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
import socket
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlsplit

from tracker.demo.documents import WIRE_UPDATE, bundled_documents, load_document

__all__ = ["DemoServer"]

_ROOT_ELEMENT = re.compile(rb"<([A-Za-z_][\w:.-]*)")
_ENTITY_TAG = re.compile(r'\*|(?:W/)?"[^"]*"')
_CONTENT_TYPES: Final[Mapping[str, str]] = {
    "rss": "application/rss+xml",
    "feed": "application/atom+xml",
    "rdf:rdf": "application/rdf+xml",
    "html": "text/html; charset=utf-8",
}


def _path_for(name: str) -> str:
    """``"wire"`` / ``"wire.xml"`` / ``"/wire.xml"`` -> ``"/wire.xml"``."""
    if name.startswith("/"):
        return name
    if "." not in name:
        name += ".xml"
    return "/" + name


def _sniff_content_type(body: bytes) -> str:
    head = body[:4096]
    if head.lstrip().startswith((b"{", b"[")):
        return "application/feed+json"
    match = _ROOT_ELEMENT.search(head)
    if match is None:
        return "application/octet-stream"
    root = match.group(1).decode("ascii", "replace").lower()
    return _CONTENT_TYPES.get(root, "application/xml")


def _accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding value admits gzip (explicitly, or through ``*``) with q > 0."""
    explicit: float | None = None
    wildcard: float | None = None
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        coding = coding.strip().lower()
        if coding in ("gzip", "x-gzip"):
            explicit = max(explicit or 0.0, quality)
        elif coding == "*":
            wildcard = quality
    if explicit is not None:
        return explicit > 0
    return wildcard is not None and wildcard > 0


def _parse_http_date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class _Document:
    body: bytes
    gzip_body: bytes
    etag: str
    gzip_etag: str
    last_modified: datetime
    content_type: str

    @classmethod
    def build(cls, body: bytes, last_modified: datetime, content_type: str | None) -> _Document:
        digest = hashlib.sha256(body).hexdigest()[:32]
        return cls(
            body=body,
            gzip_body=gzip.compress(body, mtime=0),
            etag=f'"{digest}"',
            gzip_etag=f'"{digest}-gzip"',
            last_modified=last_modified,
            content_type=content_type or _sniff_content_type(body),
        )

    def matches(self, if_none_match: str) -> bool:
        """Weak comparison, as RFC 9110 prescribes for If-None-Match."""
        for tag in _ENTITY_TAG.findall(if_none_match):
            if tag == "*" or tag.removeprefix("W/") in (self.etag, self.gzip_etag):
                return True
        return False


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: DemoServer) -> None:
        self.owner = owner
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        if isinstance(request, socket.socket):
            with self._connections_lock:
                self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections so nothing is served after the server stops."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client hanging up mid-response is not the demo's problem."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tracker-demo/1"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this many seconds

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: no request log on stderr."""

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _serve(self, *, send_body: bool) -> None:
        server = self.server
        assert isinstance(server, _HTTPServer)
        owner = server.owner
        path = urlsplit(self.path).path
        document = owner._document(path)
        if document is None:
            owner._record(path, HTTPStatus.NOT_FOUND)
            self._send_plain(HTTPStatus.NOT_FOUND, b"not found\n", send_body)
            return

        use_gzip = _accepts_gzip(self.headers.get("Accept-Encoding", ""))
        etag = document.gzip_etag if use_gzip else document.etag
        if self._not_modified(document):
            owner._record(path, HTTPStatus.NOT_MODIFIED)
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self._send_validators(document, etag)
            self.end_headers()
            return

        payload = document.gzip_body if use_gzip else document.body
        owner._record(path, HTTPStatus.OK)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", document.content_type)
        self.send_header("Content-Length", str(len(payload)))
        if use_gzip:
            self.send_header("Content-Encoding", "gzip")
        self._send_validators(document, etag)
        self.end_headers()
        if send_body:
            self.wfile.write(payload)

    def _not_modified(self, document: _Document) -> bool:
        if_none_match = self.headers.get_all("If-None-Match")
        if if_none_match:
            return document.matches(",".join(if_none_match))
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            since = _parse_http_date(if_modified_since)
            return since is not None and document.last_modified <= since
        return False

    def _send_validators(self, document: _Document, etag: str) -> None:
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", format_datetime(document.last_modified, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Vary", "Accept-Encoding")

    def _send_plain(self, status: HTTPStatus, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)


class DemoServer:
    """Serve documents on 127.0.0.1 at a random port while the context is open.

    >>> with DemoServer() as server:
    ...     url = server.url("wire")  # http://127.0.0.1:PORT/wire.xml

    `documents` maps a path (``"/wire.xml"``; ``"wire.xml"`` and ``"wire"`` are accepted too) to its
    body; by default every bundled file is served at ``/<file name>``.
    """

    def __init__(self, documents: Mapping[str, bytes] | None = None) -> None:
        self._lock = threading.Lock()
        started = datetime.now(UTC).replace(microsecond=0)
        source = bundled_documents() if documents is None else documents
        self._documents: dict[str, _Document] = {
            _path_for(path): _Document.build(body, started, None) for path, body in source.items()
        }
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, int]] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> Self:
        if self._httpd is not None:
            raise RuntimeError("the demo server is already running")
        httpd = _HTTPServer(self)
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"tracker-demo-server-{httpd.server_address[1]}",
            daemon=True,
        )
        self._httpd, self._thread = httpd, thread
        thread.start()
        return self

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # addresses

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the demo server is not running; use it as a context manager")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, name: str) -> str:
        """The URL of a document: ``url("wire")`` == ``url("wire.xml")`` == ``base_url + "/wire.xml"``."""
        return self.base_url + _path_for(name)

    # documents

    @property
    def paths(self) -> list[str]:
        """The paths currently served, sorted."""
        with self._lock:
            return sorted(self._documents)

    def body(self, path: str) -> bytes:
        """The body currently served at `path` (KeyError if none)."""
        with self._lock:
            return self._documents[_path_for(path)].body

    def etag(self, path: str) -> str:
        """The strong ETag of the identity (not gzipped) representation at `path`."""
        with self._lock:
            return self._documents[_path_for(path)].etag

    def replace(self, path: str, body: bytes, content_type: str | None = None) -> None:
        """Serve `body` at `path` from now on (adding the path if new). Thread-safe.

        Last-Modified becomes now, and at least one second later than the previous version's.
        `content_type` defaults to one sniffed from the body's root element.
        """
        key = _path_for(path)
        with self._lock:
            now = datetime.now(UTC).replace(microsecond=0)
            previous = self._documents.get(key)
            if previous is not None:
                now = max(now, previous.last_modified + timedelta(seconds=1))
            self._documents[key] = _Document.build(body, now, content_type)

    def remove(self, path: str) -> None:
        """Stop serving `path` (it answers 404 from now on)."""
        with self._lock:
            self._documents.pop(_path_for(path), None)

    def publish_wire_update(self) -> None:
        """Serve the revised wire feed at ``/wire.xml``: one article corrected, one new article."""
        self.replace("/wire.xml", load_document(WIRE_UPDATE))

    # used by the request handler

    def _document(self, path: str) -> _Document | None:
        with self._lock:
            return self._documents.get(path)

    def _record(self, path: str, status: int) -> None:
        with self._lock:
            self.hits[path] += 1
            self.requests.append((path, int(status)))
