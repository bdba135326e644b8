"""tracker.net.fetch against real loopback servers (pytest-httpserver, or the tests' own server with raw
handlers where Werkzeug cannot misbehave on purpose: trickling, endless and slow responses): 200s
and conditional GET, bodies, time limits and redirects (failures: test_fetch_failures.py)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.helpers.feed_server import FeedServer, Respond
from tracker.errors import (
    BodyTooLarge,
    ConnectFailed,
    FetchError,
    FetchTimeout,
    TooManyRedirects,
    UnsupportedEncoding,
)
from tracker.net.bodycap import BoundedBody
from tracker.net.fetch import DEFAULT_USER_AGENT, Fetcher, FetchLimits, FetchResult

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
MiB = 2**20


def fetch(url: str, limits: FetchLimits | None = None, **kwargs: Any) -> FetchResult:
    async def go() -> FetchResult:
        async with Fetcher(limits or FetchLimits()) as fetcher:
            return await fetcher.fetch(url, **kwargs)

    return asyncio.run(go())


def fetch_many(urls: list[str], limits: FetchLimits) -> list[FetchResult]:
    async def go() -> list[FetchResult]:
        async with Fetcher(limits) as fetcher:
            return list(await asyncio.gather(*(fetcher.fetch(u) for u in urls)))

    return asyncio.run(go())


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    """100 MiB of zeros, gzip-compressed to about 100 KB."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    return b"".join(compressor.compress(zeros) for _ in range(100)) + compressor.flush()


# --- behaviour Werkzeug will not produce: raw handlers on the tests' own loopback server -----------


def raw_server(respond: Respond) -> FeedServer:
    """A server whose every path is answered by `respond`."""
    return FeedServer(fallback=respond)


def send_ok(handler: BaseHTTPRequestHandler, body: bytes = RSS) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


# --- 200 and conditional GET ---------------------------------------------------------------------------


def test_200_returns_body_and_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        RSS,
        content_type="application/rss+xml; charset=utf-8",
        headers={
            "ETag": '"v1"',
            "Last-Modified": "Wed, 10 Sep 2025 10:00:00 GMT",
            "Cache-Control": "max-age=300",
        },
    )
    result = fetch(httpserver.url_for("/feed"))
    assert result.status == 200
    assert result.body == RSS
    assert result.bytes_read == len(RSS)
    assert result.content_type == "application/rss+xml; charset=utf-8"
    assert result.etag == '"v1"'
    assert result.last_modified == "Wed, 10 Sep 2025 10:00:00 GMT"
    assert result.max_age == 300.0
    assert result.permanent_redirect is None
    assert result.url == httpserver.url_for("/feed")
    assert 0 < result.elapsed < 5

    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == DEFAULT_USER_AGENT
    assert request.headers["Accept-Encoding"] == "gzip"
    assert "If-None-Match" not in request.headers
    assert "If-Modified-Since" not in request.headers


def test_caller_headers_are_sent_but_cannot_widen_accept_encoding(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS)
    fetch(httpserver.url_for("/feed"), headers={"X-Token": "abc", "Accept-Encoding": "br, zstd"})
    request = httpserver.log[0][0]
    assert request.headers["X-Token"] == "abc"
    assert request.headers["Accept-Encoding"] == "gzip"


def test_conditional_get_304_keeps_sent_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_response(Response(status=304))
    lm = "Wed, 10 Sep 2025 10:00:00 GMT"
    result = fetch(httpserver.url_for("/feed"), etag='"v1"', last_modified=lm)
    request = httpserver.log[0][0]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == lm
    assert result.status == 304
    assert result.body is None
    assert result.bytes_read == 0
    assert result.etag == '"v1"'
    assert result.last_modified == lm


def test_a_304_leaves_its_connection_to_the_next_request() -> None:
    """An unchanged feed costs no new connection: the 304 is read to its end, so the connection
    goes back to the pool (the server sees every request come from one client port)."""
    ports: list[int] = []

    def not_modified(handler: BaseHTTPRequestHandler) -> None:
        ports.append(handler.client_address[1])
        handler.send_response(304)
        handler.send_header("ETag", '"v1"')
        handler.end_headers()

    async def three_polls(url: str) -> list[int]:
        async with Fetcher() as fetcher:
            return [(await fetcher.fetch(url, etag='"v1"')).status for _ in range(3)]

    with raw_server(not_modified) as server:
        statuses = asyncio.run(three_polls(server.url("/feed")))
    assert statuses == [304, 304, 304]
    assert len(ports) == 3
    assert len(set(ports)) == 1


