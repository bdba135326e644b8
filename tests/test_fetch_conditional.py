"""A feed's conditional GET by the light path (`tracker.net.conditional`), against real loopback
servers: 304 and 200 answers, bodies framed by length, by chunks or by the connection's end, gzip
and its cap, failures and their categories, redirects handed to the client, names resolved through
the address guard, and the requests the path leaves to the client."""

from __future__ import annotations

import asyncio
import gzip
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from tests.helpers.feed_server import FeedServer, Respond
from tests.test_fetch import RSS, fetch, raw_server, send_ok
from tracker.errors import BodyTooLarge, ConnectFailed, FetchTimeout, HTTPStatusFailure, UnsupportedEncoding
from tracker.net import conditional, netguard
from tracker.net.fetch import Fetcher, FetchLimits

ETAG = '"v1"'


def _answer(handler: BaseHTTPRequestHandler, head: str, body: bytes = b"") -> None:
    handler.wfile.write(head.encode() + b"\r\n" + body)
    handler.close_connection = "Content-Length" not in head and "chunked" not in head and "304" not in head


@pytest.fixture
def requests_seen() -> list[dict[str, str]]:
    return []


def _recording(requests: list[dict[str, str]], then: Respond) -> Respond:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        requests.append({k.lower(): v for k, v in handler.headers.items()})
        then(handler)

    return respond


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def test_a_304_keeps_the_validators_and_reads_freshness(
    server: FeedServer, requests_seen: list[dict[str, str]]
) -> None:
    head = f"HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\nCache-Control: public, max-age=600\r\n"
    url = server.raw("/feed", _recording(requests_seen, lambda h: _answer(h, head)))
    result = fetch(url, etag=ETAG, last_modified="Mon, 02 Mar 2026 10:00:00 GMT", headers={"X-Key": "k"})
    assert (result.status, result.body, result.etag, result.max_age) == (304, None, ETAG, 600.0)
    assert result.last_modified == "Mon, 02 Mar 2026 10:00:00 GMT"  # the one sent, not repeated by the server
    sent = requests_seen[0]
    assert "connection" not in sent  # the light path's request (httpx says "keep-alive")
    assert (sent["if-none-match"], sent["x-key"], sent["accept-encoding"]) == (ETAG, "k", "gzip")
    assert sent["user-agent"].startswith("tracker/") and sent["host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_a_200_body_is_read_whole_however_it_is_framed(server: FeedServer, framing: str) -> None:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        head = 'HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: "v2"\r\n'
        if framing == "length":
            _answer(handler, head + f"Content-Length: {len(RSS)}\r\n", RSS)
        elif framing == "chunked":
            chunks = b"".join(
                b"%x\r\n%s\r\n" % (len(RSS[i : i + 50]), RSS[i : i + 50]) for i in range(0, len(RSS), 50)
            )
            _answer(handler, head + "Transfer-Encoding: chunked\r\n", chunks + b"0\r\n\r\n")
        else:
            _answer(handler, head + "Connection: close\r\n", RSS)

    result = fetch(server.raw("/feed", respond), etag=ETAG)
    assert (result.status, result.body, result.etag, result.bytes_read) == (200, RSS, '"v2"', len(RSS))
    assert result.content_type == "application/rss+xml"


def test_gzip_is_inflated_and_a_bomb_stops_at_the_cap(server: FeedServer) -> None:
    def gzipped(body: bytes) -> Respond:
        packed = gzip.compress(body)
        head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(packed)}\r\n"
        return lambda handler: _answer(handler, head, packed)

    assert fetch(server.raw("/small", gzipped(RSS)), etag=ETAG).body == RSS
    bomb = server.raw("/bomb", gzipped(bytes(8 * 2**20)))
    with pytest.raises(BodyTooLarge):
        fetch(bomb, FetchLimits(max_body_bytes=2**20), etag=ETAG)
    brotli = server.raw("/br", lambda h: _answer(h, "HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n", b"x"))
    with pytest.raises(UnsupportedEncoding):
        fetch(brotli, etag=ETAG)


