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

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tracker.storage.polling_store import write_heartbeat
from tracker.storage.store import Store


def beat(store: Store, *, started_at: datetime, now: datetime, detail: Mapping[str, Any]) -> None:
    """Write this process's heartbeat (inside the caller's transaction)."""
    write_heartbeat(store, started_at=started_at, now=now, detail=detail)
