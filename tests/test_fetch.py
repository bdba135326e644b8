"""tracker.net.fetch against real loopback servers (pytest-httpserver, or the tests' own server with raw
handlers where Werkzeug cannot misbehave on purpose: trickling, endless and slow responses)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
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
    HTTPStatusFailure,
    TooManyRedirects,
    UnsupportedEncoding,
)
from tracker.net.bodycap import BoundedBody
from tracker.net.fetch import DEFAULT_USER_AGENT, Fetcher, FetchLimits, FetchResult
from tracker.net.http_dates import retry_after as _retry_after

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


# --- HTTP status failures ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 500, 204, 206])
def test_other_statuses_raise(httpserver: HTTPServer, status: int) -> None:
    httpserver.expect_request("/feed").respond_with_data("SECRET-BODY-TEXT", status=status)
    with pytest.raises(HTTPStatusFailure) as caught:
        fetch(httpserver.url_for("/feed"))
    assert caught.value.status == status
    assert caught.value.retry_after is None
    assert caught.value.gone is (status == 410)
    assert "SECRET" not in str(caught.value)
    assert str(caught.value).startswith(f"HTTP {status}")


def _http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


@pytest.mark.parametrize(
    ("status", "header", "low", "high"),
    [
        (429, "120", 120.0, 120.0),
        (503, "0", 0.0, 0.0),
        (503, timedelta(hours=1), 3500.0, 3600.0),
        (429, -timedelta(days=1), 0.0, 0.0),
        (503, "soon, maybe", None, None),
        (429, "-30", None, None),
        (503, "1.5", None, None),
        (429, "9" * 5000, None, None),
    ],
    ids=["seconds", "zero", "date", "past-date", "garbage", "negative", "fraction", "huge"],
)
def test_retry_after(
    httpserver: HTTPServer, status: int, header: str | timedelta, low: float | None, high: float | None
) -> None:
    # A date is made when the test runs, not when it is collected: the suite may take minutes.
    value = _http_date(header) if isinstance(header, timedelta) else header
    httpserver.expect_request("/feed").respond_with_data(
        "busy", status=status, headers={"Retry-After": value}
    )
    with pytest.raises(HTTPStatusFailure) as caught:
        fetch(httpserver.url_for("/feed"))
    assert caught.value.status == status
    retry_after = caught.value.retry_after
    if low is None:
        assert retry_after is None
    else:
        assert retry_after is not None and high is not None
        assert low <= retry_after <= high


def test_retry_after_parser_edge_cases() -> None:
    now = datetime(2025, 9, 11, 12, 0, tzinfo=UTC)
    assert _retry_after(None, now) is None
    assert _retry_after("  60 ", now) == 60.0
    assert _retry_after("Thu, 11 Sep 2025 12:01:00 GMT", now) == 60.0
    assert _retry_after("Thursday, 11-Sep-25 12:01:00 GMT", now) is not None  # obsolete RFC 850 form
    assert _retry_after("Thu, 11 Sep 2025 12:01:00 -0000", now) == 60.0
    assert _retry_after("", now) is None
    assert _retry_after("-1", now) is None
    assert _retry_after("٣٠", now) is None  # non-ASCII digits


# --- connection failures -------------------------------------------------------------------------------


def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectFailed):
        fetch(f"http://127.0.0.1:{port}/feed")


def test_server_closing_without_answer_is_connect_failed() -> None:
    def hang_up(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)

    with raw_server(hang_up) as server, pytest.raises(ConnectFailed):
        fetch(server.base_url)


def test_tls_handshake_failure_is_connect_failed() -> None:
    def plain(handler: BaseHTTPRequestHandler) -> None:
        send_ok(handler)

    with raw_server(plain) as server, pytest.raises(ConnectFailed):
        fetch(server.base_url.replace("http://", "https://"))


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/feed", "file:///etc/passwd", "not a url", "http://"])
def test_unusable_urls(url: str) -> None:
    with pytest.raises(ConnectFailed):
        fetch(url)


def test_fetch_needs_an_open_fetcher() -> None:
    async def go() -> None:
        await Fetcher().fetch("http://127.0.0.1/")

    with pytest.raises(RuntimeError, match="not open"):
        asyncio.run(go())


def test_limits_are_validated() -> None:
    with pytest.raises(ValueError, match="deadline"):
        FetchLimits(deadline=0)
    with pytest.raises(ValueError, match="max_per_host"):
        FetchLimits(max_per_host=0)


# --- concurrency ---------------------------------------------------------------------------------------


class _Gauge:
    """Counts requests in flight on the server side."""

    def __init__(self, hold: float) -> None:
        self.hold = hold
        self.now = 0
        self.peak = 0
        self.total = 0
        self._lock = threading.Lock()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.now += 1
            self.total += 1
            self.peak = max(self.peak, self.now)
        time.sleep(self.hold)
        with self._lock:
            self.now -= 1
        send_ok(handler)


def test_per_host_bound_limits_concurrency() -> None:
    gauge = _Gauge(hold=0.2)
    with raw_server(gauge) as server:
        results = fetch_many([f"{server.base_url}/{i}" for i in range(6)], FetchLimits(max_per_host=2))
    assert [r.status for r in results] == [200] * 6
    assert gauge.peak == 2


def test_global_bound_limits_concurrency_across_hosts() -> None:
    gauge = _Gauge(hold=0.2)
    with raw_server(gauge) as a, raw_server(gauge) as b, raw_server(gauge) as c:
        urls = [f"{s.base_url}/{i}" for s in (a, b, c) for i in range(2)]
        results = fetch_many(urls, FetchLimits(max_connections=2, max_per_host=2))
    assert len(results) == 6
    assert gauge.peak == 2
    assert gauge.total == 6


def test_deadline_does_not_count_the_wait_for_a_slot() -> None:
    gauge = _Gauge(hold=0.3)
    with raw_server(gauge) as server:
        started = time.monotonic()
        results = fetch_many(
            [f"{server.base_url}/{i}" for i in range(4)], FetchLimits(max_per_host=1, deadline=1.0)
        )
        total = time.monotonic() - started
    assert [r.status for r in results] == [200] * 4
    assert total > 1.0  # longer than one deadline, yet none timed out
    assert gauge.peak == 1
    assert all(r.elapsed < 1.0 for r in results)
