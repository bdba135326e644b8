"""`[[alerts]]` tables of feeds.toml: where to announce changes, and which.

```toml
[[alerts]]
id = "desk"
webhook = "https://hooks.example.org/tracker"   # JSON POST; or command = [...], or apprise = "ntfy://…"
subjects = ["us-embassy-minsk"]                 # default: every subject
on = ["state", "tally"]                         # default: state, tally, conflict, retraction
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from tracker.clock import parse_duration
from tracker.tables import FieldError

AlertKind = Literal["state", "tally", "conflict", "retraction"]
ALERT_KINDS: tuple[AlertKind, ...] = ("state", "tally", "conflict", "retraction")
_ALERT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class AlertConfig:
    """One `[[alerts]]` table: an id, exactly one destination, and what to announce there."""

    id: str
    webhook: str | None = None
    command: tuple[str, ...] | None = None
    apprise: str | None = None
    subjects: tuple[str, ...] | None = None
    on: tuple[AlertKind, ...] = ALERT_KINDS
    retry_after: str = "30s"  # first retry of a failed delivery; doubles up to an hour
    timeout: str = "10s"  # one delivery attempt

    def __post_init__(self) -> None:
        if not 1 <= len(self.id) <= 64 or not _ALERT_ID.match(self.id):
            raise FieldError("id", f"must be lower-case letters, digits and '-' (got {self.id!r})")
        if self.webhook is not None:
            parts = urlsplit(self.webhook)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FieldError("webhook", f"must be an http:// or https:// URL (got {self.webhook!r})")
        if self.command is not None and (not self.command or not self.command[0]):
            raise FieldError("command", 'must name a program: command = ["prog", "arg"]')
        if self.apprise is not None and "://" not in self.apprise:
            raise FieldError("apprise", f'must be an Apprise URL like "ntfy://topic" (got {self.apprise!r})')
        for key in ("retry_after", "timeout"):
            try:
                parse_duration(getattr(self, key))
            except ValueError as exc:
                raise FieldError(key, str(exc)) from None
        given = [key for key in ("webhook", "command", "apprise") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of webhook, command, apprise")
        if not self.on:
            raise FieldError("on", f"name at least one of {', '.join(ALERT_KINDS)}")

    @property
    def destination(self) -> str:
        """Where it goes, for listings: a webhook's scheme and host only (its path may be a secret)."""
        if self.webhook is not None:
            parts = urlsplit(self.webhook)
            return f"webhook {parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        if self.command is not None:
            return f"command {self.command[0]}"
        return f"apprise {(self.apprise or '').split('://')[0]}://"

    def wants(self, kind: str, subject: str) -> bool:
        return kind in self.on and (self.subjects is None or subject in self.subjects)
