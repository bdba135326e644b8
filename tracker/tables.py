"""TOML tables → frozen dataclasses, checked key by key: how feeds.toml and the subject definitions
are read, by every command alike.

`build(cls, table)` refuses a key the dataclass does not have, a required key left out and a value
of the wrong type (strictly: `5` is no string, `"5"` no number, `1` no boolean), then constructs
the dataclass, whose `__post_init__` checks the values themselves: a `ValueError` there is about
the whole table, a `FieldError` names the key. Every refusal is a `TableError` carrying where it
was, as the path of keys and indexes (`("states", 0, "modalities")`), so that callers can name the
file, the table and the key. The types understood are those the tables use: str, int, bool, date
(a TOML date, or its ISO text), `Literal[...]`, `X | None`, `tuple[X, ...]` (from an array),
`dict[str, str]` and nested dataclasses.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal, TypeVar

_T = TypeVar("_T")
Location = tuple[str | int, ...]
ErrorKind = Literal["unknown", "missing", "type", "value"]


class FieldError(ValueError):
    """Raised by a dataclass's `__post_init__`: the value of `key` (or of its item `index`) is not
    acceptable."""

    def __init__(self, key: str, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.location: Location = (key,) if index is None else (key, index)


class TableError(ValueError):
    """A table that does not make the dataclass: where (`location`), what kind of fault, and why;
    `faults`: every fault found in the table's keys and types, this one first."""

    def __init__(
        self, location: Location, kind: ErrorKind, message: str, faults: tuple[TableError, ...] = ()
    ) -> None:
        super().__init__(message)
        self.location = location
        self.kind = kind
        self.message = message
        self.faults = faults or (self,)


def build(cls: type[_T], table: object, *, strip: bool = False, location: Location = ()) -> _T:
    """The dataclass `cls` from a table, every key and value checked; `strip`: strings lose their
    surrounding white space. Raises TableError."""
    if not isinstance(table, Mapping):
        raise TableError(location, "type", "must be a table")
    known = _fields(cls)
    faults = [TableError((*location, key), "unknown", "unknown key") for key in table if key not in known]
    values: dict[str, Any] = {}
    for name, (hint, required) in known.items():
        if name in table:
            try:
                values[name] = _value(hint, table[name], (*location, name), strip)
            except TableError as exc:
                faults += exc.faults
        elif required:
            faults.append(TableError((*location, name), "missing", "required key is missing"))
    if faults:
        first = faults[0]
        raise TableError(first.location, first.kind, first.message, tuple(faults))
    try:
        return cls(**values)
    except FieldError as exc:
        raise TableError((*location, *exc.location), "value", str(exc)) from None
    except ValueError as exc:
        raise TableError(location, "value", str(exc)) from None


def plain(instance: object) -> dict[str, Any]:
    """A dataclass as the table it was built from (nested dataclasses as tables, tuples kept)."""
    table: dict[str, Any] = dataclasses.asdict(instance)  # type: ignore[call-overload]
    return table


def _resolve_fields(cls: type) -> dict[str, tuple[Any, bool]]:
    """Each init field's resolved type, and whether a table must give it."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: (hints[f.name], f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        for f in dataclasses.fields(cls)
        if f.init
    }


_fields: Callable[[type], dict[str, tuple[Any, bool]]] = functools.cache(_resolve_fields)


def _value(hint: Any, value: object, location: Location, strip: bool) -> Any:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (inner,) = [option for option in options if option is not type(None)]
        return _value(inner, value, location, strip)
    if origin is Literal:
        if value not in typing.get_args(hint):
            expected = ", ".join(repr(option) for option in typing.get_args(hint))
            raise TableError(location, "type", f"must be one of {expected} (got {value!r})")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise TableError(location, "type", "must be an array")
        inner = typing.get_args(hint)[0]
        return tuple(_value(inner, item, (*location, i), strip) for i, item in enumerate(value))
    if origin is dict:
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise TableError(location, "type", "must be a table of strings")
        return dict(value)
    if dataclasses.is_dataclass(hint):
        return build(hint, value, strip=strip, location=location)  # type: ignore[arg-type]
    return _scalar(hint, value, location, strip)


def _scalar(hint: Any, value: object, location: Location, strip: bool) -> Any:
    if hint is str and isinstance(value, str):
        return value.strip() if strip else value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if hint is date and isinstance(value, date) and not isinstance(value, datetime):
        return value
    if hint is date and isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    names = {str: "a string", bool: "true or false", int: "an integer", date: "a date (YYYY-MM-DD)"}
    raise TableError(location, "type", f"must be {names.get(hint, hint)} (got {value!r})")
