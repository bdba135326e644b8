"""tracker.net.fetch when things go wrong, against real loopback servers: HTTP status failures and
Retry-After, connection failures, unusable URLs and limits, and the bounds on concurrency."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler

import pytest
from pytest_httpserver import HTTPServer

from tests.test_fetch import fetch, fetch_many, raw_server, send_ok
from tracker.errors import (
    ConnectFailed,
    HTTPStatusFailure,
)
from tracker.net.fetch import Fetcher, FetchLimits
from tracker.net.http_dates import retry_after as _retry_after

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
