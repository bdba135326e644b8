"""feeds.toml → validated configuration. Every error names the file, the table and the key.

feeds.toml: feeds[2] (id 'belta'): interval: must be a duration like "90s", "15m", "2h" or "1d" (got '-5')
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from tracker.alerts.settings import AlertConfig
from tracker.clock import parse_duration
from tracker.errors import ConfigError
from tracker.subjects import Subject, load_shipped_subjects, merge_subjects
from tracker.subjects.story_packs import DEFAULT_STORY, load_stories
from tracker.tables import FieldError, TableError, build

DEFAULT_INTERVAL = "30m"
_FEED_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_TOP_LEVEL_KEYS = {"feeds", "subjects", "fetch", "stories", "alerts"}
_T = TypeVar("_T")
# Headers every request carries from tracker itself.
_OWN_HEADERS = ("host", "content-length", "accept-encoding", "if-none-match", "if-modified-since")


FullTextMode = Literal["never", "always", "auto"]


def feed_id_problem(text: str) -> str | None:
    """What makes `text` no feed id (None: it is one)."""
    if not 1 <= len(text) <= 64:
        return "must be 1 to 64 characters"
    if not _FEED_ID.fullmatch(text):
        return f"must be lower-case letters, digits and '-' (got {text!r})"
    return None


@dataclass(frozen=True)
class FeedConfig:
    """One `[[feeds]]` table."""

    id: str
    url: str
    title: str | None = None
    interval: str = DEFAULT_INTERVAL
    publisher: str | None = None  # outlet name for corroboration counts; default: the feed id
    tags: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    # Fetch each entry's linked page: "auto" when the feed gives only a summary or a short text.
    full_text: FullTextMode = "auto"
    ignore_robots: bool = False  # fetch this feed's pages even where robots.txt disallows them

    def __post_init__(self) -> None:
        problem = feed_id_problem(self.id)
        if problem:
            raise FieldError("id", problem)
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FieldError("url", f"must be an http:// or https:// URL (got {self.url!r})")
        _check_duration("interval", self.interval)
        for name in self.headers:
            if name.lower() in _OWN_HEADERS:
                raise FieldError("headers", f"header {name!r} is set by tracker itself")

    @property
    def interval_seconds(self) -> int:
        return parse_duration(self.interval)

    @property
    def display_name(self) -> str:
        return self.title or self.id


@dataclass(frozen=True)
class FetchSettings:
    """The optional `[fetch]` table: limits shared by every poll."""

    deadline: str = "30s"  # whole poll: connect, headers, body
    connect_timeout: str = "5s"
    read_timeout: str = "10s"
    max_body_mb: int = 10
    max_connections: int = 20
    max_per_host: int = 2
    user_agent: str | None = None
    # Private destinations feeds' redirects may reach (host names, addresses, networks).
    allow_private: tuple[str, ...] = ()
    # Article pages (`full_text`): ports besides 80 and 443 they may use, robots.txt, retries.
    page_ports: tuple[int, ...] = ()
    ignore_robots: bool = False
    page_delay: str = "1s"  # between two page requests to one host ("0s": none)
    page_attempts: int = 4  # then the page is given up

    def __post_init__(self) -> None:
        for name in ("deadline", "connect_timeout", "read_timeout"):
            _check_duration(name, getattr(self, name))
        if self.page_delay.strip() not in ("0", "0s"):
            _check_duration("page_delay", self.page_delay)
        for name, low, high in (
            ("max_body_mb", 1, 256),
            ("max_connections", 1, 500),
            ("max_per_host", 1, 50),
            ("page_attempts", 1, 20),
        ):
            if not low <= getattr(self, name) <= high:
                raise FieldError(name, f"must be between {low} and {high} (got {getattr(self, name)})")
        for index, port in enumerate(self.page_ports):
            if not 1 <= port <= 65535:
                raise FieldError("page_ports", f"must be between 1 and 65535 (got {port})", index=index)
        if len(self.allow_private) > 1000:
            raise FieldError("allow_private", "must list at most 1000 entries")
        if self.allow_private:
            from tracker.net.netguard import check_allow_private  # the network guard imports httpcore

            for entry in self.allow_private:
                try:
                    check_allow_private(entry)
                except ValueError as exc:
                    raise FieldError("allow_private", str(exc)) from None


def _check_duration(key: str, value: str) -> None:
    try:
        parse_duration(value)
    except ValueError as exc:
        raise FieldError(key, str(exc)) from None


@dataclass(frozen=True)
class Config:
    """The feeds and subjects `feeds.toml` names, and how to fetch and alert."""

    path: Path | None  # None: no feeds.toml, shipped subjects only
    feeds: tuple[FeedConfig, ...] = ()
    subjects: tuple[Subject, ...] = field(default_factory=tuple)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    alerts: tuple[AlertConfig, ...] = ()

    def feed(self, feed_id: str) -> FeedConfig:
        for feed in self.feeds:
            if feed.id == feed_id:
                return feed
        known = ", ".join(f.id for f in self.feeds) or "none"
        raise ConfigError(f"{self.source}: no feed with id {feed_id!r} (known: {known})")

    def subject(self, subject_id: str) -> Subject:
        for subject in self.subjects:
            if subject.id == subject_id:
                return subject
        known = ", ".join(s.id for s in self.subjects)
        raise ConfigError(f"no subject {subject_id!r} (known: {known})")

    @property
    def publishers(self) -> dict[str, str]:
        """feed id → publisher: corroboration counts distinct publishers, not feeds."""
        return {feed.id: feed.publisher or feed.id for feed in self.feeds}

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "feeds.toml"


def default_config() -> Config:
    """No feeds.toml: no feeds, the shipped subjects."""
    return Config(path=None, subjects=load_shipped_subjects())


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_config(document, path)


def parse_config(document: Mapping[str, Any], path: Path) -> Config:
    """Validate a parsed TOML document."""
    for key in document:
        if key not in _TOP_LEVEL_KEYS:
            raise ConfigError(
                f"{path}: {key}: unknown key (expected one of: {', '.join(sorted(_TOP_LEVEL_KEYS))})"
            )
    feeds = _parse_feeds(document.get("feeds", []), path)
    fetch = _validate(FetchSettings, document.get("fetch", {}), path, "fetch")
    user_subjects = document.get("subjects", [])
    if not isinstance(user_subjects, list) or not all(isinstance(t, dict) for t in user_subjects):
        raise ConfigError(f"{path}: subjects: must be an array of tables ([[subjects]])")
    stories = document.get("stories", [DEFAULT_STORY])
    if not isinstance(stories, list) or not stories or not all(isinstance(s, str) for s in stories):
        raise ConfigError(f"{path}: stories: must be a non-empty array of story pack names")
    try:
        shipped = load_stories(stories)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    subjects = merge_subjects(shipped, user_subjects, str(path))
    alerts = _parse_alerts(document.get("alerts", []), path, {s.id for s in subjects})
    return Config(path=path, feeds=feeds, subjects=subjects, fetch=fetch, alerts=alerts)


_Keyed = TypeVar("_Keyed", FeedConfig, AlertConfig)  # the tables with an `id`, unique in the file


def _parse_feeds(tables: object, path: Path) -> tuple[FeedConfig, ...]:
    return _parse_tables(FeedConfig, tables, path, "feeds")


def _parse_alerts(tables: object, path: Path, subject_ids: set[str]) -> tuple[AlertConfig, ...]:
    alerts = _parse_tables(AlertConfig, tables, path, "alerts")
    for index, alert in enumerate(alerts):
        unknown = [s for s in alert.subjects or () if s not in subject_ids]
        if unknown:
            raise ConfigError(
                f"{path}: alerts[{index}] (id {alert.id!r}): subjects: no subject {unknown[0]!r}"
            )
    return alerts


def _parse_tables(model: type[_Keyed], tables: object, path: Path, name: str) -> tuple[_Keyed, ...]:
    """The array of tables `[[name]]`, each validated as `model`, their ids unique."""
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: {name}: must be an array of tables ([[{name}]])")
    items: list[_Keyed] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(tables):
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: {name}[{index}]: must be a table")
        label = f"{name}[{index}]" + (f" (id {table['id']!r})" if isinstance(table.get("id"), str) else "")
        item = _validate(model, table, path, label)
        if item.id in seen:
            raise ConfigError(f"{path}: {label}: id: duplicate of {name}[{seen[item.id]}]")
        seen[item.id] = index
        items.append(item)
    return tuple(items)


def _validate(model: type[_T], table: object, path: Path, label: str) -> _T:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {label}: must be a table")
    try:
        return build(model, table)
    except TableError as exc:
        raise ConfigError(f"{path}: {label}: {_describe(exc)}") from None


def _describe(error: TableError) -> str:
    key = ".".join(str(part) for part in error.location) or "(table)"
    return f"{key}: {error.message}"
