"""The daemon's heartbeat row in `daemon_heartbeat`: other processes (`tracker feeds`, SQL users)
tell from it whether a daemon is alive, what it is doing and how far interpretation lags.

`detail` is a JSON object; its keys (all optional for readers):

    state          "running" | "paused" (storage trouble) | "stopped"
    feeds          feeds scheduled
    polls          polls finished since the daemon started
    failing        feed ids whose last poll failed (at most 20)
    gone           feed ids not polled until the user acts (410)
    lag            {"facts": n, "story": n}: events the interpretation projections are behind
    storage        why polling is paused, while it is
    stopped_at     set by a clean shutdown
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tracker.clock import format_utc
from tracker.store import Store


def beat(store: Store, *, started_at: datetime, now: datetime, detail: Mapping[str, Any]) -> None:
    """Write this process's heartbeat (inside the caller's transaction)."""
    store.conn.execute(
        "INSERT INTO daemon_heartbeat (id, pid, started_at, beat_at, detail) VALUES (1, ?, ?, ?, ?) "
        "ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, started_at = excluded.started_at, "
        "beat_at = excluded.beat_at, detail = excluded.detail",
        (
            os.getpid(),
            format_utc(started_at),
            format_utc(now),
            json.dumps(dict(detail), ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        ),
    )
