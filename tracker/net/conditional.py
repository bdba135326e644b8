"""A feed's conditional GET (it sends validators, and most such polls are answered 304 Not
Modified) spoken with h11 on plain asyncio streams: a fraction of the CPU of httpx's request
path, which `tracker.net.fetch` keeps for everything else (first fetches, pages, redirects).

The guarantees are the client's: the host is resolved and every address checked against the
active policy (`tracker.net.netguard`), and the connection is made to a checked address; connect
and read timeouts (the caller holds the whole fetch's deadline); h11 frames the answer (a bounded
status line and headers; Content-Length, chunked or up to the connection's end) and the body is
capped on its decoded size, gzip inflated in bounded steps (`tracker.net.bodycap`). A connection
whose answer was read whole is kept for the next request to its host. This path takes only a
request it can send as it is: an http(s) URL of plain ASCII with a plain host name or address and
no user info, headers of ASCII text; `plan` returns None for any other, which goes to the client.
A redirect is not followed here: `Redirected` tells the caller to make the request again through
the client, which follows redirects hop by hop under its checks.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from tracker.errors import FetchError, FetchTimeout
from tracker.net import netguard
from tracker.net.bodycap import body_reader

_READ = 64 * 1024  # bytes asked of the socket per read
_MAX_HEAD = 64 * 1024  # bytes of status line and headers h11 may hold before refusing them
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# The client's own framing and routing headers: a feed that sets one goes through the client.
_RESERVED = frozenset({"host", "connection", "content-length", "transfer-encoding", "upgrade", "te"})
_SET_HERE = frozenset({"accept-encoding", "if-none-match", "if-modified-since"})
# RFC 3986's characters, each escape well formed, no dot segment: a URL sent exactly as written.
_URL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST = re.compile(r"[a-z0-9.-]{1,253}|\[[0-9a-f:.]{2,45}\]")


class Redirected(Exception):
    """A redirect: the caller makes the request again through the client, which follows it."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A request this path sends as it is."""

    https: bool
    host: str  # lower-case; an IPv6 address without its brackets
    port: int
    target: str  # path and query
    headers: tuple[tuple[str, str], ...]  # every header but Host and Connection

    @property
    def authority(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == (443 if self.https else 80) else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: Headers
    body: bytes | None  # a 200's body; None for any other status (its body is never read)


class Headers:
    """A response's headers, looked up as `httpx.Headers` does (case-insensitive; a repeated
    header's values joined by ", "; ASCII, else UTF-8, else Latin-1 text)."""

    def __init__(self, raw: Sequence[tuple[bytes, bytes]]) -> None:
        self._items = [(name.decode("ascii").lower(), _text(value)) for name, value in raw]

    def get(self, key: str, default: str | None = None) -> str | None:
        values = [value for name, value in self._items if name == key.lower()]
        return ", ".join(values) if values else default

    def get_list(self, key: str, split_commas: bool = False) -> list[str]:
        values = [value for name, value in self._items if name == key.lower()]
        if not split_commas:
            return values
        return [part.strip() for value in values for part in value.split(",")]


def request_headers(
    user_agent: str,
    accept: str,
    headers: Mapping[str, str] | None,
    etag: str | None,
    last_modified: str | None,
) -> dict[str, str]:
    """The headers the client would send with a conditional GET (its own, the feed's over them)."""
    sent = {"User-Agent": user_agent, "Accept": accept}
    for name, value in (headers or {}).items():
        for known in [k for k in sent if k.lower() == name.lower()]:
            del sent[known]
        sent[name] = value
    sent = {k: v for k, v in sent.items() if k.lower() not in _SET_HERE}
    sent["Accept-Encoding"] = "gzip"  # the only coding the body reader inflates
    if etag:
        sent["If-None-Match"] = etag
    if last_modified:
        sent["If-Modified-Since"] = last_modified
    return sent


def plan(url: str, headers: Mapping[str, str]) -> Plan | None:
    """The request for `url` with `headers`, or None when this path leaves it to the client."""
    if not _URL.fullmatch(url) or _BAD_ESCAPE.search(url) or "/." in url:
        return None  # the client would encode or normalise it first
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.netloc.rpartition(":")[0] if port is not None else parts.netloc).lower()
    if parts.scheme not in ("http", "https") or "@" in parts.netloc or not _HOST.fullmatch(host):
        return None
    if not all(name.isascii() and value.isascii() for name, value in headers.items()):
        return None
    if any(name.lower() in _RESERVED for name in headers):
        return None
    https = parts.scheme == "https"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Plan(https, host.strip("[]"), port or (443 if https else 80), target, tuple(headers.items()))


@dataclass(slots=True)
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    http: h11.Connection


class Idle:
    """Connections kept after a whole answer for the next request to the same host (a pass polls
    many feeds of one site; the client's pool does as much): at most `keep`, each for `expiry`
    seconds (httpx's default), the oldest closed first. Each was made for a host this path
    checked, and serves only that host."""

    def __init__(self, keep: int, expiry: float = 5.0) -> None:
        self._keep, self._expiry = keep, expiry
        self._idle: list[tuple[tuple[bool, str, int], float, _Connection]] = []  # oldest first

    def take(self, request: Plan) -> _Connection | None:
        self._expire(self._keep)
        key = (request.https, request.host, request.port)
        for index in range(len(self._idle) - 1, -1, -1):
            if self._idle[index][0] == key:
                conn = self._idle.pop(index)[2]
                if not conn.reader.at_eof():  # the server may have closed it meanwhile
                    return conn
                conn.writer.close()
        return None

    def give(self, request: Plan, conn: _Connection) -> None:
        conn.http.start_next_cycle()
        self._idle.append(((request.https, request.host, request.port), time.monotonic(), conn))
        self._expire(self._keep)

    def close(self) -> None:
        self._expire(0)

    def _expire(self, keep: int) -> None:
        """Close the expired connections, and the oldest beyond `keep`."""
        limit = time.monotonic() - self._expiry
        while self._idle and (len(self._idle) > keep or self._idle[0][1] < limit):
            self._idle.pop(0)[2].writer.close()


