"""The daemon's log: one line per poll and per notable event, on stderr, as text or JSON lines.

Text lines are `<UTC time> <LEVEL> <event> key=value ...`; values from outside (feed error
messages) are neutralised and quoted, so a hostile server cannot write escape sequences to a
terminal or forge log lines. JSON lines carry the same fields. Identical failures of a feed are
rate-limited by `RepeatFilter`: an outage gives a first line, then one summary line per quiet
period, then the recovery.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

from tracker.output import neutralise

LOGGER_NAME = "tracker.daemon"
REPEAT_QUIET = 600.0  # seconds between lines for the same repeated failure of a feed
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/+@()")


def configure(fmt: str = "text", level: str = "info", stream: TextIO | None = None) -> logging.Logger:
    """Route the daemon's and APScheduler's records to `stream` (stderr) in `fmt` ("text"/"json")."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    logger = logging.getLogger(LOGGER_NAME)
    logger.handlers[:] = [handler]
    logger.setLevel(level.upper())
    logger.propagate = False
    scheduler_logger = logging.getLogger("apscheduler")
    scheduler_handler = logging.StreamHandler(stream or sys.stderr)
    scheduler_handler.setFormatter(handler.formatter)
    scheduler_handler.addFilter(_drop_skipped_runs)  # counted by the daemon and summed up instead
    scheduler_logger.handlers[:] = [scheduler_handler]
    scheduler_logger.setLevel(logging.WARNING)  # its INFO lines repeat ours ("Job ... executed")
    scheduler_logger.propagate = False
    return logger


def _drop_skipped_runs(record: logging.LogRecord) -> bool:
    message = str(record.msg)
    return not (message.startswith("Run time of job") or "maximum number of running instances" in message)


def emit(logger: logging.Logger, level: int, event: str, message: str = "", **fields: Any) -> None:
    """Log `event` with structured `fields` (None values are left out)."""
    if logger.isEnabledFor(level):
        clean = {k: v for k, v in fields.items() if v is not None}
        logger.log(level, message, extra={"event": event, "fields": clean})


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event = getattr(record, "event", None) or record.name
        fields: Mapping[str, Any] = getattr(record, "fields", {})
        parts = [_utc(record.created), record.levelname, event]
        parts += [f"{key}={_text_value(value)}" for key, value in fields.items()]
        message = record.getMessage()
        if message:
            parts.append(neutralise(message))
        if record.exc_info:
            parts.append(neutralise(self.formatException(record.exc_info), multiline=True))
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": _utc(record.created),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", None) or record.name,
        }
        line.update(
            {k: _iso(v) if isinstance(v, datetime) else v for k, v in getattr(record, "fields", {}).items()}
        )
        message = record.getMessage()
        if message:
            line["message"] = message
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=True, default=str)


class RepeatFilter:
    """Decides whether a feed's failure is worth a log line.

    A failure identical to the feed's previous one (same category and message) is logged again only
    after `quiet` seconds, with the number of identical lines left out meanwhile.
    """

    def __init__(self, quiet: float = REPEAT_QUIET, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.quiet = quiet
        self._monotonic = monotonic
        self._last: dict[str, tuple[str, float, int]] = {}  # feed -> (signature, logged at, suppressed)

    def failure(self, feed_id: str, signature: str) -> tuple[bool, int]:
        """(log this failure?, identical failures not logged since the last line)."""
        now = self._monotonic()
        previous = self._last.get(feed_id)
        if previous is None or previous[0] != signature or now - previous[1] >= self.quiet:
            suppressed = previous[2] if previous and previous[0] == signature else 0
            self._last[feed_id] = (signature, now, 0)
            return True, suppressed
        self._last[feed_id] = (signature, previous[1], previous[2] + 1)
        return False, previous[2] + 1

    def success(self, feed_id: str) -> int:
        """Forget the feed's failure; returns how many identical failure lines were left out."""
        previous = self._last.pop(feed_id, None)
        return previous[2] if previous else 0

    def forget(self, feed_id: str) -> None:
        self._last.pop(feed_id, None)


def _utc(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return _iso(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    if text and all(ch in _BARE for ch in text):
        return text
    return '"' + neutralise(text).replace('"', '\\"') + '"'  # control characters come out as \x1b