def test_statuses_timeouts_and_broken_answers_fail_as_the_clients_do(server: FeedServer) -> None:
    busy = server.raw(
        "/busy", lambda h: _answer(h, "HTTP/1.1 503 Busy\r\nRetry-After: 120\r\nContent-Length: 0\r\n")
    )
    with pytest.raises(HTTPStatusFailure) as caught:
        fetch(busy, etag=ETAG)
    assert (caught.value.status, caught.value.retry_after) == (503, 120.0)
    assert str(caught.value).startswith("HTTP 503")

    silent = server.raw("/silent", lambda h: time.sleep(1.5))
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        fetch(silent, FetchLimits(read_timeout=0.3), etag=ETAG)
    assert time.monotonic() - started < 1.4

    endless = server.raw("/headers", lambda h: _answer(h, "HTTP/1.1 200 OK\r\n" + "X-Pad: y\r\n" * 20_000))
    with pytest.raises(ConnectFailed, match="protocol error"):
        fetch(endless, etag=ETAG)
    nonsense = server.raw("/nonsense", lambda h: _answer(h, "SSH-2.0-OpenSSH\r\n"))
    with pytest.raises(ConnectFailed, match="protocol error"):
        fetch(nonsense, etag=ETAG)
    with pytest.raises(ConnectFailed, match="connection failed"):
        fetch("http://127.0.0.1:9/feed", etag=ETAG)  # nothing listens on the discard port


def test_a_redirect_is_followed_by_the_client(server: FeedServer) -> None:
    target = server.static("/new", RSS, etag='"n1"')
    moved = server.redirect("/old", target, status=301)
    result = fetch(moved, etag=ETAG)
    assert (result.status, result.body, result.permanent_redirect, result.url) == (200, RSS, target, target)
    assert len(server.hit_times("/old")) == 2  # once by the light path, once by the client


def test_a_name_is_resolved_by_the_address_guard(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, requests_seen: list[dict[str, str]]
) -> None:
    asked: list[str] = []

    async def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(netguard, "resolve", resolver)
    server.raw(
        "/feed",
        _recording(requests_seen, lambda h: _answer(h, f"HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\n")),
    )
    result = fetch(f"http://feeds.invalid:{server.port}/feed", etag=ETAG)
    assert result.status == 304 and asked == ["feeds.invalid"]
    assert requests_seen[0]["host"] == f"feeds.invalid:{server.port}"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/a b",
        "http://user@example.com/feed",
        "http://example.com/%zz",
        "http://example.com/a/../feed",
        "http://exämple.com/feed",
        "ftp://example.com/feed",
        "http://example.com:/feed",
    ],
)
def test_requests_the_light_path_leaves_to_the_client(url: str) -> None:
    assert conditional.plan(url, {}) is None


def test_headers_of_the_clients_own_or_not_ascii_go_to_the_client() -> None:
    url = "https://Example.com/feed?x=1#part"
    plan = conditional.plan(url, {"Accept": "application/rss+xml"})
    assert plan is not None and (plan.host, plan.port, plan.target, plan.authority) == (
        "example.com",
        443,
        "/feed?x=1",
        "example.com",
    )
    assert conditional.plan(url, {"Host": "other.example"}) is None
    assert conditional.plan(url, {"X-Name": "Zoë"}) is None


def test_a_feed_without_validators_goes_through_the_client(requests_seen: list[dict[str, str]]) -> None:
    with raw_server(_recording(requests_seen, send_ok)) as server:
        assert fetch(server.url("/feed")).body == RSS
    assert requests_seen[0]["connection"] == "keep-alive"


def test_a_connection_the_server_closed_while_idle_is_replaced() -> None:
    """Answers read whole leave their connection for the next request to the host; one the server
    has closed meanwhile is replaced by a new one, and the poll does not fail."""
    ports: list[int] = []

    def not_modified(handler: BaseHTTPRequestHandler) -> None:
        ports.append(handler.client_address[1])
        _answer(handler, f"HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\n")
        handler.close_connection = len(ports) == 2  # closes after its second answer, unannounced

    async def polls(url: str) -> list[int]:
        async with Fetcher() as fetcher:
            return [(await fetcher.fetch(url, etag=ETAG)).status for _ in range(4)]

    with raw_server(not_modified) as server:
        assert asyncio.run(polls(server.url("/feed"))) == [304] * 4
    assert len(ports) == 4 and ports[0] == ports[1] != ports[2] == ports[3]


def test_a_host_polled_at_its_full_concurrency_keeps_its_connections() -> None:
    """As many connections are kept as one host may use at once: two rounds of as many concurrent
    polls of that host make no more connections than one round needs."""
    ports: list[int] = []

    def not_modified(handler: BaseHTTPRequestHandler) -> None:
        ports.append(handler.client_address[1])
        _answer(handler, f"HTTP/1.1 304 Not Modified\r\nETag: {ETAG}\r\n")

    async def rounds(url: str) -> None:
        async with Fetcher(FetchLimits(max_connections=20, max_per_host=8)) as fetcher:
            for _ in range(2):
                results = await asyncio.gather(*(fetcher.fetch(url, etag=ETAG) for _ in range(8)))
                assert [r.status for r in results] == [304] * 8

    with raw_server(not_modified) as server:
        asyncio.run(rounds(server.url("/feed")))
    assert len(ports) == 16
    assert len(set(ports)) <= 8, "connections made beyond the host's concurrency"
