"""The fetcher's concurrency bounds: fetches in flight at once, overall and per host."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass(slots=True)
class _HostSlot:
    semaphore: asyncio.Semaphore
    users: int = 0


class Slots:
    """`async with slots.taken(key)`: a slot of the host `key` ("host:port"), then a global one.
    Made on the loop that uses it."""

    def __init__(self, overall: int, per_host: int) -> None:
        self._global = asyncio.Semaphore(overall)
        self._per_host = per_host
        self._hosts: dict[str, _HostSlot] = {}

    @contextlib.asynccontextmanager
    async def taken(self, key: str) -> AsyncIterator[None]:
        # Keyed by the requested URL's host:port (redirect targets are not counted), and the host's
        # slot is taken before the global one, so that a queue for one busy host never holds
        # global slots.
        slot = self._hosts.get(key)
        if slot is None:
            slot = self._hosts[key] = _HostSlot(asyncio.Semaphore(self._per_host))
        slot.users += 1
        try:
            async with slot.semaphore, self._global:
                yield
        finally:
            slot.users -= 1
            if slot.users == 0:
                del self._hosts[key]  # idle hosts do not accumulate
