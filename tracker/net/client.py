"""httpx's side of fetching, loaded with the client (a pass that only polls feeds with validators
may need none): the client itself, its network backend (every connection its transport makes goes
through `tracker.net.netguard.vet` and is made to the checked address), URLs as httpx reads them,
its timeouts in words."""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import httpcore
import httpx

from tracker.errors import ConnectFailed
from tracker.net.answer import detail
from tracker.net.netguard import Refused, vet

if TYPE_CHECKING:
    from tracker.net.fetch import FetchLimits


def make_client(
    limits: FetchLimits, user_agent: str, accept: str, tls: ssl.SSLContext, *, keep_alive: int
) -> httpx.AsyncClient:
    """The shared client for `limits`, whose every connection the address guard checks;
    `keep_alive`: idle connections kept for reuse, across hosts."""
    lim = limits
    # A transport given to the client ignores the client's limits: they go on the transport.
    # Few idle connections are kept: httpcore's pool looks at each of them for every request.
    transport = httpx.AsyncHTTPTransport(
        verify=tls,
        limits=httpx.Limits(
            max_connections=lim.max_connections,
            max_keepalive_connections=keep_alive,
        ),
    )
    # httpx offers no parameter for httpcore's network backend; the SSRF tests keep this honest.
    transport._pool._network_backend = GuardedBackend()
    client = httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(lim.read_timeout, connect=lim.connect_timeout, pool=lim.pool_timeout),
        # Redirects are followed in `Fetcher._send`: httpx reads every redirect body whole through its own
        # unbounded decoder, so a 302 carrying a gzip bomb would be inflated in memory.
        follow_redirects=False,
        headers={"User-Agent": user_agent, "Accept": accept, "Accept-Encoding": "gzip"},
        trust_env=False,
    )
    return client


def checked_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConnectFailed(detail("invalid URL", exc)) from None
    if parsed.scheme not in ("http", "https"):
        raise ConnectFailed(f"unsupported URL scheme {parsed.scheme[:20]!r}")
    if not parsed.host:
        raise ConnectFailed("URL has no host")
    return parsed


def host_port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def host_key(url: httpx.URL) -> str:
    """The key of the URL's host in the fetcher's per-host bounds ("host:port")."""
    return f"{url.host}:{host_port(url)}"


def timeout_message(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, httpx.ReadTimeout):
        return "read timed out"
    if isinstance(exc, httpx.WriteTimeout):
        return "write timed out"
    if isinstance(exc, httpx.PoolTimeout):
        return "timed out waiting for a pooled connection"
    return "timed out"


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address against the active policy, connects to the checked one."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await vet(host, port):  # in resolver order, as a plain connect would
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # vet() returns at least one address
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise Refused("unix sockets are never used")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
