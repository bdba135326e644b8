"""Loading subject definitions: the shipped TOML files and a user's overrides.

Overrides from feeds.toml `[[subjects]]` tables work key by key. A table whose `id` matches a
shipped subject replaces each key it gives and keeps the others, except `states`, which are merged
by state id: a listed state with a shipped id replaces that state's keys it gives; a new state id
is inserted after the state listed just before it (or first, if it is listed first). So adding an
alias list replaces the aliases, while adding one state leaves the others alone. A table with a
new id adds a subject after the shipped ones.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker.errors import ConfigError
from tracker.subjects.model import Subject
from tracker.tables import TableError, build, plain

# The shipped TOML files, read where the package's install puts them, beside this module: every
# command reads them at start-up, and `importlib.resources` (for packages imported from a zip,
# which this one is not) would cost it 10–15 ms of imports.
SHIPPED_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def load_shipped_subjects() -> tuple[Subject, ...]:
    """Every subject defined by the TOML files shipped in this package, in file order."""
    subjects: list[Subject] = []
    for entry in sorted(SHIPPED_DIR.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        name = f"tracker/subjects/{entry.name}"
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{name}: {exc}") from None
        tables = data.get("subjects", [])
        subjects.extend(merge_subjects((), tables, name, shipped_tables=True))
    ids = [s.id for s in subjects]
    if len(ids) != len(set(ids)):
        raise ConfigError("shipped subjects define the same id twice")
    return tuple(subjects)


def merge_subjects(
    shipped: Sequence[Subject],
    user_tables: list[dict[str, Any]],
    source: str,
    *,
    shipped_tables: bool = False,
) -> tuple[Subject, ...]:
    """Apply the user's `[[subjects]]` tables to the shipped subjects (see the module docstring);
    `shipped_tables`: the tables are the package's own, whose patterns the test suite compiles.

    Raises ConfigError naming `source`, the table's index and id, and the offending key.
    """
    if not isinstance(user_tables, list):
        raise ConfigError(f"{source}: subjects: must be an array of tables ([[subjects]])")
    result: dict[str, Subject] = {s.id: s for s in shipped}
    order = [s.id for s in shipped]
    seen: set[str] = set()
    for index, table in enumerate(user_tables):
        where = f"{source}: subjects[{index}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table")
        subject_id = table.get("id")
        if not isinstance(subject_id, str) or not subject_id:
            raise ConfigError(f"{where}: id: missing required key")
        where = f"{where} (id {subject_id!r})"
        if subject_id in seen:
            raise ConfigError(f"{where}: id: defined twice")
        seen.add(subject_id)
        base = result.get(subject_id)
        merged = _merge_table(plain(base) if base else None, table)
        try:
            subject = build(Subject, merged, strip=True)
            if not shipped_tables:
                subject.check_patterns()
        except TableError as exc:
            raise ConfigError(_describe(where, exc, merged, table)) from None
        if subject_id not in result:
            order.append(subject_id)
        result[subject_id] = subject
    return tuple(result[i] for i in order)


def subjects_fingerprint(subjects: Sequence[Subject]) -> str:
    """sha256 over the canonical JSON of the rules; any change to any rule changes it.

    Subjects are sorted by id, so listing the same subjects in another order keeps the fingerprint.
    """
    return _fingerprint(tuple(subjects))


# Each projection's fingerprint names the rules, and a command builds several projections of the
# same subjects: the rules (frozen, compared field by field) are turned into JSON once.
@lru_cache(maxsize=8)
def _fingerprint(subjects: tuple[Subject, ...]) -> str:
    dumped = sorted((plain(s) for s in subjects), key=lambda d: str(d["id"]))
    canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_iso)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- merging
def _merge_table(base: dict[str, Any] | None, table: dict[str, Any]) -> dict[str, Any]:
    if base is None:
        return dict(table)
    merged = dict(base)
    for key, value in table.items():
        if key == "states" and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            merged["states"] = _merge_states(list(base.get("states", [])), value)
        else:
            merged[key] = value
    return merged


def _merge_states(base: list[dict[str, Any]], user: list[dict[str, Any]]) -> list[dict[str, Any]]:
    states = [dict(s) for s in base]
    position = {s["id"]: i for i, s in enumerate(states)}
    insert_at = 0
    for table in user:
        state_id = table.get("id")
        if isinstance(state_id, str) and state_id in position:
            states[position[state_id]].update(table)
            insert_at = position[state_id] + 1
            continue
        states.insert(insert_at, dict(table))
        insert_at += 1
        position = {s.get("id"): i for i, s in enumerate(states)}
    return states


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a subject definition")


# --------------------------------------------------------------------------- error messages
_MESSAGES = {"unknown": "unknown key", "missing": "missing required key"}


def _describe(where: str, error: TableError, merged: dict[str, Any], table: dict[str, Any]) -> str:
    return "\n".join(_describe_fault(where, fault, merged, table) for fault in error.faults)


def _describe_fault(where: str, error: TableError, merged: dict[str, Any], table: dict[str, Any]) -> str:
    loc = list(error.location)
    if len(loc) >= 2 and loc[0] == "states" and isinstance(loc[1], int):
        # Report the position in the user's own list when the state came from it: `states` may
        # be anything a user wrote (5, [5]), and only tables carry ids.
        user_states = table.get("states")
        user_ids = (
            [s.get("id") for s in user_states if isinstance(s, dict)] if isinstance(user_states, list) else []
        )
        merged_states = merged.get("states")
        merged_states = merged_states if isinstance(merged_states, list) else []
        state = merged_states[loc[1]] if loc[1] < len(merged_states) else None
        state_id = state.get("id") if isinstance(state, dict) else None
        if state_id in user_ids:
            loc[1] = user_ids.index(state_id)
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    message = _MESSAGES.get(error.kind, error.message)
    if not path and ": " in message and message.split(": ", 1)[0].isidentifier():
        path, message = message.split(": ", 1)
    return f"{where}: {path}: {message}" if path else f"{where}: {message}"
