"""Article pages and summary-only feeds for the full-text tests, served by `FeedServer`."""

from __future__ import annotations

import time
from collections.abc import Sequence
from html import escape
from http.server import BaseHTTPRequestHandler

PARAGRAPHS = (
    "The ministry said on Monday that the talks between the two delegations would resume next week "
    "in the capital, after a pause of almost two months.",
    "Officials from both sides met briefly at the border crossing, according to a statement published "
    "by the foreign ministry late on Sunday evening.",
    "Observers said the meeting was the first sign in weeks that the negotiations could move forward, "
    "although no date for a final agreement has been set.",
)


def article_html(title: str, paragraphs: Sequence[str] = PARAGRAPHS) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><meta name='author' content='Jane Roe'>"
        "<meta property='og:site_name' content='Example Daily'>"
        "<meta property='article:published_time' content='2026-03-02'></head>"
        "<body><nav><a href='/'>Home</a> | <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>© Example Daily. Cookie settings.</footer></body></html>"
    ).encode()


def summary_feed(items: Sequence[tuple[str, str, str]]) -> bytes:
    """RSS with (guid, title, link) items, each with a one-line summary and no content."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
        f"<guid isPermaLink='false'>{escape(guid)}</guid><pubDate>Mon, 02 Mar 2026 10:00:00 GMT</pubDate>"
        f"<description>{escape(title)}: a short summary.</description></item>"
        for guid, title, link in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>Pages</title>"
        f"<link>http://example.invalid/</link>{entries}</channel></rss>"
    ).encode()


def slow_article(handler: BaseHTTPRequestHandler) -> None:
    """A `FeedServer.raw` page that answers an article after 0.8 s (kills land while in flight)."""
    time.sleep(0.8)
    body = article_html(f"Story {handler.path}")
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
