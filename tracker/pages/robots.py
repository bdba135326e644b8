"""robots.txt, fetched once per host (scheme, host and port) per pass and kept for that pass."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from tracker.errors import FetchError, HTTPStatusFailure
from tracker.net.fetch import Fetcher, PageRequest

_MAX_ROBOTS_BYTES = 512 * 1024
ROBOTS_AGENT = "tracker"


class RobotsCache:
    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher
        self._rules: dict[str, RobotFileParser | FetchError] = {}  # why robots.txt could not be read
        self._locks: dict[str, asyncio.Lock] = {}

    async def refusal(self, url: str, page: PageRequest) -> tuple[str, bool] | None:
        """Why robots.txt forbids fetching `url`, as ("category: reason", whether that is final);
        None: it may be fetched. An unreadable robots.txt forbids it for this pass."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        async with self._locks.setdefault(origin, asyncio.Lock()):
            if origin not in self._rules:
                self._rules[origin] = await self._load(origin, page)
        rules = self._rules[origin]
        if isinstance(rules, FetchError):
            retried = rules.category in ("timeout", "connect", "http")
            return f"{rules.category}: robots.txt unavailable ({rules})", not retried
        if not rules.can_fetch(ROBOTS_AGENT, url):
            return f"robots: robots.txt of {parts.hostname} disallows this page", True
        return None

    async def _load(self, origin: str, page: PageRequest) -> RobotFileParser | FetchError:
        parser = RobotFileParser()
        bounds = PageRequest(
            trusted_host=page.trusted_host,
            content_types=("text/plain", ""),
            ports=page.ports,
            max_body_bytes=_MAX_ROBOTS_BYTES,
            deadline=page.deadline,
        )
        try:
            result = await self._fetcher.fetch(f"{origin}/robots.txt", page=bounds)
        except HTTPStatusFailure as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.parse([])  # no robots.txt: everything is allowed
                return parser
            return exc
        except FetchError as exc:
            return exc
        parser.parse((result.body or b"").decode("utf-8", "replace").splitlines())
        return parser
