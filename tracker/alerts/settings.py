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
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tracker.clock import parse_duration

AlertKind = Literal["state", "tally", "conflict", "retraction"]
ALERT_KINDS: tuple[AlertKind, ...] = ("state", "tally", "conflict", "retraction")
_ALERT_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class AlertConfig(BaseModel):
    """One `[[alerts]]` table: an id, exactly one destination, and what to announce there."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)

    id: Annotated[str, Field(min_length=1, max_length=64)]
    webhook: str | None = None
    command: tuple[str, ...] | None = Field(default=None, strict=False)
    apprise: str | None = None
    subjects: tuple[str, ...] | None = Field(default=None, strict=False)
    on: tuple[AlertKind, ...] = Field(default=ALERT_KINDS, strict=False)
    retry_after: str = "30s"  # first retry of a failed delivery; doubles up to an hour
    timeout: str = "10s"  # one delivery attempt

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ALERT_ID.match(value):
            raise ValueError(f"must be lower-case letters, digits and '-' (got {value!r})")
        return value

    @field_validator("webhook")
    @classmethod
    def _check_webhook(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"must be an http:// or https:// URL (got {value!r})")
        return value

    @field_validator("command")
    @classmethod
    def _check_command(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is not None and (not value or not value[0]):
            raise ValueError('must name a program: command = ["prog", "arg"]')
        return value

    @field_validator("apprise")
    @classmethod
    def _check_apprise(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError(f'must be an Apprise URL like "ntfy://topic" (got {value!r})')
        return value

    @field_validator("retry_after", "timeout")
    @classmethod
    def _check_duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @model_validator(mode="after")
    def _one_destination(self) -> Self:
        given = [key for key in ("webhook", "command", "apprise") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of webhook, command, apprise")
        if not self.on:
            raise ValueError(f"on: name at least one of {', '.join(ALERT_KINDS)}")
        return self

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
