"""A loopback HTTP server with fixed routes, and a runner for the real `tracker` CLI.

`RouteServer(address)` serves `routes[path] = (status, headers, body)` on `address` (port 0 picks
one); every request is counted in `hits`. `run_cli` runs `python -m tracker` as a child process.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Self

Route = tuple[int, dict[str, str], bytes]


class RouteServer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                owner.hits[path] += 1
                status, headers, body = owner.routes.get(path, (404, {}, b""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self.host = host
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def feed(self, path: str, body: bytes, content_type: str = "application/rss+xml") -> None:
        self.routes[path] = (200, {"Content-Type": content_type}, body)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": location}, b"")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`python -m tracker ARGS` in `cwd`: (exit code, stdout, stderr)."""
    proc = subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    return proc.returncode, proc.stdout, proc.stderr


def write_feeds(path: Path, feeds: dict[str, str], extra: str = "") -> Path:
    """A feeds.toml with one `[[feeds]]` table per (id, url), after `extra` (e.g. a [fetch] table)."""
    tables = "".join(f'\n[[feeds]]\nid = "{fid}"\nurl = "{url}"\n' for fid, url in feeds.items())
    path.write_text(extra + tables, encoding="utf-8")
    return path
