"""What an answer to a GET means, whichever path fetched it (httpx's client or
`tracker.net.conditional`): the status that fails a fetch, the result's validators and freshness,
an error's one-line text. Pure: no I/O."""

from __future__ import annotations

import http
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tracker.errors import HTTPStatusFailure
from tracker.net.http_dates import DELTA_SECONDS, http_date, retry_after

MAX_DETAIL = 160


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int  # 200 or 304
    body: bytes | None  # None on 304
    content_type: str | None
    etag: str | None  # on 304: the new validator if sent, else the one we sent
    last_modified: str | None
    permanent_redirect: str | None  # where the feed moved, if the chain began with 301/308 hops
    max_age: float | None  # seconds, from Cache-Control max-age or Expires
    bytes_read: int  # decoded body bytes
    elapsed: float  # seconds, excluding the wait for a concurrency slot


class ResponseHeaders(Protocol):
    """A response's headers, from either path (`httpx.Headers`, `conditional.Headers`)."""

    def get(self, key: str, default: str | None = None) -> str | None: ...

    def get_list(self, key: str, split_commas: bool = False) -> list[str]: ...


def check_status(status: int, headers: ResponseHeaders, now: datetime) -> None:
    """Only 200 and 304 are answers; anything else fails, with the server's Retry-After."""
    if status not in (200, 304):
        phrase = http.HTTPStatus(status).phrase if status in http.HTTPStatus._value2member_map_ else ""
        raise HTTPStatusFailure(status, phrase, retry_after(headers.get("Retry-After"), now))


def fetch_result(
    url: str,
    status: int,
    body: bytes | None,
    headers: ResponseHeaders,
    moved_to: str | None,
    sent_etag: str | None,
    sent_last_modified: str | None,
    now: datetime,
    started: float,
) -> FetchResult:
    return FetchResult(
        url=url,
        status=status,
        body=body,
        content_type=headers.get("Content-Type"),
        etag=headers.get("ETag") or (sent_etag if status == 304 else None),
        last_modified=headers.get("Last-Modified") or (sent_last_modified if status == 304 else None),
        permanent_redirect=moved_to,
        max_age=max_age(headers, now),
        bytes_read=len(body) if body is not None else 0,
        elapsed=time.monotonic() - started,
    )


def max_age(headers: ResponseHeaders, now: datetime) -> float | None:
    """Freshness lifetime in seconds: Cache-Control max-age, else Expires minus Date (or now)."""
    for directive in headers.get_list("Cache-Control", split_commas=True):
        name, _, value = directive.partition("=")
        if name.strip().lower() == "max-age":
            value = value.strip().strip('"')
            return float(value) if DELTA_SECONDS.fullmatch(value) else None
    expires = headers.get("Expires")
    if expires is None:
        return None
    expires_at = http_date(expires)
    if expires_at is None:
        return None
    served_at = http_date(headers.get("Date") or "") or now
    return max(0.0, (expires_at - served_at).total_seconds())


def detail(prefix: str, exc: BaseException) -> str:
    """A short one-line message: the prefix and the underlying error's text."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > MAX_DETAIL:
        text = text[: MAX_DETAIL - 1] + "…"
    return f"{prefix}: {text}"