def test_304_with_new_etag_returns_the_new_one(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_response(
        Response(status=304, headers={"ETag": '"v2"', "Expires": "Thu, 01 Jan 2099 00:00:00 GMT"})
    )
    lm = "Wed, 10 Sep 2025 10:00:00 GMT"
    result = fetch(httpserver.url_for("/feed"), etag='"v1"', last_modified=lm)
    assert result.status == 304
    assert result.etag == '"v2"'
    assert result.last_modified == lm
    assert result.max_age is not None and result.max_age > 365 * 86400


def test_200_without_validators_returns_none(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS)
    result = fetch(httpserver.url_for("/feed"), etag='"old"')
    assert result.etag is None
    assert result.last_modified is None
    assert result.max_age is None


# --- bodies: encodings, caps, bombs --------------------------------------------------------------------


def test_gzip_body_is_decoded(httpserver: HTTPServer) -> None:
    body = RSS * 2000
    httpserver.expect_request("/feed").respond_with_data(
        zlib.compress(body, wbits=16 + zlib.MAX_WBITS), headers={"Content-Encoding": "gzip"}
    )
    result = fetch(httpserver.url_for("/feed"))
    assert result.body == body
    assert result.bytes_read == len(body)


def test_gzip_bomb_stops_at_the_cap_with_bounded_memory(httpserver: HTTPServer, gzip_bomb: bytes) -> None:
    httpserver.expect_request("/bomb").respond_with_data(gzip_bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(BodyTooLarge):
            fetch(httpserver.url_for("/bomb"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 5
    assert peak < 40 * MiB  # the cap is 10 MiB; the bomb inflates to 100 MiB


def test_redirect_body_is_never_inflated(httpserver: HTTPServer, gzip_bomb: bytes) -> None:
    # httpx's own redirect following reads each redirect body whole through its unbounded decoder.
    httpserver.expect_request("/moved").respond_with_data(
        gzip_bomb, status=302, headers={"Location": "/feed", "Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/feed").respond_with_data(RSS)
    tracemalloc.start()
    try:
        result = fetch(httpserver.url_for("/moved"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.body == RSS
    assert peak < 20 * MiB


def test_content_length_over_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(BodyTooLarge, match="Content-Length"):
        fetch(httpserver.url_for("/big"), FetchLimits(max_body_bytes=4096))


def test_body_exactly_at_cap_is_accepted(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/edge").respond_with_data(b"x" * 4096)
    assert fetch(httpserver.url_for("/edge"), FetchLimits(max_body_bytes=4096)).bytes_read == 4096


def test_endless_chunked_body_stops_at_the_cap() -> None:
    frame = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)

    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        server: Any = handler.server
        while not server.stopping.is_set():
            handler.wfile.write(frame)

    with raw_server(endless) as server:
        started = time.monotonic()
        with pytest.raises(BodyTooLarge):
            fetch(server.base_url, FetchLimits(max_body_bytes=MiB))
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("coding", ["br", "zstd", "deflate", "gzip, br"])
def test_unrequested_content_encoding_is_rejected(httpserver: HTTPServer, coding: str) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        b"\x0b\x02\x80hello\x03", headers={"Content-Encoding": coding}
    )
    with pytest.raises(UnsupportedEncoding, match="not requested"):
        fetch(httpserver.url_for("/feed"))


def test_corrupt_gzip_is_a_fetch_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(RSS, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="corrupt gzip"):
        fetch(httpserver.url_for("/feed"))


def test_bounded_decoder_handles_split_reads_members_and_trailing_bytes() -> None:
    body = bytes(range(256)) * 3000 + bytes(3 * MiB)
    stream = zlib.compress(body, wbits=31) + zlib.compress(b"tail", wbits=31) + b"\0\0junk"
    for step in (1, 5, 4096, len(stream)):
        decoder = BoundedBody(gzip=True, cap=10 * MiB)
        for i in range(0, len(stream), step):
            decoder.feed(stream[i : i + step])
        assert decoder.finish() == body + b"tail"


# --- time limits ---------------------------------------------------------------------------------------


def test_trickle_hits_the_total_deadline() -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        server: Any = handler.server
        while not server.stopping.wait(1.0):  # one byte a second: never a read timeout
            handler.wfile.write(b"x")
            handler.wfile.flush()

    with raw_server(trickle) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match="deadline"):
            fetch(server.base_url, FetchLimits(deadline=2.0))
        elapsed = time.monotonic() - started
    assert 1.9 < elapsed < 3.5


def test_stalled_body_hits_the_read_timeout() -> None:
    def stall(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "100")
        handler.end_headers()
        handler.wfile.flush()
        server: Any = handler.server
        server.stopping.wait(10)

    with raw_server(stall) as server:
        started = time.monotonic()
        with pytest.raises(FetchTimeout, match="read timed out"):
            fetch(server.base_url, FetchLimits(read_timeout=0.5, deadline=10))
        assert time.monotonic() - started < 2.5


# --- redirects -----------------------------------------------------------------------------------------


def test_redirect_loop(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects):
        fetch(httpserver.url_for("/a"))
    assert len(httpserver.log) == 6  # the first request and max_redirects (5) more


def test_redirect_chain_up_to_the_cap_is_followed(httpserver: HTTPServer) -> None:
    for i in range(3):
        httpserver.expect_request(f"/r{i}").respond_with_data(
            "", status=307, headers={"Location": f"/r{i + 1}"}
        )
    httpserver.expect_request("/r3").respond_with_data(RSS)
    result = fetch(httpserver.url_for("/r0"), FetchLimits(max_redirects=3))
    assert result.body == RSS
    assert result.url == httpserver.url_for("/r3")
    assert result.permanent_redirect is None
    with pytest.raises(TooManyRedirects):
        fetch(httpserver.url_for("/r0"), FetchLimits(max_redirects=2))


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_is_reported(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/old").respond_with_data("", status=status, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data(RSS, headers={"ETag": '"n"'})
    result = fetch(httpserver.url_for("/old"), etag='"o"')
    assert result.status == 200
    assert result.url == httpserver.url_for("/new")
    assert result.permanent_redirect == httpserver.url_for("/new")
    assert result.etag == '"n"'


def test_permanent_redirect_after_a_temporary_one_is_not_a_move(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/c"})
    httpserver.expect_request("/c").respond_with_data(RSS)
    assert fetch(httpserver.url_for("/a")).permanent_redirect is None


def test_permanent_then_temporary_reports_the_permanent_target(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=301, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/c"})
    httpserver.expect_request("/c").respond_with_data(RSS)
    result = fetch(httpserver.url_for("/a"))
    assert result.permanent_redirect == httpserver.url_for("/b")
    assert result.url == httpserver.url_for("/c")


def test_redirect_to_another_scheme_is_refused(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_data(
        "", status=302, headers={"Location": "ftp://127.0.0.1/x"}
    )
    with pytest.raises(ConnectFailed, match="scheme"):
        fetch(httpserver.url_for("/a"))
