"""Click parameter types for values given on the command line, range-checked as they enter
(`tracker.limits`). A bad value is one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import click

from tracker.chain import parse_checkpoint
from tracker.clock import parse_duration
from tracker.limits import MAX_POSITION, parse_day, parse_moment

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


class Day(_Checked):
    """YYYY-MM-DD."""

    name = "date"
    convert_text = staticmethod(parse_day)


class Moment(_Checked):
    """An ISO date or datetime, as aware UTC."""

    name = "datetime"
    convert_text = staticmethod(parse_moment)


class Duration(_Checked):
    """ "90s", "15m", "2h", "30d": seconds."""

    name = "duration"
    convert_text = staticmethod(parse_duration)


def _position_or_moment(text: str) -> int | datetime:
    stripped = text.strip()
    if stripped.isascii() and stripped.isdigit():
        if len(stripped) > 19 or int(stripped) > MAX_POSITION:
            raise ValueError(f"a position must be at most {MAX_POSITION} (got {text[:40]!r})")
        return int(stripped)
    try:
        return parse_moment(text)
    except ValueError as exc:
        raise ValueError(f"expected an event position or an ISO date/datetime: {exc}") from None


class PositionOrMoment(_Checked):
    """An event position (digits) or an ISO date/datetime."""

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


def _fact_day(text: str) -> tuple[date, str]:
    stripped = text.strip()
    if len(stripped) == 7:
        return parse_day(stripped + "-01"), "month"
    return parse_day(stripped), "day"


class FactDay(_Checked):
    """YYYY-MM-DD or YYYY-MM: (first day, "day" or "month")."""

    name = "date"
    convert_text = staticmethod(_fact_day)


class Checkpoint(_Checked):
    """POSITION:HASH, a log head someone saved."""

    name = "checkpoint"
    convert_text = staticmethod(parse_checkpoint)


class FilePath(click.Path):
    """click.Path that refuses a NUL byte: `os.stat` raises ValueError on one, which click lets out."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and "\x00" in value:
            _fail("a path cannot contain a NUL byte", param)
        return super().convert(value, param, ctx)


DAY = Day()
CHECKPOINT = Checkpoint()
MOMENT = Moment()
DURATION = Duration()
POSITION_OR_MOMENT = PositionOrMoment()
FACT_DAY = FactDay()
POSITIVE_COUNT = PositiveCount()
