"""HTTP fetching of feeds and of their article pages. The only module that imports httpx.

One shared client, made on first use; a feed's conditional GET (it has validators) goes by the
lighter path of `tracker.net.conditional` when its request is a plain one, with the same
guarantees, and through the client when that path hands it back (a redirect). A global and a
per-host concurrency bound; a total deadline per fetch on top of httpx's per-operation timeouts;
bodies capped on their decoded size, with gzip inflated here in bounded steps so a compression
bomb stops at the cap; every connection checked against the feed's address
policy (`tracker.net.netguard`: no private destinations but the feed's own host and `allow_private`).
Every failure is raised as a `tracker.errors.FetchError`. A page fetch (`PageRequest`) adds: the
feed's host, not the page's, is the trusted one; only the listed ports; only the listed content
types, refused on the headers before any body is read; its own body cap and deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Self

import h11

from tracker import __version__
from tracker.errors import (
    ConnectFailed,
    DestinationRefused,
    FetchError,
    FetchTimeout,
    TooManyRedirects,
    UnwantedContent,
)
from tracker.net import conditional, netguard
from tracker.net.answer import FetchResult, check_status, detail, fetch_result
from tracker.net.bodycap import body_reader
from tracker.net.slots import Slots

if TYPE_CHECKING:  # loaded with the client, which a pass of 304s does not make
    import httpx

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_USER_AGENT",
    "FetchLimits",
    "FetchResult",
    "Fetcher",
    "PageRequest",
]

# Some CDNs answer 403 to library User-Agents; a product name with a contact URL gets through.
DEFAULT_USER_AGENT = f"tracker/{__version__} (+https://github.com/tracker-news/tracker)"

_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)
_PERMANENT = frozenset({301, 308})
_KEPT_ALIVE = 4  # idle connections kept for reuse, across hosts (by each path)


@dataclass(frozen=True, slots=True)
class FetchLimits:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    pool_timeout: float = 30.0
    deadline: float = 30.0  # whole fetch (connect, headers, body, redirects), not the wait for a slot
    max_body_bytes: int = 10 * 2**20  # decoded bytes
    max_redirects: int = 5
    max_connections: int = 20  # fetches in flight at once
    max_per_host: int = 2  # fetches in flight per host:port

    def __post_init__(self) -> None:
        for name in ("connect_timeout", "read_timeout", "pool_timeout", "deadline"):
            if not getattr(self, name) > 0:
                raise ValueError(f"FetchLimits.{name} must be positive")
        for name in ("max_body_bytes", "max_connections", "max_per_host"):
            if getattr(self, name) < 1:
                raise ValueError(f"FetchLimits.{name} must be at least 1")
        if self.max_redirects < 0:
            raise ValueError("FetchLimits.max_redirects must not be negative")


DEFAULT_LIMITS = FetchLimits()


@dataclass(frozen=True, slots=True)
class PageRequest:
    """How a fetch that is not the feed itself is bounded (an article page, a robots.txt)."""

    trusted_host: str | None  # the feed's configured host; None: no private destination but allow_private
    content_types: tuple[str, ...]  # accepted media types, e.g. ("text/html",)
    ports: frozenset[int] = frozenset({80, 443})
    max_body_bytes: int = 2 * 2**20
    deadline: float = 20.0


class Fetcher:
    """Fetches feeds over one shared `httpx.AsyncClient`; use as `async with Fetcher() as f`."""

    def __init__(
        self,
        limits: FetchLimits = DEFAULT_LIMITS,
        user_agent: str = DEFAULT_USER_AGENT,
        allow_private: Sequence[str] = (),
    ) -> None:
        self._limits = limits
        self._user_agent = user_agent
        self._allow_private = tuple(allow_private)
        self._client: httpx.AsyncClient | None = None  # made on first use: a pass of 304s may need none
        self._tls: ssl.SSLContext | None = None
        self._open = False
        self._slots = Slots(limits.max_connections, limits.max_per_host)
        self._policies: dict[str | None, netguard.AddressPolicy] = {}
        # Enough idle connections for one host at its full concurrency, so that a pass over many
        # feeds of one site reconnects no more than it must (httpcore's pool keeps fewer: it looks
        # at each of them for every request).
        kept = min(limits.max_connections, max(_KEPT_ALIVE, limits.max_per_host))
        self._idle = conditional.Idle(kept)
        self._bounds = conditional.Bounds(limits.connect_timeout, limits.read_timeout, limits.max_body_bytes)

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("Fetcher is already open")
        self._open = True
        self._slots = Slots(self._limits.max_connections, self._limits.max_per_host)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client, self._open = self._client, None, False
        self._idle.close()
        if client is not None:
            await client.aclose()

    def _tls_context(self) -> ssl.SSLContext:
        """The one TLS context of both paths, as httpx makes it by default; built on first use
        (loading the CA bundle costs more than a pass of 304s)."""
        if self._tls is None:
            import httpx

            self._tls = httpx.create_ssl_context()
        return self._tls

    def _http_client(self) -> httpx.AsyncClient:
        if self._client is None:
            from tracker.net import client

            keep = min(self._limits.max_connections, _KEPT_ALIVE)
            tls = self._tls_context()
            self._client = client.make_client(self._limits, self._user_agent, _ACCEPT, tls, keep_alive=keep)
        return self._client

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        headers: Mapping[str, str] | None = None,
        page: PageRequest | None = None,
    ) -> FetchResult:
        """GET `url`, conditionally when validators are given. Returns only on 200 or 304.
        `page`: the bounds of a fetch that is not the feed (see `PageRequest`)."""
        if not self._open:
            raise RuntimeError("Fetcher is not open; use 'async with Fetcher() as fetcher'")
        if page is None and (etag or last_modified):
            plain = conditional.plan(
                url, conditional.request_headers(self._user_agent, _ACCEPT, headers, etag, last_modified)
            )
            if plain is not None:
                with contextlib.suppress(conditional.Redirected):  # the client follows it
                    return await self._fetch_plain(plain, etag, last_modified)
        return await self._fetch_with_client(url, etag, last_modified, headers, page)

    async def _fetch_with_client(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        headers: Mapping[str, str] | None,
        page: PageRequest | None,
    ) -> FetchResult:
        import httpx

        from tracker.net.client import checked_url, host_key, timeout_message

        client = self._http_client()
        target = checked_url(url)
        request_headers = httpx.Headers(headers or {})
        request_headers["Accept-Encoding"] = "gzip"  # the only coding the body reader inflates
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        deadline = page.deadline if page else self._limits.deadline
        _check_port(target, page)
        active = self._policy(page.trusted_host if page else target.host)
        async with self._slots.taken(host_key(target)):
            started = time.monotonic()
            try:
                async with _guarded(active, deadline):
                    request = client.build_request("GET", target, headers=request_headers)
                    return await self._send(client, request, etag, last_modified, started, page)
            except httpx.TimeoutException as exc:
                raise FetchTimeout(timeout_message(exc)) from exc
            except httpx.UnsupportedProtocol as exc:
                raise ConnectFailed(detail("unsupported protocol", exc)) from exc
            except httpx.LocalProtocolError as exc:
                raise FetchError(detail("invalid request", exc)) from exc
            except httpx.ProtocolError as exc:
                raise ConnectFailed(detail("protocol error", exc)) from exc
            except httpx.ConnectError as exc:
                raise ConnectFailed(detail("connection failed", exc)) from exc
            except httpx.TransportError as exc:  # DNS, refused, reset, TLS
                raise ConnectFailed(detail("connection failed", exc)) from exc
            except httpx.InvalidURL as exc:
                raise ConnectFailed(detail("invalid URL", exc)) from exc
            except (httpx.HTTPError, httpx.StreamError) as exc:
                raise FetchError(detail("HTTP error", exc)) from exc

    async def _fetch_plain(
        self, request: conditional.Plan, sent_etag: str | None, sent_last_modified: str | None
    ) -> FetchResult:
        """A feed's conditional GET by the light path, bounded and checked as `fetch` bounds the
        client's; raises conditional.Redirected for the client to follow."""
        lim = self._limits
        async with self._slots.taken(f"{request.host}:{request.port}"):
            started = time.monotonic()
            try:
                async with _guarded(self._policy(request.host), lim.deadline):
                    answer = await conditional.get(request, self._bounds, self._tls_context, self._idle)
            except h11.RemoteProtocolError as exc:
                raise ConnectFailed(detail("protocol error", exc)) from None
            except h11.LocalProtocolError as exc:
                raise FetchError(detail("invalid request", exc)) from None
            except OSError as exc:  # refused, reset, TLS
                raise ConnectFailed(detail("connection failed", exc)) from None
        url = f"{'https' if request.https else 'http'}://{request.authority}{request.target}"
        now = datetime.now(UTC)
        check_status(answer.status, answer.headers, now)
        return fetch_result(
            url, answer.status, answer.body, answer.headers, None, sent_etag, sent_last_modified, now, started
        )

    def _policy(self, trusted: str | None) -> netguard.AddressPolicy:
        # Each trusted host's policy, built once: parsing its addresses costs more than a 304.
        active = self._policies.get(trusted)
        if active is None:
            active = self._policies[trusted] = netguard.AddressPolicy.build(trusted, self._allow_private)
        return active

    async def _send(
        self,
        client: httpx.AsyncClient,
        request: httpx.Request,
        sent_etag: str | None,
        sent_last_modified: str | None,
        started: float,
        page: PageRequest | None,
    ) -> FetchResult:
        from tracker.net.client import host_port

        moved_to: str | None = None
        only_permanent = True  # a 302 before a 301 means the original URL is still the right one
        for _ in range(self._limits.max_redirects + 1):
            response = await client.send(request, stream=True)
            try:
                next_request = response.next_request
                if next_request is None:
                    return await self._finish(
                        response, moved_to, sent_etag, sent_last_modified, started, page
                    )
            finally:
                await response.aclose()  # a redirect's body is never read
            if next_request.url.scheme not in ("http", "https"):
                raise ConnectFailed(f"redirect to unsupported scheme {next_request.url.scheme[:20]!r}")
            _check_port(next_request.url, page)
            # Checked here too, not only on connect: an idle pooled connection that another feed's
            # policy allowed would otherwise carry this hop without a new connect.
            with contextlib.suppress(netguard.Unresolved):  # the connect reports that itself
                await netguard.vet(next_request.url.host, host_port(next_request.url))
            if only_permanent and response.status_code in _PERMANENT:
                moved_to = str(next_request.url)
            else:
                only_permanent = False
            request = next_request
        raise TooManyRedirects(f"more than {self._limits.max_redirects} redirects")

    async def _finish(
        self,
        response: httpx.Response,
        moved_to: str | None,
        sent_etag: str | None,
        sent_last_modified: str | None,
        started: float,
        page: PageRequest | None,
    ) -> FetchResult:
        status = response.status_code
        now = datetime.now(UTC)
        check_status(status, response.headers, now)
        body: bytes | None = None
        if status == 200:
            if page is not None:
                _check_content_type(response.headers.get("Content-Type"), page.content_types)
            cap = page.max_body_bytes if page else self._limits.max_body_bytes
            body = await _read_body(response, cap)
        else:
            # A 304 has no body, but the connection returns to the pool only once the response
            # has been read to its end: without this, every unchanged feed costs a new connection.
            async for _ in response.aiter_raw():
                pass
        return fetch_result(
            str(response.url),
            status,
            body,
            response.headers,
            moved_to,
            sent_etag,
            sent_last_modified,
            now,
            started,
        )


