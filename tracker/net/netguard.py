"""Which addresses a fetch may connect to, checked at connect time on every connection.

A feed's URL is the user's choice; where its redirects lead (and, later, the article links inside
it) is the server's. So a connection may reach a loopback, private, link-local, CGNAT, multicast,
reserved or unspecified address only when

- its host is the feed's own configured host, as written in the feed's URL (by name; or by
  address, when the URL gives one, in any spelling of that address), or
- its host name, or the address it resolves to, is listed in `[fetch] allow_private`.

The check runs where each connection is made (`vet`: in the HTTP client's network backend,
`tracker.net.backend`, and in the light path of `tracker.net.conditional`): the host is resolved
there, every address it resolves to is checked, and the connection is made to the checked address
itself, so a second resolution cannot change the answer (DNS rebinding). Every spelling of an
address (decimal `2130706434`, octal `017700000002`, `0.0.0.0`, IPv4-mapped, NAT64 and 6to4 IPv6)
is judged by the IPv4 address it stands for. Which policy applies is set per fetch in a context
variable, so one shared client serves feeds with different trusted hosts.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_CGNAT = ipaddress.ip_network("100.64.0.0/10")


def canonical(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 form stands for (mapped, NAT64, 6to4); else `ip` itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in _NAT64:
            return ipaddress.IPv4Address(ip.packed[-4:])
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def is_public(ip: IPAddress) -> bool:
    """A globally routable unicast address. (`is_global` alone passes multicast, NAT64, 6to4.)"""
    if isinstance(ip, ipaddress.IPv6Address) and ip.teredo is not None:
        return False
    ip = canonical(ip)
    return ip.is_global and not ip.is_multicast and ip not in _CGNAT


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Non-public destinations a connection may reach (public ones always may)."""

    names: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def build(cls, own_host: str | None = None, allow_private: Iterable[str] = ()) -> AddressPolicy:
        """`own_host`: the feed's configured host. `allow_private`: host names, addresses, networks."""
        names: set[str] = set()
        networks = []
        for entry in [*(allow_private or ()), *([own_host] if own_host else [])]:
            network = _network(entry)
            if network is not None:
                networks.append(network)
            else:
                names.add(_name(entry))
        return cls(frozenset(names), tuple(networks))

    def allows(self, host: str, ip: IPAddress) -> bool:
        if is_public(ip) or _name(host) in self.names:
            return True
        plain = canonical(ip)
        return any(plain in network for network in self.networks if network.version == plain.version)


def _name(host: str) -> str:
    return host.strip("[]").rstrip(".").lower()


def _network(entry: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """An address or a network (`10.1.2.0/24`); None for a host name."""
    try:
        network = ipaddress.ip_network(entry.strip().strip("[]"), strict=False)
    except ValueError:
        return None
    if isinstance(network, ipaddress.IPv6Network) and network.prefixlen == 128:
        plain = canonical(network.network_address)
        return ipaddress.ip_network(plain)
    return network


def check_allow_private(entry: str) -> str:
    """Validate one `[fetch] allow_private` entry: an address, a network or a host name."""
    if _network(entry) is not None:
        return entry
    name = _name(entry)
    labels = name.split(".")
    if not name or len(name) > 253 or not all(label and len(label) <= 63 for label in labels):
        raise ValueError(f"must be a host name, an address or a network like 10.1.2.0/24 (got {entry!r})")
    if not all(ch.isalnum() or ch in "-._" for ch in name):
        raise ValueError(f"must be a host name, an address or a network like 10.1.2.0/24 (got {entry!r})")
    return entry


class Refused(Exception):
    """A connection the policy refuses; raised through either HTTP path as it is."""


class Unresolved(Exception):
    """The host name does not resolve."""


_POLICY: contextvars.ContextVar[AddressPolicy] = contextvars.ContextVar("tracker_address_policy")


@contextlib.contextmanager
def policy(active: AddressPolicy) -> Iterator[None]:
    """Connections made in this context (this task and what it awaits) follow `active`."""
    token = _POLICY.set(active)
    try:
        yield
    finally:
        _POLICY.reset(token)


async def system_addresses(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host`; an address as it is, without asking
    the resolver (which runs in a thread of the loop's executor)."""
    with contextlib.suppress(ValueError):
        return [str(ipaddress.ip_address(host))]
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


# The one place names are resolved; tests put a resolver here to give a name a private address.
resolve: Callable[[str, int], Awaitable[list[str]]] = system_addresses


async def vet(host: str, port: int) -> list[IPAddress]:
    """Resolve `host`; raise Refused unless the active policy allows every address. The addresses
    are returned: connect to them, never to the name."""
    active = _POLICY.get(AddressPolicy())  # no policy set: public addresses only
    try:
        found = await resolve(host, port)
    except OSError as exc:
        raise Unresolved(f"cannot resolve {host[:60]!r}: {exc.strerror or exc}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(address.split("%")[0]) for address in found))
    refused = [ip for ip in addresses if not active.allows(host, ip)]
    if refused or not addresses:
        shown = refused[0] if refused else "nothing"
        raise Refused(f"{host[:60]!r} resolves to {shown}, a non-public address this feed may not reach")
    return addresses
