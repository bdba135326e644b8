"""A loopback webhook receiver: records every POST (its JSON body and idempotency key) and
answers with the statuses it is told to, then 200."""

from __future__ import annotations

import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, Self


class Received(NamedTuple):
    key: str
    status: int
    body: dict[str, Any]


class WebhookReceiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.failures: list[int] = []  # statuses to answer before answering 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with receiver._lock:
                    status = receiver.failures.pop(0) if receiver.failures else 200
                    receiver.received.append(Received(self.headers.get("Idempotency-Key", ""), status, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def accepted(self) -> list[Received]:
        """The deliveries answered with 200."""
        with self._lock:
            return [r for r in self.received if r.status == 200]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


HOOK_SCRIPT = """\
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
if pathlib.Path(str(out) + ".fail").exists():
    sys.exit("told to fail")
payload = json.load(sys.stdin)
with out.open("a") as f:
    f.write(json.dumps(payload) + "\\n")
"""


def command_hook(folder: Path) -> tuple[list[str], Path]:
    """A command hook appending each payload as a JSON line to a file (failing while FILE.fail
    exists): the `command` list for feeds.toml, and the file."""
    script = folder / "hook.py"
    script.write_text(HOOK_SCRIPT, encoding="utf-8")
    out = folder / "hook.jsonl"
    return [sys.executable, str(script), str(out)], out


def hook_payloads(out: Path) -> list[dict[str, Any]]:
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]