@dataclass(frozen=True, slots=True)
class Bounds:
    connect_timeout: float
    read_timeout: float
    max_body_bytes: int


async def get(request: Plan, bounds: Bounds, tls: Callable[[], ssl.SSLContext], idle: Idle) -> Answer:
    """Send `request` and read its answer (a 200's body whole), on a kept connection to its host or
    a new one made under the active address policy. Raises netguard.Refused or Unresolved, h11's
    protocol errors, OSError, FetchError (timeouts, the body's cap and coding), or Redirected."""
    conn = idle.take(request)
    if conn is not None:
        try:
            return await _exchange(request, conn, bounds, idle)
        except (h11.RemoteProtocolError, ConnectionError):
            pass  # closed by the server while idle: a new connection, as the client's pool does
    reader, writer = await _connect(request, bounds.connect_timeout, tls)
    conn = _Connection(reader, writer, h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD))
    return await _exchange(request, conn, bounds, idle)


async def _exchange(request: Plan, conn: _Connection, bounds: Bounds, idle: Idle) -> Answer:
    """One request and its answer on `conn`, which goes back to `idle` once the answer is whole,
    and is closed otherwise."""
    kept = False
    try:
        head = [("Host", request.authority), *request.headers]
        conn.writer.write(conn.http.send(h11.Request(method="GET", target=request.target, headers=head)))
        conn.writer.write(conn.http.send(h11.EndOfMessage()))
        response = await _response(conn.http, conn.reader, bounds.read_timeout)
        headers = Headers(response.headers)
        status = response.status_code
        if status in _REDIRECTS and headers.get("location") is not None:
            raise Redirected(headers.get("location"))
        if status not in (200, 304):
            return Answer(status, headers, None)  # an error's body is not wanted: closed unread
        body = body_reader(
            headers.get("Content-Length"), headers.get("Content-Encoding"), bounds.max_body_bytes
        )
        while not isinstance(
            event := await _next(conn.http, conn.reader, bounds.read_timeout), h11.EndOfMessage
        ):
            if not isinstance(event, h11.Data):
                raise h11.RemoteProtocolError(f"unexpected {type(event).__name__} in a body")
            body.feed(bytes(event.data))
        answer = Answer(status, headers, body.finish() if status == 200 else None)  # a 304 has none
        if conn.http.our_state is h11.DONE and conn.http.their_state is h11.DONE:
            idle.give(request, conn)
            kept = True
        return answer
    finally:
        if not kept:
            conn.writer.close()


async def _connect(
    request: Plan,
    timeout: float,  # noqa: ASYNC109 - the connect's own bound, inside the caller's deadline
    tls: Callable[[], ssl.SSLContext],
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the first checked address that answers, in resolver order (as the client's
    backend connects); TLS verified against the requested host name."""
    failure: Exception | None = None
    for address in await netguard.vet(request.host, request.port):
        try:
            async with asyncio.timeout(timeout):
                if request.https:
                    return await asyncio.open_connection(
                        str(address), request.port, ssl=tls(), server_hostname=request.host
                    )
                return await asyncio.open_connection(str(address), request.port)
        except TimeoutError:
            failure = FetchTimeout("connect timed out")
        except OSError as exc:
            failure = exc
    assert failure is not None  # vet() returns at least one address
    raise failure


async def _response(
    conn: h11.Connection,
    reader: asyncio.StreamReader,
    timeout: float,  # noqa: ASYNC109 - each read's own bound, inside the caller's deadline
) -> h11.Response:
    while True:
        event = await _next(conn, reader, timeout)
        if isinstance(event, h11.Response):
            return event
        if not isinstance(event, h11.InformationalResponse):  # 1xx: the answer follows
            raise h11.RemoteProtocolError("the server closed the connection without answering")


async def _next(
    conn: h11.Connection,
    reader: asyncio.StreamReader,
    timeout: float,  # noqa: ASYNC109 - each read's own bound, inside the caller's deadline
) -> h11.Event:
    """h11's next event, reading from the socket as it needs (each read within `timeout`)."""
    while (event := conn.next_event()) is h11.NEED_DATA:
        try:
            async with asyncio.timeout(timeout):
                data = await reader.read(_READ)
        except TimeoutError:
            raise FetchTimeout("read timed out") from None
        conn.receive_data(data)  # b"": the server closed; h11 says whether the answer was whole
    if event is h11.PAUSED:  # only after a whole answer, which this path never reads past
        raise FetchError("unexpected data after the answer")
    assert isinstance(event, h11.Event)
    return event


def _text(value: bytes) -> str:
    for encoding in ("ascii", "utf-8"):
        try:
            return value.decode(encoding)
        except UnicodeDecodeError:
            continue
    return value.decode("latin-1")
