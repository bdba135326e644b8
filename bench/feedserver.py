"""A loopback feed server for the ingest benchmark, meant to run in a process of its own.

    python bench/feedserver.py --feeds 200 --entries 50 --port-file PORT

Serves `/feed/<n>.xml` for n in 0..feeds-1: RSS 2.0 documents of `entries` articles each (about
3 KB of news-like HTML apiece, see corpus.py), the same bytes on every request. Each response
carries an ETag and a Last-Modified, and a conditional request that matches either gets 304 Not
Modified, as well-behaved servers do. Writes its port to the port file once listening.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
from collections.abc import Callable
from email.utils import format_datetime
from pathlib import Path

import corpus

LAST_MODIFIED = format_datetime(corpus.BASE_TIME, usegmt=True)


def documents(feeds: int, entries: int, size: int, relevant_share: float) -> dict[str, tuple[bytes, str]]:
    """Path → (body, ETag), deterministic for the same arguments."""
    served: dict[str, tuple[bytes, str]] = {}
    for n in range(feeds):
        items = corpus.articles(1000 + n, entries, size=size, relevant_share=relevant_share, prefix=f"f{n}")
        body = corpus.rss(f"Bench outlet {n}", f"https://news.example/outlet/{n}", items)
        served[f"/feed/{n}.xml"] = (body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
    return served


def respond(served: dict[str, tuple[bytes, str]], path: str, headers: dict[str, str]) -> bytes:
    found = served.get(path)
    if found is None:
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    body, etag = found
    validators = f"ETag: {etag}\r\nLast-Modified: {LAST_MODIFIED}\r\n"
    if "if-none-match" in headers:
        fresh = etag in [tag.strip() for tag in headers["if-none-match"].split(",")]
    else:
        fresh = headers.get("if-modified-since") == LAST_MODIFIED
    if fresh:
        return f"HTTP/1.1 304 Not Modified\r\n{validators}Content-Length: 0\r\n\r\n".encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml; charset=utf-8\r\n{validators}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def serve(served: dict[str, tuple[bytes, str]], port_file: Path) -> None:
    await serve_http(lambda path, headers: respond(served, path, headers), port_file)


async def serve_http(respond: Callable[[str, dict[str, str]], bytes], port_file: Path) -> None:
    """Answer each request on 127.0.0.1 with `respond(path, lower-cased headers)`, on keep-alive
    connections, until cancelled; writes the port to `port_file` once listening."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:] if x)
                }
                writer.write(respond(path, headers))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, IndexError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port_file.write_text(str(server.sockets[0].getsockname()[1]))  # noqa: ASYNC240 - once, at start
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--size", type=int, default=3000, help="bytes of HTML per article")
    parser.add_argument("--relevant-share", type=float, default=0.02)
    parser.add_argument("--port-file", type=Path, required=True)
    args = parser.parse_args()
    served = documents(args.feeds, args.entries, args.size, args.relevant_share)
    asyncio.run(serve(served, args.port_file))


if __name__ == "__main__":
    main()
