"""Click parameter types for values given on the command line, range-checked as they enter
(`tracker.limits`). A bad value is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import click

from tracker.clock import end_of_day, parse_duration
from tracker.limits import MAX_POSITION, Period, parse_moment, parse_period
from tracker.storage.chain import parse_checkpoint

if TYPE_CHECKING:  # generic in recent click only
    _ParamType = click.ParamType[Any, Any]
else:
    _ParamType = click.ParamType


class _Checked(_ParamType):
    """Converts with a function that raises ValueError with a readable reason."""

    convert_text: Callable[[str], Any]

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value  # a default, already converted
        try:
            return type(self).convert_text(value)
        except ValueError as exc:
            _fail(str(exc), param)


class BadValue(click.BadParameter):
    """Shown as the one line "Error: Invalid value for '--x': …", without the usage banner."""

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _fail(message: str, param: click.Parameter | None) -> NoReturn:
    raise BadValue(message, param=param)


DATE_HELP = "YYYY-MM-DD, YYYY-MM or YYYY"


class PeriodParam(_Checked):
    """The one date grammar: a day, a month or a year (`Period`)."""

    name = "date"
    convert_text = staticmethod(parse_period)


def _start(period: Period) -> datetime:
    return datetime(period.first.year, period.first.month, period.first.day, tzinfo=UTC)


def _by_end_or_moment(text: str) -> datetime:
    """A day, month or year: the last instant of it; else an ISO datetime."""
    if _looks_like_period(text):
        return end_of_day(parse_period(text).last) - timedelta(microseconds=1)
    return parse_moment(text)


def _looks_like_period(text: str) -> bool:
    parts = text.strip().split("-")
    return 1 <= len(parts) <= 3 and all(part.isascii() and part.isdigit() for part in parts)


class MomentBy(_Checked):
    """An ISO datetime, or the end of a day, month or year."""

    name = "datetime"
    convert_text = staticmethod(_by_end_or_moment)


class Duration(_Checked):
    """ "90s", "15m", "2h", "30d": seconds."""

    name = "duration"
    convert_text = staticmethod(parse_duration)


def _position_or_moment(text: str) -> int | datetime:
    """Digits are a position, except four, which are a year; else the start of a day, month or
    year, or an ISO datetime."""
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit() and len(stripped) != 4:
        if len(stripped) > 19 or int(stripped) > MAX_POSITION:
            raise ValueError(f"a position must be at most {MAX_POSITION} (got {text[:40]!r})")
        return int(stripped)
    try:
        return _start(parse_period(text)) if _looks_like_period(text) else parse_moment(text)
    except ValueError as exc:
        raise ValueError(f"expected an event position, {DATE_HELP}, or an ISO datetime: {exc}") from None


class PositionOrMoment(_Checked):
    """An event position (digits; four are a year), a date, or an ISO datetime."""

    name = "position-or-date"
    convert_text = staticmethod(_position_or_moment)


def _positive_count(text: str) -> int:
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or int(stripped[:20]) == 0:
        raise ValueError(f"expected a positive whole number (got {text[:40]!r})")
    if len(stripped) > 19 or int(stripped) > MAX_POSITION:
        raise ValueError(f"must be at most {MAX_POSITION} (got {text[:40]!r})")
    return int(stripped)


class PositiveCount(_Checked):
    """A whole number from 1 to 2^63 − 1."""

    name = "integer"
    convert_text = staticmethod(_positive_count)


def _event_type(text: str) -> str:
    from tracker.events import EVENT_TYPES  # pydantic models: not for `--help`

    if text not in EVENT_TYPES:
        raise ValueError(f"no event type {text[:40]!r} (known: {', '.join(EVENT_TYPES)})")
    return text


class EventType(_Checked):
    """The name of an event type in the log."""

    name = "type"
    convert_text = staticmethod(_event_type)


class Checkpoint(_Checked):
    """POSITION:HASH, a log head someone saved."""

    name = "checkpoint"
    convert_text = staticmethod(parse_checkpoint)


def _feed_id(text: str) -> str:
    from tracker.config import feed_id_problem

    problem = feed_id_problem(text)
    if problem:
        raise ValueError(f"a feed id {problem}")
    return text


class FeedId(_Checked):
    """A feed's id, as feeds.toml may give one."""

    name = "feed id"
    convert_text = staticmethod(_feed_id)


class FilePath(click.Path):
    """click.Path that refuses a NUL byte or text no file name can hold (a lone surrogate): `os.stat`
    raises ValueError or UnicodeEncodeError on them, which click lets out."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            _fail("a path cannot contain a NUL byte", param)
        if isinstance(value, str):
            try:
                os.fsencode(value)
            except UnicodeEncodeError:
                _fail("a path must be text a file name can hold", param)
        return super().convert(value, param, ctx)


PERIOD = PeriodParam()
FEED_ID = FeedId()
CHECKPOINT = Checkpoint()
MOMENT_BY = MomentBy()
EVENT_TYPE = EventType()
DURATION = Duration()
POSITION_OR_MOMENT = PositionOrMoment()
POSITIVE_COUNT = PositiveCount()