@contextlib.asynccontextmanager
async def _guarded(active: netguard.AddressPolicy, deadline: float) -> AsyncIterator[None]:
    """A fetch under its address policy and its whole deadline, by either path, with what they
    raise as FetchErrors (each path maps its own library's errors)."""
    try:
        with netguard.policy(active):
            async with asyncio.timeout(deadline):
                yield
    except netguard.Refused as exc:  # raised by either path's connect as it is
        raise DestinationRefused(str(exc)) from None
    except netguard.Unresolved as exc:
        raise ConnectFailed(detail("connection failed", exc)) from None
    except TimeoutError:
        raise FetchTimeout(f"no complete answer within the {deadline:g} s deadline") from None


async def _read_body(response: httpx.Response, cap: int) -> bytes:
    reader = body_reader(
        response.headers.get("Content-Length"), response.headers.get("Content-Encoding"), cap
    )
    async for raw in response.aiter_raw():  # still-encoded bytes: httpx's decoder never runs
        reader.feed(raw)
    return reader.finish()


def _check_port(url: httpx.URL, page: PageRequest | None) -> None:
    from tracker.net.client import host_port  # loaded with the client, which made `url`

    if page is not None and host_port(url) not in page.ports:
        allowed = ", ".join(map(str, sorted(page.ports)))
        raise DestinationRefused(f"port {host_port(url)} is not allowed for pages (allowed: {allowed})")


def _check_content_type(value: str | None, accepted: tuple[str, ...]) -> None:
    media = (value or "").split(";")[0].strip().lower()
    if media not in accepted:
        raise UnwantedContent(f"Content-Type {media[:60] or 'missing'!r} is not a web page")
